"""Each loader reads what other programs write, and scales it to [0, 1] by its own range."""

import numpy as np
import pytest
import torch

from stabview.data import file_format, load_image, normalise_image, read_array
from stabview.errors import ImageLoadError

from .writers import write_dicom, write_nifti, write_png

RAMP = np.arange(48, dtype=np.float64).reshape(6, 8)


def minmax(a):
    a = np.asarray(a, dtype=np.float64)
    return (a - a.min()) / (a.max() - a.min())


def test_png_8bit_is_stretched_to_the_unit_range(tmp_path):
    pixels = (RAMP * 3 + 20).astype(np.uint8)  # 20 … 161, not 0 … 255
    img = load_image(write_png(tmp_path / "ramp.png", pixels))
    assert isinstance(img, torch.Tensor) and img.dtype == torch.float32 and img.shape == (6, 8)
    np.testing.assert_allclose(img.numpy(), minmax(pixels), atol=1e-6)


def test_png_16bit_keeps_every_level(tmp_path):
    pixels = (RAMP + 30000).astype(np.uint16)  # 48 consecutive 16-bit levels: 8 bits would merge them
    assert read_array(write_png(tmp_path / "deep.png", pixels)).dtype == np.uint16
    img = load_image(tmp_path / "deep.png")
    np.testing.assert_allclose(img.numpy(), minmax(pixels), atol=1e-6)
    assert len(np.unique(img.numpy())) == 48


def test_grey_saved_as_rgb_is_accepted(tmp_path):
    grey = (RAMP * 5).astype(np.uint8)
    rgba = np.dstack([grey, grey, grey, np.full_like(grey, 255)])
    np.testing.assert_allclose(load_image(write_png(tmp_path / "grey.png", rgba)).numpy(), minmax(grey), atol=1e-6)


def test_tiff_float_and_16bit(tmp_path):
    import tifffile

    tifffile.imwrite(tmp_path / "f.tif", (RAMP / 7 - 2).astype(np.float32))
    tifffile.imwrite(tmp_path / "u.tiff", (RAMP * 1000).astype(np.uint16))
    np.testing.assert_allclose(load_image(tmp_path / "f.tif").numpy(), minmax(RAMP), atol=1e-6)
    np.testing.assert_allclose(load_image(tmp_path / "u.tiff").numpy(), minmax(RAMP), atol=1e-6)


def test_tiff_stack_picks_a_page(tmp_path):
    import tifffile

    stack = np.stack([RAMP, RAMP ** 2, -RAMP]).astype(np.float32)
    tifffile.imwrite(tmp_path / "stack.tif", stack, photometric="minisblack")
    np.testing.assert_allclose(load_image(tmp_path / "stack.tif", slice_index=2).numpy(), minmax(-RAMP), atol=1e-6)
    np.testing.assert_allclose(load_image(tmp_path / "stack.tif").numpy(), minmax(stack[1]), atol=1e-6)


def test_npy_real_and_complex(tmp_path):
    np.save(tmp_path / "real.npy", RAMP - 10)
    np.testing.assert_allclose(load_image(tmp_path / "real.npy").numpy(), minmax(RAMP), atol=1e-6)

    z = (RAMP + 1) * np.exp(1j * RAMP / 10)
    np.save(tmp_path / "complex.npy", z)
    img = load_image(tmp_path / "complex.npy")
    assert img.dtype == torch.complex64
    np.testing.assert_allclose(img.numpy(), z / np.abs(z).max(), atol=1e-6)  # phase kept
    assert float(img.abs().max()) == pytest.approx(1.0)


def test_npy_volume_needs_a_slice(tmp_path):
    np.save(tmp_path / "vol.npy", np.stack([RAMP, RAMP ** 2]))
    np.testing.assert_allclose(load_image(tmp_path / "vol.npy", slice_index=1, axis=0).numpy(),
                               minmax(RAMP ** 2), atol=1e-6)
    with pytest.raises(ImageLoadError, match="vol.npy.*3-D"):
        load_image(tmp_path / "vol.npy")


def test_dicom_applies_rescale_slope_and_intercept(tmp_path):
    stored = (RAMP * 40).astype(np.uint16)
    path = write_dicom(tmp_path / "slice.dcm", stored, slope=2.0, intercept=-1024.0)
    np.testing.assert_allclose(read_array(path), stored * 2.0 - 1024.0)  # Hounsfield units
    np.testing.assert_allclose(load_image(path).numpy(), minmax(stored), atol=1e-6)


def test_dicom_without_extension_and_monochrome1(tmp_path):
    stored = (RAMP * 10).astype(np.uint16)
    path = write_dicom(tmp_path / "IM0001", stored, photometric="MONOCHROME1")
    assert file_format(path) == "DICOM"  # found by the DICM marker
    np.testing.assert_allclose(load_image(path).numpy(), 1 - minmax(stored), atol=1e-6)  # white = low


def test_dicom_multiframe_picks_a_frame(tmp_path):
    frames = np.stack([RAMP, RAMP[::-1], RAMP ** 2]).astype(np.uint16)
    path = write_dicom(tmp_path / "multi.dcm", frames)
    np.testing.assert_allclose(load_image(path, slice_index=2).numpy(), minmax(RAMP ** 2), atol=1e-6)
    np.testing.assert_allclose(load_image(path).numpy(), minmax(RAMP[::-1]), atol=1e-6)


def test_enhanced_multiframe_dicom_rescales_each_frame(tmp_path):
    frames = np.stack([RAMP * 100, RAMP * 100, RAMP * 100]).astype(np.uint16)
    path = write_dicom(tmp_path / "enhanced.dcm", frames, per_frame=[(1.0, 0.0), (2.0, -1024.0), (0.5, 10.0)])
    for k, (slope, intercept) in enumerate([(1.0, 0.0), (2.0, -1024.0), (0.5, 10.0)]):
        np.testing.assert_allclose(read_array(path, slice_index=k), frames[k] * slope + intercept)
    np.testing.assert_allclose(read_array(path), frames[1] * 2.0 - 1024.0)   # default: the middle frame


def test_nifti_slice_axis_and_display_orientation(tmp_path):
    volume = np.arange(4 * 5 * 6, dtype=np.float32).reshape(4, 5, 6)  # (x: L→R, y: P→A, z: I→S)
    path = write_nifti(tmp_path / "vol.nii.gz", volume)
    axial = load_image(path, slice_index=3, axis=2).numpy()
    np.testing.assert_allclose(axial, minmax(np.flipud(volume[:, :, 3].T)), atol=1e-6)  # anterior up
    assert axial.shape == (5, 4)
    np.testing.assert_allclose(load_image(path).numpy(), minmax(np.flipud(volume[:, :, 3].T)), atol=1e-6)
    coronal = load_image(path, slice_index=1, axis=1).numpy()
    np.testing.assert_allclose(coronal, minmax(np.flipud(volume[:, 1, :].T)), atol=1e-6)  # superior up


def test_nifti_stored_left_to_right_flipped_shows_the_same_slice(tmp_path):
    volume = np.random.default_rng(0).random((4, 5, 6)).astype(np.float32)
    ras = write_nifti(tmp_path / "ras.nii", volume)
    flip = np.diag([-1.0, 1.0, 1.0, 1.0])
    flip[0, 3] = 3.0  # same voxel positions in space, stored from right to left
    las = write_nifti(tmp_path / "las.nii", volume[::-1].copy(), flip)
    np.testing.assert_allclose(load_image(las, slice_index=2).numpy(), load_image(ras, slice_index=2).numpy())


def test_shape_fits_on_load(tmp_path):
    np.save(tmp_path / "wide.npy", np.random.default_rng(1).random((40, 80)))
    img = load_image(tmp_path / "wide.npy", (32, 32))
    assert img.shape == (32, 32) and 0 <= float(img.min()) and float(img.max()) <= 1


def test_normalise_refuses_constant_and_names_the_source():
    with pytest.raises(ImageLoadError, match="my array.*constant"):
        normalise_image(np.full((4, 4), 3.0), source="my array")
