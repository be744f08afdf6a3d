"""Built-in samples: listed, loadable at any grid size, in [0, 1], and reproducible."""

import json

import numpy as np
import pytest
import torch

from stabview.data import (is_builtin_name, list_builtin_images, load_image, load_image_or_builtin, load_builtin_image,
                           random_ellipses, resource_path, shepp_logan)
from stabview.errors import UnknownName

NAMES = [name for name, _ in list_builtin_images()]


def test_the_list_covers_brain_slices_ct_and_real_mr():
    brains = [n for n in NAMES if n.startswith("brain:")]
    assert len(brains) >= 8
    assert {"brain", "ct", "mr", "shepp-logan"} <= set(NAMES)
    assert any(n.startswith("ellipses:") for n in NAMES)
    real_mr = [n for n in NAMES if n.startswith("mr")]
    assert len(real_mr) >= 2
    planes = {d.split(",")[1].split()[0] for n, d in list_builtin_images() if n.startswith("brain:")}
    assert planes == {"axial", "coronal", "sagittal"}
    assert all(description for _, description in list_builtin_images())


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("size", [128, 256])
def test_every_sample_loads_finite_in_unit_range(name, size):
    x = load_builtin_image(name, (size, size))
    assert x.shape == (size, size) and x.dtype == torch.float32
    assert torch.isfinite(x).all()
    assert float(x.min()) >= 0.0 and float(x.max()) <= 1.0
    assert float(x.max()) > float(x.min())


def test_native_sizes_match_the_manifest():
    manifest = json.loads(resource_path("images", "images.json").read_text())
    for entry in manifest["images"]:
        assert tuple(load_builtin_image(entry["name"]).shape) == tuple(entry["shape"])
    assert load_builtin_image("ct").shape == (128, 128) and load_builtin_image("mr").shape == (64, 64)
    assert load_builtin_image("shepp-logan").shape == (256, 256)


def test_brain_is_the_default_slice():
    manifest = json.loads(resource_path("images", "images.json").read_text())
    target = manifest["aliases"]["brain"]
    assert torch.equal(load_builtin_image("brain"), load_builtin_image(target))
    assert torch.equal(load_builtin_image(" Brain "), load_builtin_image("brain"))


def test_ellipses_are_seeded():
    assert np.array_equal(random_ellipses(96, seed=5), random_ellipses(96, seed=5))
    assert not np.array_equal(random_ellipses(96, seed=5), random_ellipses(96, seed=6))
    assert torch.equal(load_builtin_image("ellipses:7", (64, 64)), load_builtin_image("ellipses:7", (64, 64)))
    assert torch.equal(load_builtin_image("ellipses"), load_builtin_image("ellipses:0"))


def test_ellipses_are_dense_in_the_disc_with_foreground_in_unit_range():
    img = random_ellipses(128, seed=11)
    y, x = np.indices(img.shape)
    r = np.hypot(x + 0.5 - 64, y + 0.5 - 64) / 64
    assert not img[r > 0.97].any()  # nothing outside the disc a CT scan always sees
    assert (img > 0).mean() > 0.3  # dense
    assert img.min() == 0.0 and img.max() <= 1.0
    assert len(np.unique(np.round(img[img > 0.1], 3))) > 10  # many intensities


def test_shepp_logan_matches_scikit_image():
    from skimage.data import shepp_logan_phantom

    ours = shepp_logan(400)
    reference = shepp_logan_phantom()
    assert np.abs(ours - reference).mean() < 0.01  # same ellipses, differing only on edge pixels
    assert ours.min() == 0.0 and ours.max() == 1.0


def test_generated_samples_are_drawn_at_the_grid_not_resampled():
    direct = shepp_logan(64)
    assert np.array_equal(load_builtin_image("shepp-logan", (64, 64)).numpy(), direct)
    assert load_builtin_image("shepp-logan", (48, 64)).shape == (48, 64)


@pytest.mark.parametrize("name", ["foo", "brain:99", "ellipses:x", "ellipses:-1", "ct2"])
def test_unknown_names_list_the_valid_ones(name):
    with pytest.raises(UnknownName) as info:
        load_builtin_image(name)
    message = str(info.value)
    for valid in ("shepp-logan", "ellipses:SEED", "brain:0", "ct", "mr"):
        assert valid in message


def test_sample_or_file(tmp_path):
    assert is_builtin_name("brain:3") and is_builtin_name("ellipses:42") and not is_builtin_name("scan.png")
    assert torch.equal(load_image_or_builtin("ct", (64, 64)), load_builtin_image("ct", (64, 64)))
    np.save(tmp_path / "x.npy", np.arange(16.0).reshape(4, 4))
    assert load_image_or_builtin(str(tmp_path / "x.npy")).shape == (4, 4)


def test_shipped_files_go_through_the_public_loader():
    manifest = json.loads(resource_path("images", "images.json").read_text())
    entry = manifest["images"][0]
    assert torch.equal(load_image(resource_path("images", entry["file"])), load_builtin_image(entry["name"]))
