"""Single-coil MRI: A = P_Ω F, the centred orthonormal 2-D Fourier transform sampled on Ω."""

from __future__ import annotations

import torch

from ..errors import DtypeMismatch, ShapeMismatch
from .base import LinearOperator, as_bool_mask
from .fft import fft2c, ifft2c
from .masks import MaskSpec


def check_kspace_mask(mask: torch.Tensor, shape: tuple[int, int] | None = None) -> torch.Tensor:
    """A k-space mask must be a bool (or 0/1) `(H, W)` tensor with at least one sample."""
    mask = torch.as_tensor(mask)
    if mask.dim() != 2:
        raise ShapeMismatch(f"a k-space mask is (H, W), got shape {tuple(mask.shape)}")
    if shape is not None and tuple(mask.shape) != tuple(shape):
        raise ShapeMismatch(f"mask is {tuple(mask.shape)} but the images are {tuple(shape)}")
    return as_bool_mask(mask, "k-space")


class FourierOperator(LinearOperator):
    """A = P_Ω F on `(B, H, W)` complex images; measurements are masked k-space `(B, H, W)`.

    Off-mask entries of a measurement are zero. A* y = F* P_Ω y, which is also the warm start H.
    """

    modality = "fourier"
    complex_images = True

    def __init__(self, mask: torch.Tensor, *, spec: MaskSpec | None = None):
        mask = check_kspace_mask(mask)
        super().__init__(tuple(mask.shape), spec)
        self._mask = mask

    @classmethod
    def from_spec(cls, shape: tuple[int, int], spec: MaskSpec) -> "FourierOperator":
        """Draw the mask from `spec` at image `shape`."""
        return cls(spec.build(shape), spec=spec)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.check_image(x)
        return fft2c(x) * self._mask

    def adjoint(self, y: torch.Tensor) -> torch.Tensor:
        y = self.check_measurement(y)
        if not y.is_complex():
            raise DtypeMismatch(f"k-space measurements are complex, got {y.dtype}")
        return ifft2c(y * self._mask)

    @property
    def measurement_shape(self) -> tuple[int, ...]:
        return self.image_shape

    def to(self, device) -> "FourierOperator":
        return FourierOperator(self._mask.to(device), spec=self.spec)

    def with_mask(self, mask: torch.Tensor) -> "FourierOperator":
        return FourierOperator(check_kspace_mask(mask, self.image_shape).to(self.device))
