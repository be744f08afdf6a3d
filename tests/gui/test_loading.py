"""Never frozen: images, models and sessions load in the background with progress; a large
image file is read in a child process, so the window's event loop keeps running."""

import numpy as np
import pytest
import torch
from PIL import Image

from stabview.data import load_image_or_builtin
from stabview.gui import image_process
from stabview.gui.responsiveness import GapRecorder

from .conftest import wait_image
from .networks import SHAPE


def _png(path, side):
    rows = np.linspace(0, 1, side)
    Image.fromarray((127 + 120 * np.outer(np.cos(9 * rows), np.sin(7 * rows))).astype(np.uint8)).save(path)
    return path


def test_images_load_in_the_background_and_the_newest_request_wins(window, tmp_path, qtbot):
    first, second = _png(tmp_path / "first.png", 300), _png(tmp_path / "second.png", 64)
    assert window.image_panel.open_image(str(first))
    assert window.workbench.image_loading and window.status.progress.isVisible()
    assert window.model.experiment.image.spec == "brain"          # nothing replaced until loaded
    window.image_panel.open_image(str(second))
    wait_image(qtbot, window)
    assert window.model.experiment.image.spec == str(second)
    expected = load_image_or_builtin(str(second), SHAPE)
    np.testing.assert_allclose(window.viewers.image_of("x"), expected.numpy(), atol=1e-6)


@pytest.mark.slow
def test_a_large_image_is_read_in_a_child_process_while_the_window_runs(window, tmp_path, qtbot, monkeypatch):
    """Files above LARGE_PIXELS (lowered here so the file stays small) are read in a child
    process, with the same result as reading them directly, while the event loop goes on ticking
    (a load in the GUI thread would be one long gap). The longest stall for a 10000² PNG is
    measured by benchmarks/gui.py, not here: timings belong to benchmarks."""
    monkeypatch.setattr(image_process, "LARGE_PIXELS", 10_000)
    used = []
    real = image_process.load_in_child
    monkeypatch.setattr("stabview.gui.workbench.load_in_child",
                        lambda *a, **k: used.append(a[0]) or real(*a, **k))
    path = _png(tmp_path / "large.png", 600)
    recorder = GapRecorder()
    recorder.start()
    window.image_panel.open_image(str(path))
    wait_image(qtbot, window, timeout=120000)
    gaps = recorder.stop()
    assert used == [str(path)]
    np.testing.assert_allclose(window.workbench.base_image.numpy(),
                               load_image_or_builtin(str(path), SHAPE).numpy(), atol=1e-6)
    print(f"event-loop gaps while loading: {len(gaps)} ticks, median {np.median(gaps):.1f} ms, "
          f"longest {gaps.max():.1f} ms")
    assert len(gaps) >= 20 and np.median(gaps) <= 15


def test_a_child_process_error_names_the_file(tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    with pytest.raises(Exception) as info:
        image_process.load_in_child(str(broken), SHAPE, {})
    assert "broken.png" in str(info.value)
    assert image_process.load_in_child(str(broken), SHAPE, {}, should_stop=lambda: True) is None


def test_the_image_fits_a_new_networks_shape(make_window, tmp_path, qtbot):
    from stabview.networks import zoo

    from .networks import write_small_network
    window = make_window()
    window.network_panel.open_model(str(write_small_network(tmp_path, "tiny-a")))
    qtbot.waitUntil(lambda: window.workbench.net is not None, timeout=10000)
    wait_image(qtbot, window)
    assert window.workbench.base_image.shape == torch.Size(SHAPE)
    if "deepmri" in zoo.names():
        window.workbench.load_network("deepmri")
        qtbot.waitUntil(lambda: window.workbench.net.card.name == "deepmri", timeout=30000)
        wait_image(qtbot, window)
        expected = load_image_or_builtin("brain", (128, 128))
        np.testing.assert_allclose(window.workbench.base_image.numpy(), expected.numpy(), atol=1e-6)
