"""Tidy views at 1280×800: nine equal views aligned in a grid, the whole zoo list visible,
legends outside the curves, and nothing stale on screen after the network or image changes."""

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from stabview.networks import zoo

from .conftest import wait_idle
from .networks import write_small_network


def _settle(qtbot):
    for _ in range(5):
        QApplication.processEvents()
        qtbot.wait(20)


def test_the_views_are_equal_and_aligned_in_a_grid(window, qtbot):
    window.resize(1280, 800)
    window.details_panel.stamp_at(8, 8)        # captions with numbers must not widen a column
    _settle(qtbot)
    sizes = window.viewers.view_sizes()
    widths = [w for _, _, w, _ in sizes.values()]
    heights = [h for _, _, _, h in sizes.values()]
    assert max(widths) - min(widths) <= 1 and max(heights) - min(heights) <= 1
    keys = list(sizes)
    for k, key in enumerate(keys):
        same_column, same_row = keys[k % 3], keys[3 * (k // 3)]
        assert sizes[key][0] == pytest.approx(sizes[same_column][0], abs=1)
        assert sizes[key][1] == pytest.approx(sizes[same_row][1], abs=1)
    assert min(widths) > 100


def test_the_whole_zoo_list_is_visible_at_1280_by_800(make_window, qtbot):
    window = make_window()
    window.resize(1280, 800)
    window.show_panel("network")
    _settle(qtbot)
    zoo_list = window.network_panel.zoo_list
    assert zoo_list.count() == len(zoo.names())
    if not zoo_list.count():
        pytest.skip("no networks shipped in this installation")
    viewport = zoo_list.viewport().rect()
    for i in range(zoo_list.count()):
        assert viewport.contains(zoo_list.visualItemRect(zoo_list.item(i)))
    # and the list itself is not cut off by the panel's scroll area
    visible = zoo_list.visibleRegion().boundingRect()
    assert visible.height() == zoo_list.height()


def test_legends_sit_outside_the_curves(window):
    for plot in (window.attack_panel.percent_plot, window.samples_panel.plot):
        item = plot.getPlotItem()
        legend = item.legend
        assert legend is not None and legend.isVisible()
        assert not legend.sceneBoundingRect().intersects(item.vb.sceneBoundingRect())


def test_another_network_clears_what_the_last_one_made(window, tmp_path, qtbot):
    panel = window.samples_panel
    panel.rates_edit.setText("0.2, 0.5")
    panel.with_baseline.setChecked(False)
    assert panel.run()
    qtbot.waitUntil(lambda: panel.result is not None, timeout=30000)
    assert panel.show_reconstruction("network", 0.5)
    qtbot.waitUntil(lambda: panel.picked_value == ("network", 0.5), timeout=10000)
    old_clean = window.viewers.image_of("network_clean").copy()
    window.network_panel.open_model(str(write_small_network(tmp_path, "next-cascade", seed=7)))
    qtbot.waitUntil(lambda: window.workbench.net.card.name == "next-cascade", timeout=10000)
    assert panel.picked_value is None and panel.picked.getImageItem().image is None
    assert panel.result is None and not panel.series
    # the clean reconstruction shown is the new network's, never the old one's
    assert window.viewers.image_of("network_clean") is None or not np.allclose(
        window.viewers.image_of("network_clean"), old_clean)
    qtbot.waitUntil(lambda: window.viewers.image_of("network_clean") is not None, timeout=10000)
    wait_idle(qtbot, window)
    assert not np.allclose(window.viewers.image_of("network_clean"), old_clean)


@pytest.mark.parametrize("size", [(1600, 1000), (1280, 800)])
def test_the_budget_field_shows_its_whole_value(make_window, qtbot, size):
    window = make_window()
    window.resize(*size)
    window.show_panel("attack")
    _settle(qtbot)
    field = window.attack_panel.budgeted_box.budget.field
    field.set_value(10.25)
    assert field.width() >= field.fontMetrics().horizontalAdvance("10.25")
    visible = field.visibleRegion().boundingRect()
    assert visible.width() == field.width() and visible.height() == field.height()
