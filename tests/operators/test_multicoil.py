"""MultiCoilOperator and simulated coil maps."""

import pytest
import torch

from stabview.errors import ShapeMismatch
from stabview.operators import MaskSpec, MultiCoilOperator, birdcage_maps, normalise_maps

from stabview.operators.fft import fft2c

from .helpers import dot_test_error


@pytest.fixture
def op():
    return MultiCoilOperator.from_spec((32, 32), MaskSpec("equispaced", 0.3, options={"centre_lines": 6}))


def test_default_is_fifteen_coils_with_measurement_per_coil(op):
    assert op.n_coils == 15
    y = op.forward(torch.rand(2, 32, 32))
    assert y.shape == (2, 15, 32, 32)
    assert torch.all(y[..., ~op.mask] == 0)


@pytest.mark.parametrize("dtype,tol", [(torch.complex128, 1e-5), (torch.complex64, 1e-4)])
def test_adjoint_passes_the_dot_product_test(op, dtype, tol):
    assert dot_test_error(op, dtype) <= tol


def test_maps_are_smooth_distinct_and_normalised():
    maps = birdcage_maps((64, 64), 8, dtype=torch.complex128)
    assert maps.shape == (8, 64, 64)
    assert torch.allclose((maps.abs() ** 2).sum(0), torch.ones(64, 64, dtype=torch.float64))
    # smooth: almost all of each map's energy sits in the central 16×16 of k-space
    spectrum = fft2c(maps).abs() ** 2
    central = spectrum[:, 24:40, 24:40].sum((1, 2)) / spectrum.sum((1, 2))
    assert float(central.min()) > 0.95
    # distinct: each coil is brightest near its own position on the ring
    peaks = {int(m.abs().argmax()) for m in maps}
    assert len(peaks) == 8


def test_closer_steeper_arrays_are_normalised_and_more_local():
    default = birdcage_maps((64, 64), 8, dtype=torch.complex128)
    close = birdcage_maps((64, 64), 8, ring_radius=1.05, falloff=3.0, dtype=torch.complex128)
    assert torch.allclose((close.abs() ** 2).sum(0), torch.ones(64, 64, dtype=torch.float64))
    # each coil sees a smaller part of the field of view: Σ_pixels |S_j|⁴ is larger
    assert float((close.abs() ** 4).sum((1, 2)).min()) > 1.5 * float((default.abs() ** 4).sum((1, 2)).max())
    assert torch.equal(birdcage_maps((32, 32), 4, ring_radius=1.5, falloff=1.0), birdcage_maps((32, 32), 4))
    mask = MaskSpec("equispaced", 0.3, options={"centre_lines": 6}).build((32, 32))
    op = MultiCoilOperator(mask, birdcage_maps((32, 32), 15, ring_radius=1.05, falloff=3.0))
    assert dot_test_error(op, torch.complex128) <= 1e-5
    with pytest.raises(ValueError):
        birdcage_maps((16, 16), 4, falloff=0.0)


def test_fully_sampled_adjoint_recovers_the_image():
    op = MultiCoilOperator(torch.ones(16, 16, dtype=torch.bool), birdcage_maps((16, 16), 4, dtype=torch.complex128))
    x = torch.rand(1, 16, 16, dtype=torch.float64)
    assert torch.allclose(op.warm_start(op.forward(x)).real, x, atol=1e-12)


def test_normalise_with_support_zeroes_outside():
    maps = torch.rand(3, 8, 8, dtype=torch.complex64) + 0.1
    support = torch.zeros(8, 8, dtype=torch.bool)
    support[2:6, 2:6] = True
    out = normalise_maps(maps, support)
    assert torch.allclose((out.abs() ** 2).sum(0)[support], torch.ones(16))
    assert torch.all(out[:, ~support] == 0)


def test_user_maps_and_rates(op):
    maps = birdcage_maps((32, 32), 4)
    mine = MultiCoilOperator(op.mask, maps)
    assert mine.n_coils == 4 and mine.measurement_shape == (4, 32, 32)
    other = op.with_rate(0.5)
    assert other.n_coils == 15 and torch.all(other.mask[op.mask])
    with pytest.raises(ShapeMismatch):
        MultiCoilOperator(op.mask, torch.rand(4, 16, 16))
