"""Test 1's default in the window: the budgeted mode (ε, restarts), the ceiling first, every start,
the adequacy beside the progress, the budget curve, and the paper mode one click away."""

import json

import numpy as np
import pytest
import torch

from stabview.experiment import Session
from stabview.gui.panels.attack_mode import adequacy
from stabview.stability.params import AttackParams
from stabview.stability.worst_case import search_worst_case

from .conftest import wait_idle


def budgeted(window, iterations=4, restarts=1, percent="2"):
    panel = window.attack_panel
    panel.iterations.setValue(iterations)
    panel.restarts.setValue(restarts)
    panel.budget.field.setText(percent)
    panel.budget.field.editingFinished.emit()


def test_the_panel_opens_in_the_budgeted_mode_and_the_paper_mode_is_one_click_away(window, qtbot):
    panel = window.attack_panel
    assert panel.modes["budgeted"].isChecked()
    assert panel.budgeted_box.isVisibleTo(panel) and not panel.paper_box.isVisibleTo(panel)
    params = panel.params()
    assert params.mode == "budgeted" and params.budget == pytest.approx(0.02)
    assert panel.restarts.value() == 2
    # slider and field stay in sync, in % of ‖x‖
    panel.budget.slider.setValue(50)
    assert panel.budget.field.value() == pytest.approx(5.0) and panel.params().budget == pytest.approx(0.05)
    panel.budget.field.setText("0.7")
    panel.budget.field.editingFinished.emit()
    assert panel.budget.slider.value() == 7 and panel.params().budget == pytest.approx(0.007)
    panel.budget.field.setText("-1")
    assert not panel.run() and panel.problem.isVisibleTo(panel)
    panel.budget.field.setText("2")
    # one click: the paper's λ, γ, η, τ, presets, momentum kind and snapshots
    panel.modes["paper"].click()
    assert panel.paper_box.isVisibleTo(panel) and not panel.budgeted_box.isVisibleTo(panel)
    assert panel.params().mode == "paper"
    panel.modes["budgeted"].click()
    assert panel.params().mode == "budgeted"
    # choosing a preset fills the paper's values and switches to the paper mode
    index = panel.preset.findText("paper: med50")
    panel.preset.setCurrentIndex(index)
    panel.preset.activated.emit(index)
    params = panel.params()
    assert params.mode == "paper" and params.lam == 20.0 and params.lr == 0.005
    assert panel.snapshot_iterations()                   # the paper's r₁ < r₂ < r₃


def test_run_measures_the_ceiling_then_runs_the_clis_plan_step_by_step(window, qtbot):
    attack, panel = window.attack, window.attack_panel
    budgeted(window, iterations=4, restarts=1)
    panel.buttons["run"].click()
    qtbot.waitUntil(lambda: attack.state == "finished", timeout=60000)
    plan = attack.plan
    assert attack.ceiling is not None and attack.ceiling["direction"].shape == attack.search.r.shape
    records = plan.records(4)
    # the CLI's own plan: the direct search (the ceiling's start and a random one, screened) and
    # the continuation from a quarter of ε, with the same numbers
    wb = window.workbench
    torch.set_num_threads(1)
    found = search_worst_case(wb.net, wb.op, wb.image()[None], attack.params, 4, restarts=1)
    assert [(r.start, r.budget, r.iterations) for r in found.starts] == \
        [(r.start, r.budget, r.iterations) for r in records]
    assert records[0].start == "ceiling" and any(r.start.startswith("continued from") for r in records)
    best = attack.search
    assert best is plan.best() and best.relative_size(best.result_r) <= 0.02 * (1 + 1e-5)
    assert best.result_state.objective == pytest.approx(found.best.result_state.objective, rel=1e-4)
    assert found.ceiling.gain[0] == pytest.approx(attack.ceiling["gain"][0], rel=1e-4)
    assert attack.last_view.phase == f"best of {len(records)} starts"
    # other restarts afterwards: Run runs the plan again with them
    panel.restarts.setValue(2)
    panel.buttons["run"].click()
    qtbot.waitUntil(lambda: attack.state == "finished" and attack.plan is not plan, timeout=60000)
    assert f"random (seed {attack.params.seed + 1})" in [r.start for r in attack.plan.records(4)]


def test_pause_cancels_the_ceiling_and_step_steps_the_running_start(window, qtbot):
    attack, panel = window.attack, window.attack_panel
    budgeted(window, iterations=3, restarts=1)
    panel.buttons["run"].click()
    panel.buttons["pause"].click()                 # while the ceiling is measured
    qtbot.waitUntil(lambda: not attack.runner.busy, timeout=20000)
    assert attack.ceiling is None and attack.search is None and attack.state == "idle"
    panel.buttons["step"].click()                  # the ceiling, then one step of its start
    qtbot.waitUntil(lambda: attack.state == "paused", timeout=20000)
    assert attack.ceiling is not None and attack.plan.starts[0][0] == "ceiling" and attack.search.iteration == 1
    panel.buttons["step"].click()
    qtbot.waitUntil(lambda: attack.state == "paused" and attack.search.iteration == 2, timeout=20000)
    assert attack.last_view.phase.startswith("screening 1/2")
    panel.buttons["run"].click()
    qtbot.waitUntil(lambda: attack.state == "finished", timeout=60000)
    assert [r.start for r in attack.plan.records(3)][:2] == ["ceiling", f"random (seed {attack.params.seed})"]


def test_the_adequacy_is_the_gain_over_the_ceiling_and_warns_below_half():
    numbers = {"perturbation_rel": 0.02, "network_change_rel": 0.05}
    figure = adequacy(numbers, {"gain": [2.5], "converged": True})
    assert figure["gain"] == pytest.approx(2.5) and figure["share"] == pytest.approx(1.0) and not figure["warning"]
    assert adequacy(numbers, {"gain": [6.0], "converged": True})["warning"]
    assert not adequacy(numbers, {"gain": [6.0], "converged": False})["warning"]   # an unconverged ceiling
    assert adequacy(numbers, None) is None


def test_the_adequacy_shows_beside_the_progress_in_red_when_low(window, qtbot):
    attack, panel = window.attack, window.attack_panel
    budgeted(window, iterations=3, restarts=0)
    panel.buttons["run"].click()
    qtbot.waitUntil(lambda: attack.state == "finished", timeout=30000)
    state = attack.search.result_state
    figure = panel.adequacy()
    assert figure["gain"] == pytest.approx(state.network_change_rel / state.perturbation_rel)
    assert figure["share"] == pytest.approx(figure["gain"] / attack.ceiling["gain"][0])
    red = panel.ceiling.styleSheet()
    assert ("color" in red) == figure["warning"]
    # a ceiling far above the achieved gain: the figure turns red
    attack.ceiling = dict(attack.ceiling, gain=[100 * figure["gain"]], converged=True)
    attack.ceilingChanged.emit(dict(attack.ceiling, cancelled=False))
    assert panel.adequacy()["warning"] and "color" in panel.ceiling.styleSheet()


def test_a_diverging_paper_search_stops_and_says_so(window, qtbot):
    attack, panel = window.attack, window.attack_panel
    panel.modes["paper"].click()
    panel.fields["lr"].set_value(1e4)
    panel.fields["lam"].set_value(0.0)
    panel.iterations.setValue(50)
    panel.buttons["run"].click()
    qtbot.waitUntil(lambda: attack.state == "finished", timeout=30000)
    assert attack.search.stopped_by == "diverged" and attack.search.iteration < 50
    assert panel.problem.isVisibleTo(panel)
    assert np.isfinite(attack.search.result_r.numpy()).all()


def test_the_budget_curve_is_drawn_point_by_point_and_pause_keeps_the_finished_budgets(window, qtbot):
    attack, panel = window.attack, window.attack_panel
    budgeted(window, iterations=3, restarts=0)
    panel.buttons["curve"].click()
    qtbot.waitUntil(lambda: not attack.runner.busy, timeout=60000)
    curve = attack.curve
    assert [p["budget"] for p in curve] == [0.005, 0.01, 0.02, 0.05]
    for point, search in zip(curve, attack.curve_searches):
        assert point["perturbation_rel"] <= point["budget"] * (1 + 1e-5)
        assert point["network_change_rel"] == search.result_state.network_change_rel
        assert 0 < point["network_change_rel_random_max"] and point["noise_draws"] == 8
        assert point["baseline_change_rel"] > 0          # the stable baseline on the same r
        assert point["change_ratio"] == pytest.approx(point["network_change_rel"] / point["baseline_change_rel"])
    xs, ys = panel.curve_plot.lines["network_change_rel"].getData()
    np.testing.assert_allclose(xs, [0.5, 1, 2, 5])
    np.testing.assert_allclose(ys, [100 * p["network_change_rel"] for p in curve])
    _, base = panel.curve_plot.lines["baseline_change_rel"].getData()
    np.testing.assert_allclose(base, [100 * p["baseline_change_rel"] for p in curve])
    assert panel.curve_plot.isVisibleTo(panel)
    # Pause cancels; finished budgets stay (started from the Attack menu this time)
    budgeted(window, iterations=200, restarts=0)
    window.actions["curve"].trigger()
    qtbot.waitUntil(lambda: len(attack.curve) >= 1 or len(panel.curve_plot.points) >= 1, timeout=60000)
    panel.buttons["pause"].click()
    qtbot.waitUntil(lambda: not attack.runner.busy, timeout=30000)
    assert 1 <= len(attack.curve) < 4 and len(panel.curve_plot.points) == len(attack.curve)


def test_budgeted_sessions_and_exports_keep_the_mode_budget_restarts_best_search_and_curve(
        window, make_window, tmp_path, qtbot):
    attack, panel = window.attack, window.attack_panel
    budgeted(window, iterations=3, restarts=1, percent="3")
    panel.buttons["run"].click()
    qtbot.waitUntil(lambda: attack.state == "finished", timeout=30000)
    budgeted(window, iterations=2, restarts=1, percent="3")
    panel.buttons["curve"].click()
    qtbot.waitUntil(lambda: not attack.runner.busy and len(attack.curve) == 4, timeout=60000)
    best = attack.search
    path = window.save_session(str(tmp_path / "budgeted.json"))
    saved = Session.open(path)
    assert saved.experiment.attack.params.mode == "budgeted" and saved.experiment.attack.restarts == 1
    assert saved.experiment.attack.params.budget == pytest.approx(0.03)

    other = make_window()
    assert other.open_session(path)
    qtbot.waitUntil(lambda: other.attack.state == "finished" and other.attack.search is not None, timeout=30000)
    wait_idle(qtbot, other)
    assert other.attack_panel.mode() == "budgeted" and other.attack_panel.restarts.value() == 1
    assert other.attack_panel.budget.budget() == pytest.approx(0.03)
    np.testing.assert_allclose(other.attack.search.result_r.numpy(), best.result_r.numpy())
    assert [p["budget"] for p in other.attack.curve] == [p["budget"] for p in attack.curve]
    assert [p["network_change_rel"] for p in other.attack.curve] == \
        pytest.approx([p["network_change_rel"] for p in attack.curve])
    assert len(other.attack_panel.curve_plot.points) == 4

    out = tmp_path / "report"
    assert window.export_figure(str(out))
    qtbot.waitUntil(lambda: (out / "result.json").exists() and bool(window.last_export), timeout=60000)
    result = json.loads((out / "result.json").read_text())
    assert result["mode"] == "budgeted" and result["budget"] == pytest.approx(0.03)
    assert [r["start"] for r in result["restarts"]] == [r.start for r in attack.plan.records(attack.iterations)]
    assert result["stopped_by"] in ("stalled", "iterations")
    assert result["adequacy"] == pytest.approx(result["achieved_gain"] / attack.ceiling["gain"][0])
    assert [p["budget"] for p in result["curve"]] == [0.005, 0.01, 0.02, 0.05]
    assert result["perturbation_rel"] == pytest.approx(best.result_state.perturbation_rel, rel=1e-4)
    assert AttackParams.from_dict(result["params"]).budgeted


def test_stamping_during_a_budgeted_run_puts_the_starts_aside_and_undo_brings_them_back(window, qtbot):
    attack, panel = window.attack, window.attack_panel
    budgeted(window, iterations=100_000, restarts=3)
    panel.buttons["run"].click()
    qtbot.waitUntil(lambda: attack.search is not None and attack.search.iteration >= 2, timeout=30000)
    window.details_panel.stamp_at(20, 20)
    wait_idle(qtbot, window)      # the starts are put aside just after the job's end (`_after_job`)
    qtbot.waitUntil(lambda: attack.search is None and attack.plan is None and attack.state == "idle", timeout=5000)
    window.undo()
    plan = attack.plan
    assert plan is not None and attack.search is (plan.current or plan.best())
    assert attack.state == ("finished" if plan.complete else "paused")    # a fast machine may finish first
    done = len(plan.starts)
    # while the ceiling is measured there is no search yet: the stamp stops the run, nothing is kept
    panel.buttons["reset"].click()
    wait_idle(qtbot, window)
    panel.buttons["run"].click()
    window.details_panel.stamp_at(5, 5)
    wait_idle(qtbot, window)      # the starts are put aside just after the job's end (`_after_job`)
    qtbot.waitUntil(lambda: attack.search is None and attack.plan is None and attack.state == "idle", timeout=5000)
    window.undo()
    assert attack.state in ("idle", "paused") and (attack.state == "idle") == (attack.search is None)
    if attack.plan is not None:          # Undo of the reset brought the earlier starts back
        assert len(attack.plan.starts) == done
