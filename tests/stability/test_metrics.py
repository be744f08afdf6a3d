"""Metrics agree with scikit-image and use the documented peak (max of the reference)."""

import math

import numpy as np
import pytest
import torch
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from stabview.errors import ShapeMismatch
from stabview.stability.metrics import peak, psnr, rel_l2, ssim


@pytest.fixture
def pair():
    rng = np.random.default_rng(0)
    ref = rng.random((40, 50)) * 0.8 + 0.1
    est = np.clip(ref + 0.05 * rng.standard_normal(ref.shape), 0, None)
    return est, ref


def test_psnr_matches_skimage_with_peak_max_of_reference(pair):
    est, ref = pair
    expected = peak_signal_noise_ratio(ref, est, data_range=ref.max())
    assert psnr(torch.tensor(est), torch.tensor(ref)) == pytest.approx(expected, abs=1e-9)


def test_ssim_matches_skimage(pair):
    est, ref = pair
    expected = structural_similarity(ref, est, data_range=ref.max())
    assert ssim(torch.tensor(est), torch.tensor(ref)) == pytest.approx(expected, abs=1e-9)


def test_metrics_use_magnitudes_of_complex_images(pair):
    est, ref = pair
    phase = torch.exp(1j * torch.rand(40, 50, dtype=torch.float64))
    c_est, c_ref = torch.tensor(est) * phase, torch.tensor(ref) * phase
    assert psnr(c_est, c_ref) == pytest.approx(psnr(torch.tensor(est), torch.tensor(ref)))
    assert ssim(c_est, c_ref) == pytest.approx(ssim(torch.tensor(est), torch.tensor(ref)))
    assert float(peak(c_ref)) == pytest.approx(ref.max())


def test_rel_l2_and_batches(pair):
    est, ref = (torch.tensor(a) for a in pair)
    assert rel_l2(est, ref) == pytest.approx(float((est - ref).norm() / ref.norm()))
    batch = rel_l2(torch.stack([est, ref]), torch.stack([ref, ref]))
    assert batch.shape == (2,) and batch[1] == 0
    assert psnr(torch.stack([est, est]), torch.stack([ref, ref])).shape == (2,)
    assert math.isinf(psnr(ref, ref))
    assert ssim(ref, ref) == pytest.approx(1.0)


def test_mismatched_shapes_are_refused():
    with pytest.raises(ShapeMismatch):
        psnr(torch.zeros(4, 4), torch.zeros(4, 5))
    with pytest.raises(ShapeMismatch):
        rel_l2(torch.zeros(4, 4), torch.zeros(5, 4))
