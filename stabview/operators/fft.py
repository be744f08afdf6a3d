"""Centred, orthonormal 2-D FFT on the last two axes: k-space with the DC term in the middle.

For even sizes the centring shifts are a checkerboard: ifftshift then fftshift around an FFT
equals multiplying by (−1)^(i+j) before and after it (and by (−1)^(H/2 + W/2) once), because a
shift by half the length is a phase of (−1)^k in the other domain. Two elementwise products
replace four `torch.roll`s, which copy through `cat` and cost more than the FFT itself for
15-coil data. Odd sizes use the shifts.
"""

from __future__ import annotations

from functools import lru_cache

import torch


@lru_cache(maxsize=32)
def _checkerboards(h: int, w: int, dtype: torch.dtype, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """((−1)^(i+j), (−1)^(H/2 + W/2)·(−1)^(i+j)) as real `(H, W)` tensors."""
    i = torch.arange(h, device=device).view(-1, 1)
    j = torch.arange(w, device=device).view(1, -1)
    sign = 1.0 - 2.0 * ((i + j) % 2).to(dtype)
    return sign, sign * (1.0 - 2.0 * ((h // 2 + w // 2) % 2))


def _centred(x: torch.Tensor, transform) -> torch.Tensor:
    h, w = x.shape[-2:]
    if h % 2 or w % 2:
        x = torch.fft.ifftshift(x, dim=(-2, -1))
        return torch.fft.fftshift(transform(x, norm="ortho"), dim=(-2, -1))
    before, after = _checkerboards(h, w, x.real.dtype if x.is_complex() else x.dtype, x.device)
    return transform(x * before, norm="ortho") * after


def fft2c(x: torch.Tensor) -> torch.Tensor:
    """F x with the zero frequency at index (H//2, W//2) and ‖F x‖ = ‖x‖."""
    return _centred(x, torch.fft.fft2)


def ifft2c(k: torch.Tensor) -> torch.Tensor:
    """F* k, the exact inverse and adjoint of `fft2c`."""
    return _centred(k, torch.fft.ifft2)
