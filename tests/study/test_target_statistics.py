"""Statistics of targeted and null-space cases: best restart per image, fractions, verdict counts."""

from __future__ import annotations

import pytest

from stabview.study.nullspace_statistics import summarise_nullspace
from stabview.study.target_statistics import summarise_targets


def target(image, mode, network_verdict, residual, *, restart=0, baseline_verdict="recovered", budget=0.02,
           corr=0.5, status="ok", without="recovered"):
    numbers = {"mode": mode, "budget": budget, "perturbation_rel": budget, "r_over_d": 0.3, "r_d_correlation": corr,
               "target_residual_rel": residual, "target_residual_rel_start": 1.0,
               "verdicts": {"network": network_verdict, "baseline": baseline_verdict},
               "along_d": {"target_residual_rel": 0.7}}
    if mode == "remove":
        numbers["measures_without_r"] = {"network": {"verdict": without}}
    return {"network": "net", "rate": None, "budget": budget, "image": image, "restart": restart,
            "test": f"target-{mode}", "status": status, "numbers": numbers if status == "ok" else {}}


def test_reached_restart_wins_and_fractions_count_images():
    rows = [
        # image a: restart 1 comes closer but only restart 0 shows the false detail clearly
        target("a", "add", "recovered", 0.5, restart=0, corr=0.1), target("a", "add", "blurred", 0.4, restart=1),
        target("b", "add", "blurred", 0.6, restart=0, baseline_verdict="lost"),
        target("b", "add", "lost", 0.9, restart=1),
        target("c", "add", "lost", 0.8, baseline_verdict="lost"),
        target("d", "add", "lost", 0.8, status="failed"),
        {"network": "net", "rate": None, "budget": 0.02, "image": "a", "restart": 0, "test": "attack",
         "status": "ok", "numbers": {"network_change_rel": 0.1}},
    ]
    (g,) = summarise_targets(rows)
    assert (g["mode"], g["images"], g["restarts"], g["failed"]) == ("add", 3, 2, 1)
    assert g["network_verdicts"] == {"recovered": 1, "blurred": 1, "lost": 1}
    assert g["network_fraction_reached"] == pytest.approx(1 / 3)
    assert g["network_fraction_visible"] == pytest.approx(2 / 3)
    assert g["baseline_fraction_reached"] == pytest.approx(1 / 3)
    assert g["target_residual_rel"]["median"] == pytest.approx(0.6)     # a: 0.5 (reached), b: 0.6, c: 0.8
    assert g["r_d_correlation"]["min"] == pytest.approx(0.1)
    assert g["along_d_residual_rel"]["median"] == pytest.approx(0.7)


def test_remove_counts_lost_details_and_those_lost_without_r():
    rows = [target("a", "remove", "lost", 0.3), target("b", "remove", "blurred", 0.5),
            target("c", "remove", "lost", 0.2, without="lost"), target("d", "remove", "recovered", 0.9),
            target("a", "remove", "recovered", 0.9, budget=0.01)]
    groups = {g["budget"]: g for g in summarise_targets(rows)}
    g = groups[0.02]
    assert g["network_fraction_reached"] == 0.5 and g["network_fraction_visible"] == 0.75
    assert g["network_fraction_lost_without_r"] == 0.25
    assert groups[0.01]["images"] == 1 and groups[0.01]["network_fraction_reached"] == 0.0


def nullspace(image, network_null, baseline_null, *, converged=True, network="net"):
    return {"network": network, "rate": None, "budget": 0.0, "image": image, "restart": 0, "test": "nullspace",
            "status": "ok", "numbers": {
                "truth_null_rel": 0.1,
                "null_space_error_rel": {"network": {"clean": network_null}, "baseline": {"clean": baseline_null}},
                "range_error_rel": {"network": {"clean": 0.01}, "baseline": {"clean": 0.0}},
                "projection": {"last_solve": {"converged": converged}}}}


def test_nullspace_medians_and_fraction_above_the_baseline():
    rows = [nullspace("a", 0.05, 0.03), nullspace("b", 0.02, 0.03, converged=False), nullspace("c", 0.04, 0.01),
            nullspace("a", 0.01, 0.02, network="other")]
    groups = {g["network"]: g for g in summarise_nullspace(rows)}
    g = groups["net"]
    assert g["images"] == 3 and g["network_null_space_error_rel"]["median"] == pytest.approx(0.04)
    assert g["baseline_null_space_error_rel"]["median"] == pytest.approx(0.03)
    assert g["network_range_error_rel"]["median"] == pytest.approx(0.01)
    assert g["fraction_null_error_above_baseline"] == pytest.approx(2 / 3)
    assert g["projection_converged"] == pytest.approx(2 / 3)
    assert groups["other"]["fraction_null_error_above_baseline"] == 0.0
