"""Statistics of a study: worst restart per image, medians, IQR, bootstrap CI, fractions, noise."""

from __future__ import annotations

import numpy as np
import pytest

from stabview.study.statistics import describe, summarise


def row(image, change, *, restart=0, baseline=None, test="attack", network="net", budget=0.01,
        status="ok", **extra):
    numbers = {"network_change_rel": change, "perturbation_rel": budget, **extra}
    if baseline is not None:
        numbers.update(baseline_change_rel=baseline, change_ratio=change / baseline)
    return {"network": network, "rate": None, "budget": budget, "image": image, "restart": restart,
            "test": test, "status": status, "numbers": numbers if status == "ok" else {}}


def test_describe_median_quartiles_and_bootstrap():
    stats = describe([1, 2, 3, 4, 100])
    assert stats["median"] == 3 and stats["q25"] == 2 and stats["q75"] == 4 and stats["iqr"] == 2
    assert stats["n"] == 5 and stats["mean"] == pytest.approx(22)
    low, high = stats["ci95"]
    assert 1 <= low <= 3 <= high <= 100
    assert describe([1, 2, 3, 4, 100]) == stats   # fixed seed: reproducible
    assert describe([]) is None and describe([None, float("nan")]) is None
    assert describe([7.0])["ci95"] == [7.0, 7.0]


def test_bootstrap_interval_narrows_with_more_images():
    rng = np.random.default_rng(1)
    few, many = describe(rng.normal(1, 0.2, 10)), describe(rng.normal(1, 0.2, 1000))
    assert many["ci95"][1] - many["ci95"][0] < 0.5 * (few["ci95"][1] - few["ci95"][0])
    assert many["ci95"][0] < 1.0 < many["ci95"][1]


def test_worst_restart_counts_and_fractions_of_ratios():
    rows = [
        row("a", 0.02, restart=0, baseline=0.01), row("a", 0.06, restart=1, baseline=0.01),   # 6×
        row("b", 0.03, restart=0, baseline=0.01), row("b", 0.01, restart=1, baseline=0.01),   # 3×
        row("c", 0.01, restart=0, baseline=0.01), row("c", 0.005, restart=1, baseline=0.01),  # 1×
        row("d", 0.0, status="failed"),
    ]
    [group] = summarise(rows)
    assert group["images"] == 3 and group["restarts"] == 2 and group["failed"] == 1
    assert group["network_change"]["median"] == pytest.approx(0.03)
    assert group["change_ratio"]["median"] == pytest.approx(3.0)
    assert group["fraction_ratio_ge_2"] == pytest.approx(2 / 3)
    assert group["fraction_ratio_ge_5"] == pytest.approx(1 / 3)
    assert group["search_adequacy"] is None


def test_noise_cases_are_the_expected_case():
    rows = [row(i, 0.04, baseline=0.02) for i in "ab"]
    rows += [row(i, 0.01 * (1 + r), restart=r, baseline=0.01, test="noise") for i in "ab" for r in (0, 1)]
    [group] = summarise(rows)
    assert group["noise_network_change"]["median"] == pytest.approx(0.015)   # mean over restarts
    assert group["noise_baseline_change"]["median"] == pytest.approx(0.01)
    assert group["worst_over_noise"] == pytest.approx(0.04 / 0.015)
    assert group["noise_source"].startswith("noise test")


def test_without_noise_cases_the_attacks_control_is_used():
    rows = [row("a", 0.04, network_change_rel_random=0.01, search_adequacy=0.8),
            row("b", 0.08, network_change_rel_random=0.02, search_adequacy=0.6)]
    [group] = summarise(rows)
    assert group["noise_network_change"]["median"] == pytest.approx(0.015)
    assert group["worst_over_noise"] == pytest.approx(0.06 / 0.015)
    assert group["search_adequacy"]["median"] == pytest.approx(0.7)
    assert group["change_ratio"] is None and group["fraction_ratio_ge_2"] is None


def test_groups_per_network_and_budget_sorted():
    rows = [row("a", 0.1, network=n, budget=b) for n in ("y", "x") for b in (0.05, 0.01)]
    groups = summarise(rows)
    assert [(g["network"], g["budget"]) for g in groups] == [("x", 0.01), ("x", 0.05), ("y", 0.01), ("y", 0.05)]
