"""Targeted attacks: a small r that makes the network show a detail that is not there, or hide one that is.

Both are budgeted searches over the ball ‖r‖ ≤ ε‖x‖ (`budget.py`), for a detail d (a stamped
symbol or text, a "lesion"):

    add     (false feature)   minimise ‖f(A(x + r)) − (f(Ax) + d)‖       the truth is x
    remove  (missing feature) minimise ‖f(A(x + d + r)) − f(Ax)‖         the truth is x + d

Each step moves r by a fraction of the ball's radius against the momentum of normalised gradients
(heavy ball on unit directions, so nothing depends on the scale of the network's output) and
projects back onto the ball; a step that raises the objective shrinks the following ones. The
search ends after the given iterations, when the stall test sees no progress, or when the step
falls below 0.1% of the radius. (Adam's per-pixel scaling was tried first: it spreads r over
every pixel, which wastes an ℓ2 budget; on deepmri it ended at misfit 0.80·‖d‖, above the 0.70 of
the trivial r ∝ d, where this search reaches 0.66.) It starts from a small seeded random r (the gradient
vanishes at r = 0 for a linear map and a target outside its range), so it is deterministic.

What matters is whether the target is reached with an r that is small *and unlike d*: the
outcome reports the details verdict (test 2's recovered / blurred / lost) of d in the network's
and the baseline's outputs on the same r, ‖r‖/‖x‖, ‖r‖/‖d‖ and the correlation of r with d, and,
for reference, what the plain r = ±ε‖x‖·d/‖d‖ (d itself, scaled to the budget) does
(`along_d`): a search that beats it found something a faithful map would not give.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field, fields

import torch

from ..errors import StabviewError
from ..networks.gradients import differentiating
from ..operators.base import LinearOperator
from .budget import ball_radius, batch_norm, project_to_ball, scale_to_norm, StallTest
from .details import apply_detail, measure_detail
from .perturbation import frozen
from .validation import checked_output

MODES = ("add", "remove")


def _frozen(net):
    """Weights frozen while searching (a plain function of (y, op) has none)."""
    return frozen(net) if isinstance(net, torch.nn.Module) else nullcontext(net)


@dataclass(frozen=True)
class TargetSettings:
    """Everything that decides a targeted search (with the seed it is reproducible)."""

    mode: str = "add"
    budget: float = 0.02                # ε: ‖r‖ ≤ ε‖x‖
    iterations: int = 100
    step: float = 0.1                   # first step, as a fraction of the ball's radius
    init_scale: float = 0.05            # ‖r₀‖ as a fraction of the radius
    momentum: float = 0.9               # weight of earlier (normalised) gradients in the direction
    shrink: float = 0.8                 # the step shrinks by this factor after a step that made things worse
    stall_window: int = 20
    stall_tolerance: float = 1e-3
    complex_perturbation: bool = False  # MRI only: r complex instead of real
    seed: int = 0

    def __post_init__(self):
        if self.mode not in MODES:
            raise StabviewError(f"the targeted mode is 'add' (false feature) or 'remove' (missing feature), "
                                f"got '{self.mode}'")
        if not 0 < self.budget <= 1:
            raise StabviewError(f"the budget ε must lie in (0, 1] (a share of ‖x‖), got {self.budget}")
        if self.iterations < 1:
            raise StabviewError(f"a targeted search needs at least one iteration, got {self.iterations}")
        if not 0 < self.step <= 1 or not 0 < self.init_scale <= 1:
            raise StabviewError("the step and the start size are fractions of the radius in (0, 1]")
        if not 0 <= self.momentum < 1 or not 0 < self.shrink < 1:
            raise StabviewError("momentum must lie in [0, 1) and shrink in (0, 1)")

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class TargetState:
    """One step: the objective relative to ‖d‖ (1 at the start, 0 when the target is reached)."""

    iteration: int
    objective_rel: float       # ‖f(A(base + r)) − target‖ / ‖d‖ at the current r
    best_rel: float
    perturbation_rel: float    # ‖r‖/‖x‖
    step_rel: float            # step as a fraction of the radius

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class TargetedSearch:
    """The search for one network, operator, image `(1, H, W)` or `(H, W)` and detail d `(H, W)`."""

    def __init__(self, net, op: LinearOperator, x: torch.Tensor, detail: torch.Tensor,
                 settings: TargetSettings | None = None):
        self.net, self.op = net, op
        self.settings = s = settings or TargetSettings()
        x = x[None] if x.dim() == 2 else x
        self.x = op.check_image(x.to(op.device))[:1]
        self.detail = torch.as_tensor(detail).to(op.device)
        if self.detail.is_complex() or tuple(self.detail.shape) != op.image_shape:
            raise StabviewError(f"the detail must be a real {op.image_shape} image, got "
                                f"{tuple(self.detail.shape)} {self.detail.dtype}")
        self.d_norm = float(self.detail.norm())
        if self.d_norm == 0:
            raise StabviewError("the detail is empty (all zero): stamp or draw something first")
        if s.complex_perturbation and not self.x.is_complex():
            raise StabviewError("a complex perturbation needs complex (MRI) images")
        self.base = apply_detail(self.x, self.detail) if s.mode == "remove" else self.x
        with torch.no_grad(), _frozen(net):
            self.clean = checked_output(net(op.forward(self.x), op), op, "f(Ax)")
        self.target = (apply_detail(self.clean, self.detail) if s.mode == "add" else self.clean).detach()
        self.radius = ball_radius(self.x, s.budget)
        self.step_size = s.step
        self.stall = StallTest(s.stall_window, s.stall_tolerance)
        self.iteration = 0
        self.history: list[TargetState] = []
        self.stopped_by = "iterations"
        self.r = self._start()
        self.objective, self.gradient = self._evaluate(self.r)
        self.best_r, self.best = self.r.clone(), self.objective
        self.velocity = torch.zeros_like(self.r)

    def _start(self) -> torch.Tensor:
        """A seeded random r of size init_scale·radius (drawn on the CPU: same numbers on every device)."""
        g = torch.Generator().manual_seed(self.settings.seed)
        real = self.x.real.dtype
        r = torch.randn(tuple(self.x.shape), generator=g, dtype=real)
        if self.settings.complex_perturbation:
            r = torch.complex(r, torch.randn(tuple(self.x.shape), generator=g, dtype=real))
        return scale_to_norm(r.to(self.op.device), self.settings.init_scale * self.radius)

    def _evaluate(self, r: torch.Tensor) -> tuple[float, torch.Tensor]:
        """‖f(A(base + r)) − target‖ and its gradient with respect to r (one forward and backward)."""
        r = r.detach().requires_grad_(True)
        with torch.enable_grad(), _frozen(self.net):
            out = checked_output(self.net(self.op.forward(self.base + r), self.op), self.op, "f(A(x + r))")
            objective = (out - self.target).abs().pow(2).sum().sqrt()
            with differentiating(self.net):
                (grad,) = torch.autograd.grad(objective, r)
        return float(objective.detach()), grad.detach()

    def step(self) -> TargetState:
        """One step of size step·radius along the momentum of normalised gradients, onto the ball.

        A step that raises the objective shrinks the next ones by `shrink`.
        """
        s, radius = self.settings, self.radius
        velocity = s.momentum * self.velocity + scale_to_norm(self.gradient, torch.ones_like(radius))
        r = project_to_ball(self.r - scale_to_norm(velocity, self.step_size * radius), radius)
        objective, gradient = self._evaluate(r)
        # only an evaluated step changes the search, so an interrupted one leaves it as it was
        self.iteration += 1
        self.velocity, self.r, self.gradient = velocity, r, gradient
        if objective > self.objective:
            self.step_size *= s.shrink
        self.objective = objective
        if objective < self.best:
            self.best_r, self.best = self.r.clone(), objective
        state = TargetState(self.iteration, objective / self.d_norm, self.best / self.d_norm,
                            float(batch_norm(self.r)[0] / batch_norm(self.x)[0]), self.step_size)
        self.history.append(state)
        return state

    def run(self, iterations: int | None = None, *, should_stop=None):
        """Generator of states; ends early on should_stop(), a stall, or a step below 0.1% of the radius."""
        for _ in range(int(iterations or self.settings.iterations)):
            if should_stop is not None and should_stop():
                self.stopped_by = "cancelled"
                return
            state = self.step()
            yield state
            if self.stall.update(-state.best_rel):
                self.stopped_by = "stall"
                return
            if self.step_size < 1e-3:
                self.stopped_by = "step"
                return
        self.stopped_by = "iterations"


@dataclass
class TargetOutcome:
    """What a targeted search found, with the network's and the baseline's outputs on the same r."""

    settings: TargetSettings
    numbers: dict
    images: dict = field(repr=False)      # (H, W) tensors: x, detail, r, input, network_*, baseline_*
    history: list = field(default_factory=list, repr=False)

    def to_dict(self) -> dict:
        return {"settings": self.settings.to_dict(), **self.numbers,
                "history": [h.to_dict() for h in self.history]}


def correlation(r: torch.Tensor, d: torch.Tensor) -> float:
    """Re⟨r, d⟩ / (‖r‖‖d‖): 1 when r is a positive multiple of d, 0 when unlike it."""
    r, d = r.flatten(), d.flatten().to(r.dtype)
    denom = float(r.norm() * d.norm())
    return float((r.conj() * d).sum().real) / denom if denom > 0 else 0.0


def run_targeted(net, op: LinearOperator, x: torch.Tensor, detail: torch.Tensor,
                 settings: TargetSettings | None = None, *, baseline=None, progress=None,
                 should_stop=None, on_search_done=None) -> TargetOutcome:
    """Search, then judge d in the network's and the baseline's outputs on the r found.

    `baseline` is a (y, op) → image callable (None skips it); `progress(state, total)` is told
    after every step; `should_stop()` or Ctrl-C ends the search early (`stopped_by` 'cancelled')
    and the best r so far is judged. `on_search_done(search)` is called before the judging.
    """
    search = TargetedSearch(net, op, x, detail, settings)
    s = search.settings
    try:
        for state in search.run(should_stop=should_stop):
            if progress is not None:
                progress(state, s.iterations)
    except KeyboardInterrupt:
        search.stopped_by = "cancelled"
    if on_search_done is not None:
        on_search_done(search)
    r, d, x1 = search.best_r, search.detail, search.x
    attacked = op.forward(search.base + r)
    # the reference r: d itself scaled to the budget (−d to remove it), what a faithful map needs
    sign = 1.0 if s.mode == "add" else -1.0
    along_d = sign * scale_to_norm(apply_detail(torch.zeros_like(x1), d), search.radius)
    with torch.no_grad(), _frozen(net):
        net_attacked = checked_output(net(attacked, op), op, "f(A(x + r))")[0]
        net_with_d = checked_output(net(op.forward(search.base), op), op, "f(A(x + d))")[0]
        net_along_d = checked_output(net(op.forward(search.base + along_d), op), op, "f(A(x ± εd))")[0]
    images = {"x": x1[0], "detail": d, "r": r[0], "input": (search.base + r)[0],
              "network_clean": search.clean[0], "network_attacked": net_attacked}
    numbers = {
        "mode": s.mode, "budget": s.budget,
        "perturbation_rel": float(r.norm() / x1.norm()), "r_over_d": float(r.norm()) / search.d_norm,
        "r_d_correlation": correlation(r[0], d),
        "target_residual_rel": search.best / search.d_norm,
        "target_residual_rel_start": float((search.target[0] - (
            net_with_d if s.mode == "remove" else search.clean[0])).norm()) / search.d_norm,
        "iterations_run": search.iteration, "stopped_by": search.stopped_by,
        "measures": {"network": measure_detail(net_attacked, search.clean[0], d).to_dict()},
        "along_d": {"target_residual_rel": float((net_along_d - search.target[0]).norm()) / search.d_norm,
                    "network": measure_detail(net_along_d, search.clean[0], d).to_dict()},
    }
    if s.mode == "remove":
        images["network_detail"] = net_with_d
        numbers["measures_without_r"] = {"network": measure_detail(net_with_d, search.clean[0], d).to_dict()}
    if baseline is not None:
        with torch.no_grad():
            base_clean = baseline(op.forward(x1), op)[0]
            base_attacked = baseline(attacked.detach(), op)[0]
        images.update(baseline_clean=base_clean, baseline_attacked=base_attacked)
        numbers["measures"]["baseline"] = measure_detail(base_attacked, base_clean, d).to_dict()
        if s.mode == "remove":
            with torch.no_grad():
                base_with_d = baseline(op.forward(search.base), op)[0]
            images["baseline_detail"] = base_with_d
            numbers["measures_without_r"]["baseline"] = measure_detail(base_with_d, base_clean, d).to_dict()
    numbers["verdicts"] = {name: m["verdict"] for name, m in numbers["measures"].items()}
    numbers["target_reached"] = _reached(s.mode, numbers["verdicts"]["network"])
    return TargetOutcome(s, numbers, {k: v.detach() for k, v in images.items()}, search.history)


def _reached(mode: str, verdict: str) -> bool:
    """add: the false detail is shown clearly ('recovered'); remove: the real one is 'lost'."""
    return verdict == "recovered" if mode == "add" else verdict == "lost"
