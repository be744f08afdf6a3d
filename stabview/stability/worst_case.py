"""The default test 1 search: the ceiling first, then budgeted searches from several starts.

The linearised gain (`sensitivity.linear_gain`) is measured first: it is the ceiling every
search is compared with, and its top singular direction is the first start. Random starts
follow (`restarts`); the best start is reported and every start's numbers are kept. With a list
of budgets the search continues from each budget's best r into the next (a budget curve).
The paper's penalised search (mode 'paper') runs once from its own r₀ and has no budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

import torch

from .params import AttackParams
from .perturbation import AttackState, PerturbationSearch
from .sensitivity import Sensitivity, linear_gain


@dataclass
class Progress:
    """What a long search reports: its phase ('ceiling', 'start 2/3', 'budget 1%'), the steps
    done of that phase, and the latest state of a search (None while measuring the ceiling)."""

    phase: str
    done: int
    total: int
    state: AttackState | None = None


ProgressCallback = Callable[[Progress], None]


@dataclass
class StartRecord:
    """One start of a budgeted search and where it ended."""

    start: str                   # 'ceiling', 'random (seed 1)', 'continued from 1%'
    budget: float
    iterations: int
    stopped_by: str              # 'stalled', 'iterations', 'diverged' or 'cancelled'
    perturbation_rel: float
    network_change_rel: float

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class WorstCase:
    """The best search per budget (ascending), every start, and the ceiling (if measured)."""

    searches: list[PerturbationSearch]
    starts: list[StartRecord] = field(default_factory=list)
    ceiling: Sensitivity | None = None
    cancelled: bool = False

    @property
    def best(self) -> PerturbationSearch:
        """The search at the largest budget (the one a single-budget attack reports)."""
        return self.searches[-1]


def _stopped_by(search: PerturbationSearch, iterations: int) -> str:
    if search.stopped_by is not None:
        return search.stopped_by
    return "iterations" if search.iteration >= iterations else "cancelled"


def _objective(search: PerturbationSearch) -> float:
    state = search.result_state
    return -float("inf") if state is None else state.objective


def search_worst_case(net, op, x: torch.Tensor, params: AttackParams, iterations: int, *,
                      restarts: int = 2, budgets: list[float] | None = None, ceiling_iterations: int = 30,
                      roi: torch.Tensor | None = None, snapshot_at: tuple[int, ...] = (),
                      progress: ProgressCallback | None = None, should_stop=None) -> WorstCase:
    """Run the search (see the module docstring); `iterations` caps each start.

    `ceiling_iterations` > 0 measures the linearised gain (image domain only) and, in budgeted
    mode, starts once along its direction. Cancelling (`should_stop()`, or Ctrl-C) keeps what
    was found so far.
    """
    report = progress or (lambda p: None)
    result = WorstCase([])
    if ceiling_iterations > 0 and params.domain == "image":
        try:
            result.ceiling = linear_gain(
                net, op, x, iterations=ceiling_iterations, seed=params.seed,
                complex_perturbation=params.complex_perturbation, should_stop=should_stop,
                progress=lambda done, total, gains: report(Progress("ceiling", done, total)))
        except KeyboardInterrupt:
            result.cancelled = True
    ceiling = result.ceiling
    if not params.budgeted:
        search = PerturbationSearch(net, op, x, params, snapshot_at=snapshot_at, roi=roi)
        if not result.cancelled:
            result.cancelled = _drive(search, iterations, "search", report, should_stop)
        result.searches.append(search)
        return result
    plan = sorted(budgets) if budgets else [params.budget]
    starts: list[tuple[str, dict]] = []
    if ceiling is not None:
        starts.append(("ceiling", {"start": ceiling.direction}))
    starts += [(f"random (seed {params.seed + k})", {"seed": params.seed + k})
               for k in range(max(restarts, 0 if starts else 1))]
    previous: PerturbationSearch | None = None
    for b, budget in enumerate(plan):
        tries = starts if previous is None else [(f"continued from {plan[b - 1]:.3g}",
                                                  {"start": previous.result_r})]
        best = None
        for k, (label, how) in enumerate(tries):
            if result.cancelled:
                break
            run_params = replace(params, budget=budget, seed=how.get("seed", params.seed))
            search = PerturbationSearch(net, op, x, run_params, snapshot_at=snapshot_at, roi=roi,
                                        start=how.get("start"))
            phase = (f"budget {budget:.3g}, " if len(plan) > 1 else "") + f"start {k + 1}/{len(tries)}"
            result.cancelled = _drive(search, iterations, phase, report, should_stop)
            state = search.result_state
            if state is not None:
                result.starts.append(StartRecord(label, budget, search.iteration,
                                                 _stopped_by(search, iterations), state.perturbation_rel,
                                                 state.network_change_rel))
            if best is None or _objective(search) > _objective(best):
                best = search
        if best is None or best.result_state is None:
            break
        result.searches.append(best)
        previous = best
    if not result.searches:      # cancelled before the first state: keep the unstarted search
        result.searches.append(PerturbationSearch(net, op, x, params, snapshot_at=snapshot_at, roi=roi))
    return result


def _drive(search: PerturbationSearch, iterations: int, phase: str, report: ProgressCallback,
           should_stop) -> bool:
    """Step `search` to its end; True if it was cancelled (should_stop or Ctrl-C)."""
    try:
        for state in search.run(iterations, should_stop=should_stop):
            report(Progress(phase, search.iteration, iterations, state))
    except KeyboardInterrupt:
        search.stopped_by = "cancelled"
    return search.stopped_by == "cancelled"
