"""File ▸ Open study… in the window: choosing a case loads its network, image, rate and budget and
shows its kept r as the attack's perturbation."""

from __future__ import annotations

import numpy as np
import pytest

from stabview.study.recorder import Recorder

from .conftest import wait_idle


def _study(folder, model_file, r, rate):
    case = {"id": "case-1", "network": {"label": "tiny", "file_hash": "h" * 64, "source": str(model_file),
                                        "card": None},
            "image": {"ref": "brain:1", "path": "brain:1", "slice_index": None, "axis": 2}, "rate": rate,
            "test": "attack", "budget": 0.03, "restart": 0, "seed": 0, "case_seed": 4, "settings": {},
            "test_settings": {}}
    result = {"status": "ok", "message": "", "numbers": {"perturbation_rel": 0.03, "network_change_rel": 0.1},
              "arrays": {"r": r}, "timings": {"total_s": 1.0}, "versions": {}, "operator": {}, "worker": "w",
              "started": 0.0}
    with Recorder(folder, keep=1) as recorder:
        recorder.record(case, result)
    return folder


def test_choosing_a_study_case_opens_it_in_the_window(window, model_file, tmp_path, qtbot):
    shape = window.workbench.shape
    r = np.random.default_rng(0).normal(size=(1, *shape)).astype(np.float32)
    rate = round(window.workbench.sampling.rate / 2, 3)
    dialog = window.open_study(str(_study(tmp_path / "study", model_file, r, rate)))
    dialog.view.selectRow(0)
    dialog.open_button.click()                              # what a user does
    qtbot.waitUntil(lambda: window.attack.search is not None and not window.attack.runner.busy, timeout=30000)
    wait_idle(qtbot, window)
    experiment = window.model.experiment
    assert experiment.image.spec == "brain:1" and experiment.network.path == str(model_file)
    assert experiment.sampling.rate == pytest.approx(rate) and experiment.attack.params.budget == 0.03
    search = window.attack.search
    shown = search.r.numpy().reshape(r.shape)
    np.testing.assert_allclose(shown / np.linalg.norm(shown), r / np.linalg.norm(r), rtol=1e-4, atol=1e-6)
    assert search.relative_size(search.r) == pytest.approx(0.03, rel=1e-4)     # on the case's budget
    assert window.viewers.image_of("r") is not None and window.model.can_undo()


def test_a_folder_without_a_study_is_refused_with_its_reason(window, tmp_path):
    assert window.open_study(str(tmp_path)) is None
    assert window.banner.isVisible()
