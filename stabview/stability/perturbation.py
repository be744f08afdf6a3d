"""Test 1: search for a tiny perturbation r that makes the network's reconstruction fail.

Gradient ascent with momentum on Q(r) = ½‖f(y + A r) − p(x)‖² − λ/2‖r‖² (the paper's
Algorithm 1, and Algorithm 2 for Radon, where the FBP B replaces A* in the gradient):

    v ← γ v + η (G ∇_u g(y + A r) − λ r),   r ← r + v,   g(u) = ½‖f(u) − p(x)‖²

with G = A* or B, r₀ = τ·U[0,1]^N and v₀ = 0. The search is an object with its whole state, so
it can be stepped, paused and resumed without changing the trajectory; `run(n)` is a generator
of `AttackState`s that the CLI shows as a progress bar and the GUI runs in a worker.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

import torch

from ..errors import StabviewError
from ..operators.base import LinearOperator
from . import metrics
from .params import AttackParams
from .validation import checked_output


@dataclass
class AttackState:
    """What one iteration found (all numbers are for the r evaluated in that iteration)."""

    iteration: int
    objective: float             # Q(r)
    perturbation_rel: float      # ‖r‖/‖x‖ (image domain) or ‖r̃‖/‖y‖ (measurement domain)
    network_change_rel: float    # ‖f(y + A r) − f(y)‖ / ‖f(y)‖
    psnr: float                  # of f(y + A r) against x
    ssim: float

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Snapshot:
    """A perturbation kept for display (the paper's r₁ < r₂ < r₃)."""

    iteration: int
    perturbation_rel: float
    r: torch.Tensor = field(repr=False)


@contextmanager
def frozen(net: torch.nn.Module):
    """Eval mode and no weight gradients while attacking (weight gradients add ~40%).

    Re-entrant (inside an outer `frozen` it does nothing), and it leaves the mode alone when the
    net is already in eval mode, so a step does not walk every submodule twice.
    """
    if getattr(net, "_stabview_frozen", False):
        yield net
        return
    was_training = net.training
    flags = [(p, p.requires_grad) for p in net.parameters()]
    if was_training:
        net.eval()
    for p, _ in flags:
        p.requires_grad_(False)
    object.__setattr__(net, "_stabview_frozen", True)
    try:
        yield net
    finally:
        object.__setattr__(net, "_stabview_frozen", False)
        for p, flag in flags:
            p.requires_grad_(flag)
        if was_training:
            net.train(True)


def _restrict(op: LinearOperator, y: torch.Tensor) -> torch.Tensor:
    """Keep a measurement-domain vector on the sampled entries (k-space masks; Radon uses all)."""
    if op.modality in ("fourier", "multicoil"):
        return y * op.mask
    return y


class PerturbationSearch:
    """Worst-case perturbation search for one network, operator and image batch `x` `(B, H, W)`.

    `snapshot_at` lists iterations whose r is kept (besides any `snapshot()` call).
    """

    def __init__(self, net, op: LinearOperator, x: torch.Tensor, params: AttackParams | None = None,
                 *, snapshot_at: tuple[int, ...] = (), roi: torch.Tensor | None = None):
        self.net, self.op = net, op
        self.params = params or AttackParams()
        self.x = op.check_image(x.to(op.device))
        self.roi = None if roi is None else self._check_roi(roi)
        self.snapshot_at = set(int(i) for i in snapshot_at)
        self.snapshots: list[Snapshot] = []
        self.history: list[AttackState] = []
        self.iteration = 0
        self.last_output: torch.Tensor | None = None
        with torch.no_grad(), frozen(net):
            self.y = op.forward(self.x)
            self.clean = checked_output(net(self.y, op), op, "f(Ax)")
        self.target = self.clean if self.params.target == "f(Ax)" else self.x
        self.gradient_path = self._gradient_path()
        self.r = self._initial_r()
        self.v = torch.zeros_like(self.r)
        self._reference_norm = (self.x if self.params.domain == "image" else self.y).flatten(1).norm(dim=1)

    # --- set-up ------------------------------------------------------------------------------
    def _check_roi(self, roi: torch.Tensor) -> torch.Tensor:
        roi = torch.as_tensor(roi, device=self.op.device)
        if self.params.domain != "image":
            raise StabviewError("a region of interest confines r in the image domain; "
                                "use domain='image' with it")
        if tuple(roi.shape[-2:]) != self.op.image_shape:
            raise StabviewError(f"region of interest is {tuple(roi.shape)}, images are {self.op.image_shape}")
        if not bool(roi.bool().any()):
            raise StabviewError("the region of interest is empty: draw at least one pixel")
        return roi.bool()

    def _gradient_path(self) -> str:
        choice = self.params.gradient
        if choice == "auto":
            return "fbp" if self.op.modality == "radon" else "adjoint"
        if choice == "fbp" and self.op.modality != "radon":
            raise StabviewError("the FBP gradient path (Algorithm 2) exists only for Radon operators")
        return choice

    def _initial_r(self) -> torch.Tensor:
        """r₀ = τ·U[0,1]^N from a seeded generator on the CPU (same numbers on every device)."""
        p = self.params
        g = torch.Generator().manual_seed(p.seed)
        if p.domain == "image":
            real_dtype = torch.float64 if self.x.dtype in (torch.float64, torch.complex128) else torch.float32
            shape = tuple(self.x.shape)
            if self.x.is_complex() and p.complex_perturbation:
                r = torch.complex(torch.rand(shape, generator=g, dtype=real_dtype),
                                  torch.rand(shape, generator=g, dtype=real_dtype))
            else:
                r = torch.rand(shape, generator=g, dtype=real_dtype)
        else:
            real_dtype = self.y.real.dtype
            shape = tuple(self.y.shape)
            r = torch.rand(shape, generator=g, dtype=real_dtype)
            if self.y.is_complex():
                r = torch.complex(r, torch.rand(shape, generator=g, dtype=real_dtype))
        r = (p.init_scale * r).to(self.op.device)
        r = _restrict(self.op, r) if p.domain == "measurement" else self._confine(r)
        return self._project(r)

    # --- the pieces of one step ----------------------------------------------------------------
    def _confine(self, r: torch.Tensor) -> torch.Tensor:
        return r if self.roi is None else r * self.roi

    def _project(self, r: torch.Tensor) -> torch.Tensor:
        """Constrained mode: project onto the ball ‖r‖ ≤ θ‖x‖ (per image)."""
        if self.params.constraint is None:
            return r
        radius = self.params.constraint * self.x.flatten(1).norm(dim=1)
        norm = r.flatten(1).norm(dim=1)
        scale = torch.clamp(radius / norm.clamp_min(1e-30), max=1.0)
        return r * scale.view(-1, *([1] * (r.dim() - 1)))

    def measurements(self, r: torch.Tensor) -> torch.Tensor:
        """u = y + A r (image domain) or y + r̃ (measurement domain)."""
        if self.params.domain == "image":
            return self.y + self.op.forward(r)
        return self.y + r

    def _evaluate(self, r: torch.Tensor):
        """f(u), the objective and ∇_r Q at r: one forward and one backward of the network."""
        p = self.params
        u = self.measurements(r).detach().requires_grad_(True)
        with torch.enable_grad():
            out = checked_output(self.net(u, self.op), self.op, "f(y + A r)")
            misfit = 0.5 * (out - self.target).abs().pow(2).sum()
            (grad_u,) = torch.autograd.grad(misfit, u)
        if p.domain == "image":
            back = self.op.warm_start(grad_u) if self.gradient_path == "fbp" else self.op.adjoint(grad_u)
            if not r.is_complex() and back.is_complex():
                back = back.real
            direction = self._confine(back.to(r.dtype))
        else:
            direction = _restrict(self.op, grad_u)
        penalty = 0.0 if p.constraint is not None else p.lam
        objective = float(misfit.detach()) - 0.5 * penalty * float(r.abs().pow(2).sum())
        if p.constraint is not None:   # projected ascent of ‖f(y+Ar) − f(y)‖: normalised steps
            radius = p.constraint * self.x.flatten(1).norm(dim=1)
            dnorm = direction.flatten(1).norm(dim=1).clamp_min(1e-30)
            direction = direction * (radius / dnorm).view(-1, *([1] * (r.dim() - 1)))
        else:
            direction = direction - p.lam * r
        return out.detach(), objective, direction

    def _state(self, out: torch.Tensor, objective: float, r: torch.Tensor) -> AttackState:
        with torch.no_grad():
            rel = (r.flatten(1).norm(dim=1) / self._reference_norm.clamp_min(1e-30)).mean()
            change = ((out - self.clean).flatten(1).norm(dim=1)
                      / self.clean.flatten(1).norm(dim=1).clamp_min(1e-30)).mean()
            psnr = metrics.psnr(out.cpu(), self.x.cpu()).mean()
            ssim = metrics.ssim(out.cpu(), self.x.cpu()).mean()
        return AttackState(self.iteration, objective, float(rel), float(change), float(psnr), float(ssim))

    # --- public API -----------------------------------------------------------------------------
    def step(self) -> AttackState:
        """One iteration: evaluate Q and its gradient at r, record the state, update v and r."""
        p = self.params
        with frozen(self.net):
            if p.method == "nesterov":
                out, objective, _ = self._evaluate(self.r)   # report at r, step from the look-ahead
                _, _, direction = self._evaluate(self.r + p.momentum * self.v)
            else:
                out, objective, direction = self._evaluate(self.r)
        state = self._state(out, objective, self.r)
        self.last_output = out   # f(y + A r) for the r of this state, for viewers (no extra forward)
        if self.iteration in self.snapshot_at:
            self.snapshot()
        self.v = p.momentum * self.v + p.lr * direction
        self.r = self._project(self.r + self.v)
        self.iteration += 1
        self.history.append(state)
        return state

    def run(self, iterations: int, *, should_stop=None):
        """Generator of states for `iterations` more steps; stops early when `should_stop()`."""
        for _ in range(int(iterations)):
            if should_stop is not None and should_stop():
                return
            yield self.step()

    def snapshot(self) -> Snapshot:
        """Keep the current r (copied) with its size, for the r₁ < r₂ < r₃ display."""
        rel = float((self.r.flatten(1).norm(dim=1) / self._reference_norm.clamp_min(1e-30)).mean())
        snap = Snapshot(self.iteration, rel, self.r.detach().clone())
        self.snapshots.append(snap)
        return snap

    def image_perturbation(self, r: torch.Tensor | None = None) -> torch.Tensor:
        """r in the image domain: r itself, or for r̃ its least-squares image-domain equivalent."""
        r = self.r if r is None else r
        if self.params.domain == "image":
            return r
        from .least_squares import least_squares_image
        return least_squares_image(self.op, r)

    def reconstruct(self, r: torch.Tensor | None = None) -> torch.Tensor:
        """f(y + A r) for the current (or a given) perturbation, without gradients."""
        r = self.r if r is None else r
        with torch.no_grad(), frozen(self.net):
            return checked_output(self.net(self.measurements(r), self.op), self.op, "f(y + A r)")
