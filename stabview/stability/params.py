"""Settings of the worst-case perturbation search, and the paper's Table 1 presets.

Names follow the paper in docstrings (λ, γ, η, τ, p) and use words in code
(`lam`, `momentum`, `lr`, `init_scale`, `target`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

from ..errors import StabviewError, UnknownName

TARGETS = ("f(Ax)", "x")
DOMAINS = ("image", "measurement")
METHODS = ("heavy-ball", "nesterov")
GRADIENTS = ("auto", "adjoint", "fbp")


class BadParameter(StabviewError, ValueError):
    """An attack parameter outside the range where the search means anything."""


@dataclass(frozen=True)
class AttackParams:
    """Parameters of Algorithms 1 and 2 plus the options around them.

    lam (λ)           weight of −λ/2‖r‖² in Q; larger keeps r smaller
    momentum (γ)      heavy-ball (or Nesterov) momentum
    lr (η)            learning rate of the ascent
    init_scale (τ)    r₀ = τ·U[0,1]^N (non-zero mean, as in the paper)
    target (p)        'f(Ax)' (push away from the clean output) or 'x' (away from the truth)
    domain            'image' (r added to x) or 'measurement' (r̃ added to y)
    method            'heavy-ball' (the paper) or 'nesterov'
    gradient          'adjoint' (A*, Algorithm 1), 'fbp' (B, Algorithm 2) or 'auto'
                      (FBP for Radon, A* otherwise)
    complex_perturbation  let r be complex for complex (MRI) images; the paper's r is real
    constraint        θ: maximise ‖f(y+Ar) − f(y)‖ with ‖r‖ ≤ θ‖x‖ (problem (8)) by projected
                      ascent instead of the λ-penalised problem; None for the paper's search
    seed              seeds r₀; the whole trajectory is deterministic given it
    """

    lam: float = 0.001
    momentum: float = 0.9
    lr: float = 0.01
    init_scale: float = 0.01
    target: str = "f(Ax)"
    domain: str = "image"
    method: str = "heavy-ball"
    gradient: str = "auto"
    complex_perturbation: bool = False
    constraint: float | None = None
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
        for name, allowed in (("target", TARGETS), ("domain", DOMAINS), ("method", METHODS),
                              ("gradient", GRADIENTS)):
            if getattr(self, name) not in allowed:
                raise BadParameter(f"{name} must be one of {', '.join(allowed)}, got '{getattr(self, name)}'")
        if self.constraint is not None and not (0 < self.constraint < math.inf):
            raise BadParameter(f"constraint θ must be > 0 (e.g. 0.03 for ‖r‖ ≤ 3% of ‖x‖), got {self.constraint}")

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
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


#: Table 1 of the paper (and its Methods): starting points, tuned per network in the model cards
PAPER_PRESETS: dict[str, AttackParams] = {
    "deepmri": AttackParams(lam=0.001, momentum=0.9, lr=0.01, init_scale=0.01, target="f(Ax)"),
    "automap": AttackParams(lam=0.1, momentum=0.9, lr=0.001, init_scale=1e-5, target="f(Ax)"),
    "automap-fig7": AttackParams(lam=0.1, momentum=0.9, lr=0.001, init_scale=1e-5, target="x"),
    "mrivn": AttackParams(lam=1.0, momentum=0.9, lr=0.005, init_scale=0.001, target="f(Ax)"),
    "med50": AttackParams(lam=20.0, momentum=0.9, lr=0.005, init_scale=0.005, target="f(Ax)"),
    "ell50": AttackParams(lam=20.0, momentum=0.9, lr=0.005, init_scale=0.005, target="f(Ax)"),
    "dagan": AttackParams(lam=0.001, momentum=0.9, lr=0.01, init_scale=0.01, target="f(Ax)"),
}


def paper_preset(name: str) -> AttackParams:
    """The paper's values for a network name (Ell 50 and DAGAN borrow Med 50's and Deep MRI's)."""
    try:
        return PAPER_PRESETS[name]
    except KeyError:
        raise UnknownName(f"no paper preset named '{name}'; known: {', '.join(PAPER_PRESETS)}") from None
