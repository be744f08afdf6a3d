"""Parallel MRI: A x = (P_Ω F (S_j x))_j for c coils with sensitivity maps S_j."""

from __future__ import annotations

import torch

from ..errors import DtypeMismatch, ShapeMismatch
from .base import LinearOperator
from .coils import birdcage_maps
from .fft import fft2c, ifft2c
from .fourier import check_kspace_mask
from .masks import MaskSpec


class MultiCoilOperator(LinearOperator):
    """Multi-coil Fourier sampling; measurements `(B, C, H, W)` are zero off the mask.

    A* y = Σ_j conj(S_j) F* P_Ω y_j (the coil-combined zero-filled image), also the warm start.
    Maps default to 15 simulated birdcage coils (see `coils.birdcage_maps`).
    """

    modality = "multicoil"
    complex_images = True

    def __init__(self, mask: torch.Tensor, maps: torch.Tensor | None = None, *, n_coils: int = 15,
                 spec: MaskSpec | None = None):
        mask = check_kspace_mask(mask)
        super().__init__(tuple(mask.shape), spec)
        if maps is None:
            maps = birdcage_maps(self.image_shape, n_coils).to(mask.device)
        maps = torch.as_tensor(maps)
        if maps.dim() != 3 or tuple(maps.shape[-2:]) != self.image_shape:
            raise ShapeMismatch(f"coil maps must be (C, {self.image_shape[0]}, {self.image_shape[1]}), "
                                f"got {tuple(maps.shape)}")
        if not maps.is_complex():
            maps = maps.to(torch.complex64)
        self._mask = mask
        self.maps = maps
        self._maps_conj = maps.conj().resolve_conj()   # precomputed: the adjoint runs every step

    @classmethod
    def from_spec(cls, shape: tuple[int, int], spec: MaskSpec, maps: torch.Tensor | None = None,
                  *, n_coils: int = 15) -> "MultiCoilOperator":
        return cls(spec.build(shape), maps, n_coils=n_coils, spec=spec)

    @property
    def n_coils(self) -> int:
        return int(self.maps.shape[0])

    def _maps_for(self, dtype: torch.dtype, conj: bool = False) -> torch.Tensor:
        maps = self._maps_conj if conj else self.maps
        return maps if maps.dtype == dtype else maps.to(dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.check_image(x)
        coil_images = x[:, None] * self._maps_for(x.dtype)
        return fft2c(coil_images) * self._mask

    def adjoint(self, y: torch.Tensor) -> torch.Tensor:
        y = self.check_measurement(y)
        if not y.is_complex():
            raise DtypeMismatch(f"k-space measurements are complex, got {y.dtype}")
        coil_images = ifft2c(y * self._mask)
        return (coil_images * self._maps_for(y.dtype, conj=True)).sum(1)

    @property
    def measurement_shape(self) -> tuple[int, ...]:
        return (self.n_coils, *self.image_shape)

    def to(self, device) -> "MultiCoilOperator":
        return MultiCoilOperator(self._mask.to(device), self.maps.to(device), spec=self.spec)

    def with_mask(self, mask: torch.Tensor) -> "MultiCoilOperator":
        return MultiCoilOperator(check_kspace_mask(mask, self.image_shape).to(self.device), self.maps)

    def describe(self) -> dict:
        return {**super().describe(), "n_coils": self.n_coils}
