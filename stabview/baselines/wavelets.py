"""Orthonormal periodised 2-D Daubechies wavelet transform Ψ in torch (filters from PyWavelets).

Periodisation makes the transform an orthonormal map of `(B, H, W)` onto coefficients of the
same shape, so Ψ⁻¹ = Ψ* and ‖Ψx‖ = ‖x‖; it matches `pywt.wavedec2(x, w, 'periodization',
level)` coefficient for coefficient. Coefficients sit in the usual pyramid layout (as
`pywt.coeffs_to_array`): the coarsest approximation in the top-left corner, then for each level
the (horizontal, vertical, diagonal) details to its right, below and diagonally. The transform
runs on CPU and CUDA and on complex images (real and imaginary parts separately).
"""

from __future__ import annotations

import pywt
import torch
import torch.nn.functional as F

from ..errors import ShapeMismatch, UnknownName


def _filters(name: str):
    try:
        w = pywt.Wavelet(name)
    except ValueError:
        raise UnknownName(f"unknown wavelet '{name}'; use an orthogonal one such as db2 or haar") from None
    if not w.orthogonal:
        raise UnknownName(f"wavelet '{name}' is not orthogonal; use e.g. db2, db4, sym4 or haar")
    return torch.tensor(w.dec_lo, dtype=torch.float64), torch.tensor(w.dec_hi, dtype=torch.float64)


class WaveletTransform:
    """Ψ: `(B, H, W)` → `(B, H, W)`, orthonormal; `forward`, `adjoint` (= `inverse`)."""

    def __init__(self, shape: tuple[int, int], wavelet: str = "db2", levels: int = 3, *,
                 device: torch.device | str = "cpu"):
        self.shape = (int(shape[0]), int(shape[1]))
        self.levels = int(levels)
        if self.levels < 1:
            raise ShapeMismatch(f"a wavelet transform needs at least one level, got {levels}")
        step = 2 ** self.levels
        if self.shape[0] % step or self.shape[1] % step:
            raise ShapeMismatch(f"{levels} periodised wavelet levels need image sides divisible by "
                                f"{step}, got {self.shape[0]}×{self.shape[1]}: use fewer levels")
        self.wavelet = wavelet
        lo, hi = _filters(wavelet)
        self.length = lo.numel()
        # a[i] = Σ_j h[j] x[(2i + shift − j) mod N] with shift = L/2 is pywt's 'periodization'
        self.shift = self.length // 2
        # conv1d cross-correlates, so the analysis kernels are the reversed decomposition filters
        self._bank = torch.stack((lo.flip(0), hi.flip(0)))[:, None].to(device=device)

    def to(self, device) -> "WaveletTransform":
        out = object.__new__(WaveletTransform)
        out.__dict__.update(self.__dict__)
        out._bank = self._bank.to(device)
        return out

    # --- one level along the last axis ------------------------------------------------------
    def _index(self, n: int, offset: int, device) -> torch.Tensor:
        return (torch.arange(n + self.length - 1, device=device) + offset) % n

    def _split(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(lo, hi) halves of rows `(M, N)`, periodic, decimated by two."""
        n = x.shape[1]
        xp = x[:, self._index(n, self.shift - self.length + 1, x.device)]
        out = F.conv1d(xp[:, None], self._bank.to(x.dtype), stride=2)
        return out[:, 0], out[:, 1]

    def _merge(self, lo: torch.Tensor, hi: torch.Tensor) -> torch.Tensor:
        """Adjoint (and inverse) of `_split`: x[k] = Σ_j h[j] u[(k + j − shift) mod N], u = a upsampled."""
        m, half = lo.shape
        n = 2 * half
        up = torch.zeros(m, 2, n, dtype=lo.dtype, device=lo.device)
        up[:, 0, 0::2], up[:, 1, 0::2] = lo, hi
        upp = up[..., self._index(n, -self.shift, lo.device)]
        kernel = self._bank.flip(-1).to(lo.dtype).transpose(0, 1)       # (1, 2, L): h itself
        return F.conv1d(upp, kernel)[:, 0]

    # --- 2-D transform ----------------------------------------------------------------------
    def _real_forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x.clone()
        h, w = self.shape
        for _ in range(self.levels):
            block = out[:, :h, :w]
            b = block.shape[0]
            lo, hi = self._split(block.reshape(-1, w))
            rows = torch.cat((lo, hi), 1).reshape(b, h, w)
            lo, hi = self._split(rows.transpose(1, 2).reshape(-1, h))
            out[:, :h, :w] = torch.cat((lo, hi), 1).reshape(b, w, h).transpose(1, 2)
            h, w = h // 2, w // 2
        return out

    def _real_adjoint(self, c: torch.Tensor) -> torch.Tensor:
        out = c.clone()
        sizes = [(self.shape[0] >> k, self.shape[1] >> k) for k in range(self.levels)]
        for h, w in reversed(sizes):
            block = out[:, :h, :w]
            b = block.shape[0]
            cols = block.transpose(1, 2).reshape(-1, h)
            rows = self._merge(cols[:, : h // 2], cols[:, h // 2:]).reshape(b, w, h).transpose(1, 2)
            rows = rows.reshape(-1, w)
            out[:, :h, :w] = self._merge(rows[:, : w // 2], rows[:, w // 2:]).reshape(b, h, w)
        return out

    def _apply(self, x: torch.Tensor, fn) -> torch.Tensor:
        if x.dim() != 3 or tuple(x.shape[-2:]) != self.shape:
            raise ShapeMismatch(f"the wavelet transform for {self.shape[0]}×{self.shape[1]} takes "
                                f"(B, H, W) arrays, got shape {tuple(x.shape)}")
        if x.is_complex():
            parts = torch.view_as_real(x).permute(3, 0, 1, 2).reshape(-1, *self.shape)
            out = fn(parts.contiguous()).reshape(2, x.shape[0], *self.shape).permute(1, 2, 3, 0)
            return torch.view_as_complex(out.contiguous())
        return fn(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Analysis Ψx (pyramid layout)."""
        return self._apply(x, self._real_forward)

    def adjoint(self, c: torch.Tensor) -> torch.Tensor:
        """Synthesis Ψ*c, which is also Ψ⁻¹c."""
        return self._apply(c, self._real_adjoint)

    inverse = adjoint
