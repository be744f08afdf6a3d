"""The budget curve in the window: the worst-case change at ε = 0.5%, 1%, 2%, 5%, one point at a time.

The CLI's own plan for `--budgets` (`stability.worst_case.WorstCasePlan`): the smallest budget
screens every start (the ceiling's direction and the random ones) and runs the leaders on, each
larger budget starts from the previous budget's best r. Each finished budget
becomes a point with the CLI's curve keys (worst-case change, random noise of the same norm,
gain, and the baseline's change on the same r when a baseline is given), published at once so
the panel draws it while the next budget runs. No Qt here: the attack runner runs
`budget_curve` in its worker thread.
"""

from __future__ import annotations

from typing import Callable

import torch

from ..stability import metrics
from ..stability.attack import add_linear_gain, noise_control
from ..stability.params import AttackParams
from ..stability.perturbation import PerturbationSearch
from ..stability.worst_case import WorstCasePlan, stop_reason

DEFAULT_BUDGETS = (0.005, 0.01, 0.02, 0.05)


def baseline_change(search: PerturbationSearch, baseline, clean_base: torch.Tensor) -> float:
    """The baseline's relative change on the search's reported r (the CLI's baseline_change_rel)."""
    with torch.no_grad():
        perturbed = baseline(search.measurements(search.result_r), search.op)
    return float(metrics.rel_l2(perturbed.cpu(), clean_base.cpu()))


def curve_point(search: PerturbationSearch, iterations: int, noise_draws: int, ceiling: dict | None) -> dict:
    """One budget's numbers, with the keys of result.json's 'curve' records."""
    state = search.result_state
    noise = noise_control(search, search.result_r, noise_draws)
    point = {"budget": search.params.budget, "perturbation_rel": state.perturbation_rel,
             "network_change_rel": state.network_change_rel,
             "achieved_gain": state.network_change_rel / max(state.perturbation_rel, 1e-30),
             "network_change_rel_random": sum(noise) / len(noise),
             "network_change_rel_random_max": max(noise), "noise_draws": len(noise),
             "iterations": search.iteration,
             "stopped_by": stop_reason(search, iterations)}
    if ceiling is not None:
        add_linear_gain(point, ceiling["gain"][0], ceiling["converged"])
    return point


def budget_curve(net, op, x: torch.Tensor, params: AttackParams, iterations: int, *, budgets=DEFAULT_BUDGETS,
                 restarts: int = 2, direction: torch.Tensor | None = None, ceiling: dict | None = None,
                 roi=None, noise_draws: int = 8, baseline=None,
                 publish: Callable[[list[dict], str], None] = lambda p, s: None,
                 should_stop: Callable[[], bool] = lambda: False) -> tuple[list[dict], list[PerturbationSearch]]:
    """Points and best searches per finished budget (ascending); cancelling keeps the finished ones.

    `baseline(y, op)` (optional) reconstructs with the stable baseline, for its change on each
    budget's r. `publish(points, phase)` is called after every step (phase: 'ε = 1%: screening
    2/3, step 4') and after every finished budget.
    """
    run_params = params.with_(mode="budgeted", budget=float(max(budgets)))
    plan = WorstCasePlan(net, op, x, run_params, iterations, restarts=restarts, budgets=sorted(budgets),
                         direction=direction, roi=roi)
    plan.should_stop = should_stop
    points: list[dict] = []
    searches: list[PerturbationSearch] = []
    clean_base = None
    while not should_stop():
        progress = plan.step()
        for best in plan.found[len(searches):]:        # budgets finished by this step
            budget = best.params.budget
            point = curve_point(best, iterations, noise_draws, ceiling)
            if baseline is not None:
                publish(list(points), f"ε = {budget:.2%}: the baseline on the worst r")
                if clean_base is None:
                    with torch.no_grad():
                        clean_base = baseline(best.y, best.op)
                point["baseline_change_rel"] = baseline_change(best, baseline, clean_base)
                point["change_ratio"] = point["network_change_rel"] / max(point["baseline_change_rel"], 1e-12)
                if should_stop():    # the baseline's solve was cut short: its number is not final
                    return points, searches
            searches.append(best)
            points.append(point)
            publish(list(points), f"ε = {budget:.2%} done")
        if progress is None:         # the plan is over, or a pause landed inside the step
            break
        search = plan.current
        publish(list(points), f"ε = {search.params.budget:.2%}: {plan.phase}, step {search.iteration}")
    return points, searches
