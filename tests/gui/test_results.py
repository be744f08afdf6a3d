"""More samples, sessions (save, reopen, autosave) and export, driven through the window."""

import json

import numpy as np
import pytest

from stabview.experiment import Session, autosave_path
from stabview.stability.reports import attack_result

from .conftest import wait_idle
from .networks import write_small_network


def attack_for(window, qtbot, iterations=6):
    panel = window.attack_panel
    panel.modes["paper"].click()
    panel.fields["lr"].set_value(0.05)
    panel.iterations.setValue(iterations)
    panel.snapshot_text.setText("2, 4")
    assert panel.run()
    qtbot.waitUntil(lambda: window.attack.state == "finished", timeout=20000)


def test_sweep_plots_psnr_against_rate_and_points_show_reconstructions(window, qtbot):
    panel = window.samples_panel
    panel.rates_edit.setText("0.2, 0.4, 0.6")
    assert panel.run()
    qtbot.waitUntil(lambda: panel.result is not None, timeout=30000)
    assert panel.result["rates"] == [0.2, 0.4, 0.6]
    assert {"network", "zero-filled"} <= set(panel.series)
    assert panel.progress.value() == panel.progress.maximum() > 0
    assert panel.trained_line.value() == pytest.approx(0.33)
    points = panel.series["network"][1].points()
    assert len(points) == 3
    panel._point_clicked(panel.series["network"][1], [points[1]])
    qtbot.waitUntil(lambda: panel.picked.getImageItem().image is not None, timeout=10000)
    assert panel.picked_value == ("network", pytest.approx(0.4))


def test_sweep_can_be_cancelled(window, qtbot):
    panel = window.samples_panel
    panel.rates_edit.setText(", ".join(f"{r:.2f}" for r in np.linspace(0.1, 0.9, 30)))
    panel.run()
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: not panel.runner.busy, timeout=20000)
    assert panel.run_button.isEnabled()


def test_save_and_reopen_a_session_restores_everything(window, make_window, tmp_path, qtbot):
    window.sampling_panel.set_rate(0.4)
    window.details_panel.stamp_at(12, 20)
    attack_for(window, qtbot)
    window.model.set_result("details", {"network": {"verdict": "lost", "correlation": 0.1, "contrast": 0.0}})
    path = window.save_session(str(tmp_path / "study.json"))
    saved = Session.open(path)
    assert saved.experiment.network.path.endswith("tiny-cascade.safetensors")
    assert saved.search is not None and len(saved.search["snapshots"]) == 2

    other = make_window()
    assert other.open_session(path)
    qtbot.waitUntil(lambda: other.attack.state == "finished" and other.attack.search is not None, timeout=20000)
    wait_idle(qtbot, other)
    assert other.workbench.op.rate == pytest.approx(window.workbench.op.rate)
    np.testing.assert_array_equal(other.workbench.canvas.image(), window.workbench.canvas.image())
    assert other.attack.search.iteration == window.attack.search.iteration
    np.testing.assert_allclose(other.attack.search.r.numpy(), window.attack.search.r.numpy())
    assert [s["iteration"] for s in other.attack.snapshots] == [2, 4]
    assert other.attack_panel.iterations.value() == 6
    assert other.model.results["details"]["network"]["verdict"] == "lost"
    assert other.details_panel.results == window.details_panel.results
    # resuming continues the same trajectory as the original would
    for w in (window, other):
        w.attack_panel.iterations.setValue(8)
        w.attack_panel.run()
        qtbot.waitUntil(lambda w=w: w.attack.state == "finished", timeout=20000)
    np.testing.assert_allclose(other.attack.search.r.numpy(), window.attack.search.r.numpy(), rtol=1e-5, atol=1e-7)


def test_a_network_still_loading_when_a_session_opens_does_not_replace_the_sessions(window, tmp_path, qtbot):
    from stabview.gui.session_io import Restorer
    window.details_panel.stamp_at(12, 20)
    path = window.save_session(str(tmp_path / "mine.json"))
    session = Session.open(path)
    other = write_small_network(tmp_path / "other", name="other-cascade", seed=1)
    assert window.workbench.load_network(str(other))          # a user's choice, still loading …
    Restorer(window, session, path).start()                     # … when the session opens
    qtbot.waitUntil(lambda: not window.workbench.loader.busy, timeout=10000)
    wait_idle(qtbot, window)
    assert window.model.experiment.network == session.experiment.network
    assert window.workbench.shown_network == session.experiment.network
    assert window.workbench.net.card.name == "tiny-cascade" and window.workbench.built()
    assert window.model.experiment.details == session.experiment.details


def test_autosave_writes_a_session_that_opens(window, qtbot):
    window.details_panel.stamp_at(16, 16)
    window.autosave()                            # written in a thread: the window goes on
    qtbot.waitUntil(lambda: not window._saver.busy and autosave_path().exists(), timeout=10000)
    session = Session.open(autosave_path())
    assert session.experiment.details[0]["content"] == "heart"
    wait_idle(qtbot, window)
    window.close()
    assert window.settings.clean_exit


def test_export_writes_the_cli_report(window, tmp_path, qtbot):
    assert not window.export_figure(str(tmp_path / "early"))          # nothing to export yet
    attack_for(window, qtbot)
    window.attack_panel.buttons["ceiling"].click()          # measured ceilings travel with the report
    qtbot.waitUntil(lambda: window.attack.ceiling is not None and not window.attack.runner.busy, timeout=20000)
    out = tmp_path / "report"
    assert window.export_figure(str(out))
    qtbot.waitUntil(lambda: (out / "attack.pdf").exists() and bool(window.last_export), timeout=60000)
    result = json.loads((out / "result.json").read_text())
    # the same keys as `stabview attack --out`, built by the same function
    cli_keys = set(attack_result(_outcome_like(result), {"network": "", "image": "", "operator": {},
                                                         "iterations": 0, "device": ""}))
    assert cli_keys <= set(result)
    assert result["test"] == "attack" and result["iterations_run"] == 6
    assert result["linear_gain"] == window.attack.ceiling["gain"][0] and "achieved_gain" in result
    assert (out / "attack.png").stat().st_size > 1000 and (out / "arrays.npz").exists()
    arrays = tmp_path / "views.npz"
    from stabview.gui.window_reports import export_arrays
    with np.load(export_arrays(arrays, window.viewers, window.workbench)) as saved:
        assert {"x", "network", "detail", "mask"} <= set(saved.files)


def _outcome_like(result):
    """An object with the fields attack_result reads, to list the CLI's keys."""
    from types import SimpleNamespace

    from stabview.stability.params import AttackParams
    return SimpleNamespace(numbers={k: result[k] for k in ("perturbation_rel", "network_change_rel")},
                           cancelled=False, params=AttackParams(), snapshots=[], history=[], curve=[])


def test_an_image_arriving_after_a_session_opened_leaves_the_sessions_image_and_details(window, tmp_path, qtbot):
    """An image asked for before a session opened arrives after it: shown never, chosen never
    (chosen, it replaced the session's image and erased its details, undoably but unasked)."""
    from PIL import Image
    window.details_panel.stamp_at(12, 20)
    path = window.save_session(str(tmp_path / "mine.json"))
    saved = Session.open(path).experiment
    other = tmp_path / "other.png"
    Image.fromarray((np.arange(300 * 300).reshape(300, 300) % 251).astype(np.uint8)).save(other)
    assert window.image_panel.open_image(str(other))
    assert window.workbench.image_loading
    assert window.open_session(path)
    qtbot.waitUntil(lambda: not window.workbench.image_loading, timeout=20000)
    wait_idle(qtbot, window)
    assert window.model.experiment.image == saved.image
    assert window.model.experiment.details == saved.details != ()


def test_a_session_opened_while_the_default_network_loads_gets_its_own_network(window, make_window, tmp_path,
                                                                               qtbot):
    window.details_panel.stamp_at(12, 20)
    path = window.save_session(str(tmp_path / "mine.json"))
    starting = make_window(load_defaults=True)           # starts loading the default network
    assert starting.workbench.loader.busy
    assert starting.open_session(path)
    qtbot.waitUntil(lambda: starting.restoring is not None and starting.model.can_undo() is False
                    and starting.workbench.net is not None and not starting.workbench.loader.busy
                    and starting.session_path == path, timeout=60000)
    wait_idle(qtbot, starting)
    assert starting.model.experiment.network == Session.open(path).experiment.network
    assert starting.workbench.net.card.name == window.workbench.net.card.name != "deepmri"
    assert starting.model.experiment.details == window.model.experiment.details
