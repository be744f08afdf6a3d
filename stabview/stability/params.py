"""Settings of the worst-case perturbation search, and the paper's Table 1 presets.

Names follow the paper in docstrings (λ, γ, η, τ, p) and use words in code
(`lam`, `momentum`, `lr`, `init_scale`, `target`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

from ..errors import StabviewError, UnknownName

MODES = ("budgeted", "paper")
TARGETS = ("f(Ax)", "x")
DOMAINS = ("image", "measurement")
METHODS = ("heavy-ball", "nesterov")
GRADIENTS = ("auto", "adjoint", "fbp")

#: the default worst-case search (`worst_case.search_worst_case`): random starts besides the
#: ceiling's, steps every random start gets before only their leader runs on, and the shares of
#: a single budget that its continuation passes through
DEFAULT_RESTARTS = 5
SCREEN_STEPS = 6
CONTINUATION = (0.25,)


class BadParameter(StabviewError, ValueError):
    """An attack parameter outside the range where the search means anything."""


@dataclass(frozen=True)
class AttackParams:
    """Settings of the worst-case search: the budgeted default, or the paper's Algorithms 1 and 2.

    mode              'budgeted': maximise ‖f(y + A r) − p(x)‖ with ‖r‖ ≤ ε‖x‖ (image domain) or
                      ‖e‖ ≤ ε‖y‖ (measurement domain), steps sized by the ball, nothing to tune;
                      'paper': the λ-penalised heavy-ball ascent of Q(r), for reproduction
    budget (ε)        radius of the ball, relative to ‖x‖ (or ‖y‖); budgeted mode
    step              budgeted mode: the first step, as a share of the ball's radius; it halves
                      whenever a step does not raise the objective and grows again when it does
    stall_window, stall_tolerance
                      budgeted mode: stop when the best objective rose by less than the
                      tolerance (relative) over the window's steps
    lam (λ)           paper mode: weight of −λ/2‖r‖² in Q; larger keeps r smaller
    momentum (γ)      paper mode: heavy-ball (or Nesterov) momentum
    lr (η)            paper mode: learning rate of the ascent
    init_scale (τ)    paper mode: r₀ = τ·U[0,1]^N (non-zero mean, as in the paper)
    divergence_limit  paper mode: the search stops (stopped_by 'diverged') once ‖r‖ exceeds this
                      share of ‖x‖ (or ‖y‖), keeping the last r below it
    target (p)        'f(Ax)' (push away from the clean output) or 'x' (away from the truth)
    domain            'image' (r added to x) or 'measurement' (e added to y)
    method            paper mode: 'heavy-ball' (the paper) or 'nesterov'
    gradient          'adjoint' (A*, Algorithm 1), 'fbp' (B, Algorithm 2) or 'auto'
                      (FBP for Radon, A* otherwise)
    complex_perturbation  let r be complex for complex (MRI) images; the paper's r is real
    seed              seeds the start; the whole trajectory is deterministic given it
    """

    mode: str = "budgeted"
    budget: float = 0.02
    step: float = 0.25
    stall_window: int = 10
    stall_tolerance: float = 5e-3
    lam: float = 0.001
    momentum: float = 0.9
    lr: float = 0.01
    init_scale: float = 0.01
    divergence_limit: float = 1.0
    target: str = "f(Ax)"
    domain: str = "image"
    method: str = "heavy-ball"
    gradient: str = "auto"
    complex_perturbation: bool = False
    seed: int = 0

    def __post_init__(self):
        for name in ("lam", "lr", "init_scale"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise BadParameter(f"{name} must be a finite number ≥ 0, got {value}")
        if not (0 <= self.momentum < 1):
            raise BadParameter(f"momentum γ must be in [0, 1), got {self.momentum}")
        if self.lr == 0:
            raise BadParameter("lr η must be > 0, or the search never moves")
        for name, allowed in (("mode", MODES), ("target", TARGETS), ("domain", DOMAINS),
                              ("method", METHODS), ("gradient", GRADIENTS)):
            if getattr(self, name) not in allowed:
                raise BadParameter(f"{name} must be one of {', '.join(allowed)}, got '{getattr(self, name)}'")
        if not (0 < self.budget < math.inf):
            raise BadParameter(f"budget ε must be > 0 (e.g. 0.02 for ‖r‖ ≤ 2% of ‖x‖), got {self.budget}")
        if not (0 < self.step <= 1):
            raise BadParameter(f"step must be in (0, 1] (a share of the budget's radius), got {self.step}")
        if self.stall_window < 1 or not (0 <= self.stall_tolerance < 1):
            raise BadParameter("stall_window must be ≥ 1 and stall_tolerance in [0, 1)")
        if not (0 < self.divergence_limit < math.inf):
            raise BadParameter(f"divergence_limit must be > 0, got {self.divergence_limit}")

    @property
    def budgeted(self) -> bool:
        return self.mode == "budgeted"

    def with_(self, **changes) -> "AttackParams":
        """A copy with some fields changed (validated again)."""
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise BadParameter(f"unknown attack parameter(s): {', '.join(sorted(unknown))}")
        return replace(self, **changes)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "AttackParams":
        """Known fields only; a dict without 'mode' is from before the budgeted search existed:
        its 'constraint' θ became the budget, and without one it was the paper's search."""
        data = dict(data)
        if "mode" not in data and ("lam" in data or "constraint" in data):
            theta = data.pop("constraint", None)
            data.update(mode="budgeted", budget=theta) if theta is not None else data.update(mode="paper")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


#: Table 1 of the paper (and its Methods): starting points, tuned per network in the model cards
PAPER_PRESETS: dict[str, AttackParams] = {
    "deepmri": AttackParams(mode="paper", lam=0.001, momentum=0.9, lr=0.01, init_scale=0.01, target="f(Ax)"),
    "automap": AttackParams(mode="paper", lam=0.1, momentum=0.9, lr=0.001, init_scale=1e-5, target="f(Ax)"),
    "automap-fig7": AttackParams(mode="paper", lam=0.1, momentum=0.9, lr=0.001, init_scale=1e-5, target="x"),
    "mrivn": AttackParams(mode="paper", lam=1.0, momentum=0.9, lr=0.005, init_scale=0.001, target="f(Ax)"),
    "med50": AttackParams(mode="paper", lam=20.0, momentum=0.9, lr=0.005, init_scale=0.005, target="f(Ax)"),
    "ell50": AttackParams(mode="paper", lam=20.0, momentum=0.9, lr=0.005, init_scale=0.005, target="f(Ax)"),
    "dagan": AttackParams(mode="paper", lam=0.001, momentum=0.9, lr=0.01, init_scale=0.01, target="f(Ax)"),
}


def paper_preset(name: str) -> AttackParams:
    """The paper's values for a network name (Ell 50 and DAGAN borrow Med 50's and Deep MRI's)."""
    try:
        return PAPER_PRESETS[name]
    except KeyError:
        raise UnknownName(f"no paper preset named '{name}'; known: {', '.join(PAPER_PRESETS)}") from None
