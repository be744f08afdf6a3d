"""What is compared is seen at a glance: one colour scale for the network's and the baseline's
differences, Δ on each view equal to the export's numbers, |r| on its own scale, and the
perturbation path that every view follows."""

import json

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from stabview.gui.panels.attack import current_numbers
from stabview.gui.scales import nice_bound, relative_change

from .conftest import attack_for, wait_idle


def _both_differences_shown(window):
    return all(window.viewers.image_of(k) is not None for k in ("network_diff", "baseline_diff"))


def test_one_scale_colour_bars_and_the_exports_numbers(window, tmp_path, qtbot):
    attack_for(window, qtbot)
    qtbot.waitUntil(lambda: _both_differences_shown(window), timeout=30000)
    wait_idle(qtbot, window)
    viewers, scale = window.viewers, window.view_feed.scale
    net_diff, base_diff = viewers.image_of("network_diff"), viewers.image_of("baseline_diff")
    largest = max(np.abs(net_diff).max(), np.abs(base_diff).max())
    bound = nice_bound(largest)
    assert largest <= bound <= 4 / 3 * largest       # a round number just above the largest change
    # both change views are drawn on the same symmetric levels, and their colour bars say so
    assert viewers.shown_levels("network_diff") == pytest.approx((-bound, bound), rel=1e-6)
    assert viewers.shown_levels("baseline_diff") == viewers.shown_levels("network_diff")
    assert tuple(viewers.bars["baseline_diff"].levels()) == pytest.approx((-bound, bound), rel=1e-6)
    assert tuple(viewers.bars["network_diff"].levels()) == pytest.approx((-bound, bound), rel=1e-6)
    # |r| on its own scale, in image units
    r = viewers.image_of("r")
    assert viewers.shown_levels("r") == pytest.approx((0, nice_bound(r.max())), rel=1e-6)
    assert tuple(viewers.bars["r"].levels()) == pytest.approx((0, nice_bound(r.max())), rel=1e-6)
    # the numbers on the views are the export's (no lag of one iteration)
    out = tmp_path / "report"
    assert window.export_figure(str(out))
    qtbot.waitUntil(lambda: bool(window.last_export), timeout=60000)
    result = json.loads((out / "result.json").read_text())
    assert scale.numbers["network"] == pytest.approx(result["network_change_rel"], rel=1e-5)
    assert scale.numbers["baseline"] == pytest.approx(result["baseline_change_rel"], rel=1e-4)
    assert window.view_feed.r_scale.relative == pytest.approx(result["perturbation_rel"], rel=1e-5)
    shown = current_numbers(window.attack.last_view)
    assert shown["iteration"] == result["iterations_run"] == 6
    assert shown["network_change_rel"] == pytest.approx(result["network_change_rel"], rel=1e-5)


def test_error_against_x_and_separate_scales_are_one_click_away(window, qtbot):
    attack_for(window, qtbot)
    qtbot.waitUntil(lambda: _both_differences_shown(window), timeout=30000)
    viewers, view_feed = window.viewers, window.view_feed
    window.levels.mode.setCurrentIndex(window.levels.mode.findData("error"))
    x = viewers.image_of("x")
    network = view_feed.raw["network"]
    assert view_feed.scale.numbers["network"] == pytest.approx(relative_change(network, x))
    np.testing.assert_allclose(viewers.image_of("network_diff"), np.abs(network) - x, atol=1e-6)
    assert viewers.shown_levels("network_diff") == viewers.shown_levels("baseline_diff")
    qtbot.mouseClick(window.levels.shared, Qt.MouseButton.LeftButton)
    assert not view_feed.scale.shared
    for key in ("network_diff", "baseline_diff"):
        own = nice_bound(float(np.abs(viewers.image_of(key)).max()))
        assert viewers.shown_levels(key) == pytest.approx((-own, own), rel=1e-6)


def test_the_path_slider_moves_every_view(window, qtbot):
    attack_for(window, qtbot, iterations=6, snapshots="2, 4")
    wait_idle(qtbot, window)
    slider, attack, viewers = window.attack_panel.slider, window.attack, window.viewers
    assert slider.maximum() == len(attack.snapshots) == 2
    slider.setFocus()
    QTest.keyClick(slider, Qt.Key.Key_Home)                 # the first snapshot, r₁
    snap = attack.snapshots[0]
    np.testing.assert_allclose(viewers.image_of("r"), np.abs(snap["r"]), rtol=1e-6)
    np.testing.assert_allclose(viewers.image_of("network"), np.abs(snap["network"]), rtol=1e-6)
    clean = window.view_feed.raw["network_clean"]
    assert window.view_feed.scale.numbers["network"] == pytest.approx(relative_change(snap["network"], clean))
    assert window.view_feed.r_scale.relative == pytest.approx(snap["perturbation_rel"], rel=1e-5)
    assert all(m.isVisible() and m.value() == snap["iteration"] for m in window.attack_panel.markers)
    qtbot.waitUntil(lambda: window.view_feed.baseline_shown == "perturbed:2", timeout=30000)
    assert viewers.shown_levels("baseline_diff") == viewers.shown_levels("network_diff")
    QTest.keyClick(slider, Qt.Key.Key_Right)                # r₂
    np.testing.assert_allclose(viewers.image_of("r"), np.abs(attack.snapshots[1]["r"]), rtol=1e-6)
    assert window.attack_panel.markers[0].value() == 4
    QTest.keyClick(slider, Qt.Key.Key_End)                  # the current r
    np.testing.assert_allclose(viewers.image_of("r"), np.abs(attack.last_view.images["r"]), rtol=1e-6)
    assert not window.attack_panel.markers[0].isVisible()


def test_nice_bounds_are_round_and_never_below_the_value():
    for value in (0.0031, 0.041, 0.206, 1.0, 7.3, 123.0):
        bound = nice_bound(value)
        mantissa = bound / 10 ** np.floor(np.log10(bound))
        assert value <= bound <= 4 / 3 * value and round(mantissa, 6) in (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8)
    assert nice_bound(0.0) == 1.0
