"""The Network panel inspects a model file the user opens, and only files that load become recent."""

import os
import shutil

from .conftest import wait_idle


def test_an_opened_model_is_inspected_and_becomes_a_recent_file(window, model_file, qtbot):
    panel = window.network_panel
    qtbot.waitUntil(lambda: panel.report is not None, timeout=60000)
    report, net = panel.report, window.workbench.net
    assert report.source == os.path.abspath(model_file) and report.ok
    assert report.format == "safetensors" and report.card["name"] == net.card.name
    assert report.n_parameters == sum(p.numel() for p in net.parameters())
    assert panel.inspection.isVisibleTo(panel) and panel.inspection.toPlainText() == report.to_text()
    assert window.settings.recent("model")[0] == os.path.abspath(model_file)


def test_a_model_file_that_fails_to_load_is_not_a_recent_file(window, model_file, tmp_path, qtbot):
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"not a safetensors file at all")
    shutil.copy(model_file.with_suffix(".json"), tmp_path / "broken.json")
    before = window.settings.recent("model")
    window.network_panel.open_model(str(broken))
    qtbot.waitUntil(lambda: window.network_panel.problem.isVisibleTo(window.network_panel), timeout=20000)
    wait_idle(qtbot, window)
    assert str(broken) not in window.settings.recent("model")
    assert window.settings.recent("model") == before
    assert window.model.experiment.network.path == os.path.abspath(model_file)     # the last good one stays
