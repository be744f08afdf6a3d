"""What a baseline reconstruction returns, and the progress/cancel plumbing all solvers share.

Long solves report after every iteration through `progress(iteration, total, info)`; `info` is a
dict with at least 'objective' (list, one value per batch item) and 'relative_change'. A
`progress` that returns False, or a `should_stop()` that returns True, cancels the solve: the
solver then returns the current iterate with `stopped_by == 'cancelled'` (no exception), so a
GUI worker can show what it has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import torch

ProgressCallback = Callable[[int, int, dict], Optional[bool]]
StopCallback = Callable[[], bool]


@dataclass
class BaselineResult:
    """A reconstruction `(B, H, W)` with its per-iteration history."""

    image: torch.Tensor
    method: str
    iterations: int
    stopped_by: str                       # 'tolerance', 'iterations' or 'cancelled'
    objective: list[list[float]] = field(default_factory=list)    # [iteration][batch item]
    relative_change: list[float] = field(default_factory=list)    # max over the batch
    seconds: float = 0.0
    params: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Plain data for result.json (no tensors)."""
        return {"method": self.method, "iterations": self.iterations, "stopped_by": self.stopped_by,
                "seconds": round(self.seconds, 4),
                "final_objective": self.objective[-1] if self.objective else None,
                "final_relative_change": self.relative_change[-1] if self.relative_change else None,
                "params": self.params}


class Reporter:
    """Calls `progress` and `should_stop` and says whether the solve must stop."""

    def __init__(self, total: int, progress: ProgressCallback | None, should_stop: StopCallback | None):
        self.total = int(total)
        self.progress = progress
        self.should_stop = should_stop

    def cancelled(self, iteration: int, info: dict) -> bool:
        if self.progress is not None and self.progress(iteration, self.total, info) is False:
            return True
        return bool(self.should_stop is not None and self.should_stop())


def real_view(t: torch.Tensor) -> torch.Tensor:
    """t, or its real view when complex (norms of real views are much faster in torch)."""
    return torch.view_as_real(t) if t.is_complex() else t


def relative_change(new: torch.Tensor, old: torch.Tensor) -> torch.Tensor:
    """‖new − old‖ / ‖new‖ per batch item (0 when both are zero)."""
    diff, size = real_view(new - old).flatten(1).norm(dim=1), real_view(new).flatten(1).norm(dim=1)
    return torch.where(size > 0, diff / size.clamp_min(1e-30), diff)
