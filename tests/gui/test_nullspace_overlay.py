"""The null-space overlay: the window's split of f(Ax) − x equals the engine's, and follows the setup."""

import numpy as np
import pytest
import torch

from stabview.stability.nullspace import nullspace_test

from .conftest import wait_idle


def overlay_ready(window):
    overlay = window.nullspace
    return overlay.numbers is not None and not overlay.runner.busy


def test_overlay_numbers_equal_the_engines(window, qtbot):
    torch.set_num_threads(1)
    window.resize(1280, 800)
    window.actions["nullspace"].setChecked(True)
    assert window.nullspace.checkbox.isChecked()
    qtbot.waitUntil(lambda: overlay_ready(window), timeout=20000)
    qtbot.wait(50)
    assert window.width() == 1280                  # the numbers beside the levels bar never widen it
    wb = window.workbench
    net, op, x = wb.net, wb.op, wb.image()
    outcome = nullspace_test({"network": lambda y, o: net(y, o)}, op, x[None])
    engine = outcome.numbers()
    shown = window.nullspace.numbers
    for key in ("null_space_error_rel", "range_error_rel", "error_rel"):
        assert shown["network"][key] == pytest.approx(engine[key]["network"]["clean"], rel=1e-4, abs=1e-7)
    assert shown["truth_null_rel"] == pytest.approx(engine["truth_null_rel"], rel=1e-4)
    # the map drawn over f(Ax) is |P_N(f(Ax) − x)|
    np.testing.assert_allclose(window.nullspace.maps["network"],
                               outcome.splits["clean"]["network"].null.abs().numpy(), rtol=1e-4, atol=1e-6)
    assert window.nullspace.items["network"].isVisible()
    # the split is exact for single-coil Fourier: the parts add up to the error
    n = shown["network"]
    assert n["error_rel"] ** 2 == pytest.approx(n["null_space_error_rel"] ** 2 + n["range_error_rel"] ** 2,
                                                rel=1e-4)


def test_overlay_follows_the_sampling_and_switches_off(window, qtbot):
    window.nullspace.set_enabled(True)
    qtbot.waitUntil(lambda: overlay_ready(window), timeout=20000)
    before = window.nullspace.numbers["network"]["null_space_error_rel"]
    rate = window.workbench.sampling.rate
    assert window.workbench.set_sampling(rate=min(0.9, rate + 0.3))
    assert window.nullspace.numbers is None or window.nullspace.runner.busy \
        or window.nullspace.numbers["network"]["null_space_error_rel"] != before
    qtbot.waitUntil(lambda: overlay_ready(window), timeout=20000)
    after = window.nullspace.numbers["network"]["null_space_error_rel"]
    wb = window.workbench
    engine = nullspace_test({"network": lambda y, o: wb.net(y, o)}, wb.op, wb.image()[None]).numbers()
    assert after == pytest.approx(engine["null_space_error_rel"]["network"]["clean"], rel=1e-4, abs=1e-7)
    assert after != pytest.approx(before, rel=1e-3)
    window.actions["nullspace"].setChecked(False)
    wait_idle(qtbot, window)
    assert window.nullspace.numbers is None and not window.nullspace.items["network"].isVisible()


def test_the_baselines_split_joins_once_its_image_is_shown(window, qtbot):
    window.nullspace.checkbox.setChecked(True)       # the box beside the levels bar
    assert window.actions["nullspace"].isChecked()
    qtbot.waitUntil(lambda: overlay_ready(window) and "baseline" in window.nullspace.numbers, timeout=60000)
    wb = window.workbench
    shown = torch.as_tensor(window.view_feed.raw["baseline_clean"])
    engine = nullspace_test({"baseline": lambda y, o: shown[None]}, wb.op, wb.image()[None]).numbers()
    numbers = window.nullspace.numbers["baseline"]
    assert numbers["null_space_error_rel"] == pytest.approx(engine["null_space_error_rel"]["baseline"]["clean"],
                                                            rel=1e-4, abs=1e-7)
    assert numbers["range_error_rel"] == pytest.approx(engine["range_error_rel"]["baseline"]["clean"],
                                                       rel=1e-4, abs=1e-7)
    assert window.nullspace.items["baseline"].isVisible()
