"""Statistics of a study per network, sampling and budget, computed from the table alone.

Per image, restarts are combined as the search would be used: the worst case is the restart
with the largest network change (its baseline change, ratio and adequacy come with it); the
random-noise control is the mean over restarts (the expected case). Across images each group
reports the median, the interquartile range and a bootstrap 95% confidence interval of the
median (percentile bootstrap, `BOOTSTRAP` resamples, fixed seed so a report is reproducible),
the fraction of images where the network changed ≥ 2× and ≥ 5× more than the baseline, and
the worst case against the expected case under noise of the same size (as robust-nets' tables).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

import numpy as np

BOOTSTRAP = 2000
RATIO_THRESHOLDS = (2.0, 5.0)


def describe(values, *, seed: int = 0) -> dict | None:
    """n, median, quartiles, IQR, mean and the bootstrap 95% CI of the median (None if empty)."""
    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], dtype=float)
    if v.size == 0:
        return None
    q25, median, q75 = np.percentile(v, [25, 50, 75])
    rng = np.random.default_rng(seed)
    medians = np.median(v[rng.integers(0, v.size, size=(BOOTSTRAP, v.size))], axis=1)
    low, high = np.percentile(medians, [2.5, 97.5])
    return {"n": int(v.size), "median": float(median), "q25": float(q25), "q75": float(q75),
            "iqr": float(q75 - q25), "mean": float(v.mean()), "ci95": [float(low), float(high)],
            "min": float(v.min()), "max": float(v.max())}


def group_key(row: dict) -> tuple:
    return row["network"], row["rate"], row["budget"]


def summarise(rows: Iterable[dict]) -> list[dict]:
    """One entry per (network, rate, budget) of the attack and noise cases, sorted; `rows` as
    `Recorder.rows()` yields them."""
    worst: dict[tuple, dict[str, dict]] = defaultdict(dict)        # group → image → numbers
    noise: dict[tuple, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    failed: dict[tuple, int] = defaultdict(int)
    restarts: dict[tuple, set] = defaultdict(set)
    for row in rows:
        if row["test"] not in ("attack", "noise"):   # targeted and null-space cases: their own modules
            continue
        key = group_key(row)
        if row["status"] != "ok":
            failed[key] += 1
            continue
        numbers = row["numbers"]
        if row["test"] == "noise":
            noise[key][row["image"]].append(numbers)
            continue
        restarts[key].add(row["restart"])
        best = worst[key].get(row["image"])
        if best is None or numbers["network_change_rel"] > best["network_change_rel"]:
            worst[key][row["image"]] = numbers
    groups = []
    for key in sorted(set(worst) | set(noise) | set(failed), key=_sortable):
        network, rate, budget = key
        per_image = list(worst[key].values())
        entry = {"network": network, "rate": rate, "budget": budget, "images": len(per_image),
                 "restarts": len(restarts[key]), "failed": failed[key],
                 "network_change": describe(n["network_change_rel"] for n in per_image),
                 "perturbation": describe(n["perturbation_rel"] for n in per_image),
                 "baseline_change": describe(n.get("baseline_change_rel") for n in per_image),
                 "change_ratio": describe(n.get("change_ratio") for n in per_image),
                 "search_adequacy": describe(n.get("search_adequacy") for n in per_image)}
        ratios = [n["change_ratio"] for n in per_image if n.get("change_ratio") is not None]
        for threshold in RATIO_THRESHOLDS:
            entry[f"fraction_ratio_ge_{threshold:g}"] = (
                float(np.mean([r >= threshold for r in ratios])) if ratios else None)
        entry.update(_noise_control(per_image, noise[key]))
        groups.append(entry)
    return groups


def _noise_control(per_image: list[dict], noise: dict[str, list]) -> dict:
    """Expected (random noise) against worst case: from noise cases, else the attack's control."""
    if noise:
        expected = [float(np.mean([n["network_change_rel"] for n in cases])) for cases in noise.values()]
        baseline = [float(np.mean([n["baseline_change_rel"] for n in cases])) for cases in noise.values()
                    if all("baseline_change_rel" in n for n in cases)]
        source = "noise test: Gaussian noise of norm budget·‖x‖, mean over restarts"
    else:
        expected = [n["network_change_rel_random"] for n in per_image if "network_change_rel_random" in n]
        baseline = []
        source = "attack's control: Gaussian noise with the norm of the found r"
    out = {"noise_source": source if expected else None,
           "noise_network_change": describe(expected), "noise_baseline_change": describe(baseline)}
    expected_case = out["noise_network_change"]
    worst_case = describe(n["network_change_rel"] for n in per_image)
    out["worst_over_noise"] = (worst_case["median"] / expected_case["median"]
                               if worst_case and expected_case and expected_case["median"] > 0 else None)
    return out


def _sortable(key: tuple) -> tuple:
    network, rate, budget = key
    return network, -1.0 if rate is None else rate, budget
