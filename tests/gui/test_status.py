"""The status bar shows what happens (saves, exports, jobs, errors), errors also appear where
the user is looking, and an export during a run writes the current state and says so."""

import json

from PySide6.QtWidgets import QApplication

from .conftest import drop_files, wait_idle


def _tab_in_front(window, key):
    """True when dock `key` is the visible tab of its group (its panel can be seen)."""
    QApplication.processEvents()
    return not window.docks[key].visibleRegion().isEmpty()


def test_messages_are_not_covered_by_the_cursor_read_out(window, tmp_path, qtbot):
    bar = window.statusBar()
    saved = window.save_session(str(tmp_path / "work.json"))
    assert bar.currentMessage() == f"saved {saved}"
    # the read-out keeps to the right: the message has the left half of the bar at least
    cursor = window.status.cursor
    assert cursor.isVisible() and cursor.geometry().left() >= bar.width() // 2
    window.viewers.hovered.emit("x (+ details)   row 1, col 2   value 0.5")
    assert bar.currentMessage() == f"saved {saved}"            # hovering leaves the message


def test_a_long_job_says_so_and_shows_progress(window, qtbot):
    window.details_panel.stamp_at(16, 16)
    assert window.details_panel.run_test()
    assert window.statusBar().currentMessage().startswith("details test running")
    assert window.status.progress.isVisible()
    qtbot.waitUntil(lambda: bool(window.details_panel.results), timeout=20000)
    assert window.statusBar().currentMessage() == "details test finished"
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: not window.status.progress.isVisible(), timeout=5000)


def test_an_error_brings_its_panel_forward_and_shows_a_banner(window, tmp_path, qtbot):
    assert _tab_in_front(window, "network") and not _tab_in_front(window, "image")
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not a png at all")
    drop_files(window, bad)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=10000)
    assert "broken.png" in window.banner.message
    assert window.statusBar().currentMessage() == window.banner.message
    assert _tab_in_front(window, "image") and window.image_panel.problem.isVisibleTo(window.image_panel)
    window.banner.close_button.click()
    assert not window.banner.isVisible()


def test_export_while_running_writes_the_current_state_and_resumes(window, tmp_path, qtbot):
    panel = window.attack_panel
    panel.modes["paper"].click()
    panel.fields["lr"].set_value(0.01)
    panel.iterations.setValue(100_000)
    assert panel.run()
    qtbot.waitUntil(lambda: window.attack.search is not None and window.attack.search.iteration >= 3,
                    timeout=20000)
    out = tmp_path / "live"
    assert window.export_figure(str(out))
    qtbot.waitUntil(lambda: bool(window.last_export), timeout=60000)
    result = json.loads((out / "result.json").read_text())
    exported = result["iterations_run"]
    assert exported >= 3 and result["cancelled"]          # the state at that moment, not an end
    assert str(exported) in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.attack.state == "running" and window.attack.search.iteration > exported,
                    timeout=20000)                          # and the attack went on
    window.attack.pause()
    qtbot.waitUntil(lambda: window.attack.state == "paused", timeout=20000)


def test_export_failure_and_autosave_failure_are_shown(window, tmp_path, qtbot, monkeypatch):
    assert not window.export_figure(str(tmp_path / "early"))   # nothing to export yet
    assert window.banner.isVisible() and window.statusBar().currentMessage() == window.banner.message
    assert _tab_in_front(window, "attack")
    window.banner.dismiss()
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    monkeypatch.setattr("stabview.gui.window_files.autosave_path", lambda: blocker / "autosave.json")
    window.details_panel.stamp_at(8, 8)
    window.autosave()
    qtbot.waitUntil(lambda: not window._saver.busy, timeout=10000)
    window.autosave()
    assert window.banner.isVisible() and "autosave failed" in window.statusBar().currentMessage()
