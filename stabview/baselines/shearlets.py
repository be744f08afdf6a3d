"""A discrete, band-limited shearlet transform Ψ built in the Fourier domain: a Parseval frame.

Every filter ψ̂_j is a real, non-negative, even function on the DFT grid, and the filters
satisfy Σ_j ψ̂_j(ω)² = 1 at every frequency ω. Hence

- analysis Ψ_j x = F⁻¹(ψ̂_j · F x) is a convolution with a real kernel (real images stay real),
- Σ_j ‖Ψ_j x‖² = ‖x‖² (a tight frame with bound 1), and
- synthesis Ψ* c = Σ_j F⁻¹(ψ̂_j · F c_j) is both the adjoint and the exact inverse: Ψ*Ψ = I.

Construction (cone-adapted, as in the shearlet literature):

1. Scales. With `scales = S`, nested smooth low-pass windows G_0 ≤ … ≤ G_{S-1} ≤ G_S = 1 of
   the max-norm radius R = ‖ω‖_∞ (cycles per pixel, R ≤ ½) switch off over dyadic rings:
   G_k falls from 1 to 0 across R ∈ [2^(k−S−1), 2^(k−S)]. The low-pass filter is G_0; band s
   (s = 1 … S, fine last) is √(G_s² − G_{s−1}²). The finest band covers R ∈ [¼, ½].
2. Directions. A direction coordinate u ∈ [0, 4) runs once round the projective line:
   u = 1 + ω_y/ω_x in the horizontal cone, u = 3 − ω_x/ω_y in the vertical cone (ω and −ω
   share u, so every window covers a double cone and the kernels are real). Shears are spaced
   uniformly in slope: direction parameter d at a scale puts 2^(d+2) windows round the circle
   (centres u = k·2^(−d): the shears −2^d … 2^d of each cone, the two diagonals shared), each a
   Meyer bump whose squares sum to one.

Directions per scale follow the ShearLab convention, so `directions=(1, 1, 2)` gives
1 + 8 + 8 + 16 = 33 filters and the paper's Fourier setting (1, 2, 2) gives 41.
"""

from __future__ import annotations

import functools
import math
from typing import Sequence

import torch

from ..errors import ShapeMismatch, StabviewError


class ShearletConfigError(StabviewError, ValueError):
    """Scales or directions that do not describe a shearlet system."""


def meyer_ramp(x: torch.Tensor) -> torch.Tensor:
    """v(x) = x⁴(35 − 84x + 70x² − 20x³) on [0, 1], 0 below, 1 above; v(x) + v(1 − x) = 1."""
    x = x.clamp(0.0, 1.0)
    return x ** 4 * (35 - 84 * x + 70 * x ** 2 - 20 * x ** 3)


def frequency_grid(shape: tuple[int, int], dtype=torch.float64) -> tuple[torch.Tensor, torch.Tensor]:
    """(ω_y, ω_x) in cycles per pixel on torch's unshifted FFT layout, each `(H, W)`."""
    h, w = shape
    wy = torch.fft.fftfreq(h, dtype=dtype)[:, None].expand(h, w)
    wx = torch.fft.fftfreq(w, dtype=dtype)[None, :].expand(h, w)
    return wy, wx


def lowpass_window(radius: torch.Tensor, start: float) -> torch.Tensor:
    """1 for R ≤ start, 0 for R ≥ 2·start, a Meyer cosine in between."""
    return torch.cos(0.5 * math.pi * meyer_ramp(radius / start - 1.0))


def direction_coordinate(wy: torch.Tensor, wx: torch.Tensor) -> torch.Tensor:
    """u ∈ [0, 4): continuous direction of ±ω across both cones (undefined, set 0, at ω = 0)."""
    horizontal = wy.abs() <= wx.abs()
    safe_x = torch.where(wx == 0, torch.ones_like(wx), wx)
    safe_y = torch.where(wy == 0, torch.ones_like(wy), wy)
    u = torch.where(horizontal, 1.0 + wy / safe_x, 3.0 - wx / safe_y)
    u = torch.where((wx == 0) & (wy == 0), torch.zeros_like(u), u)
    return torch.remainder(u, 4.0)


def direction_windows(u: torch.Tensor, level: int) -> list[torch.Tensor]:
    """2^(level+2) windows on the u-circle, spaced 2^(−level), whose squares sum to one."""
    spacing = 2.0 ** (-level)
    count = 2 ** (level + 2)
    windows = []
    for k in range(count):
        dist = torch.remainder(u - k * spacing + 2.0, 4.0) - 2.0   # signed, on the circle
        x = dist.abs() / spacing
        windows.append(torch.where(x < 1.0, torch.cos(0.5 * math.pi * meyer_ramp(x)),
                                   torch.zeros_like(x)))
    return windows


def check_config(scales: int, directions: Sequence[int]) -> tuple[int, tuple[int, ...]]:
    """Validate and normalise (scales, directions)."""
    if int(scales) < 1:
        raise ShearletConfigError(f"a shearlet system needs at least one scale, got {scales}")
    directions = tuple(int(d) for d in directions)
    if len(directions) != int(scales):
        raise ShearletConfigError(f"give one direction parameter per scale: {scales} scales but "
                                  f"directions {list(directions)}")
    if any(d < 0 or d > 6 for d in directions):
        raise ShearletConfigError(f"direction parameters must be 0…6, got {list(directions)}")
    return int(scales), directions


def filter_count(scales: int, directions: Sequence[int]) -> int:
    """Number of filters: one low-pass plus 2^(d+2) per scale."""
    scales, directions = check_config(scales, directions)
    return 1 + sum(2 ** (d + 2) for d in directions)


def shearlet_filters(shape: tuple[int, int], scales: int = 3,
                     directions: Sequence[int] = (1, 2, 2)) -> torch.Tensor:
    """The `(J, H, W)` float64 filter bank ψ̂_j on the unshifted DFT grid (low-pass first).

    Fine scales come last; within a scale the directions run round the u-circle.
    """
    scales, directions = check_config(scales, directions)
    h, w = int(shape[0]), int(shape[1])
    coarsest = 2.0 ** (-scales - 1)
    if min(h, w) * coarsest < 1.0:
        raise ShapeMismatch(f"{scales} shearlet scales need images of at least {2 ** (scales + 1)} "
                            f"pixels a side, got {h}×{w}: use fewer scales")
    wy, wx = frequency_grid((h, w))
    radius = torch.maximum(wy.abs(), wx.abs())
    cumulative = [lowpass_window(radius, 2.0 ** (k - scales - 1)) for k in range(scales)]
    cumulative.append(torch.ones_like(radius))
    u = direction_coordinate(wy, wx)
    bank = [cumulative[0]]
    for s in range(1, scales + 1):
        band = torch.sqrt((cumulative[s] ** 2 - cumulative[s - 1] ** 2).clamp_min(0.0))
        bank.extend(band * win for win in direction_windows(u, directions[s - 1]))
    return make_even(torch.stack(bank))


@functools.lru_cache(maxsize=4)
def _filter_bank(shape: tuple[int, int], scales: int, directions: tuple[int, ...]) -> torch.Tensor:
    """`shearlet_filters`, kept for the last few configurations: every baseline solve builds a
    transform, and building the bank took 0.3 s at 128² (measured), as long as ten iterations.
    Callers copy it (`ShearletTransform` does), so the kept bank is never changed."""
    return shearlet_filters(shape, scales, directions)


def make_even(bank: torch.Tensor) -> torch.Tensor:
    """Enforce ψ̂(−ω) = ψ̂(ω) on the DFT grid while keeping Σ_j ψ̂_j² = 1.

    On even-sized grids the Nyquist row and column are their own mirror images (+½ ≡ −½),
    where the slope, and so a direction window, changes sign. Averaging the squared filter with
    its mirror fixes those lines (elsewhere the filters are already even) and keeps the kernels
    real, which the real-FFT path needs for perfect reconstruction.
    """
    mirror = torch.roll(torch.flip(bank, (-2, -1)), (1, 1), (-2, -1))
    return torch.sqrt(0.5 * (bank ** 2 + mirror ** 2))


class ShearletTransform:
    """Ψ on `(B, H, W)` images ↔ coefficients `(B, J, H, W)`; Ψ* = Ψ⁻¹ (Parseval frame).

    Real images use real FFTs (half the work); complex images use complex FFTs. The `*_spectrum`
    methods work on unshifted 2-D spectra so a solver that already holds F z saves one FFT.
    """

    def __init__(self, shape: tuple[int, int], scales: int = 3, directions: Sequence[int] = (1, 2, 2),
                 *, device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32):
        self.shape = (int(shape[0]), int(shape[1]))
        self.scales, self.directions = check_config(scales, directions)
        bank = _filter_bank(self.shape, self.scales, tuple(self.directions))
        self.filters = bank.to(device=device, dtype=dtype, copy=True)
        self._half = self.filters[..., : self.shape[1] // 2 + 1].contiguous()
        self._complex = None

    @property
    def count(self) -> int:
        """J, the number of subbands."""
        return int(self.filters.shape[0])

    @property
    def device(self) -> torch.device:
        return self.filters.device

    def to(self, device: torch.device | str) -> "ShearletTransform":
        """A copy with its filters on `device`."""
        out = object.__new__(ShearletTransform)
        out.shape, out.scales, out.directions = self.shape, self.scales, self.directions
        out.filters, out._half = self.filters.to(device), self._half.to(device)
        out._complex = None
        return out

    def _complex_filters(self, like: torch.Tensor) -> torch.Tensor:
        """The filters as complex numbers: complex × real products in torch first convert the
        real factor on every call, which costs more than the product itself."""
        if self._complex is None or self._complex.dtype != like.dtype:
            self._complex = self.filters.to(like.dtype)
        return self._complex

    def _check(self, x: torch.Tensor, dims: int) -> None:
        if x.dim() != dims or tuple(x.shape[-2:]) != self.shape:
            what = "(B, H, W) images" if dims == 3 else "(B, J, H, W) coefficients"
            raise ShapeMismatch(f"the shearlet transform for {self.shape[0]}×{self.shape[1]} takes "
                                f"{what}, got shape {tuple(x.shape)}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Analysis Ψ x: `(B, H, W)` → `(B, J, H, W)`."""
        self._check(x, 3)
        if x.is_complex():
            return self.analysis_from_spectrum(torch.fft.fft2(x, norm="ortho"))
        spectrum = torch.fft.rfft2(x, norm="ortho")
        return torch.fft.irfft2(spectrum[:, None] * self._half, s=self.shape, norm="ortho")

    def adjoint(self, coeffs: torch.Tensor) -> torch.Tensor:
        """Synthesis Ψ* c: `(B, J, H, W)` → `(B, H, W)`; also the exact inverse of `forward`."""
        self._check(coeffs, 4)
        if coeffs.is_complex():
            return torch.fft.ifft2(self.spectrum_of_adjoint(coeffs), norm="ortho")
        spectrum = torch.fft.rfft2(coeffs, norm="ortho")
        return torch.fft.irfft2((spectrum * self._half).sum(1), s=self.shape, norm="ortho")

    inverse = adjoint

    def analysis_from_spectrum(self, spectrum: torch.Tensor, *, work: torch.Tensor | None = None) -> torch.Tensor:
        """Ψ x from x̂ = fft2(x, norm='ortho') `(B, H, W)` (complex coefficients).

        `work` is an optional `(B, J, H, W)` complex buffer for the filtered spectra: a solver
        calls this every iteration, and a fresh multi-megabyte array costs page faults each time.
        (Giving torch's FFTs an `out=` buffer measured slower, so they allocate.)
        """
        product = torch.mul(spectrum[:, None], self._complex_filters(spectrum), out=work)
        return torch.fft.ifft2(product, norm="ortho")

    def spectrum_of_adjoint(self, coeffs: torch.Tensor) -> torch.Tensor:
        """fft2(Ψ* c, norm='ortho') for complex coefficients `(B, J, H, W)`."""
        spectra = torch.fft.fft2(coeffs, norm="ortho")
        return spectra.mul_(self._complex_filters(spectra)).sum(1)

    def __repr__(self) -> str:
        return (f"ShearletTransform({self.shape[0]}×{self.shape[1]}, scales={self.scales}, "
                f"directions={list(self.directions)}, filters={self.count})")
