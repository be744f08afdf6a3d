"""The pieces every budgeted search shares: the ball ‖r‖ ≤ ε‖x‖, steps sized by it, a stall test.

A budgeted search (the default worst-case search, the targeted attacks) moves r by steps that
are a fraction of the ball's radius in the direction of the normalised gradient, then projects
back onto the ball. Step sizes are relative to the budget, so they do not depend on the scale
of the network's output and nothing needs tuning per network.
"""

from __future__ import annotations

import torch


def batch_norm(t: torch.Tensor) -> torch.Tensor:
    """‖t_b‖ for each item b of a batch, shape `(B,)`."""
    return t.flatten(1).norm(dim=1)


def _per_item(values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return values.view(-1, *([1] * (like.dim() - 1)))


def ball_radius(reference: torch.Tensor, budget: float) -> torch.Tensor:
    """ε‖reference_b‖ per batch item: the radius of the ball r must stay in."""
    return budget * batch_norm(reference)


def project_to_ball(r: torch.Tensor, radius: torch.Tensor) -> torch.Tensor:
    """The nearest point of the ball ‖r_b‖ ≤ radius_b (r itself when inside)."""
    scale = torch.clamp(radius / batch_norm(r).clamp_min(1e-30), max=1.0)
    return r * _per_item(scale, r)


def scale_to_norm(direction: torch.Tensor, norm: torch.Tensor) -> torch.Tensor:
    """`direction` rescaled so that each item has the given norm (a zero item stays zero)."""
    current = batch_norm(direction)
    scale = torch.where(current > 0, norm / current.clamp_min(1e-30), torch.zeros_like(current))
    return direction * _per_item(scale, direction)


class StallTest:
    """True once the best objective improved by less than `tolerance` (relative) over `window` steps."""

    def __init__(self, window: int = 20, tolerance: float = 1e-3):
        self.window, self.tolerance = int(window), float(tolerance)
        self.best: list[float] = []

    def update(self, objective: float) -> bool:
        best = max(objective, self.best[-1]) if self.best else objective
        self.best.append(best)
        if len(self.best) <= self.window:
            return False
        before = self.best[-1 - self.window]
        return best - before <= self.tolerance * max(abs(before), 1e-30)

    def state_dict(self) -> dict:
        return {"window": self.window, "tolerance": self.tolerance, "best": list(self.best)}

    @classmethod
    def from_state(cls, state: dict) -> "StallTest":
        test = cls(state["window"], state["tolerance"])
        test.best = [float(b) for b in state["best"]]
        return test
