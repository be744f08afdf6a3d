"""FourierOperator: A = P_Ω F with an orthonormal centred FFT and an exact adjoint."""

import pytest
import torch

from stabview.errors import DtypeMismatch, MaskError, ShapeMismatch
from stabview.operators import FourierOperator, MaskSpec, make_mask
from stabview.operators.fft import fft2c, ifft2c

from .helpers import dot_test_error


@pytest.fixture
def op():
    return FourierOperator.from_spec((64, 48), MaskSpec("cartesian", 0.3, seed=1))


@pytest.mark.parametrize("dtype,tol", [(torch.complex128, 1e-5), (torch.complex64, 1e-4)])
def test_adjoint_passes_the_dot_product_test(op, dtype, tol):
    assert dot_test_error(op, dtype) <= tol


def test_fft_is_orthonormal_and_centred():
    x = torch.randn(3, 16, 16, dtype=torch.complex128)
    k = fft2c(x)
    assert torch.allclose(k.norm(), x.norm())
    assert torch.allclose(ifft2c(k), x)
    ones = torch.ones(1, 16, 16, dtype=torch.complex128)
    dc = fft2c(ones)[0]
    assert dc.abs().argmax() == 8 * 16 + 8, "DC must sit at (H//2, W//2)"


def test_measurements_are_zero_off_the_mask(op):
    y = op.forward(torch.rand(2, 64, 48))
    assert y.shape == (2, 64, 48) and y.dtype == torch.complex64
    assert torch.all(y[:, ~op.mask] == 0)


def test_full_mask_is_invertible_and_warm_start_is_adjoint():
    op = FourierOperator(torch.ones(16, 16, dtype=torch.bool))
    x = torch.rand(1, 16, 16, dtype=torch.float64)
    assert torch.allclose(op.warm_start(op.forward(x)).real, x)
    y = op.forward(x)
    assert torch.equal(op.warm_start(y), op.adjoint(y))


def test_real_images_become_complex_with_zero_phase(op):
    x = torch.rand(1, 64, 48)
    assert torch.allclose(op.forward(x), op.forward(x.to(torch.complex64)))


def test_autograd_gradient_equals_the_adjoint(op):
    x = torch.randn(1, 64, 48, dtype=torch.complex128, requires_grad=True)
    w = torch.randn(1, 64, 48, dtype=torch.complex128)
    (op.forward(x).conj() * w).real.sum().backward()
    # d/dx Re⟨w, Ax⟩ = A* w (torch's convention for complex gradients)
    assert torch.allclose(x.grad, op.adjoint(w * op.mask))


def test_with_rate_keeps_kind_and_is_nested(op):
    low, high = op.with_rate(0.2), op.with_rate(0.5)
    assert abs(low.rate - 0.2) <= 0.01 and abs(high.rate - 0.5) <= 0.01
    assert torch.all(high.mask[low.mask])
    assert low.spec.kind == "cartesian"


def test_with_mask_and_raw_masks_cannot_change_rate(op):
    other = op.with_mask(make_mask("radial", (64, 48), 0.4))
    assert abs(other.rate - 0.4) <= 0.01
    with pytest.raises(MaskError):
        other.with_rate(0.5)


def test_to_device_keeps_everything(op):
    moved = op.to("cpu")
    assert moved.device.type == "cpu" and torch.equal(moved.mask, op.mask) and moved.spec == op.spec


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU")
def test_runs_on_cuda(op):
    cuda = op.to("cuda")
    x = torch.rand(1, 64, 48, device="cuda")
    assert torch.allclose(cuda.forward(x).cpu(), op.forward(x.cpu()), atol=1e-5)


@pytest.mark.parametrize("bad", [torch.rand(64, 48), torch.rand(1, 64, 47), torch.rand(1, 1, 64, 48)])
def test_wrong_image_shapes_are_refused_clearly(op, bad):
    with pytest.raises(ShapeMismatch, match=r"expects \(B, 64, 48\)"):
        op.forward(bad)


def test_bad_measurements_and_masks_are_refused(op):
    with pytest.raises(ShapeMismatch):
        op.adjoint(torch.zeros(1, 32, 32, dtype=torch.complex64))
    with pytest.raises(DtypeMismatch):
        op.adjoint(torch.zeros(1, 64, 48))
    with pytest.raises(MaskError, match="keeps no samples"):
        FourierOperator(torch.zeros(8, 8, dtype=torch.bool))
    with pytest.raises(DtypeMismatch):
        FourierOperator(torch.full((8, 8), 0.5))
    with pytest.raises(ShapeMismatch):
        op.with_mask(torch.ones(16, 16, dtype=torch.bool))
