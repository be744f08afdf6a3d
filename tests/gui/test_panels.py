"""The window driven like a user: start-up, network, image, sampling and details panels."""

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QKeySequence

from stabview.networks import zoo

from .conftest import wait_idle, wait_image
from .networks import SHAPE


def test_starts_with_deep_mri_and_the_brain_sample(make_window, qtbot):
    if "deepmri" not in zoo.names():
        window = make_window(load_defaults=True)
        assert "deepmri" in window.network_panel.problem.text()
        return
    window = make_window(load_defaults=True)
    qtbot.waitUntil(lambda: window.workbench.net is not None, timeout=30000)
    assert window.workbench.net.card.name == "deepmri"
    assert window.model.experiment.image.spec == "brain"
    assert window.workbench.compatibility_error() == ""
    assert window.attack_panel.buttons["run"].isEnabled()
    qtbot.waitUntil(lambda: window.viewers.image_of("network_clean") is not None, timeout=30000)
    assert window.viewers.image_of("x").shape == (128, 128)


def test_readable_at_1280_by_800(window):
    assert window.width() <= 1280 and window.height() <= 800
    assert window.viewers.width() >= 400       # the views keep most of the room


def test_open_model_shows_the_card(make_window, model_file, qtbot):
    window = make_window()
    window.network_panel.open_model(str(model_file))
    qtbot.waitUntil(lambda: window.workbench.net is not None, timeout=10000)
    assert "tiny-cascade" in window.windowTitle()
    assert "30.0 dB" in window.network_panel.facts.text()
    assert window.workbench.shape == SHAPE
    assert window.settings.recent("model") == [str(model_file)]


def test_a_bad_model_file_is_an_error_in_the_panel_not_a_crash(make_window, tmp_path, qtbot):
    window = make_window()
    bad = tmp_path / "broken.safetensors"
    bad.write_bytes(b"\x00" * 64)
    window.network_panel.open_model(str(bad), card=str(tmp_path / "missing.json"))
    qtbot.waitUntil(lambda: window.network_panel.problem.isVisibleTo(window.network_panel), timeout=10000)
    assert "card" in window.network_panel.problem.text().lower()
    assert window.workbench.net is None


def test_choosing_a_sample_and_opening_a_file(window, tmp_path, qtbot):
    panel = window.image_panel
    item = next(panel.samples.item(i) for i in range(panel.samples.count())
                if panel.samples.item(i).data(Qt.ItemDataRole.UserRole) == "shepp-logan")
    panel.samples.itemClicked.emit(item)
    wait_image(qtbot, window)
    assert window.model.experiment.image.spec == "shepp-logan"
    ramp = (np.add.outer(np.arange(40), np.arange(40)) * 3).astype(np.uint8)
    Image.fromarray(ramp).save(tmp_path / "ramp.png")
    assert panel.open_image(str(tmp_path / "ramp.png"))
    wait_image(qtbot, window)
    assert window.viewers.image_of("x").shape == SHAPE
    assert window.settings.recent("image") == [str(tmp_path / "ramp.png")]
    panel.open_image(str(tmp_path / "nothing.png"))
    wait_image(qtbot, window)
    assert "nothing.png" in panel.problem.text()
    assert window.model.experiment.image.spec.endswith("ramp.png")   # the last good image stays
    assert window.settings.recent("image") == [str(tmp_path / "ramp.png")]


def test_changing_the_rate_redraws_the_mask_and_resets(window, qtbot):
    panel = window.sampling_panel
    panel.set_rate(0.5)
    assert window.workbench.op.rate == pytest.approx(0.5, abs=0.02)
    assert window.model.experiment.sampling.rate == 0.5
    panel.modality.setCurrentIndex(panel.modality.findData("radon"))
    assert "fourier" in panel.problem.text()              # the network is for Fourier sampling
    assert not window.attack_panel.run()
    panel.reset.click()
    assert window.model.experiment.sampling.modality == "fourier"
    assert window.workbench.op.rate == pytest.approx(0.33, abs=0.02)
    assert not panel.problem.isVisibleTo(panel)


def _click_on_x(qtbot, window, row, col):
    box = window.viewers.boxes["x"]
    scene = box.mapViewToScene(QPointF(col + 0.5, row + 0.5))
    view = window.viewers.layout_widget
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.mapFromScene(scene))


def test_stamp_a_symbol_with_the_mouse_then_undo_and_redo(window, qtbot):
    panel = window.details_panel
    panel.set_tool("stamp")
    panel.size.setValue(12)
    before = window.viewers.image_of("x").copy()
    qtbot.waitUntil(lambda: window.viewers.boxes["x"].viewRect().width() > 0)
    _click_on_x(qtbot, window, 16, 16)
    qtbot.waitUntil(lambda: len(window.workbench.canvas.operations) == 1, timeout=3000)
    stamp = window.workbench.canvas.operations[0]
    assert abs(stamp.centre[0] - 16.5) < 1.5 and abs(stamp.centre[1] - 16.5) < 1.5
    after = window.viewers.image_of("x")
    assert (after - before).max() == pytest.approx(0.5, abs=0.05)
    assert window.actions["undo"].shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)
    assert window.actions["redo"].shortcut() == QKeySequence("Ctrl+Shift+Z")
    window.actions["undo"].trigger()
    np.testing.assert_allclose(window.viewers.image_of("x"), before)
    window.actions["redo"].trigger()
    np.testing.assert_allclose(window.viewers.image_of("x"), after)


def test_brush_eraser_and_clear_edit_the_model_not_the_view(window):
    panel = window.details_panel
    panel.set_tool("brush")
    window.viewers.stroked.emit([(5.0, 5.0), (5.0, 25.0)])
    drawn = window.workbench.canvas.image()
    assert drawn[5, 15] == pytest.approx(0.5, abs=1e-3)
    panel.set_tool("eraser")
    window.viewers.stroked.emit([(5.0, 14.0), (5.0, 16.0)])
    assert window.workbench.canvas.image()[5, 15] == 0
    shown = window.viewers.image_of("x")
    shown[:] = 9                                              # scribbling on the view's array ...
    assert window.workbench.canvas.image().max() <= 0.5 + 1e-6   # ... never reaches the model
    panel.clear_button.click()
    assert window.workbench.canvas.is_empty


def test_details_test_reports_a_verdict(window, qtbot):
    window.details_panel.stamp_at(16, 16)
    assert window.details_panel.run_test()
    qtbot.waitUntil(lambda: "details" in window.model.results, timeout=10000)
    verdicts = window.model.results["details"]
    assert set(verdicts) >= {"network"} and verdicts["network"]["verdict"] in ("recovered", "blurred", "lost")


def test_theme_and_preferences_are_remembered(window, settings):
    window.set_theme("dark")
    assert settings.theme == "dark" and window.actions["theme_dark"].isChecked()
    window.set_theme("light")
    settings.threads = 1
    assert settings.threads == 1


def test_closing_remembers_the_layout(make_window, small_net, settings, qtbot):
    window = make_window(small_net)
    window.docks["samples"].hide()
    wait_idle(qtbot, window)
    window.close()
    geometry, state = settings.layout()
    assert state is not None and settings.clean_exit
    again = make_window(small_net)
    assert not again.docks["samples"].isVisibleTo(again)
    again.reset_layout()
    assert again.docks["samples"].isVisibleTo(again)


def test_a_cancelled_details_test_leaves_no_verdict(window, qtbot):
    window.details_panel.stamp_at(16, 16)
    assert window.details_panel.run_test()
    window.details_panel.runner.cancel()
    qtbot.waitUntil(lambda: not window.details_panel.runner.busy, timeout=20000)
    assert "details" not in window.model.results
