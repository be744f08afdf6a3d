"""Test 1 in the window: run, pause, step, snapshot, reset, stop on close; the GUI stays live."""

import time

import numpy as np

from stabview.gui.panels.attack import current_numbers
from stabview.gui.workers import REDRAW_HZ


def slow_params(window, iterations=400, lr=0.01):
    panel = window.attack_panel
    panel.modes["paper"].click()              # the paper's search: these tests set η
    panel.fields["lr"].set_value(lr)
    panel.iterations.setValue(iterations)


def test_run_pause_step_snapshot_reset(window, qtbot):
    attack, panel = window.attack, window.attack_panel
    slow_params(window, iterations=100_000)
    assert panel.run()
    qtbot.waitUntil(lambda: attack.last_view is not None and len(attack.last_view.history) >= 3, timeout=10000)
    assert not panel.buttons["run"].isEnabled() and panel.buttons["pause"].isEnabled()
    panel.buttons["pause"].click()
    qtbot.waitUntil(lambda: attack.state == "paused", timeout=10000)
    done = attack.search.iteration
    assert len(attack.last_view.history) == done          # every step reached the curves
    assert window.viewers.image_of("network") is not None and window.viewers.image_of("r") is not None
    panel.buttons["step"].click()
    qtbot.waitUntil(lambda: attack.state == "paused" and attack.search.iteration == done + 1, timeout=10000)
    panel.buttons["snapshot"].click()
    qtbot.waitUntil(lambda: len(attack.snapshots) >= 1 and panel.slider.maximum() >= 1, timeout=10000)
    panel.slider.setValue(0)
    assert "‖r‖/‖x‖" in panel.slider_label.text()
    np.testing.assert_allclose(window.viewers.image_of("r"), np.abs(attack.snapshots[0]["r"]), rtol=1e-5)
    panel.buttons["reset"].click()
    qtbot.waitUntil(lambda: attack.state == "idle", timeout=10000)
    assert attack.search is None and panel.slider.maximum() == 0


def test_snapshots_at_chosen_iterations_are_ordered(window, qtbot):
    panel = window.attack_panel
    slow_params(window, iterations=9, lr=0.05)
    panel.snapshot_text.setText("3, 6")
    assert panel.run()
    qtbot.waitUntil(lambda: window.attack.state == "finished", timeout=20000)
    rels = [s["perturbation_rel"] for s in window.attack.snapshots]
    assert [s["iteration"] for s in window.attack.snapshots] == [3, 6]
    assert rels == sorted(rels)
    assert window.attack.search.iteration == 9


def test_a_bad_parameter_is_shown_not_run(window):
    window.attack_panel.modes["paper"].click()
    window.attack_panel.fields["momentum"].setText("1.5")
    assert not window.attack_panel.run()
    assert "γ" in window.attack_panel.problem.text()


def test_editing_the_image_resets_the_search(window, qtbot):
    slow_params(window, iterations=3, lr=0.01)
    window.attack_panel.run()
    qtbot.waitUntil(lambda: window.attack.state == "finished", timeout=20000)
    window.details_panel.stamp_at(10, 10)
    assert window.attack.search is None and window.attack.state == "idle"


def test_closing_during_a_run_asks_then_stops_cleanly(window, qtbot):
    slow_params(window, iterations=100_000)
    window.attack_panel.run()
    qtbot.waitUntil(lambda: window.attack.search is not None and window.attack.search.iteration > 2, timeout=10000)
    questions = []
    window.confirm = lambda title, text: questions.append(text) or False
    window.close()
    assert window.isVisible() and window.attack.state == "running"       # "no": keep running
    window.confirm = lambda title, text: questions.append(text) or True
    window.close()
    assert not window.isVisible() and len(questions) == 2 and "attack" in questions[0]
    assert not window.attack.runner._thread.isRunning()


def test_fast_steps_are_coalesced_to_at_most_30_redraws_a_second(window, qtbot):
    slow_params(window, iterations=100_000, lr=1e-4)
    received = []
    window.attack.updated.connect(lambda view: received.append(view.iteration))
    window.attack_panel.run()
    qtbot.waitUntil(lambda: window.attack.search is not None and window.attack.search.iteration > 0, timeout=10000)
    start_it, start = window.attack.search.iteration, time.perf_counter()
    qtbot.wait(1500)
    elapsed = time.perf_counter() - start
    steps = window.attack.search.iteration - start_it
    window.attack.pause()
    qtbot.waitUntil(lambda: window.attack.state == "paused", timeout=10000)
    rate = len([r for r in received if r > start_it]) / elapsed
    print(f"{steps / elapsed:.0f} steps/s shown as {rate:.1f} redraws/s")
    assert steps > len(received)                     # latest wins: not every step is drawn
    assert rate <= REDRAW_HZ + 2


def test_the_ceiling_is_measured_compared_and_cancellable(window, qtbot):
    attack, panel = window.attack, window.attack_panel
    slow_params(window, iterations=4, lr=0.05)
    panel.buttons["ceiling"].click()
    assert not panel.buttons["run"].isEnabled() and panel.buttons["pause"].isEnabled()   # one job at a time
    qtbot.waitUntil(lambda: attack.ceiling is not None and not attack.runner.busy, timeout=20000)
    measured = attack.ceiling["gain"][0]
    assert measured > 0 and panel.buttons["run"].isEnabled()
    panel.run()
    qtbot.waitUntil(lambda: attack.state == "finished", timeout=20000)
    last = current_numbers(attack.last_view)          # the r shown (what an export reports)
    assert last["iteration"] == attack.search.iteration
    figure = panel.adequacy()                         # the gain of that r against the ceiling
    assert figure["gain"] == last["network_change_rel"] / last["perturbation_rel"]
    assert figure["share"] == figure["gain"] / measured
    # a new image forgets it; Pause cancels a measurement
    window.workbench.set_image("brain:4")
    qtbot.waitUntil(lambda: window.model.experiment.image.spec == "brain:4", timeout=10000)
    assert panel.ceiling.text() == ""
    qtbot.waitUntil(lambda: not attack.runner.busy, timeout=10000)
    panel.buttons["ceiling"].click()
    panel.buttons["pause"].click()
    qtbot.waitUntil(lambda: panel.ceiling.text() == "ceiling: cancelled", timeout=20000)
    assert panel.buttons["ceiling"].isEnabled()
