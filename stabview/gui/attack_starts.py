"""The budgeted search as the window runs it: the CLI's own plan (`stability.worst_case.WorstCasePlan`).

The window steps the same plan as `stabview attack`: the ceiling's direction and the random
starts screened, the leader run on beside the ceiling's start, and the continuation from a
quarter of ε; Pause stops between (or inside) any two steps and Run goes on from there. This
object adds what the window shows: which start is running, the best start so far, every start's
record for result.json. A search read back from a session is a plan whose only start is that
search. No Qt here.
"""

from __future__ import annotations

import torch

from ..stability.params import AttackParams
from ..stability.perturbation import PerturbationSearch
from ..stability.worst_case import Progress, StartRecord, WorstCasePlan, objective, stop_reason


class StartPlan:
    """The starts of one budgeted search: a running `WorstCasePlan`, or one restored search."""

    def __init__(self, plan: WorstCasePlan | None = None, restored: tuple[str, PerturbationSearch] | None = None):
        self.plan = plan
        self.restored = restored

    @classmethod
    def for_setup(cls, net, op, x: torch.Tensor, params: AttackParams, iterations: int, restarts: int,
                  direction: torch.Tensor | None, roi=None, budgets=None) -> "StartPlan":
        """The CLI's plan for this setup: a start along the ceiling's `direction` (when measured)
        and `restarts` random ones seeded seed, seed + 1, … (at least one without a direction)."""
        return cls(WorstCasePlan(net, op, x, params, iterations, restarts=restarts, direction=direction,
                                 roi=roi, budgets=budgets))

    @classmethod
    def finished_with(cls, search: PerturbationSearch, label: str = "restored") -> "StartPlan":
        """A plan whose only (finished) start is `search`, e.g. one read back from a session."""
        return cls(restored=(label, search))

    def step(self, should_stop=None) -> Progress | None:
        """The plan's next step (see `WorstCasePlan.step`); None when paused inside it or complete."""
        if self.plan is None:
            return None
        self.plan.should_stop = should_stop
        return self.plan.step()

    @property
    def current(self) -> PerturbationSearch | None:
        """The start being stepped (None once complete)."""
        return None if self.complete else self.plan.current

    @property
    def restarts(self) -> int | None:
        """The random starts the plan was made with (None for a restored search)."""
        return None if self.plan is None else self.plan.restarts

    @property
    def complete(self) -> bool:
        return self.plan is None or self.plan.finished

    @property
    def starts(self) -> list[tuple[str, PerturbationSearch]]:
        """Every start made so far, as (label, search)."""
        return [self.restored] if self.plan is None else list(self.plan.tried)

    def best(self) -> PerturbationSearch | None:
        """The reported search once complete; before, the best start so far at the target budget."""
        if self.plan is None:
            return self.restored[1]
        if self.plan.finished:
            return self.plan.result.best
        budget = self.plan.params.budget
        at_budget = [s for _, s in self.plan.tried if s.params.budget == budget and s.result_state is not None]
        return max(at_budget, key=objective, default=None)

    def phase(self) -> str:
        """What runs ('screening 2/5', 'budget 0.005, start 1/2'), or 'best of N starts' when complete."""
        if self.complete:
            n = len([s for _, s in self.starts if s.result_state is not None])
            return f"best of {n} start{'s' if n != 1 else ''}"
        return self.plan.phase

    def records(self, iterations: int) -> list[StartRecord]:
        """Every start that took a step, as the CLI's result.json lists them under 'restarts'."""
        if self.plan is not None and self.plan.finished:
            return list(self.plan.result.starts)
        return [StartRecord.of(label, search, stop_reason(search, iterations))
                for label, search in self.starts if search.result_state is not None]
