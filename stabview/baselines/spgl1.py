"""SPGL1 for complex basis-pursuit denoising, batched: min ‖z‖₁ s.t. ‖Φz − y‖₂ ≤ σ.

The method of van den Berg and Friedlander (paper ref. [33]) follows the Pareto curve
φ(τ) = min{‖Φz − y‖₂ : ‖z‖₁ ≤ τ}: it solves the ℓ1-constrained least-squares (LASSO) problem
for the current τ approximately by spectral projected gradient (Barzilai–Borwein steps with a
non-monotone line search), then moves τ by a Newton step on φ(τ) = σ using
φ'(τ) = −‖Φ*r‖_∞ / ‖r‖ (r the residual), and repeats. Complex z is handled with the ℓ1 norm of
moduli, so the projection keeps phases and projects moduli onto the ℓ1 ball.

Every batch item keeps its own τ, step length and stopping state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from .result import ProgressCallback, Reporter, StopCallback

LINE_SEARCH_MEMORY = 3        # non-monotone line search looks back this many objective values
STEP_MIN, STEP_MAX = 1e-10, 1e10


def project_l1_ball(z: torch.Tensor, radius: torch.Tensor) -> torch.Tensor:
    """Euclidean projection of each batch item of z onto {‖z‖₁ ≤ radius} (moduli, phases kept)."""
    b = z.shape[0]
    mag = z.abs().reshape(b, -1)
    inside = mag.sum(1) <= radius
    if bool(inside.all()):
        return z
    ordered = torch.sort(mag, dim=1, descending=True).values
    cumulative = ordered.cumsum(1)
    ranks = torch.arange(1, mag.shape[1] + 1, device=z.device, dtype=mag.dtype)
    candidate = (cumulative - radius[:, None].to(mag.dtype)) / ranks
    count = (ordered > candidate).sum(1).clamp_min(1)
    theta = candidate.gather(1, (count - 1)[:, None]).clamp_min(0.0)
    shrunk = (mag - theta).clamp_min(0.0) / mag.clamp_min(torch.finfo(mag.dtype).tiny)
    scale = torch.where(inside[:, None], torch.ones_like(shrunk), shrunk)
    return z * scale.reshape(z.shape).to(z.dtype)


def _dot(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Re⟨a, b⟩ per batch item."""
    if a.is_complex():
        a, b = torch.view_as_real(a), torch.view_as_real(b)
    return (a * b).flatten(1).sum(1)


def _norm(a: torch.Tensor) -> torch.Tensor:
    return (torch.view_as_real(a) if a.is_complex() else a).flatten(1).norm(dim=1)


@dataclass
class Spgl1Outcome:
    z: torch.Tensor
    iterations: int
    stopped_by: str
    objective: list[list[float]]
    relative_change: list[float]
    residual: torch.Tensor


def spgl1(forward: Callable, adjoint: Callable, y: torch.Tensor, sigma: torch.Tensor, z0: torch.Tensor,
          *, max_iterations: int = 300, tol: float = 1e-4, inner_iterations: int = 60,
          progress: ProgressCallback | None = None,
          should_stop: StopCallback | None = None) -> Spgl1Outcome:
    """Solve min ‖z‖₁ s.t. ‖Φz − y‖ ≤ σ (σ per batch item) from z0 = 0-shaped template.

    `max_iterations` bounds the projected-gradient iterations (one Φ and one Φ* each, plus
    line-search evaluations); `tol` is the relative accuracy asked of the residual norm
    (|‖r‖ − σ| ≤ tol·‖y‖ or ‖r‖ < σ) and of the LASSO duality gap before τ moves.
    """
    b = y.shape[0]
    shape_b = (-1,) + (1,) * (z0.dim() - 1)
    y_norm = _norm(y).double()
    tau = torch.zeros(b, dtype=torch.float64, device=y.device)
    z = torch.zeros_like(z0)
    r = y.clone()
    g = -adjoint(r)                                    # gradient of ½‖Φz − y‖²
    f = 0.5 * _norm(r).double() ** 2
    history = [f.clone() for _ in range(LINE_SEARCH_MEMORY)]
    step = torch.ones(b, dtype=torch.float64, device=y.device)
    reporter = Reporter(max_iterations, progress, should_stop)
    objective, changes, stopped_by, it = [], [], "iterations", 0
    inner = 0
    for it in range(1, max_iterations + 1):
        r_norm = _norm(r).double()
        dual = (g.abs().reshape(b, -1).amax(1)).double().clamp_min(1e-300)   # ‖Φ*r‖_∞
        gap = (r_norm ** 2 - _dot(y, r).double() + tau * dual).abs() / r_norm.clamp_min(1e-300)
        miss = (r_norm - sigma).abs()
        on_target = miss <= tol * y_norm
        if it > 1 and bool((on_target & (gap <= tol * y_norm)).all()):
            stopped_by = "tolerance"
            break
        # move τ once the LASSO solve is accurate compared with the distance to σ (as SPGL1 does)
        ready = (gap <= torch.maximum(tol * y_norm, 0.5 * miss)) | (inner >= inner_iterations)
        if it == 1 or bool((ready | on_target).all()):
            move = ~on_target
            tau = torch.where(move, (tau + (r_norm - sigma) * r_norm / dual).clamp_min(0.0), tau)
            inner = 0
            history = [f.clone() for _ in range(LINE_SEARCH_MEMORY)]
        inner += 1
        z_old = z
        reference = torch.stack(history).amax(0)
        trial_step = step.clone()
        for _ in range(10):                            # backtracking, non-monotone (GLL)
            candidate = project_l1_ball(z - trial_step.view(shape_b).to(z.real.dtype) * g, tau)
            direction = candidate - z
            r_new = y - forward(candidate)
            f_new = 0.5 * _norm(r_new).double() ** 2
            ok = f_new <= reference + 1e-4 * _dot(g, direction).double()
            if bool(ok.all()):
                break
            trial_step = torch.where(ok, trial_step, trial_step * 0.5)
        s = direction
        z, r, f = candidate, r_new, f_new
        g_new = -adjoint(r)
        yk = g_new - g
        sts, sty = _dot(s, s).double(), _dot(s, yk).double()
        step = torch.where(sty > 0, sts / sty.clamp_min(1e-300), torch.full_like(sts, STEP_MAX))
        step = step.clamp(STEP_MIN, STEP_MAX)
        g = g_new
        history = history[1:] + [f.clone()]
        change = float((_norm(z - z_old) / _norm(z).clamp_min(1e-30)).max())
        objective.append([float(v) for v in z.abs().flatten(1).sum(1)])
        changes.append(change)
        if reporter.cancelled(it, {"objective": objective[-1], "relative_change": change,
                                   "residual": [float(v) for v in _norm(r)]}):
            stopped_by = "cancelled"
            break
    return Spgl1Outcome(z=z, iterations=it, stopped_by=stopped_by, objective=objective,
                        relative_change=changes, residual=_norm(r))
