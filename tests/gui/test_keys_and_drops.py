"""Run, Pause, Step, Export and Save work from the keyboard whatever has the focus; a dropped
model file opens as a network and a dropped session file as a session."""

import os

from PySide6.QtCore import QEvent, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit

from .conftest import drop_files, wait_idle
from .networks import write_small_network

CTRL = Qt.KeyboardModifier.ControlModifier


def test_shortcuts_work_from_a_spin_box_and_a_text_field(window, tmp_path, qtbot, monkeypatch):
    spin = window.levels.low
    window.activateWindow()
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus, timeout=3000)
    window.attack_panel.modes["paper"].click()
    window.attack_panel.fields["lr"].set_value(0.01)
    window.attack_panel.iterations.setValue(100_000)
    QTest.keyClick(spin, Qt.Key.Key_F5)                                    # Run
    qtbot.waitUntil(lambda: window.attack.state == "running", timeout=5000)
    QTest.keyClick(spin, Qt.Key.Key_F6)                                    # Pause
    qtbot.waitUntil(lambda: window.attack.state == "paused", timeout=20000)
    done = window.attack.search.iteration
    QTest.keyClick(spin, Qt.Key.Key_F10)                                   # Step
    qtbot.waitUntil(lambda: window.attack.state == "paused" and window.attack.search.iteration == done + 1,
                    timeout=20000)
    out = tmp_path / "export"
    monkeypatch.setattr("stabview.gui.window_files.QFileDialog.getExistingDirectory", lambda *a, **k: str(out))
    QTest.keyClick(spin, Qt.Key.Key_E, CTRL)                               # Export
    qtbot.waitUntil(lambda: (out / "result.json").exists() and bool(window.last_export), timeout=60000)
    field = window.attack_panel.snapshot_text                              # a line edit takes Ctrl+E too
    field.setFocus()
    qtbot.waitUntil(field.hasFocus, timeout=3000)
    path = str(tmp_path / "keys.json")
    monkeypatch.setattr("stabview.gui.window_files.QFileDialog.getSaveFileName", lambda *a, **k: (path, ""))
    QTest.keyClick(field, Qt.Key.Key_S, CTRL)                              # Save
    assert os.path.exists(path) and window.session_path == path and not window.model.modified
    assert field.text() == ""                                              # the key did not type into it


def test_a_dropped_model_file_opens_as_a_network(window, tmp_path, qtbot):
    model = write_small_network(tmp_path, "dropped-cascade", seed=5)
    drop_files(window.image_panel, model)            # even when dropped on the Image panel
    qtbot.waitUntil(lambda: window.workbench.net.card.name == "dropped-cascade", timeout=10000)
    assert window.model.experiment.network.path == str(model)
    assert window.model.experiment.image.spec == "brain"                # not taken for an image


def test_a_dropped_session_file_opens_as_a_session(window, tmp_path, qtbot):
    window.sampling_panel.set_rate(0.5)
    window.details_panel.stamp_at(14, 14)
    saved = window.save_session(str(tmp_path / "dropped.json"))
    window.details_panel.clear()
    window.sampling_panel.set_rate(0.25)
    window.ask_unsaved = lambda: "discard"
    drop_files(window, saved)
    qtbot.waitUntil(lambda: len(window.workbench.canvas.operations) == 1 and window.session_path == saved,
                    timeout=20000)
    wait_idle(qtbot, window)
    assert abs(window.workbench.op.rate - 0.5) < 0.02


def test_a_dropped_file_stabview_cannot_open_is_an_error(window, tmp_path, qtbot):
    card = tmp_path / "notes.json"
    card.write_text('{"hello": 1}')
    drop_files(window, card)
    assert window.banner.isVisible() and "notes.json" in window.banner.message
    assert window.model.experiment.image.spec == "brain"


class GreedyField(QLineEdit):
    """Claims every key before shortcuts see it, as a line edit does with Ctrl+E (end of line)
    under X11's key bindings."""

    def event(self, event):
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()
            return True
        return super().event(event)


def test_a_field_that_claims_the_keys_does_not_block_the_shortcuts(window, qtbot, monkeypatch):
    field = GreedyField()
    window.levels.layout().addWidget(field)
    window.activateWindow()
    field.setFocus()
    qtbot.waitUntil(field.hasFocus, timeout=3000)
    asked = []
    monkeypatch.setattr("stabview.gui.window_files.QFileDialog.getExistingDirectory",
                        lambda *a, **k: asked.append("export") or "")
    QTest.keyClick(field, Qt.Key.Key_E, CTRL)
    assert asked == ["export"]
    QTest.keyClick(field, Qt.Key.Key_A)             # other keys still reach the field
    assert field.text() == "a"
