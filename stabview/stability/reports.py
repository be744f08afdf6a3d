"""Write what a test found into a folder: result.json, NPZ arrays and paper-style PNG figures.

The GUI's export writes the same files, so a result looks the same whichever way it was made.
"""

from __future__ import annotations

import json
import math
import platform
from pathlib import Path

import numpy as np
import torch

from .. import __version__
from ..export import save_npz
from .figures import display_name, image_grid, line_plot, save_figure


def versions() -> dict:
    """Versions that a result depends on, recorded in every result.json."""
    return {"stabview": __version__, "torch": torch.__version__, "numpy": np.__version__,
            "python": platform.python_version(), "platform": platform.platform(),
            "torch_threads": torch.get_num_threads()}


def _clean(value):
    """JSON-safe: NaN/inf become null, tensors and arrays become lists."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return _clean(np.asarray(value).tolist())
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def write_json(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(_clean(data), indent=2))
    return path


def attack_result(outcome, meta: dict) -> dict:
    """result.json content of an attack: the headline numbers at top level, then the details."""
    return {
        "test": "attack",
        **meta,
        **outcome.numbers,
        "cancelled": outcome.cancelled,
        "params": outcome.params.to_dict(),
        "seed": outcome.params.seed,
        "versions": versions(),
        "snapshots": [{k: v for k, v in s.items() if not isinstance(v, torch.Tensor)}
                      for s in outcome.snapshots],
        "history": outcome.history,
        **({"curve": outcome.curve} if outcome.curve else {}),
    }


def snapshot_caption(k: int, snapshot: dict) -> str:
    """Caption of snapshot column k: which r, at which iteration, and its size.

    The iteration is what tells the columns apart in the constrained mode, where every r sits
    on the budget ‖r‖ = θ‖x‖ and their sizes are all the same.
    """
    return f"r{k + 1} · iteration {snapshot['iteration']} · ‖r‖ {snapshot['perturbation_rel']:.1%}"


def attack_figure(outcome, title: str):
    """Rows: perturbed inputs, network outputs, baseline outputs; columns: clean, r₁, r₂, …"""
    snaps = outcome.snapshots
    inputs = [("x", outcome.x)] + [(snapshot_caption(k, s), s["x_plus_r"]) for k, s in enumerate(snaps)]
    net = [("f(Ax)", outcome.images["network_clean"])] + [
        (f"f(A(x + r{k + 1}))  Δ {s['network_change_rel']:.1%}", s["network"]) for k, s in enumerate(snaps)]
    rows = [("perturbed input", inputs), ("network", net)]
    if "baseline_clean" in outcome.images:
        base = [("baseline(Ax)", outcome.images["baseline_clean"])] + [
            (f"baseline(A(x + r{k + 1}))  Δ {s['baseline_change_rel']:.1%}", s["baseline"])
            for k, s in enumerate(snaps)]
        rows.append(("baseline", base))
    rows.append(("|r| (rescaled)", [("", None)] +
                 [(f"|r{k + 1}|  max {float(s['r'].abs().max()):.3g}", s["r"].abs()) for k, s in enumerate(snaps)],
                 "each"))
    return image_grid(rows, title=title)


def write_attack(outcome, out: Path, meta: dict) -> list[Path]:
    """Write result.json, arrays.npz, attack.png/.pdf and curves.png for an attack."""
    written = [write_json(out / "result.json", attack_result(outcome, meta))]
    arrays = {"x": outcome.x, **{k: v for k, v in outcome.images.items()}}
    for k, s in enumerate(outcome.snapshots):
        for key in ("r", "x_plus_r", "network", "baseline"):
            if key in s:
                arrays[f"snapshot{k + 1}_{key}"] = s[key]
    written.append(save_npz(out / "arrays.npz", **arrays))
    figure = attack_figure(outcome, f"{display_name(meta.get('network', 'network'))} — "
                                    f"{display_name(meta.get('image', ''))}")
    written += [save_figure(figure, out / "attack.png"), save_figure(figure, out / "attack.pdf")]
    if outcome.history:
        its = [h["iteration"] for h in outcome.history]
        curves = line_plot(its, {
            "‖r‖/‖x‖ (%)": ([100 * h["perturbation_rel"] for h in outcome.history], None),
            "network change (%)": ([100 * h["network_change_rel"] for h in outcome.history], None)},
            xlabel="iteration", ylabel="percent", title="attack progress")
        written.append(save_figure(curves, out / "curves.png"))
    if outcome.curve:
        figure = budget_curve_figure(outcome.curve, f"{display_name(meta.get('network', 'network'))} — budget curve")
        written += [save_figure(figure, out / "budget_curve.png"), save_figure(figure, out / "budget_curve.pdf")]
    return written


def budget_curve_figure(curve: list[dict], title: str):
    """Relative change against the budget ε: worst case, random noise (mean, max), baseline."""
    budgets = [100 * p["budget"] for p in curve]
    series = {"network, worst case": ([100 * p["network_change_rel"] for p in curve], None),
              "network, random noise (max)": ([100 * p["network_change_rel_random_max"] for p in curve], None)}
    if all("baseline_change_rel" in p for p in curve):
        series["baseline, same r"] = ([100 * p["baseline_change_rel"] for p in curve], None)
    return line_plot(budgets, series, xlabel="budget ε (% of ‖x‖)", ylabel="relative change (%)", title=title)


def samples_figure(summary: dict, title: str):
    """PSNR against rate for every reconstructor, trained rate as a red line."""
    series = {name: (v["psnr_mean"], v["psnr_std"]) for name, v in summary.items()
              if isinstance(v, dict) and "psnr_mean" in v}
    return line_plot(summary["rates"], series, vline=summary.get("trained_rate"), title=title)
