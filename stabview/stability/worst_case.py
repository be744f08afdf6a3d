"""The default test 1 search: the ceiling first, then budgeted searches from several starts.

The linearised gain (`sensitivity.linear_gain`) is measured first: it is the ceiling every
search is compared with, and its top singular direction is the first start. Random starts
follow (`restarts`). The objective is multimodal (a network's units switch as r grows), and a
random start that leads after a few steps kept its lead in our measurements, so the random
starts are screened for `screen_steps` steps and only their leader runs on beside the ceiling's
start (which leads early because it starts near the linear optimum, not because its basin is
the best): many basins for the price of a few. Which basin is best depends on the scale: a
start that leads at a quarter of the budget can end far above the one that leads at the budget
(ell50: +19%) or below it (a U-Net with instance normalisation: −5%). So a single budget ε is
searched twice: directly, and by continuation through `continuation` × ε (random starts
screened at the smallest) up to ε; the higher is reported and every start's numbers are kept.
With a list of budgets the search continues from each budget's best r into the next (a budget
curve). The paper's penalised search (mode 'paper') runs once from its own r₀ and has no budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

import torch

from .params import CONTINUATION, DEFAULT_RESTARTS, SCREEN_STEPS, AttackParams
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
    stopped_by: str              # 'stalled', 'iterations', 'diverged', 'cancelled' or 'screened'
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
                      restarts: int = DEFAULT_RESTARTS, budgets: list[float] | None = None,
                      ceiling_iterations: int = 30, screen_steps: int = SCREEN_STEPS,
                      continuation: tuple[float, ...] = CONTINUATION,
                      ceiling_start: bool = True, roi: torch.Tensor | None = None, snapshot_at: tuple[int, ...] = (),
                      progress: ProgressCallback | None = None, should_stop=None) -> WorstCase:
    """Run the search (see the module docstring); `iterations` caps each start.

    `ceiling_iterations` > 0 measures the linearised gain (image domain only) and, in budgeted
    mode with `ceiling_start`, starts once along its direction. `screen_steps` = 0 runs every
    start to its end; `continuation` = () searches a single budget directly only. Cancelling
    (`should_stop()`, or Ctrl-C) keeps what was found so far.
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
    starts: list[tuple[str, dict]] = []
    if ceiling is not None and ceiling_start:
        starts.append(("ceiling", {"start": ceiling.direction}))
    starts += [(f"random (seed {params.seed + k})", {"seed": params.seed + k})
               for k in range(max(restarts, 0 if starts else 1))]
    if budgets:
        paths = [sorted(budgets)]
    else:
        paths = [[params.budget]]
        ramp = sorted({share * params.budget for share in continuation if 0 < share < 1})
        if ramp:
            paths.append([*ramp, params.budget])
    ended = []
    for k, plan in enumerate(paths):
        # the continuation looks for other basins than the direct search: random starts only
        tries = starts if k == 0 else ([s for s in starts if s[0] != "ceiling"] or starts)
        searches = _continuation(net, op, x, params, iterations, plan, tries, result, screen_steps,
                                 snapshot_at, roi, report, should_stop)
        if searches:
            ended.append(searches)
    if budgets:
        result.searches = ended[0] if ended else []
    elif ended:
        result.searches = [max((s[-1] for s in ended), key=_objective)]
    if not result.searches:      # cancelled before the first state: keep the unstarted search
        result.searches.append(PerturbationSearch(net, op, x, params, snapshot_at=snapshot_at, roi=roi))
    return result


def _continuation(net, op, x, params: AttackParams, iterations: int, plan: list[float],
                  starts: list[tuple[str, dict]], result: WorstCase, screen_steps: int, snapshot_at, roi,
                  report: ProgressCallback, should_stop) -> list[PerturbationSearch]:
    """The best search at each budget of `plan` (ascending): every start at the first budget
    (screened), then each budget continued from the previous one's best r."""
    found: list[PerturbationSearch] = []
    for b, budget in enumerate(plan):
        if result.cancelled:
            break
        tries = starts if not found else [(f"continued from {plan[b - 1]:.3g}", {"start": found[-1].result_r})]
        prefix = f"budget {budget:.3g}, " if len(plan) > 1 else ""
        searches = [(label, PerturbationSearch(net, op, x, replace(params, budget=budget,
                                                                    seed=how.get("seed", params.seed)),
                                               snapshot_at=snapshot_at, roi=roi, start=how.get("start")))
                    for label, how in tries]
        screened: list[PerturbationSearch] = []
        if len(searches) > 1 and screen_steps > 0:
            for k, (_, search) in enumerate(searches):
                if not result.cancelled:
                    result.cancelled = _drive(search, min(screen_steps, iterations),
                                              f"{prefix}screening {k + 1}/{len(searches)}", report, should_stop)
            ceiling = [s for label, s in searches if label == "ceiling"]
            ranked = sorted((s for label, s in searches if label != "ceiling"), key=_objective, reverse=True)
            kept, screened = ceiling + ranked[:1], ranked[1:]
        else:
            kept = [s for _, s in searches]
        for k, search in enumerate(kept):
            if not result.cancelled:
                result.cancelled = _drive(search, iterations, prefix + f"start {k + 1}/{len(kept)}", report,
                                          should_stop)
        for label, search in searches:
            state = search.result_state
            if state is not None:
                stop = "screened" if any(search is s for s in screened) else _stopped_by(search, iterations)
                result.starts.append(StartRecord(label, budget, search.iteration, stop, state.perturbation_rel,
                                                 state.network_change_rel))
        best = max(kept, key=_objective)
        if best.result_state is None:
            break
        found.append(best)
    return found


def _drive(search: PerturbationSearch, iterations: int, phase: str, report: ProgressCallback,
           should_stop) -> bool:
    """Step `search` to its end; True if it was cancelled (should_stop or Ctrl-C)."""
    try:
        for state in search.run(iterations, should_stop=should_stop):
            report(Progress(phase, search.iteration, iterations, state))
    except KeyboardInterrupt:
        search.stopped_by = "cancelled"
    return search.stopped_by == "cancelled"
