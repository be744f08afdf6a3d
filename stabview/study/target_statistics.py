"""Statistics of the targeted cases (false and missing detail) per network, sampling, budget and mode.

Per image the restarts are combined as an attacker would use them: the restart that reached the
target counts, else the one that came closest (smallest misfit ‖f(·) − target‖/‖d‖). Across
images each group reports the fraction where the target was reached for the network (add: the
false detail shown clearly, verdict "recovered"; remove: the real one "lost") and for the baseline
on the same r, the fraction where the false detail shows at all (add: recovered or blurred) or the
real one is no longer clear (remove: blurred or lost), the verdict counts, and the distributions
of ‖r‖/‖x‖, ‖r‖/‖d‖, corr(r, d) and the misfit (`statistics.describe`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Iterable

from .statistics import describe

TARGET_TESTS = ("target-add", "target-remove")
VERDICTS = ("recovered", "blurred", "lost")


def reached(mode: str, verdict: str | None) -> bool:
    """add: the false detail is shown clearly; remove: the real one is lost (as the engine judges)."""
    return verdict == ("recovered" if mode == "add" else "lost")


def visible_change(mode: str, verdict: str | None) -> bool:
    """add: the false detail shows at all; remove: the real one is no longer shown clearly."""
    return verdict in (("recovered", "blurred") if mode == "add" else ("blurred", "lost"))


def _better(numbers: dict, best: dict | None) -> bool:
    if best is None:
        return True
    mode = numbers["mode"]
    key = (not reached(mode, numbers["verdicts"]["network"]), numbers["target_residual_rel"])
    return key < (not reached(mode, best["verdicts"]["network"]), best["target_residual_rel"])


def summarise_targets(rows: Iterable[dict]) -> list[dict]:
    """One entry per (network, rate, budget, mode), sorted; rows as `Recorder.rows()` yields them."""
    best: dict[tuple, dict[str, dict]] = defaultdict(dict)     # group → image → numbers
    failed: dict[tuple, int] = defaultdict(int)
    restarts: dict[tuple, set] = defaultdict(set)
    for row in rows:
        if row["test"] not in TARGET_TESTS:
            continue
        key = (row["network"], row["rate"], row["budget"], row["test"].split("-", 1)[1])
        if row["status"] != "ok":
            failed[key] += 1
            continue
        restarts[key].add(row["restart"])
        numbers = row["numbers"]
        if _better(numbers, best[key].get(row["image"])):
            best[key][row["image"]] = numbers
    groups = []
    for key in sorted(set(best) | set(failed), key=lambda k: (k[0], -1.0 if k[1] is None else k[1], k[2], k[3])):
        network, rate, budget, mode = key
        per_image = list(best[key].values())
        entry = {"network": network, "rate": rate, "budget": budget, "mode": mode, "images": len(per_image),
                 "restarts": len(restarts[key]), "failed": failed[key]}
        for who in ("network", "baseline"):
            verdicts = [n["verdicts"].get(who) for n in per_image if who in n["verdicts"]]
            entry[f"{who}_verdicts"] = {v: Counter(verdicts)[v] for v in VERDICTS}
            entry[f"{who}_fraction_reached"] = (sum(reached(mode, v) for v in verdicts) / len(verdicts)
                                               if verdicts else None)
            entry[f"{who}_fraction_visible"] = (sum(visible_change(mode, v) for v in verdicts) / len(verdicts)
                                               if verdicts else None)
        if mode == "remove":   # the real detail already lost without any r is not the search's doing
            without = [n.get("measures_without_r", {}).get("network", {}).get("verdict") for n in per_image]
            entry["network_fraction_lost_without_r"] = (sum(v == "lost" for v in without) / len(without)
                                                        if without else None)
        for name in ("perturbation_rel", "r_over_d", "r_d_correlation", "target_residual_rel",
                     "target_residual_rel_start"):
            entry[name] = describe(n.get(name) for n in per_image)
        entry["along_d_residual_rel"] = describe(n.get("along_d", {}).get("target_residual_rel") for n in per_image)
        groups.append(entry)
    return groups
