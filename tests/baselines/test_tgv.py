"""Finite differences of TGV²: exact adjoints, Fourier symbols, and what the terms measure."""

import pytest
import torch

from stabview.baselines.tgv import (difference_symbols, gradient, gradient_adjoint,
                                    symmetric_gradient, symmetric_gradient_adjoint, tgv_terms)


def dot(a, b):
    return complex(torch.vdot(a.flatten(), b.flatten()))


@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128])
def test_gradient_adjoint(dtype):
    torch.manual_seed(0)
    z, g = torch.randn(2, 12, 17, dtype=dtype), torch.randn(2, 2, 12, 17, dtype=dtype)
    assert abs(dot(gradient(z), g) - dot(z, gradient_adjoint(g))) < 1e-10


@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128])
def test_symmetric_gradient_adjoint(dtype):
    torch.manual_seed(1)
    v, e = torch.randn(2, 2, 9, 14, dtype=dtype), torch.randn(2, 3, 9, 14, dtype=dtype)
    assert abs(dot(symmetric_gradient(v), e) - dot(v, symmetric_gradient_adjoint(e))) < 1e-10


def test_fourier_symbols_match_the_spatial_differences():
    torch.manual_seed(2)
    z = torch.randn(1, 10, 13, dtype=torch.complex128)
    fx, fy, bx, by = difference_symbols((10, 13))
    spectrum = torch.fft.fft2(z)
    g = gradient(z)
    assert torch.allclose(torch.fft.fft2(g[:, 0]), fx * spectrum, atol=1e-10)
    assert torch.allclose(torch.fft.fft2(g[:, 1]), fy * spectrum, atol=1e-10)
    v = torch.randn(1, 2, 10, 13, dtype=torch.complex128)
    e = symmetric_gradient(v)
    assert torch.allclose(torch.fft.fft2(e[:, 0]), bx * torch.fft.fft2(v[:, 0]), atol=1e-10)
    assert torch.allclose(torch.fft.fft2(e[:, 1]), by * torch.fft.fft2(v[:, 1]), atol=1e-10)


def test_tgv_of_constants_is_zero_and_ramps_cost_only_first_order_with_a_free_field():
    const = torch.full((1, 8, 8), 3.0, dtype=torch.float64)
    assert float(tgv_terms(const, None, (1.0, 1.0))) == 0.0
    ramp = torch.arange(8, dtype=torch.float64).repeat(8, 1)[None] * 0.1
    ramp = torch.cat((ramp[..., :4], ramp[..., :4].flip(-1)), -1)   # periodic tent
    tv = float(tgv_terms(ramp, None, (1.0, 1.0)))
    assert tv > 0
    field = gradient(ramp)                                           # v = ∇z: only α2‖Ev‖ remains
    second = float(tgv_terms(ramp, field, (1.0, 1.0)))
    assert second < tv
