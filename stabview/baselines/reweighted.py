"""Reweighted shearlet + TGV² reconstruction by split Bregman (the paper's comparison method).

Minimises, for measurements y = A x of a batch of images,

    Σ_j λ_j ‖W_j Ψ_j z‖₁ + α1 ‖W_TV (∇z − v)‖₁ + α2 ‖E v‖₁ + β/2 ‖A z − y‖²   (min over v: TGV²)

with W_j = diag(1 / (|Ψ_j z| + ε)) refreshed from the current iterate during the iterations
(every `reweight_every` iterations up to `reweight_until`, then frozen) rather than only after
convergence, and W_TV = ε_TV / (|∇z − v| + ε_TV) when `tv_eps` is set (else 1). Split Bregman
with d = (Ψz, ∇z − v, Ev) and penalties μ = (μ1, μ2, μ3):

    (z, v) ← argmin β/2‖Az − y‖² + Σ_g μ_g/2 ‖d_g − K_g(z, v) − b_g‖²     (linear_step.py)
    d_g    ← shrink(K_g(z, v) + b_g, weight_g / μ_g)                     (shrinkage.py)
    b_g    ← b_g + K_g(z, v) − d_g

The (z, v) step is exact per frequency for single-coil Fourier sampling and a few warm-started
PCG steps otherwise (Radon, multi-coil). Stops when max_batch ‖z_k − z_{k−1}‖/‖z_k‖ < tol or
after max_iterations; the objective above (with the current W) is recorded every iteration.
"""

from __future__ import annotations

import time

import torch

from ..operators import FourierOperator, LinearOperator
from .linear_step import FourierStep, IterativeStep, Penalties
from .presets import ShearletTgvParams, as_dict
from .result import BaselineResult, ProgressCallback, Reporter, StopCallback, relative_change
from .shearlets import ShearletTransform
from .shrinkage import clip_split, group_norm, group_split, real_view
from .tgv import gradient, symmetric_gradient


def penalties_for(params: ShearletTgvParams) -> Penalties:
    """The μ's in use: a term whose weight (α) is zero, or that is switched off, gets μ = 0."""
    mu1, mu2, mu3 = params.mu
    a1, a2 = params.alpha
    return Penalties(beta=float(params.beta), shearlet=float(mu1) if params.shearlets else 0.0,
                     gradient=float(mu2) if a1 > 0 else 0.0,
                     second_order=float(mu3) if (a2 > 0 and a1 > 0 and mu2 > 0) else 0.0)


def subband_weights(transform: ShearletTransform, level_weights, device) -> torch.Tensor:
    """λ_j per subband `(J,)` from one weight per scale (low-pass first; default all 1)."""
    counts = [1] + [2 ** (d + 2) for d in transform.directions]
    values = level_weights if level_weights is not None else [1.0] * len(counts)
    return torch.cat([torch.full((n,), float(w)) for n, w in zip(counts, values)]).to(device)


class Splitting:
    """The d/b half of split Bregman: reweighting, shrinkage and Bregman updates of each term.

    Holds the Bregman variables b and the shearlet thresholds θ = λ_j W_j / μ1; the split
    variables d are never stored, only p = d − b, which is what the linear step needs.
    """

    def __init__(self, params: ShearletTgvParams, pen: Penalties, transform, device):
        self.params, self.pen = params, pen
        self.lam = subband_weights(transform, params.level_weights, device) if pen.shearlet > 0 else None
        self.b_s = self.b_g = self.b_e = None
        self.upper = self.lower = None
        self.tv_weight = None
        self.magnitude = None

    def _reweight(self, magnitude: torch.Tensor) -> None:
        """θ = (λ_j/μ1) / (|Ψz| + ε), and −θ, from the current coefficients."""
        shape = (-1,) + (1,) * (magnitude.dim() - 2)
        scale = (self.lam / self.pen.shearlet).view(shape)
        self.upper = magnitude.add(self.params.eps).reciprocal_().mul_(scale)
        self.lower = self.upper.neg()

    def _refresh(self, iteration: int) -> bool:
        """Weights are refreshed every `reweight_every` iterations up to `reweight_until`, then
        frozen, so the last stretch is a convex weighted problem that split Bregman converges on."""
        every, until = self.params.reweight_every, self.params.reweight_until
        return bool(every) and iteration % every == 0 and (not until or iteration <= until)

    def update(self, iteration: int, z, v, c):
        """Shrink K(z, v) + b and update b; return (p_s, p_g, p_e) and the regulariser value."""
        params, pen = self.params, self.pen
        a1, a2 = params.alpha
        value = torch.zeros(z.shape[0], dtype=torch.float64, device=z.device)
        ps = pg = pe = None
        if pen.shearlet > 0:
            cr = real_view(c)
            if self.magnitude is None or self.magnitude.shape != cr.shape:
                self.magnitude = torch.empty_like(cr)
            magnitude = torch.abs(cr, out=self.magnitude)   # reused: fresh big arrays fault pages
            if self.upper is None or self._refresh(iteration):
                self._reweight(magnitude)
            value += pen.shearlet * torch.einsum("bi,bi->b", self.upper.flatten(1), magnitude.flatten(1)).double()
            if self.b_s is None:
                self.b_s = torch.zeros_like(cr)
            clip_split(cr.add_(self.b_s), self.upper, self.lower, self.b_s)
            ps = c
        if pen.gradient > 0:
            g = gradient(z) - v if v is not None else gradient(z)
            norm_g = group_norm(g)
            tv_eps = params.tv_eps
            if tv_eps is not None and (self.tv_weight is None or self._refresh(iteration)):
                self.tv_weight = tv_eps / (norm_g + tv_eps)
            weight = self.tv_weight if tv_eps is not None else 1.0
            value += a1 * (weight * norm_g).flatten(1).sum(1).double()
            if self.b_g is None:
                self.b_g = torch.zeros_like(g)
            pg = group_split(g.add_(self.b_g), (a1 / pen.gradient) * weight, self.b_g)
        if pen.with_field:
            e = symmetric_gradient(v)
            value += a2 * group_norm(e).flatten(1).sum(1).double()
            if self.b_e is None:
                self.b_e = torch.zeros_like(e)
            pe = group_split(e.add_(self.b_e), a2 / pen.second_order, self.b_e)
        return ps, pg, pe, value


def shearlet_tgv(op: LinearOperator, y: torch.Tensor, params: ShearletTgvParams | None = None, *,
                 progress: ProgressCallback | None = None, should_stop: StopCallback | None = None,
                 x0: torch.Tensor | None = None) -> BaselineResult:
    """Reconstruct `(B, H, W)` images from `y` with the reweighted shearlet-TGV² method.

    Starts from `x0` if given, else from the operator's warm start (A*y, or FBP for Radon).
    `progress(iteration, total, info)` returning False, or `should_stop()` returning True,
    ends the solve early with `stopped_by='cancelled'`.
    """
    params = (params or ShearletTgvParams()).check()
    y = op.check_measurement(y)
    started = time.perf_counter()
    pen = penalties_for(params)
    transform = None
    if pen.shearlet > 0:
        transform = ShearletTransform(op.image_shape, params.scales, params.directions, device=y.device)
    if isinstance(op, FourierOperator):
        step = FourierStep(op, y, transform, pen)
    else:
        step = IterativeStep(op, y, transform, pen, params.cg_steps)
    z = step.start.clone() if x0 is None else op.check_image(x0).to(step.start.dtype).clone()
    v = torch.zeros_like(torch.stack((z, z), 1)) if pen.with_field else None
    split = Splitting(params, pen, transform, y.device)
    ps, pg, pe, _ = split.update(0, z, v, transform.forward(z) if transform is not None else None)

    reporter = Reporter(params.max_iterations, progress, should_stop)
    objective, changes, stopped_by, it = [], [], "iterations", 0
    for it in range(1, params.max_iterations + 1):
        z_old = z
        z, v, c, misfit = step(z, v, ps, pg, pe)
        ps, pg, pe, value = split.update(it, z, v, c)
        value += 0.5 * params.beta * misfit.double()
        change = float(relative_change(z, z_old).max())
        objective.append([float(t) for t in value])
        changes.append(change)
        if reporter.cancelled(it, {"objective": objective[-1], "relative_change": change}):
            stopped_by = "cancelled"
            break
        if change < params.tol:
            stopped_by = "tolerance"
            break
    info = as_dict(params)
    info["filters"] = transform.count if transform is not None else 0
    if step.fft_count is not None:
        info["ffts_per_iteration"] = step.fft_count
    return BaselineResult(image=z, method="shearlet-tgv" if transform is not None else "tgv",
                          iterations=it, stopped_by=stopped_by, objective=objective,
                          relative_change=changes, seconds=time.perf_counter() - started, params=info)
