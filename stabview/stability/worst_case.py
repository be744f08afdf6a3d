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

    @classmethod
    def of(cls, label: str, search: PerturbationSearch, stopped_by: str) -> "StartRecord":
        """The record of `search` (which has taken a step) started as `label`."""
        state = search.result_state
        return cls(label, search.params.budget, search.iteration, stopped_by, state.perturbation_rel,
                   state.network_change_rel)


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


def stop_reason(search: PerturbationSearch, iterations: int) -> str:
    """Why a start ended: its own reason, else 'iterations' (all run) or 'cancelled' (stopped early)."""
    if search.stopped_by is not None:
        return search.stopped_by
    return "iterations" if search.iteration >= iterations else "cancelled"


def objective(search: PerturbationSearch | None) -> float:
    """The objective of a search's reported r (−∞ before its first step)."""
    state = None if search is None else search.result_state
    return -float("inf") if state is None else state.objective


def search_worst_case(net, op, x: torch.Tensor, params: AttackParams, iterations: int, *,
                      restarts: int = DEFAULT_RESTARTS, budgets: list[float] | None = None,
                      ceiling_iterations: int = 30, screen_steps: int = SCREEN_STEPS,
                      continuation: tuple[float, ...] = CONTINUATION,
                      ceiling_start: bool = True, roi: torch.Tensor | None = None, snapshot_at: tuple[int, ...] = (),
                      progress: ProgressCallback | None = None, should_stop=None) -> WorstCase:
    """Run the search (see the module docstring); `iterations` caps each start's steps after
    screening (the screened leader has taken `screen_steps` more, so up to their sum).

    `ceiling_iterations` > 0 measures the linearised gain (image domain only) and, in budgeted
    mode with `ceiling_start`, starts once along its direction. `screen_steps` = 0 runs every
    start to its end; `continuation` = () searches a single budget directly only. Cancelling
    (`should_stop()`, or Ctrl-C) keeps what was found so far.
    """
    report = progress or (lambda p: None)
    ceiling, cancelled = None, False
    if ceiling_iterations > 0 and params.domain == "image":
        try:
            ceiling = linear_gain(
                net, op, x, iterations=ceiling_iterations, seed=params.seed,
                complex_perturbation=params.complex_perturbation, should_stop=should_stop,
                progress=lambda done, total, gains: report(Progress("ceiling", done, total)))
        except KeyboardInterrupt:
            cancelled = True
    plan = WorstCasePlan(net, op, x, params, iterations, restarts=restarts, budgets=budgets,
                         screen_steps=screen_steps, continuation=continuation, ceiling=ceiling,
                         ceiling_start=ceiling_start, roi=roi, snapshot_at=snapshot_at)
    plan.should_stop = should_stop
    try:
        while not cancelled and not plan.finished:
            if should_stop is not None and should_stop():
                cancelled = True
                continue
            step = plan.step()
            if step is not None:
                report(step)
            elif not plan.finished:
                cancelled = True            # should_stop() turned true during the step
    except KeyboardInterrupt:
        cancelled = True
    if cancelled:
        plan.cancel()
    return plan.result


class WorstCasePlan:
    """The whole search of `search_worst_case`, one step at a time, so that a caller can pause
    between any two steps and go on later (the window runs it so) with the CLI's exact plan.

    `step()` takes the next step of whichever start is running and returns its `Progress`; it
    returns None when `should_stop()` (an attribute, set by the caller) turned true during the
    step — nothing changed, calling `step()` again retries it — and None with `finished` set once
    the plan is over. `result` is the `WorstCase` (complete once finished); `current` is the
    search stepped last and `phase` what it is doing ('screening 2/5', 'budget 0.005, start 1/2');
    `tried` lists every start made so far as (label, search), and `found` the best search of each
    budget finished so far (a budget curve's points, in ascending order). `direction` is the
    ceiling's start when the ceiling was measured elsewhere (`ceiling` then may be None).
    `cancel()` ends the plan at once and completes `result` from what was found.
    """

    def __init__(self, net, op, x: torch.Tensor, params: AttackParams, iterations: int, *,
                 restarts: int = DEFAULT_RESTARTS, budgets: list[float] | None = None,
                 screen_steps: int = SCREEN_STEPS, continuation: tuple[float, ...] = CONTINUATION,
                 ceiling: Sensitivity | None = None, ceiling_start: bool = True,
                 direction: torch.Tensor | None = None,
                 roi: torch.Tensor | None = None, snapshot_at: tuple[int, ...] = ()):
        self.net, self.op, self.x, self.params, self.iterations = net, op, x, params, int(iterations)
        self.restarts, self.budgets, self.screen_steps = restarts, budgets, screen_steps
        self.continuation, self.ceiling_start, self.roi, self.snapshot_at = continuation, ceiling_start, roi, snapshot_at
        self.result = WorstCase([], ceiling=ceiling)
        self.direction = direction if direction is not None else (ceiling.direction if ceiling is not None else None)
        self.tried: list[tuple[str, PerturbationSearch]] = []
        self.found: list[PerturbationSearch] = []
        self.should_stop: Callable[[], bool] | None = None
        self.current: PerturbationSearch | None = None
        self.phase = ""
        self.finished = False
        self._steps = self._plan()

    def step(self) -> Progress | None:
        if self.finished:
            return None
        try:
            return next(self._steps)
        except StopIteration:
            self.finished, self.phase = True, ""
            return None

    def cancel(self) -> None:
        """Stop here: no more steps; `result` is completed from what was found (and `finished`)."""
        self.result.cancelled = True
        if self.current is not None and self.current.stopped_by is None:
            self.current.stopped_by = "cancelled"
        while not self.finished:
            self.step()

    def _search(self, budget: float, seed: int, start: torch.Tensor | None) -> PerturbationSearch:
        return PerturbationSearch(self.net, self.op, self.x, replace(self.params, budget=budget, seed=seed),
                                  snapshot_at=self.snapshot_at, roi=self.roi, start=start)

    def _plan(self):
        params, result = self.params, self.result
        if not params.budgeted:
            search = PerturbationSearch(self.net, self.op, self.x, params, snapshot_at=self.snapshot_at, roi=self.roi)
            result.searches.append(search)
            yield from self._run(search, self.iterations, "search")
            return
        starts: list[tuple[str, dict]] = []
        if self.direction is not None and self.ceiling_start:
            starts.append(("ceiling", {"start": self.direction}))
        starts += [(f"random (seed {params.seed + k})", {"seed": params.seed + k})
                   for k in range(max(self.restarts, 0 if starts else 1))]
        if self.budgets:
            paths = [sorted(self.budgets)]
        else:
            paths = [[params.budget]]
            ramp = sorted({share * params.budget for share in self.continuation if 0 < share < 1})
            if ramp:
                paths.append([*ramp, params.budget])
        ended = []
        for k, path in enumerate(paths):
            # the continuation looks for other basins than the direct search: random starts only
            tries = starts if k == 0 else ([s for s in starts if s[0] != "ceiling"] or starts)
            searches = yield from self._continuation(path, tries)
            if searches:
                ended.append(searches)
        if self.budgets:
            result.searches = ended[0] if ended else []
        elif ended:
            result.searches = [max((s[-1] for s in ended), key=objective)]
        if not result.searches:      # cancelled before the first state: keep the unstarted search
            result.searches.append(PerturbationSearch(self.net, self.op, self.x, params,
                                                      snapshot_at=self.snapshot_at, roi=self.roi))

    def _continuation(self, path: list[float], starts: list[tuple[str, dict]]):
        """The best search at each budget of `path` (ascending): every start at the first budget
        (screened), then each budget continued from the previous one's best r."""
        result, iterations = self.result, self.iterations
        found: list[PerturbationSearch] = []
        for b, budget in enumerate(path):
            if result.cancelled:
                break
            tries = starts if not found else [(f"continued from {path[b - 1]:.3g}", {"start": found[-1].result_r})]
            prefix = f"budget {budget:.3g}, " if len(path) > 1 else ""
            searches = [(label, self._search(budget, how.get("seed", self.params.seed), how.get("start")))
                        for label, how in tries]
            self.tried += searches
            screened: list[PerturbationSearch] = []
            if len(searches) > 1 and self.screen_steps > 0:
                for k, (_, search) in enumerate(searches):
                    yield from self._run(search, min(self.screen_steps, iterations),
                                         f"{prefix}screening {k + 1}/{len(searches)}")
                ceiling = [s for label, s in searches if label == "ceiling"]
                ranked = sorted((s for label, s in searches if label != "ceiling"), key=objective, reverse=True)
                kept, screened = ceiling + ranked[:1], ranked[1:]
            else:
                kept = [s for _, s in searches]
            for k, search in enumerate(kept):
                yield from self._run(search, iterations, prefix + f"start {k + 1}/{len(kept)}")
            for label, search in searches:
                if search.result_state is not None:
                    stop = "screened" if any(search is s for s in screened) else stop_reason(search, iterations)
                    result.starts.append(StartRecord.of(label, search, stop))
            best = max(kept, key=objective)
            if best.result_state is None:
                break
            found.append(best)
            if self.budgets and not result.cancelled:
                self.found.append(best)
        return found

    def _run(self, search: PerturbationSearch, steps: int, phase: str):
        """Up to `steps` more steps of `search` (fewer when it stalls, diverges or is cancelled);
        yields each step's Progress, or None for a step `should_stop()` interrupted."""
        if self.result.cancelled:
            return
        self.current, self.phase = search, phase
        taken = 0
        while taken < steps and search.stopped_by is None and not self.result.cancelled:
            try:
                state = search.step(self.should_stop)
            except KeyboardInterrupt:
                self.result.cancelled, search.stopped_by = True, "cancelled"
                return
            if state is None:
                if search.stopped_by is None:
                    yield None          # interrupted: nothing changed, the next call retries the step
                continue
            taken += 1
            yield Progress(phase, search.iteration, steps, state)
