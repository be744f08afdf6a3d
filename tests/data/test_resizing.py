"""The one fitting rule: centre-crop to the target's aspect ratio, then antialiased bilinear resize."""

import numpy as np
import pytest
import torch

from stabview.data import fit_to_shape
from stabview.errors import ShapeMismatch


def test_same_size_is_returned_unchanged():
    x = torch.rand(17, 23, generator=torch.Generator().manual_seed(0))
    assert torch.equal(fit_to_shape(x, (17, 23)), x)


def test_tall_image_loses_equal_margins_top_and_bottom():
    x = np.zeros((100, 60), np.float32)
    x[:20] = 1.0  # only in the top margin that a centred 60×60 window cuts away
    x[-20:] = 0.5
    assert np.array_equal(fit_to_shape(x, (60, 60)), np.zeros((60, 60), np.float32))
    crop = fit_to_shape(x, (30, 30))
    assert crop.shape == (30, 30) and not crop.any()


def test_crop_then_resize_equals_resizing_the_centre_window():
    x = torch.rand(90, 50, generator=torch.Generator().manual_seed(1))
    window = x[20:70]  # the centred 50×50 window
    np.testing.assert_allclose(fit_to_shape(x, (25, 25)), fit_to_shape(window, (25, 25)), atol=0)


def test_wide_target_crops_rows():
    x = torch.arange(64.0 * 64).reshape(64, 64)
    out = fit_to_shape(x, (32, 64))  # keeps rows 16..47 at full width, no resize needed
    assert torch.equal(out, x[16:48])


def test_pad_mode_keeps_everything():
    x = torch.ones(40, 20)
    out = fit_to_shape(x, (40, 40), mode="pad")
    assert torch.equal(out[:, 10:30], torch.ones(40, 20))
    assert out[:, :10].abs().sum() == 0 and out[:, 30:].abs().sum() == 0


def test_shrinking_averages_instead_of_aliasing():
    checker = (np.indices((128, 128)).sum(0) % 2).astype(np.float32)  # finest possible pattern
    out = fit_to_shape(checker, (32, 32))
    np.testing.assert_allclose(out, 0.5, atol=0.005)  # plain subsampling would give all 0 or all 1


def test_range_never_grows_and_mean_is_kept():
    x = torch.rand(200, 200, generator=torch.Generator().manual_seed(2))
    for shape in [(64, 64), (256, 256), (37, 91)]:
        out = fit_to_shape(x, shape)
        assert out.shape == shape and out.min() >= x.min() and out.max() <= x.max()
    assert float(fit_to_shape(x, (50, 50)).mean()) == pytest.approx(float(x.mean()), abs=2e-3)


def test_complex_is_resized_part_by_part():
    g = torch.Generator().manual_seed(3)
    re, im = torch.rand(48, 64, generator=g), torch.rand(48, 64, generator=g)
    out = fit_to_shape(torch.complex(re, im), (20, 20))
    assert out.dtype == torch.complex64
    torch.testing.assert_close(out, torch.complex(fit_to_shape(re, (20, 20)), fit_to_shape(im, (20, 20))))


def test_kind_dtype_and_batch_are_kept():
    assert isinstance(fit_to_shape(np.ones((10, 10)), (5, 5)), np.ndarray)
    assert fit_to_shape(np.ones((10, 10)), (5, 5)).dtype == np.float64
    batch = torch.rand(3, 40, 30)
    out = fit_to_shape(batch, (20, 20))
    assert out.shape == (3, 20, 20)
    torch.testing.assert_close(out[1], fit_to_shape(batch[1], (20, 20)))


@pytest.mark.parametrize("shape", [(0, 10), (10,), "big", (-4, 4)])
def test_bad_target_shape(shape):
    with pytest.raises(ShapeMismatch):
        fit_to_shape(torch.ones(8, 8), shape)


def test_bad_mode():
    with pytest.raises(ValueError, match="crop"):
        fit_to_shape(torch.ones(8, 8), (4, 4), mode="stretch")
