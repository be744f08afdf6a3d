"""Linked views, shared window/level and colormap, cursor read-out, magnifier, ROI, drops, help."""

import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, QRectF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QTextBrowser

from stabview.gui.dialogs import GuideDialog, PreferencesDialog, versions_text


def test_views_pan_and_zoom_together(window):
    boxes = window.viewers.boxes
    boxes["network"].setRange(QRectF(4, 4, 8, 8), padding=0)
    boxes["network"].sigRangeChangedManually.emit([True, True])
    for key in ("x", "r", "baseline_diff"):
        (x0, x1), (y0, y1) = boxes[key].viewRange()
        assert x0 <= 4.01 and x1 >= 11.99 and y0 <= 4.01 and y1 >= 11.99
        assert x1 - x0 < 20 and y1 - y0 < 20
    window.viewers.reset_zoom()
    (x0, x1), _ = boxes["x"].viewRange()
    assert x0 <= 0.01 and x1 >= 31.99


def test_one_window_and_colormap_for_the_image_views(window):
    window.levels.set_window(0.1, 0.6)
    assert tuple(window.viewers.items["x"].getLevels()) == pytest.approx((0.1, 0.6))
    assert tuple(window.viewers.items["network_clean"].getLevels()) == pytest.approx((0.1, 0.6))
    window.levels.colormap.setCurrentText("viridis")
    assert window.viewers.items["x"].lut is not None
    window.levels.colormap.setCurrentText("grey")
    window.levels.auto_window()
    assert window.levels.high.value() == pytest.approx(float(window.viewers.image_of("x").max()), abs=1e-3)


def test_cursor_position_and_value_reach_the_status_bar(window):
    box = window.viewers.boxes["x"]
    scene = box.mapViewToScene(QPointF(7.5, 3.5))
    window.viewers._mouse_moved(scene)
    value = window.viewers.image_of("x")[3, 7]
    assert "row 3, col 7" in window.cursor_label.text() and f"{value:.4g}" in window.cursor_label.text()
    window.actions["magnifier"].setChecked(True)
    window.viewers._mouse_moved(scene)
    assert window.viewers.magnifier.isVisible() and not window.viewers.magnifier.pixmap().isNull()


def test_region_of_interest_confines_r(window, qtbot):
    panel = window.attack_panel
    panel.use_roi.setChecked(True)
    mask = panel.roi_mask()
    assert mask.shape == (32, 32) and 0 < mask.sum() < mask.size
    panel.iterations.setValue(3)
    assert panel.run()
    qtbot.waitUntil(lambda: window.attack.state == "finished", timeout=20000)
    r = window.attack.search.r[0].abs().numpy()
    assert r[~mask].max() == 0 and r[mask].max() > 0


def test_constrained_search_keeps_r_in_the_ball(window, qtbot):
    panel = window.attack_panel
    panel.modes["budgeted"].click()
    panel.budget.field.setText("2")
    panel.restarts.setValue(0)
    panel.iterations.setValue(4)
    assert panel.run()
    qtbot.waitUntil(lambda: window.attack.state == "finished", timeout=20000)
    search = window.attack.search
    assert float(search.r.norm() / search.x.norm()) <= 0.02 + 1e-6


def test_dropping_an_image_file_opens_it(window, tmp_path, qtbot):
    Image.fromarray((np.arange(48 * 48).reshape(48, 48) % 251).astype(np.uint8)).save(tmp_path / "drop.png")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "drop.png"))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    qtbot.waitUntil(lambda: window.model.experiment.image.spec.endswith("drop.png"), timeout=10000)


def test_help_and_preferences(window, settings):
    assert torch.__version__ in versions_text()
    guide = GuideDialog(window)
    assert "Test 1" in guide.findChild(QTextBrowser).toPlainText()
    dialog = PreferencesDialog(settings, window)
    dialog.threads.setValue(1)
    dialog.theme.setCurrentText("dark")
    dialog.accept()
    assert settings.theme == "dark" and settings.threads == 1
    window.fill_recent_menu()
    assert window.recent_menu.actions()
