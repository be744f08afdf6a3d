"""Nothing is lost: stamping over an attack, another network or image and Reset are undoable
(the search and its snapshots come back), and quitting or opening with unsaved changes asks."""

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from stabview.experiment import Session

from .conftest import attack_for, wait_idle, wait_image
from .networks import write_small_network


def _click_on_x(qtbot, window, row, col):
    box = window.viewers.boxes["x"]
    scene = box.mapViewToScene(QPointF(col + 0.5, row + 0.5))
    view = window.viewers.layout_widget
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.mapFromScene(scene))


def _search_state(window):
    attack = window.attack
    return attack.search, attack.search.r.clone(), [s["iteration"] for s in attack.snapshots]


def test_stamping_after_an_attack_keeps_it_and_undo_brings_it_back(window, qtbot):
    attack_for(window, qtbot)
    wait_idle(qtbot, window)
    search, r, snapshots = _search_state(window)
    window.details_panel.set_tool("stamp")
    _click_on_x(qtbot, window, 16, 16)
    qtbot.waitUntil(lambda: len(window.workbench.canvas.operations) == 1, timeout=3000)
    assert window.attack.search is None and window.attack.state == "idle"
    assert window.viewers.image_of("r") is None
    assert window.model.modified and "*" in window.windowTitle()
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)     # Edit ▸ Undo
    assert window.workbench.canvas.is_empty
    assert window.attack.search is search and window.attack.state == "finished"
    np.testing.assert_array_equal(window.attack.search.r.numpy(), r.numpy())
    assert [s["iteration"] for s in window.attack.snapshots] == snapshots == [2, 4]
    assert window.attack_panel.slider.maximum() == 2
    np.testing.assert_allclose(window.viewers.image_of("r"), np.abs(window.attack.last_view.images["r"]))
    window.actions["redo"].trigger()
    assert len(window.workbench.canvas.operations) == 1 and window.attack.search is None
    window.actions["undo"].trigger()
    assert window.attack.search is search
    # the search that came back runs on, as if never put aside
    window.attack_panel.iterations.setValue(8)
    assert window.attack_panel.run()
    qtbot.waitUntil(lambda: window.attack.state == "finished", timeout=20000)
    assert window.attack.search is search and search.iteration == 8


def test_another_network_image_or_reset_can_be_undone(window, tmp_path, qtbot):
    attack_for(window, qtbot)
    wait_idle(qtbot, window)
    first_net = window.workbench.net
    search, r, _ = _search_state(window)
    other = write_small_network(tmp_path, "other-cascade", seed=3)
    window.network_panel.open_model(str(other))
    qtbot.waitUntil(lambda: window.workbench.net.card.name == "other-cascade", timeout=10000)
    assert window.attack.search is None
    window.undo()
    assert window.workbench.net is first_net and window.attack.search is search
    window.workbench.set_image("shepp-logan")
    wait_image(qtbot, window)
    assert window.model.experiment.image.spec == "shepp-logan" and window.attack.search is None
    window.undo()
    assert window.model.experiment.image.spec == "brain" and window.attack.search is search
    np.testing.assert_allclose(window.viewers.image_of("x"), window.attack.clean["x"], atol=1e-6)
    window.attack_panel.buttons["reset"].click()
    assert window.attack.search is None
    window.undo()
    assert window.attack.search is search and window.attack.state == "finished"
    np.testing.assert_array_equal(search.r.numpy(), r.numpy())


def test_quitting_with_unsaved_changes_asks(window, tmp_path, qtbot):
    path = window.save_session(str(tmp_path / "study.json"))
    assert not window.model.modified and window.windowTitle().startswith("study.json —")
    window.details_panel.stamp_at(10, 10)
    assert window.windowTitle().startswith("study.json* —")
    wait_idle(qtbot, window)
    asked = []
    window.ask_unsaved = lambda: asked.append("cancel") or "cancel"
    window.close()
    assert window.isVisible() and asked == ["cancel"]
    window.ask_unsaved = lambda: asked.append("save") or "save"
    window.close()
    assert not window.isVisible() and asked == ["cancel", "save"]
    assert Session.open(path).experiment.details[0]["content"] == "heart"


def test_opening_a_session_over_unsaved_work_asks(window, make_window, tmp_path, qtbot):
    saved = window.save_session(str(tmp_path / "a.json"))
    window.details_panel.stamp_at(12, 12)
    window.ask_unsaved = lambda: "cancel"
    assert not window.open_session(saved)
    assert len(window.workbench.canvas.operations) == 1           # nothing replaced
    window.ask_unsaved = lambda: "discard"
    assert window.open_session(saved)
    qtbot.waitUntil(lambda: window.workbench.canvas.is_empty and not window.model.modified, timeout=20000)
    wait_idle(qtbot, window)
    assert window.session_path == saved and not window.model.can_undo()


def test_stamping_during_a_run_puts_the_search_aside_and_undo_brings_it_back(window, qtbot):
    panel = window.attack_panel
    panel.modes["paper"].click()
    panel.fields["lr"].set_value(0.01)
    panel.iterations.setValue(100_000)
    assert panel.run()
    qtbot.waitUntil(lambda: window.attack.search is not None and window.attack.search.iteration >= 2,
                    timeout=20000)
    search = window.attack.search
    window.details_panel.stamp_at(20, 20)
    assert window.attack.state == "idle" and window.viewers.image_of("r") is None
    wait_idle(qtbot, window)      # the search is put aside just after the job's end (`_after_job`)
    qtbot.waitUntil(lambda: window.attack.search is None, timeout=5000)     # kept aside, not lost
    stopped_at = search.iteration
    window.undo()
    assert window.attack.search is search and window.attack.state == "paused"
    assert window.attack.last_view.iteration == stopped_at == search.iteration
    assert window.workbench.canvas.is_empty
