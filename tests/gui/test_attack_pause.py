"""Pause during a step of test 1: the step is dropped part-way, the runner is free at once, and
the views show the search as after its last whole step (its images, its numbers)."""

import numpy as np
import pytest
import torch

from .test_attack import slow_params
from .test_attack_budgeted import budgeted


def shown(t: torch.Tensor) -> np.ndarray:
    """What a viewer shows of an image of the batch: its magnitude."""
    return np.abs(t[0].detach().numpy())


def pause_during_step(window, at: int) -> list:
    """Press Pause from inside the network's forward pass of step `at` (worker side), as a user
    whose click lands part-way through a step; returns where it was pressed."""
    attack, net = window.attack, window.workbench.net
    pressed = []

    def press(module, args):
        search = attack.search
        if (torch.is_grad_enabled() and not pressed and search is not None
                and search.iteration == at and attack.runner.job is not None):
            pressed.append(search.iteration)
            attack.runner.job.cancel()        # what Pause does (thread-safe)

    last_layer = list(net.modules())[-1]
    last_layer.register_forward_pre_hook(press)
    return pressed


@pytest.mark.parametrize("mode", ["paper", "budgeted"])
def test_pause_part_way_through_a_step_keeps_the_last_whole_step_and_shows_it(window, qtbot, mode):
    attack, panel = window.attack, window.attack_panel
    if mode == "paper":
        slow_params(window, iterations=100_000)
    else:
        budgeted(window, iterations=100_000, restarts=0)
    pressed = pause_during_step(window, at=4)
    assert panel.run()
    qtbot.waitUntil(lambda: attack.state == "paused", timeout=20000)
    assert pressed == [4] and not attack.runner.busy
    search = attack.search
    assert search.iteration == 4 and len(search.history) == 4 and search.stopped_by is None
    view = attack.last_view
    assert view.iteration == 4 and len(view.history) == 4
    assert view.numbers["network_change_rel"] == search.result_state.network_change_rel
    np.testing.assert_allclose(window.viewers.image_of("network"), shown(search.reconstruct()), rtol=1e-6)
    np.testing.assert_allclose(window.viewers.image_of("r"), shown(search.result_r), rtol=1e-6)
    panel.buttons["step"].click()                # the dropped step is taken again, as it would have been
    qtbot.waitUntil(lambda: attack.state == "paused" and attack.search.iteration == 5, timeout=20000)
    assert len(attack.last_view.history) == 5
