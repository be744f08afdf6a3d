"""The centred FFT: the checkerboard form for even sizes equals the shift form, odd sizes too."""

import pytest
import torch

from stabview.operators.fft import fft2c, ifft2c


def shifted(x, transform):
    x = torch.fft.ifftshift(x, dim=(-2, -1))
    return torch.fft.fftshift(transform(x, norm="ortho"), dim=(-2, -1))


@pytest.mark.parametrize("shape", [(4, 6), (128, 128), (3, 15, 64, 32), (5, 7), (6, 7), (2, 9, 8)])
@pytest.mark.parametrize("dtype", [torch.float32, torch.complex64, torch.complex128])
def test_equals_the_shifted_fft_and_inverts(shape, dtype):
    x = torch.randn(shape, dtype=dtype, generator=torch.Generator().manual_seed(0))
    tol = 1e-5 if dtype in (torch.float32, torch.complex64) else 1e-12
    for ours, transform in ((fft2c, torch.fft.fft2), (ifft2c, torch.fft.ifft2)):
        torch.testing.assert_close(ours(x), shifted(x, transform), rtol=tol, atol=tol)
    torch.testing.assert_close(ifft2c(fft2c(x)), x.to(fft2c(x).dtype), rtol=tol, atol=tol)


def test_dc_term_sits_in_the_middle():
    k = fft2c(torch.ones(1, 8, 6))
    assert torch.argmax(k.abs()).item() == 4 * 6 + 3
