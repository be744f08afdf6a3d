"""Test 1 from start to finish: run the search, then compare network, baseline and random noise.

`run_attack` drives a `PerturbationSearch` for a number of iterations (cancellable, with a
progress callback), then reconstructs every kept snapshot with the network and the baseline and
measures what the paper reports: ‖r‖/‖x‖, the network's relative change, the baseline's relative
change on the same r, their ratio, and the network's change under random noise of the same norm
(the control that shows the perturbation is special, not just large).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch

from . import metrics
from .params import AttackParams
from .perturbation import PerturbationSearch, Snapshot
from .sensitivity import linear_gain

Reconstructor = Callable[[torch.Tensor, object], torch.Tensor]


@dataclass
class AttackOutcome:
    """Everything an attack report shows; tensors are on the CPU, images `(H, W)` (first of batch)."""

    params: AttackParams
    iterations: int
    cancelled: bool
    x: torch.Tensor
    numbers: dict
    history: list[dict]
    snapshots: list[dict] = field(default_factory=list)   # per snapshot: rel, r, x+r, net, baseline
    images: dict = field(default_factory=dict)            # clean and final reconstructions


def _rel_change(new: torch.Tensor, old: torch.Tensor) -> float:
    return float(metrics.rel_l2(new.cpu(), old.cpu()))


def random_control(search: PerturbationSearch, r: torch.Tensor, seed: int = 1) -> float:
    """The network's relative change under Gaussian noise with the same norm as r."""
    g = torch.Generator().manual_seed(seed)
    noise = torch.randn(r.shape, generator=g, dtype=r.real.dtype)
    if r.is_complex():
        noise = torch.complex(noise, torch.randn(r.shape, generator=g, dtype=r.real.dtype))
    noise = noise.to(r.device)
    if search.params.domain == "measurement" and search.op.modality != "radon":
        noise = noise * search.op.mask
    noise = noise * (r.norm() / noise.norm().clamp_min(1e-30))
    return _rel_change(search.reconstruct(noise), search.clean)


def run_attack(net, op, x: torch.Tensor, params: AttackParams, iterations: int, *,
               baseline: Reconstructor | None = None, snapshot_at: tuple[int, ...] = (),
               roi: torch.Tensor | None = None, progress=None, should_stop=None,
               on_search_done=None, gain_iterations: int = 0) -> AttackOutcome:
    """Run the search; `progress(state, iterations)` after each step; `should_stop()` cancels.

    Ctrl-C (KeyboardInterrupt) during the search ends it like a cancel; `on_search_done(search)`
    is called before the (slower) snapshot reconstructions start.

    The final r is always kept as the last snapshot, so a cancelled run still reports what it
    found so far. With `gain_iterations` > 0 (image-domain attacks) the network's linearised gain
    at x is measured too, the ceiling the attack's own gain (change ÷ size) is compared with.
    """
    search = PerturbationSearch(net, op, x, params, snapshot_at=snapshot_at, roi=roi)
    cancelled = False
    try:
        for state in search.run(iterations, should_stop=should_stop):
            if progress is not None:
                progress(state, iterations)
        cancelled = search.iteration < iterations
    except KeyboardInterrupt:
        cancelled = True
    if not search.snapshots or search.snapshots[-1].iteration != search.iteration:
        search.snapshot()
    if on_search_done is not None:
        on_search_done(search)
    outcome = summarise(search, baseline, cancelled)
    if gain_iterations > 0 and params.domain == "image":
        ceiling = linear_gain(net, op, search.x, iterations=gain_iterations,
                              complex_perturbation=params.complex_perturbation)
        add_linear_gain(outcome.numbers, ceiling.gain[0], ceiling.converged)
    return outcome


def add_linear_gain(numbers: dict, gain: float, converged: bool) -> None:
    """Report the network's linearised gain at x beside the attack's own gain (change ÷ size)."""
    numbers["linear_gain"] = gain
    numbers["linear_gain_converged"] = converged
    numbers["achieved_gain"] = numbers["network_change_rel"] / max(numbers["perturbation_rel"], 1e-30)


def summarise(search: PerturbationSearch, baseline: Reconstructor | None, cancelled: bool) -> AttackOutcome:
    """Reconstruct each snapshot with the network and the baseline and collect the numbers."""
    x = search.x
    clean_net = search.clean
    with torch.no_grad():
        clean_base = baseline(search.y, search.op) if baseline is not None else None
    snaps = [_snapshot_entry(search, snap, baseline, clean_base) for snap in search.snapshots]
    last = snaps[-1]
    numbers = {
        "iterations_run": search.iteration,
        "perturbation_rel": last["perturbation_rel"],
        "network_change_rel": last["network_change_rel"],
        "network_change_rel_random": random_control(search, search.snapshots[-1].r),
        "psnr_network_clean": float(metrics.psnr(clean_net[0].cpu(), x[0].cpu())),
        "psnr_network_perturbed": float(metrics.psnr(last["network"], x[0].cpu())),
        "ssim_network_clean": float(metrics.ssim(clean_net[0].cpu(), x[0].cpu())),
        "ssim_network_perturbed": float(metrics.ssim(last["network"], x[0].cpu())),
    }
    if search.params.domain == "measurement":
        numbers["measurement_perturbation_rel"] = float(
            search.snapshots[-1].r.norm() / search.y.norm().clamp_min(1e-30))
    if baseline is not None:
        numbers.update({
            "baseline_change_rel": last["baseline_change_rel"],
            "change_ratio": last["network_change_rel"] / max(last["baseline_change_rel"], 1e-12),
            "psnr_baseline_clean": float(metrics.psnr(clean_base[0].cpu(), x[0].cpu())),
            "psnr_baseline_perturbed": float(metrics.psnr(last["baseline"], x[0].cpu())),
        })
    images = {"x": x[0].cpu(), "network_clean": clean_net[0].cpu()}
    if clean_base is not None:
        images["baseline_clean"] = clean_base[0].cpu()
    return AttackOutcome(search.params, search.iteration, cancelled, x[0].cpu(), numbers,
                         [s.to_dict() for s in search.history], snaps, images)


def _snapshot_entry(search: PerturbationSearch, snap: Snapshot, baseline: Reconstructor | None,
                    clean_base: torch.Tensor | None) -> dict:
    r_image = search.image_perturbation(snap.r)
    with torch.no_grad():
        net_out = search.reconstruct(snap.r)
        entry = {
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
