"""Test 1 from start to finish: run the search, then compare network, baseline and random noise.

`run_attack` runs the worst-case search (`worst_case.search_worst_case`: the ceiling, then
budgeted searches from several starts, or the paper's penalised search), then reconstructs every
kept perturbation with the network and the baseline and measures what the paper reports:
‖r‖/‖x‖, the network's relative change, the baseline's relative change on the same r, their
ratio, and the network's change under random noise of the same norm (the control that shows the
perturbation is special, not just large). It says how adequate the search was: the achieved
gain (change ÷ size) as a share of the linearised ceiling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch

from . import metrics
from .params import CONTINUATION, DEFAULT_RESTARTS, SCREEN_STEPS, AttackParams
from .perturbation import PerturbationSearch, Snapshot
from .worst_case import ProgressCallback, WorstCase, search_worst_case

Reconstructor = Callable[[torch.Tensor, object], torch.Tensor]

#: below this share of a converged ceiling, a search may have missed a larger change
ADEQUATE_SHARE = 0.5


@dataclass
class AttackOutcome:
    """Everything an attack report shows; tensors are on the CPU, images `(H, W)` (first of batch)."""

    params: AttackParams
    iterations: int
    cancelled: bool
    x: torch.Tensor
    numbers: dict
    history: list[dict]
    snapshots: list[dict] = field(default_factory=list)   # per snapshot: label, rel, r, x+r, net, baseline
    images: dict = field(default_factory=dict)            # clean and final reconstructions
    curve: list[dict] = field(default_factory=list)       # per budget, for budget curves


def _rel_change(new: torch.Tensor, old: torch.Tensor) -> float:
    return float(metrics.rel_l2(new.cpu(), old.cpu()))


def noise_control(search: PerturbationSearch, r: torch.Tensor, draws: int = 8, seed: int = 1) -> list[float]:
    """The network's relative change under `draws` Gaussian noises with the same norm as r."""
    g = torch.Generator().manual_seed(seed)
    changes = []
    for _ in range(max(int(draws), 1)):
        noise = torch.randn(r.shape, generator=g, dtype=r.real.dtype)
        if r.is_complex():
            noise = torch.complex(noise, torch.randn(r.shape, generator=g, dtype=r.real.dtype))
        noise = noise.to(r.device)
        if search.params.domain == "measurement" and search.op.modality != "radon":
            noise = noise * search.op.mask
        if search.roi is not None:
            noise = noise * search.roi
        noise = noise * (r.norm() / noise.norm().clamp_min(1e-30))
        changes.append(_rel_change(search.reconstruct(noise), search.clean))
    return changes


def run_attack(net, op, x: torch.Tensor, params: AttackParams, iterations: int, *,
               baseline: Reconstructor | None = None, restarts: int = DEFAULT_RESTARTS,
               budgets: list[float] | None = None, screen_steps: int = SCREEN_STEPS,
               continuation: tuple[float, ...] = CONTINUATION,
               noise_draws: int = 8, gain_iterations: int = 30, ceiling_start: bool = True,
               snapshot_at: tuple[int, ...] = (),
               roi: torch.Tensor | None = None, progress: ProgressCallback | None = None, should_stop=None,
               on_search_done=None) -> AttackOutcome:
    """Run test 1; `progress(Progress)` as it goes; `should_stop()` (or Ctrl-C) cancels.

    `iterations` caps each start of the search after screening (see `search_worst_case`).
    `on_search_done(worst_case)` is called before the (slower) reconstructions of the kept
    perturbations start. A cancelled run still reports what it found so far. `gain_iterations`
    > 0 measures the linearised ceiling (image domain).
    """
    found = search_worst_case(net, op, x, params, iterations, restarts=restarts, budgets=budgets,
                              screen_steps=screen_steps, continuation=continuation,
                              ceiling_iterations=gain_iterations, ceiling_start=ceiling_start, roi=roi,
                              snapshot_at=snapshot_at,
                              progress=progress, should_stop=should_stop)
    if on_search_done is not None:
        on_search_done(found)
    return summarise(found, baseline, noise_draws=noise_draws)


def _budget_label(search: PerturbationSearch) -> str:
    return f"ε = {search.params.budget:.3g}"


def summarise(found: WorstCase, baseline: Reconstructor | None, *, noise_draws: int = 8) -> AttackOutcome:
    """Reconstruct the kept perturbations with the network and the baseline; collect the numbers."""
    search = found.best
    if search.result_state is None:
        return _empty_outcome(found)
    x = search.x
    with torch.no_grad():
        clean_base = baseline(search.y, search.op) if baseline is not None else None
    curve_mode = len(found.searches) > 1
    if curve_mode:       # the columns are the budget curve's points
        kept = [(s, Snapshot(s.result_state.iteration, s.relative_size(s.result_r), s.result_r),
                 _budget_label(s)) for s in found.searches]
    else:
        kept = [(search, snap, f"iteration {snap.iteration}") for snap in search.snapshots
                if snap.iteration != search.result_state.iteration]
        kept.append((search, Snapshot(search.result_state.iteration, search.relative_size(search.result_r),
                                      search.result_r), "reported" if kept else f"iteration "
                                      f"{search.result_state.iteration}"))
    snaps = [_snapshot_entry(s, snap, label, baseline, clean_base) for s, snap, label in kept]
    last = snaps[-1]
    numbers = _headline(search, last, baseline is not None, clean_base)
    numbers.update(_noise_numbers(search, noise_draws))
    numbers.update(_search_numbers(found))
    if found.ceiling is not None:
        add_linear_gain(numbers, found.ceiling.gain[0], found.ceiling.converged)
    curve = []
    if curve_mode:
        for s, entry in zip(found.searches, snaps):
            point = {"budget": s.params.budget, "perturbation_rel": entry["perturbation_rel"],
                     "network_change_rel": entry["network_change_rel"],
                     "achieved_gain": entry["network_change_rel"] / max(entry["perturbation_rel"], 1e-30),
                     **_noise_numbers(s, noise_draws), "iterations": s.iteration,
                     "stopped_by": s.stopped_by or "iterations"}
            if "baseline_change_rel" in entry:
                point["baseline_change_rel"] = entry["baseline_change_rel"]
                point["change_ratio"] = entry["network_change_rel"] / max(entry["baseline_change_rel"], 1e-12)
            if found.ceiling is not None:
                add_linear_gain(point, found.ceiling.gain[0], found.ceiling.converged)
            curve.append(point)
    images = {"x": x[0].cpu(), "network_clean": search.clean[0].cpu()}
    if clean_base is not None:
        images["baseline_clean"] = clean_base[0].cpu()
    history = [s.to_dict() for s in search.history]
    return AttackOutcome(search.params, search.iteration, found.cancelled, x[0].cpu(), numbers, history,
                         snaps, images, curve)


def _empty_outcome(found: WorstCase) -> AttackOutcome:
    search = found.best
    numbers = {"iterations_run": 0, "stopped_by": search.stopped_by or "cancelled"}
    return AttackOutcome(search.params, 0, True, search.x[0].cpu(), numbers, [], [],
                         {"x": search.x[0].cpu(), "network_clean": search.clean[0].cpu()})


def _headline(search: PerturbationSearch, last: dict, with_baseline: bool, clean_base) -> dict:
    x, clean_net = search.x, search.clean
    numbers = {
        "iterations_run": search.iteration,
        "perturbation_rel": last["perturbation_rel"],
        "network_change_rel": last["network_change_rel"],
        "achieved_gain": last["network_change_rel"] / max(last["perturbation_rel"], 1e-30),
        "psnr_network_clean": float(metrics.psnr(clean_net[0].cpu(), x[0].cpu())),
        "psnr_network_perturbed": float(metrics.psnr(last["network"], x[0].cpu())),
        "ssim_network_clean": float(metrics.ssim(clean_net[0].cpu(), x[0].cpu())),
        "ssim_network_perturbed": float(metrics.ssim(last["network"], x[0].cpu())),
    }
    if search.params.domain == "measurement":
        numbers["measurement_perturbation_rel"] = search.relative_size(search.result_r)
    if with_baseline:
        numbers.update({
            "baseline_change_rel": last["baseline_change_rel"],
            "change_ratio": last["network_change_rel"] / max(last["baseline_change_rel"], 1e-12),
            "psnr_baseline_clean": float(metrics.psnr(clean_base[0].cpu(), x[0].cpu())),
            "psnr_baseline_perturbed": float(metrics.psnr(last["baseline"], x[0].cpu())),
        })
    return numbers


def _noise_numbers(search: PerturbationSearch, draws: int) -> dict:
    changes = noise_control(search, search.result_r, draws)
    return {"network_change_rel_random": sum(changes) / len(changes),
            "network_change_rel_random_max": max(changes), "noise_draws": len(changes)}


def _search_numbers(found: WorstCase) -> dict:
    search = found.best
    numbers = {"mode": search.params.mode,
               "stopped_by": search.stopped_by or ("cancelled" if found.cancelled else "iterations")}
    if search.params.budgeted:
        numbers["budget"] = search.params.budget
        numbers["restarts"] = [s.to_dict() for s in found.starts]
    return numbers


def add_linear_gain(numbers: dict, gain: float, converged: bool) -> None:
    """Report the linearised gain at x beside the achieved gain (change ÷ size) and their ratio,
    the search's adequacy; below `ADEQUATE_SHARE` of a converged ceiling it says so."""
    numbers["linear_gain"] = gain
    numbers["linear_gain_converged"] = converged
    numbers["achieved_gain"] = numbers["network_change_rel"] / max(numbers["perturbation_rel"], 1e-30)
    numbers["adequacy"] = numbers["achieved_gain"] / max(gain, 1e-30)
    numbers["adequacy_warning"] = bool(converged and numbers["adequacy"] < ADEQUATE_SHARE)


def _snapshot_entry(search: PerturbationSearch, snap: Snapshot, label: str, baseline: Reconstructor | None,
                    clean_base: torch.Tensor | None) -> dict:
    r_image = search.image_perturbation(snap.r)
    with torch.no_grad():
        net_out = search.reconstruct(snap.r)
        entry = {
            "label": label,
            "iteration": snap.iteration,
            "perturbation_rel": float(r_image.norm() / search.x.norm().clamp_min(1e-30)),
            "r": r_image[0].cpu(),
            "x_plus_r": (search.x + r_image)[0].cpu(),
            "network": net_out[0].cpu(),
            "network_change_rel": _rel_change(net_out, search.clean),
        }
        if baseline is not None:
            u = search.measurements(snap.r)
            base_out = baseline(u, search.op)
            entry["baseline"] = base_out[0].cpu()
            entry["baseline_change_rel"] = _rel_change(base_out, clean_base)
    return entry
