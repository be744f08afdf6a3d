"""Targeted attacks in the window: "false feature" and "missing feature" with the details layer as d."""

import numpy as np
import pytest
import torch

from stabview.stability.targeted import TargetSettings, run_targeted

from .conftest import wait_idle

RESULT_KEYS = {"test", "mode", "budget", "perturbation_rel", "r_over_d", "r_d_correlation", "target_residual_rel",
               "target_residual_rel_start", "iterations_run", "stopped_by", "measures", "verdicts",
               "target_reached", "along_d", "settings", "history", "network", "image", "operator", "detail", "seed"}


def choose(window, mode, budget_percent=2.0, iterations=4):
    panel = window.attack_panel
    panel.modes[mode].click()
    panel.budget.set_budget(budget_percent / 100)
    panel.iterations.setValue(iterations)
    return panel


def test_without_a_detail_the_targeted_modes_say_so_and_do_not_run(window):
    panel = choose(window, "false feature")
    assert panel.problem.isVisible() and panel.problem.text()
    assert not panel.run()
    assert not window.attack.runner.busy and "target" not in window.model.results
    window.details_panel.stamp_at(16, 16)
    assert not panel.problem.isVisible()          # the stamp is the target: nothing is missing now
    panel.modes["budgeted"].click()
    assert not panel.problem.isVisible()


def test_false_feature_runs_the_engines_search_and_stores_its_result(window, qtbot):
    torch.set_num_threads(1)
    window.details_panel.stamp_at(16, 16)
    panel = choose(window, "false feature", budget_percent=2.0, iterations=4)
    assert panel.run()
    qtbot.waitUntil(lambda: "target" in window.model.results, timeout=30000)
    wait_idle(qtbot, window)
    result = window.model.results["target"]
    assert RESULT_KEYS <= set(result)
    assert result["test"] == "target-add" and result["mode"] == "add" and result["budget"] == pytest.approx(0.02)
    assert 0 < result["perturbation_rel"] <= 0.02 * (1 + 1e-5)
    assert set(result["verdicts"]) == {"network", "baseline"}
    assert result["iterations_run"] <= 4 and len(result["history"]) == result["iterations_run"]
    # the same search through the engine on the same (net, op, x, d) gives the same numbers
    wb = window.workbench
    engine = run_targeted(wb.net, wb.op, wb.base_image[None], wb.canvas.tensor(),
                          TargetSettings("add", 0.02, 4, seed=wb.sampling.seed)).numbers
    for key in ("perturbation_rel", "r_over_d", "r_d_correlation", "target_residual_rel"):
        assert result[key] == pytest.approx(engine[key], rel=1e-3, abs=1e-6)
    assert result["verdicts"]["network"] == engine["verdicts"]["network"]
    # the views show x + r, |r| and f(A(x + r)) of the search
    images = window.target.images
    np.testing.assert_allclose(window.viewers.image_of("r"), np.abs(images["r"]), rtol=1e-5)
    np.testing.assert_allclose(window.viewers.image_of("network"), np.abs(images["network_attacked"]), rtol=1e-5)
    np.testing.assert_allclose(window.viewers.image_of("x_plus_r"), np.abs(images["input"]), rtol=1e-5)
    assert float(np.linalg.norm(images["r"])) / float(np.linalg.norm(images["x"])) == \
        pytest.approx(result["perturbation_rel"], rel=1e-4)
    # Reset forgets it; Undo brings the result and its views back
    panel.buttons["reset"].click()
    assert "target" not in window.model.results and window.viewers.image_of("r") is None
    assert not panel.targeted.label.isVisible()
    assert window.undo()
    assert window.model.results["target"]["perturbation_rel"] == result["perturbation_rel"]
    np.testing.assert_allclose(window.viewers.image_of("r"), np.abs(images["r"]), rtol=1e-5)
    assert panel.targeted.label.isVisible()


def test_pause_ends_a_missing_feature_search_early_and_judges_the_best_r(window, qtbot):
    window.details_panel.stamp_at(16, 16)
    panel = choose(window, "missing feature", budget_percent=5.0, iterations=100_000)
    assert panel.run()
    assert panel.buttons["pause"].isEnabled() and not panel.buttons["run"].isEnabled()
    assert window.actions["pause"].isEnabled() and not window.actions["run"].isEnabled()
    qtbot.waitUntil(lambda: len(window.target.history) >= 2, timeout=20000)
    window.actions["pause"].trigger()              # F6, as the Pause button
    qtbot.waitUntil(lambda: "target" in window.model.results, timeout=30000)
    wait_idle(qtbot, window)
    result = window.model.results["target"]
    assert result["mode"] == "remove" and result["stopped_by"] in ("cancelled", "stall", "step")
    assert 2 <= result["iterations_run"] < 100_000
    assert result["perturbation_rel"] <= 0.05 * (1 + 1e-5)
    assert panel.buttons["run"].isEnabled() and window.actions["run"].isEnabled()


def test_a_new_detail_drops_a_running_search(window, qtbot):
    window.details_panel.stamp_at(16, 16)
    panel = choose(window, "false feature", iterations=100_000)
    assert panel.run()
    qtbot.waitUntil(lambda: len(window.target.history) >= 1, timeout=20000)
    window.details_panel.stamp_at(8, 8)
    wait_idle(qtbot, window, timeout=30000)
    assert "target" not in window.model.results and not window.target.images


def test_a_session_keeps_the_targeted_result(window, make_window, tmp_path, qtbot):
    window.details_panel.stamp_at(16, 16)
    panel = choose(window, "false feature", iterations=2)
    assert panel.run()
    qtbot.waitUntil(lambda: "target" in window.model.results, timeout=30000)
    wait_idle(qtbot, window)
    path = window.save_session(str(tmp_path / "target.json"))
    other = make_window()
    assert other.open_session(path)
    qtbot.waitUntil(lambda: other.workbench.net is not None and not other.workbench.canvas.is_empty, timeout=20000)
    wait_idle(qtbot, other)
    assert other.model.results["target"]["perturbation_rel"] == window.model.results["target"]["perturbation_rel"]
    assert other.model.results["target"]["verdicts"] == window.model.results["target"]["verdicts"]
    assert other.attack_panel.targeted.label.isVisibleTo(other.attack_panel)      # the result is shown


def test_closing_the_window_drops_a_running_search(window, qtbot):
    window.details_panel.stamp_at(16, 16)
    panel = choose(window, "missing feature", iterations=100_000)
    assert panel.run()
    qtbot.waitUntil(lambda: len(window.target.history) >= 1, timeout=20000)
    window.close_without_asking()
    # the thread ended within shutdown's wait: the search was dropped, not run to its 100 000 steps
    assert not window.isVisible() and not window.attack.runner._thread.isRunning()
    assert "target" not in window.model.results
