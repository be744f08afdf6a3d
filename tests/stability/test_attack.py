"""Test 1 end to end: snapshots, baseline comparison, random-noise control, cancellation."""

import torch

from stabview.operators import FourierOperator, MaskSpec
from stabview.stability.attack import run_attack
from stabview.stability.params import AttackParams

from .small_networks import ResidualCNN


def zero_filled(y, op):
    return op.warm_start(y)


def test_attack_reports_the_papers_numbers():
    torch.manual_seed(0)
    op = FourierOperator.from_spec((32, 32), MaskSpec("cartesian", 0.3))
    x = torch.rand(1, 32, 32)
    seen = []
    outcome = run_attack(ResidualCNN(), op, x, AttackParams(mode="paper", lam=0.01), 12, baseline=zero_filled,
                         snapshot_at=(4, 8), progress=lambda p: seen.append(p.state.iteration),
                         gain_iterations=0)
    assert seen == list(range(12)) and not outcome.cancelled
    assert [s["iteration"] for s in outcome.snapshots] == [4, 8, 11]
    assert [s["label"] for s in outcome.snapshots] == ["iteration 4", "iteration 8", "reported"]
    rels = [s["perturbation_rel"] for s in outcome.snapshots]
    assert rels == sorted(rels)
    n = outcome.numbers
    for key in ("perturbation_rel", "network_change_rel", "baseline_change_rel", "change_ratio",
                "network_change_rel_random", "psnr_network_clean", "psnr_baseline_perturbed"):
        assert key in n and n[key] == n[key], key
    # the zero-filled baseline is linear: its change is exactly ‖A*A r‖/‖A*A x‖
    r = outcome.snapshots[-1]["r"][None]
    expected = (op.adjoint(op.forward(r)).norm() / op.adjoint(op.forward(x)).norm()).item()
    assert abs(n["baseline_change_rel"] - expected) < 1e-4
    assert n["change_ratio"] == n["network_change_rel"] / n["baseline_change_rel"]
    assert n["network_change_rel"] > n["network_change_rel_random"], "the search beats random noise"


def test_cancelled_attack_still_reports_what_it_found():
    op = FourierOperator.from_spec((32, 32), MaskSpec("cartesian", 0.3))
    calls = []
    outcome = run_attack(ResidualCNN(), op, torch.rand(1, 32, 32), AttackParams(mode="paper"), 50,
                         should_stop=lambda: len(calls) >= 3, progress=calls.append, gain_iterations=0)
    assert outcome.cancelled and outcome.iterations == 3 and outcome.numbers["stopped_by"] == "cancelled"
    assert outcome.snapshots[-1]["iteration"] == 2 and "baseline_change_rel" not in outcome.numbers
    assert "linear_gain" not in outcome.numbers                 # measured only when asked
    budgeted = run_attack(ResidualCNN(), op, torch.rand(1, 32, 32), AttackParams(), 50,
                          should_stop=lambda: len(calls) >= 8, progress=calls.append, gain_iterations=0)
    assert budgeted.cancelled and budgeted.numbers["iterations_run"] == 5


def test_the_attack_can_report_its_linearised_ceiling():
    torch.manual_seed(0)
    op = FourierOperator.from_spec((32, 32), MaskSpec("cartesian", 0.3))
    outcome = run_attack(ResidualCNN(), op, torch.rand(1, 32, 32), AttackParams(mode="paper", lam=0.01), 4,
                         gain_iterations=40)
    n = outcome.numbers
    assert n["linear_gain"] > 0 and n["achieved_gain"] == n["network_change_rel"] / n["perturbation_rel"]
    assert n["adequacy"] == n["achieved_gain"] / n["linear_gain"]
    measurement = run_attack(ResidualCNN(), op, torch.rand(1, 32, 32), AttackParams(domain="measurement"), 2,
                             gain_iterations=40)
    assert "linear_gain" not in measurement.numbers            # an image-domain ceiling only


def test_reports_write_json_arrays_and_figures(tmp_path):
    import json

    import numpy as np

    from stabview.stability.reports import write_attack

    op = FourierOperator.from_spec((32, 32), MaskSpec("cartesian", 0.3))
    outcome = run_attack(ResidualCNN(), op, torch.rand(1, 32, 32), AttackParams(mode="paper", lam=0.01), 6,
                         baseline=zero_filled, snapshot_at=(3,), gain_iterations=0)
    write_attack(outcome, tmp_path, {"network": "small", "image": "random"})
    result = json.loads((tmp_path / "result.json").read_text())
    for key in ("perturbation_rel", "network_change_rel", "baseline_change_rel", "params", "versions", "seed"):
        assert key in result
    assert len(result["history"]) == 6 and len(result["snapshots"]) == 2
    arrays = np.load(tmp_path / "arrays.npz")
    assert arrays["snapshot2_r"].shape == (32, 32) and arrays["x"].dtype == np.complex64
    for name in ("attack.png", "attack.pdf", "curves.png"):
        assert (tmp_path / name).stat().st_size > 1000
