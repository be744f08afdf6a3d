"""Test 1: search for a tiny perturbation r that makes the network's reconstruction fail.

Both modes climb g(r) = ½‖f(y + A r) − p(x)‖² with the gradient G ∇_u g(y + A r), where G is A*
(the paper's Algorithm 1) or, for Radon, the FBP B (Algorithm 2).

- budgeted (default): r stays in the ball ‖r‖ ≤ ε‖x‖. Each step moves the best r found so far by
  a share of the ball's radius along its normalised gradient and projects back; the share halves
  when a step does not raise g and grows when it does. Steps are relative to the budget, so the
  search does not depend on the scale of the network's output: nothing is tuned per network.
- paper: heavy-ball ascent on Q(r) = g(r) − λ/2‖r‖², v ← γ v + η (G ∇g − λ r), r ← r + v, from
  r₀ = τ·U[0,1]^N, with a guard that stops it when ‖r‖ runs away.

The search is an object with its whole state (`state_dict()` / `from_state()`), so it can be
stepped, paused, saved and resumed without changing the trajectory; `run(n)` is a generator of
`AttackState`s that the CLI shows as a progress bar and the GUI runs in a worker. Every number a
search reports is of an r that was evaluated and recorded in its history.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

import torch

from ..errors import NetworkOutputError, StabviewError
from ..networks.gradients import differentiating
from ..operators.base import LinearOperator
from . import metrics
from .budget import StallTest, ball_radius, batch_norm, project_to_ball, scale_to_norm
from .interruption import Interrupted, check, interruptible
from .params import AttackParams
from .validation import checked_output

#: why a search ended early ('cancelled' is set by whoever drives it)
STOP_REASONS = ("stalled", "diverged", "cancelled")


class _Diverged(Exception):
    """The paper-mode search left the region where its numbers mean anything."""


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

    `snapshot_at` lists iterations whose r is kept (besides any `snapshot()` call). `start`
    (budgeted mode) is the first r, e.g. the top singular direction of the linearised network or
    the best r of a smaller budget; it is scaled onto the ball. Without it r starts at a random
    point of the ball's surface (budgeted) or at τ·U[0,1]^N (paper).
    """

    def __init__(self, net, op: LinearOperator, x: torch.Tensor, params: AttackParams | None = None,
                 *, snapshot_at: tuple[int, ...] = (), roi: torch.Tensor | None = None,
                 start: torch.Tensor | None = None):
        self.net, self.op = net, op
        self.params = params or AttackParams()
        self.x = op.check_image(x.to(op.device))
        self.roi = None if roi is None else self._check_roi(roi)
        self.snapshot_at = set(int(i) for i in snapshot_at)
        self.snapshots: list[Snapshot] = []
        self.history: list[AttackState] = []
        self.iteration = 0
        self.stopped_by: str | None = None
        self.last_output: torch.Tensor | None = None
        self.best_output: torch.Tensor | None = None      # f(y + A best_r), from the step that evaluated it
        with torch.no_grad(), frozen(net):
            self.y = op.forward(self.x)
            self.clean = checked_output(net(self.y, op), op, "f(Ax)")
        self.target = self.clean if self.params.target == "f(Ax)" else self.x
        self.gradient_path = self._gradient_path()
        self._reference_norm = batch_norm(self.x if self.params.domain == "image" else self.y)
        self.radius = ball_radius(self.x if self.params.domain == "image" else self.y, self.params.budget)
        self.r = self._initial_r() if start is None else self._start_from(start)
        self.v = torch.zeros_like(self.r)
        # budgeted mode: the best r so far, its ascent direction and objective, the step share
        self.step_share = self.params.step
        self.best_r = self.r.clone()
        self.best_direction = torch.zeros_like(self.r)
        self.best_objective = -float("inf")
        self.best_iteration = -1
        self.stall = StallTest(self.params.stall_window, self.params.stall_tolerance)
        self.evaluated_r = self.r.clone()     # the r of the last recorded state

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

    def _r_like(self) -> tuple[tuple[int, ...], torch.dtype, bool]:
        """Shape, real dtype and complexity of r in this search's domain."""
        p = self.params
        if p.domain == "image":
            real = torch.float64 if self.x.dtype in (torch.float64, torch.complex128) else torch.float32
            return tuple(self.x.shape), real, bool(self.x.is_complex() and p.complex_perturbation)
        return tuple(self.y.shape), self.y.real.dtype, bool(self.y.is_complex())

    def _admissible(self, r: torch.Tensor) -> torch.Tensor:
        """r restricted to where it may live: the sampled entries, or the region of interest."""
        return _restrict(self.op, r) if self.params.domain == "measurement" else self._confine(r)

    def _initial_r(self) -> torch.Tensor:
        """From a seeded generator on the CPU (same numbers on every device): budgeted, a Gaussian
        direction on the ball's surface; paper, r₀ = τ·U[0,1]^N."""
        p = self.params
        g = torch.Generator().manual_seed(p.seed)
        shape, real, complex_r = self._r_like()
        draw = torch.randn if p.budgeted else torch.rand
        r = draw(shape, generator=g, dtype=real)
        if complex_r:
            r = torch.complex(r, draw(shape, generator=g, dtype=real))
        r = self._admissible(r.to(self.op.device))
        if p.budgeted:
            return scale_to_norm(r, self.radius)
        return p.init_scale * r

    def _start_from(self, start: torch.Tensor) -> torch.Tensor:
        shape, real, complex_r = self._r_like()
        start = torch.as_tensor(start).to(self.op.device)
        if tuple(start.shape) != shape:
            raise StabviewError(f"the starting perturbation has shape {tuple(start.shape)}, expected {shape}")
        if start.is_complex() and not complex_r:
            start = start.real
        dtype = (torch.complex128 if real == torch.float64 else torch.complex64) if complex_r else real
        start = self._admissible(start.to(dtype))
        if not bool(torch.isfinite(start).all()) or float(start.abs().max()) == 0:
            raise StabviewError("the starting perturbation is zero or not finite")
        return scale_to_norm(start, self.radius) if self.params.budgeted else start

    # --- the pieces of one step ----------------------------------------------------------------
    def _confine(self, r: torch.Tensor) -> torch.Tensor:
        return r if self.roi is None else r * self.roi

    def measurements(self, r: torch.Tensor) -> torch.Tensor:
        """u = y + A r (image domain) or y + e (measurement domain)."""
        if self.params.domain == "image":
            return self.y + self.op.forward(r)
        return self.y + r

    def relative_size(self, r: torch.Tensor) -> float:
        """‖r‖/‖x‖ (or ‖e‖/‖y‖), averaged over the batch."""
        return float((batch_norm(r) / self._reference_norm.clamp_min(1e-30)).mean())

    def _evaluate(self, r: torch.Tensor, should_stop=None):
        """f(u), g(r) and the ascent direction G ∇g at r: one forward and one backward pass
        (`Interrupted` when `should_stop()` turns true during them; nothing is changed)."""
        p = self.params
        if not p.budgeted and (not bool(torch.isfinite(r).all())
                               or self.relative_size(r) > p.divergence_limit):
            raise _Diverged
        u = self.measurements(r).detach().requires_grad_(True)
        try:
            with torch.enable_grad(), interruptible(self.net, should_stop):
                out = checked_output(self.net(u, self.op), self.op, "f(y + A r)")
                misfit = 0.5 * (out - self.target).abs().pow(2).sum()
                check(should_stop)
                with differentiating(self.net):
                    (grad_u,) = torch.autograd.grad(misfit, u)
        except NetworkOutputError:
            if not p.budgeted:      # a NaN far from x is the search's fault, not the network's
                raise _Diverged from None
            raise
        if p.domain == "image":
            back = self.op.warm_start(grad_u) if self.gradient_path == "fbp" else self.op.adjoint(grad_u)
            if not r.is_complex() and back.is_complex():
                back = back.real
            direction = self._confine(back.to(r.dtype))
        else:
            direction = _restrict(self.op, grad_u)
        objective = float(misfit.detach())
        if not p.budgeted:
            objective -= 0.5 * p.lam * float(r.abs().pow(2).sum())
            direction = direction - p.lam * r
        return out.detach(), objective, direction

    def _state(self, out: torch.Tensor, objective: float, r: torch.Tensor) -> AttackState:
        with torch.no_grad():
            change = (batch_norm(out - self.clean) / batch_norm(self.clean).clamp_min(1e-30)).mean()
            psnr = metrics.psnr(out.cpu(), self.x.cpu()).mean()
            ssim = metrics.ssim(out.cpu(), self.x.cpu()).mean()
        return AttackState(self.iteration, objective, self.relative_size(r), float(change), float(psnr),
                           float(ssim))

    # --- public API -----------------------------------------------------------------------------
    @property
    def result_r(self) -> torch.Tensor:
        """The r the search reports: the best one found (budgeted), the last evaluated (paper)."""
        return self.best_r if self.params.budgeted and self.best_iteration >= 0 else self.evaluated_r

    @property
    def result_state(self) -> AttackState | None:
        """The recorded state of `result_r` (None before the first step)."""
        if not self.history:
            return None
        return self.history[self.best_iteration] if self.params.budgeted else self.history[-1]

    def step(self, should_stop=None) -> AttackState | None:
        """One iteration: evaluate at r, record the state, choose the next r.

        None when no step was taken: the paper-mode search diverged before evaluating (and
        stopped), or `should_stop()` turned true during the network's passes. An interrupted step
        leaves the search exactly as it was, so stepping on gives the same trajectory.
        """
        try:
            if self.params.budgeted:
                return self._budgeted_step(should_stop)
            return self._paper_step(should_stop)
        except Interrupted:
            return None

    def _record(self, out: torch.Tensor, objective: float) -> AttackState:
        state = self._state(out, objective, self.r)
        self.last_output = out   # f(y + A r) for the r of this state, for viewers (no extra forward)
        self.evaluated_r = self.r
        if self.iteration in self.snapshot_at:
            self._keep(self.r, self.iteration)
        self.history.append(state)
        return state

    def _budgeted_step(self, should_stop=None) -> AttackState:
        with frozen(self.net):
            out, objective, direction = self._evaluate(self.r, should_stop)
        state = self._record(out, objective)
        if objective > self.best_objective:
            if self.best_iteration >= 0:
                self.step_share = min(1.0, 1.5 * self.step_share)
            self.best_r, self.best_direction, self.best_output = self.r, direction, out
            self.best_objective, self.best_iteration = objective, self.iteration
        else:
            self.step_share /= 2
        if self.stall.update(objective) or self.step_share < 1e-4:
            self.stopped_by = "stalled"
        move = scale_to_norm(self.best_direction, self.step_share * self.radius)
        self.r = project_to_ball(self.best_r + move, self.radius)
        self.iteration += 1
        return state

    def _paper_step(self, should_stop=None) -> AttackState:
        p = self.params
        try:
            with frozen(self.net):
                if p.method == "nesterov":     # report at r, step from the look-ahead
                    out, objective, _ = self._evaluate(self.r, should_stop)
                    _, _, direction = self._evaluate(self.r + p.momentum * self.v, should_stop)
                else:
                    out, objective, direction = self._evaluate(self.r, should_stop)
        except _Diverged:
            self.stopped_by = "diverged"
            self.r = self.evaluated_r
            return None
        state = self._record(out, objective)
        self.v = p.momentum * self.v + p.lr * direction
        self.r = self.r + self.v
        self.iteration += 1
        return state

    def run(self, iterations: int, *, should_stop=None):
        """Generator of states for up to `iterations` more steps; ends early when the search
        stalls or diverges (see `stopped_by`) or when `should_stop()` says so ('cancelled')."""
        for _ in range(int(iterations)):
            if self.stopped_by is not None:
                return
            if should_stop is not None and should_stop():
                self.stopped_by = "cancelled"
                return
            state = self.step(should_stop)
            if state is None:
                if self.stopped_by is None:          # interrupted during the step
                    self.stopped_by = "cancelled"
                return
            yield state

    def snapshot(self) -> Snapshot:
        """Keep the reported r (copied) with its size, for the r₁ < r₂ < r₃ display."""
        state = self.result_state
        return self._keep(self.result_r, state.iteration if state is not None else 0)

    def _keep(self, r: torch.Tensor, iteration: int) -> Snapshot:
        snap = Snapshot(int(iteration), self.relative_size(r), r.detach().clone())
        self.snapshots.append(snap)
        return snap

    def image_perturbation(self, r: torch.Tensor | None = None) -> torch.Tensor:
        """r in the image domain: r itself, or for e its least-squares image-domain equivalent."""
        r = self.result_r if r is None else r
        if self.params.domain == "image":
            return r
        from .least_squares import least_squares_image
        return least_squares_image(self.op, r)

    def reconstruct(self, r: torch.Tensor | None = None) -> torch.Tensor:
        """f(y + A r) for the reported (or a given) perturbation, without gradients. For the last
        evaluated or the best r, the output their step computed (no extra forward pass)."""
        r = self.result_r if r is None else r
        if r is self.evaluated_r and self.last_output is not None:
            return self.last_output.clone()
        if r is self.best_r and self.best_output is not None:
            return self.best_output.clone()
        with torch.no_grad(), frozen(self.net):
            return checked_output(self.net(self.measurements(r), self.op), self.op, "f(y + A r)")

    # --- pause, save, resume ---------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Everything needed to continue this search bit for bit: plain values and CPU tensors."""
        tensors = {"r": self.r, "v": self.v, "best_r": self.best_r, "best_direction": self.best_direction,
                   "evaluated_r": self.evaluated_r}
        return {
            "params": self.params.to_dict(),
            "iteration": self.iteration,
            "stopped_by": self.stopped_by,
            "step_share": self.step_share,
            "best_objective": self.best_objective,
            "best_iteration": self.best_iteration,
            "stall": self.stall.state_dict(),
            "snapshot_at": sorted(self.snapshot_at),
            "history": [s.to_dict() for s in self.history],
            "snapshots": [{"iteration": s.iteration, "perturbation_rel": s.perturbation_rel,
                           "r": s.r.detach().cpu().clone()} for s in self.snapshots],
            "roi": None if self.roi is None else self.roi.cpu().clone(),
            **{k: t.detach().cpu().clone() for k, t in tensors.items()},
        }

    @classmethod
    def from_state(cls, net, op: LinearOperator, x: torch.Tensor, state: dict) -> "PerturbationSearch":
        """The search `state_dict()` described, on this network, operator and image."""
        params = AttackParams.from_dict(state["params"])
        search = cls(net, op, x, params, snapshot_at=tuple(state.get("snapshot_at", ())),
                     roi=state.get("roi"))
        like = search.r
        try:
            for key in ("r", "v", "best_r", "best_direction", "evaluated_r"):
                value = torch.as_tensor(state[key])
                if tuple(value.shape) != tuple(like.shape):
                    raise StabviewError(f"the saved search's {key} has shape {tuple(value.shape)}, "
                                        f"this image needs {tuple(like.shape)}")
                setattr(search, key, value.to(device=like.device, dtype=like.dtype))
            search.iteration = int(state["iteration"])
            search.stopped_by = state.get("stopped_by")
            search.step_share = float(state["step_share"])
            best = state.get("best_objective")
            search.best_objective = -float("inf") if best is None else float(best)
            search.best_iteration = int(state["best_iteration"])
            search.stall = StallTest.from_state(state["stall"])
            search.history = [AttackState(**{k: float("nan") if v is None else v for k, v in h.items()})
                              for h in state.get("history", [])]
            search.snapshots = [Snapshot(int(s["iteration"]), float(s["perturbation_rel"]),
                                         torch.as_tensor(s["r"]).to(device=like.device, dtype=like.dtype))
                                for s in state.get("snapshots", [])]
        except (KeyError, TypeError, ValueError) as exc:
            raise StabviewError(f"the saved search is incomplete or damaged ({exc})") from None
        return search
