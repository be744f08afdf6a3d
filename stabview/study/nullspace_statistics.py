"""Statistics of the null-space cases per network and sampling: what the reconstruction got wrong
where the measurements see (‖P_R(x̂ − x)‖/‖x‖) and where they cannot (‖P_N(x̂ − x)‖/‖x‖), for the
network and the baseline on the clean input, with the share ‖P_N x‖/‖x‖ of the image no
measurement sees, and the fraction of images where the network's null-space error exceeds the
baseline's (it fills the unseen part worse than the stable method)."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from .statistics import describe


def summarise_nullspace(rows: Iterable[dict]) -> list[dict]:
    """One entry per (network, rate), sorted; rows as `Recorder.rows()` yields them."""
    per_group: dict[tuple, list[dict]] = defaultdict(list)
    failed: dict[tuple, int] = defaultdict(int)
    for row in rows:
        if row["test"] != "nullspace":
            continue
        key = (row["network"], row["rate"])
        if row["status"] != "ok":
            failed[key] += 1
        else:
            per_group[key].append(row["numbers"])
    groups = []
    for key in sorted(set(per_group) | set(failed), key=lambda k: (k[0], -1.0 if k[1] is None else k[1])):
        numbers = per_group[key]
        entry = {"network": key[0], "rate": key[1], "images": len(numbers), "failed": failed[key],
                 "truth_null_rel": describe(n["truth_null_rel"] for n in numbers)}
        for who in ("network", "baseline"):
            for name in ("null_space_error_rel", "range_error_rel"):
                entry[f"{who}_{name}"] = describe(n[name].get(who, {}).get("clean") for n in numbers)
        pairs = [(n["null_space_error_rel"]["network"]["clean"], n["null_space_error_rel"]["baseline"]["clean"])
                 for n in numbers if "baseline" in n["null_space_error_rel"]]
        entry["fraction_null_error_above_baseline"] = (sum(a > b for a, b in pairs) / len(pairs)
                                                       if pairs else None)
        solves = [n.get("projection", {}).get("last_solve", {}) for n in numbers]
        entry["projection_converged"] = (sum(bool(s.get("converged")) for s in solves) / len(solves)
                                         if solves else None)
        groups.append(entry)
    return groups
