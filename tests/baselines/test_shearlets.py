"""The shearlet transform is a Parseval frame: Ψ*Ψ = I, Σ‖Ψ_j x‖² = ‖x‖², Ψ* is the adjoint."""

import pytest
import torch

from stabview.baselines.shearlets import (ShearletConfigError, ShearletTransform, filter_count,
                                          shearlet_filters)
from stabview.errors import ShapeMismatch


def rel(a, b):
    return float((a - b).abs().norm() / b.abs().norm())


@pytest.mark.parametrize("scales, directions", [(3, (1, 2, 2)), (4, (0, 0, 1, 1)), (3, (1, 1, 2))])
@pytest.mark.parametrize("shape", [(64, 64), (48, 80), (45, 51)])
def test_filters_square_sum_to_one_and_are_even(shape, scales, directions):
    bank = shearlet_filters(shape, scales, directions)
    assert bank.shape == (filter_count(scales, directions), *shape)
    assert torch.allclose(bank.square().sum(0), torch.ones(shape, dtype=bank.dtype), atol=1e-12)
    assert bool((bank >= 0).all())
    mirrored = torch.roll(torch.flip(bank, (-2, -1)), (1, 1), (-2, -1))  # ψ̂(−ω)
    assert torch.equal(bank, mirrored)                                   # real kernels


def test_filter_counts_follow_the_shearlab_convention():
    assert filter_count(3, (1, 1, 2)) == 33
    assert filter_count(3, (1, 2, 2)) == 41
    assert filter_count(4, (0, 0, 1, 1)) == 25


@pytest.mark.parametrize("dtype", [torch.float32, torch.complex64])
@pytest.mark.parametrize("shape", [(64, 64), (40, 56), (33, 47)])
def test_perfect_reconstruction_and_tightness(shape, dtype):
    torch.manual_seed(0)
    psi = ShearletTransform(shape, 3, (1, 2, 2))
    x = torch.randn(2, *shape, dtype=dtype)
    coeffs = psi.forward(x)
    assert coeffs.shape == (2, psi.count, *shape)
    assert coeffs.dtype == dtype                      # real images give real coefficients
    assert rel(psi.inverse(coeffs), x) <= 1e-5
    energy = coeffs.abs().square().sum() / x.abs().square().sum()
    assert abs(float(energy) - 1.0) <= 1e-5


@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128])
def test_synthesis_is_the_adjoint(dtype):
    torch.manual_seed(1)
    psi = ShearletTransform((32, 48), 4, (0, 0, 1, 1), dtype=torch.float64)
    x = torch.randn(3, 32, 48, dtype=dtype)
    c = torch.randn(3, psi.count, 32, 48, dtype=dtype)
    lhs = torch.vdot(psi.forward(x).flatten(), c.flatten())
    rhs = torch.vdot(x.flatten(), psi.adjoint(c).flatten())
    assert abs(complex(lhs - rhs)) <= 1e-10 * abs(complex(lhs))


def test_spectrum_shortcuts_agree_with_the_plain_transform():
    torch.manual_seed(2)
    psi = ShearletTransform((32, 32), 2, (1, 1))
    x = torch.randn(1, 32, 32, dtype=torch.complex64)
    spectrum = torch.fft.fft2(x, norm="ortho")
    assert rel(psi.analysis_from_spectrum(spectrum), psi.forward(x)) < 1e-6
    c = psi.forward(x)
    assert rel(psi.spectrum_of_adjoint(c), spectrum) < 1e-5


def test_directional_subbands_respond_to_edges_of_their_orientation():
    """A vertical edge puts its energy in the horizontal-frequency subband (u = 1) of a scale."""
    psi = ShearletTransform((64, 64), 1, (0,), dtype=torch.float64)
    x = torch.zeros(1, 64, 64, dtype=torch.float64)
    x[:, :, 32:] = 1.0
    energy = psi.forward(x).square().sum((-2, -1))[0, 1:]      # four directions of the one scale
    assert int(energy.argmax()) == 1


def test_bad_configurations_are_refused():
    with pytest.raises(ShearletConfigError):
        ShearletTransform((64, 64), 3, (1, 2))
    with pytest.raises(ShearletConfigError):
        ShearletTransform((64, 64), 0, ())
    with pytest.raises(ShapeMismatch):
        ShearletTransform((8, 8), 4, (0, 0, 1, 1))
    psi = ShearletTransform((16, 16), 2, (0, 0))
    with pytest.raises(ShapeMismatch):
        psi.forward(torch.zeros(1, 16, 15))
