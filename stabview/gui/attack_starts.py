"""The budgeted search's starts as the window runs them: the ceiling's direction, then random ones.

The same plan as `stability.worst_case.search_worst_case` (the CLI's default attack), kept as an
object so the window can show, pause and step whichever start is running: each start is a
`PerturbationSearch` run until it stalls or reaches the iterations per start, and the best start
(the highest objective of its reported r) is the one shown, saved and exported. No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ..stability.params import AttackParams
from ..stability.perturbation import PerturbationSearch
from ..stability.worst_case import StartRecord


def objective(search: PerturbationSearch | None) -> float:
    """The objective of a search's reported r (−∞ before its first step)."""
    state = None if search is None else search.result_state
    return -float("inf") if state is None else state.objective


def ended(search: PerturbationSearch, iterations: int) -> bool:
    """A start is over when it stalled or diverged, or ran its iterations."""
    return search.stopped_by in ("stalled", "diverged") or search.iteration >= iterations


@dataclass
class StartPlan:
    """Starts not begun yet (label, seed, start r or None), the running one and the finished ones."""

    pending: list[tuple[str, int, torch.Tensor | None]]
    done: list[tuple[str, PerturbationSearch]] = field(default_factory=list)
    current: PerturbationSearch | None = None
    label: str = ""
    randoms: int = 0                   # random starts planned so far (seeds seed, seed+1, …)

    @classmethod
    def for_params(cls, params: AttackParams, restarts: int, direction: torch.Tensor | None) -> "StartPlan":
        """One start along the ceiling's direction (when measured), then `restarts` random ones
        (at least one when there is no direction), seeded seed, seed + 1, … as the CLI does."""
        plan = cls([("ceiling", params.seed, direction)] if direction is not None else [])
        plan.add_randoms(params.seed, max(int(restarts), 0 if direction is not None else 1))
        return plan

    @classmethod
    def finished_with(cls, search: PerturbationSearch, label: str = "restored") -> "StartPlan":
        """A plan whose only (finished) start is `search`, e.g. one read back from a session."""
        return cls([], [(label, search)], randoms=1)

    def add_randoms(self, seed: int, restarts: int) -> bool:
        """Plan random starts up to `restarts` in all (more restarts after a run adds the rest)."""
        new = [(f"random (seed {seed + k})", seed + k, None) for k in range(self.randoms, int(restarts))]
        self.pending += new
        self.randoms = max(self.randoms, int(restarts))
        return bool(new)

    @property
    def total(self) -> int:
        return len(self.done) + (self.current is not None) + len(self.pending)

    @property
    def number(self) -> int:
        """1-based number of the running (or last) start."""
        return len(self.done) + (self.current is not None)

    @property
    def complete(self) -> bool:
        return self.current is None and not self.pending

    def begin_next(self, net, op, x: torch.Tensor, params: AttackParams, roi) -> PerturbationSearch | None:
        """Finish the running start (if any) and create the next one; None when none is left."""
        self.finish()
        if not self.pending:
            return None
        self.label, seed, start = self.pending.pop(0)
        self.current = PerturbationSearch(net, op, x, params.with_(seed=seed), roi=roi, start=start)
        return self.current

    def finish(self) -> None:
        if self.current is not None:
            self.done.append((self.label, self.current))
            self.current = None

    def best(self) -> PerturbationSearch | None:
        """The search with the highest objective among every start (running one included)."""
        searches = [s for _, s in self.done] + ([self.current] if self.current is not None else [])
        return max(searches, key=objective, default=None)

    def phase(self) -> str:
        """'start 2/3 (random (seed 1))' while running; 'best of 3 starts' when complete."""
        if self.complete:
            return f"best of {self.total} start{'s' if self.total != 1 else ''}"
        return f"start {self.number}/{self.total} ({self.label})"

    def records(self, iterations: int) -> list[StartRecord]:
        """Every start that took a step, as the CLI's result.json lists them under 'restarts'."""
        records = []
        for label, search in self.done + ([(self.label, self.current)] if self.current is not None else []):
            state = search.result_state
            if state is None:
                continue
            stopped = search.stopped_by or ("iterations" if search.iteration >= iterations else "cancelled")
            records.append(StartRecord(label, search.params.budget, search.iteration, stopped,
                                       state.perturbation_rel, state.network_change_rel))
        return records
