"""The contract every sampling operator A keeps: batched, differentiable, with an exact adjoint.

Images are `(B, H, W)`; measurements keep the full grid where that is natural. An operator
knows its modality, its mask Ω and (when built from a `MaskSpec`) how to re-draw Ω at another
rate, which the more-samples test relies on.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch

from ..errors import DtypeMismatch, MaskError, ShapeMismatch
from .masks import MaskSpec


def as_bool_mask(mask, what: str) -> torch.Tensor:
    """A mask given as bool or 0/1 values, as a bool tensor that keeps at least one sample."""
    mask = torch.as_tensor(mask)
    if mask.dtype != torch.bool:
        if mask.is_complex() or not torch.all((mask == 0) | (mask == 1)):
            raise DtypeMismatch(f"a {what} mask must hold only 0/1 or True/False")
        mask = mask.bool()
    if not bool(mask.any()):
        raise MaskError(f"the {what} mask keeps no samples")
    return mask


class LinearOperator(ABC):
    """A linear sampling operator A with adjoint A* and a linear warm start H."""

    #: 'fourier', 'multicoil' or 'radon'
    modality: str = ""
    #: True when images are complex (MRI), False when real (CT)
    complex_images: bool = True

    def __init__(self, image_shape: tuple[int, int], spec: MaskSpec | None = None):
        if len(image_shape) != 2 or min(image_shape) < 2:
            raise ShapeMismatch(f"image shape must be (H, W) with H, W ≥ 2, got {tuple(image_shape)}")
        self.image_shape = (int(image_shape[0]), int(image_shape[1]))
        self.spec = spec

    # --- the operator itself -------------------------------------------------------------
    @abstractmethod
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """y = A x for images `(B, H, W)`."""

    @abstractmethod
    def adjoint(self, y: torch.Tensor) -> torch.Tensor:
        """A* y, exact (the dot-product tests hold to rounding)."""

    def warm_start(self, y: torch.Tensor) -> torch.Tensor:
        """H y, the linear reconstruction networks start from (A* unless overridden)."""
        return self.adjoint(y)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward(x)

    @property
    @abstractmethod
    def measurement_shape(self) -> tuple[int, ...]:
        """Shape of one measurement, without the batch dimension."""

    @property
    def mask(self) -> torch.Tensor:
        """The sampling pattern Ω as a bool tensor (every operator keeps it in `_mask`)."""
        return self._mask

    @property
    def rate(self) -> float:
        """Fraction of samples kept (the paper's 'x% subsampling')."""
        return float(self.mask.float().mean())

    @property
    def device(self) -> torch.device:
        """Where the operator's tensors live."""
        return self._mask.device

    @abstractmethod
    def to(self, device: torch.device | str) -> "LinearOperator":
        """A copy of this operator on `device`."""

    # --- other sampling of the same modality ---------------------------------------------
    @abstractmethod
    def with_mask(self, mask: torch.Tensor) -> "LinearOperator":
        """The same modality and geometry, sampled with `mask` instead."""

    def with_rate(self, rate: float) -> "LinearOperator":
        """The same modality and mask kind at another rate (nested for one seed)."""
        if self.spec is None:
            raise MaskError("this operator was built from a raw mask, so it cannot re-draw it "
                            "at another rate: build it from a MaskSpec, or use with_mask")
        spec = self.spec.at_rate(rate)
        return self._with_spec(spec)

    def _with_spec(self, spec: MaskSpec) -> "LinearOperator":
        op = self.with_mask(spec.build(self.mask_shape))
        op.spec = spec
        return op

    @property
    def mask_shape(self) -> tuple[int, ...]:
        """Shape the mask of this operator has (what `MaskSpec.build` is asked for)."""
        return tuple(self.mask.shape)

    # --- input checks, shared by all operators -------------------------------------------
    def image_dtype(self, like: torch.Tensor) -> torch.dtype:
        """The dtype images are computed in, following the precision of `like`."""
        double = like.dtype in (torch.float64, torch.complex128)
        if self.complex_images:
            return torch.complex128 if double else torch.complex64
        return torch.float64 if double else torch.float32

    def check_image(self, x: torch.Tensor) -> torch.Tensor:
        """Validate `(B, H, W)` and cast to the operator's image dtype (real → complex for MRI)."""
        if not isinstance(x, torch.Tensor):
            raise DtypeMismatch(f"expected a torch tensor image, got {type(x).__name__}")
        if x.dim() != 3 or tuple(x.shape[-2:]) != self.image_shape:
            h, w = self.image_shape
            raise ShapeMismatch(f"image has shape {tuple(x.shape)} but this {self.modality} "
                                f"operator expects (B, {h}, {w})")
        if x.is_complex() and not self.complex_images:
            raise DtypeMismatch(f"the {self.modality} operator takes real images, got {x.dtype}")
        if not (x.is_complex() or x.is_floating_point()):
            x = x.float()
        return x.to(self.image_dtype(x))

    def check_measurement(self, y: torch.Tensor) -> torch.Tensor:
        """Validate `(B, *measurement_shape)`."""
        if not isinstance(y, torch.Tensor):
            raise DtypeMismatch(f"expected a torch tensor measurement, got {type(y).__name__}")
        if y.dim() != 1 + len(self.measurement_shape) or tuple(y.shape[1:]) != self.measurement_shape:
            raise ShapeMismatch(f"measurement has shape {tuple(y.shape)} but this {self.modality} "
                                f"operator expects (B, {', '.join(map(str, self.measurement_shape))})")
        return y

    def describe(self) -> dict:
        """Plain-data description for reports and sessions."""
        out = {"modality": self.modality, "image_shape": list(self.image_shape), "rate": self.rate}
        if self.spec is not None:
            out["mask"] = self.spec.to_dict()
        return out
