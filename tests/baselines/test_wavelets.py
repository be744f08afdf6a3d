"""The periodised Daubechies transform is orthonormal, runs in torch and matches PyWavelets."""

import numpy as np
import pytest
import pywt
import torch

from stabview.baselines.wavelets import WaveletTransform
from stabview.errors import ShapeMismatch, UnknownName


@pytest.mark.parametrize("name, levels", [("db2", 3), ("haar", 2), ("db4", 1)])
def test_matches_pywavelets_periodization(name, levels):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 64))
    psi = WaveletTransform((32, 64), name, levels)
    ours = psi.forward(torch.from_numpy(x)[None])[0].numpy()
    expected, _ = pywt.coeffs_to_array(pywt.wavedec2(x, name, mode="periodization", level=levels))
    assert np.abs(ours - expected).max() < 1e-12


@pytest.mark.parametrize("dtype", [torch.float32, torch.complex64])
def test_orthonormal_inverse_and_adjoint(dtype):
    torch.manual_seed(0)
    psi = WaveletTransform((64, 32), "db2", 3)
    x = torch.randn(2, 64, 32, dtype=dtype)
    c = psi.forward(x)
    assert float((psi.inverse(c) - x).abs().norm() / x.abs().norm()) < 1e-5
    assert abs(float(c.abs().norm() / x.abs().norm()) - 1) < 1e-5
    u = torch.randn(2, 64, 32, dtype=dtype)
    lhs, rhs = torch.vdot(c.flatten(), u.flatten()), torch.vdot(x.flatten(), psi.adjoint(u).flatten())
    assert abs(complex(lhs - rhs)) < 1e-4 * abs(complex(lhs))


def test_refuses_bad_sizes_and_names():
    with pytest.raises(ShapeMismatch):
        WaveletTransform((60, 64), "db2", 3)
    with pytest.raises(UnknownName):
        WaveletTransform((64, 64), "bior2.2", 1)
    with pytest.raises(UnknownName):
        WaveletTransform((64, 64), "nonsense", 1)
