"""Sampling masks Ω by kind, rate and seed, and `MaskSpec` to re-draw one at another rate.

Fourier masks are bool `(H, W)` over centred k-space; Radon masks are bool `(n_full,)` over the
full set of views. The rate is the fraction of samples kept; for one kind and seed a lower rate
gives a subset of a higher rate's mask (see each kind's module for the one exception).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np
import torch

from ...errors import MaskError, UnknownName
from .angles import every_kth_angles_mask, golden_angles_mask, uniform_angles_mask
from .lines import equispaced_lines_mask, gaussian_lines_mask, variable_density_lines_mask
from .poisson import poisson_disc_mask
from .radial import radial_mask
from .ranking import check_rate

#: kind name → (builder, modality family, one-line description)
MASK_KINDS: dict[str, tuple[Callable[..., np.ndarray], str, str]] = {
    "gaussian-lines": (gaussian_lines_mask, "fourier",
                       "1-D Gaussian-density random lines with 8 centre lines (DAGAN)"),
    "cartesian": (variable_density_lines_mask, "fourier",
                  "variable-density random lines with a fully sampled centre (Deep MRI)"),
    "equispaced": (equispaced_lines_mask, "fourier",
                   "equispaced lines plus a block of centre lines (MRI-VN; 28 by default)"),
    "poisson-disc": (poisson_disc_mask, "fourier",
                     "2-D variable-density Poisson disc with a calibration block (AUTOMAP)"),
    "radial": (radial_mask, "fourier", "golden-angle radial spokes"),
    "uniform-angles": (uniform_angles_mask, "radon",
                       "evenly spaced views of the full set (every k-th; 50 of 1000 is k = 20)"),
    "golden-angles": (golden_angles_mask, "radon", "views in golden-ratio order (nested for all counts)"),
}


@dataclass(frozen=True)
class MaskSpec:
    """How to draw a mask: kind, rate, seed and the kind's options. Plain data, JSON-able."""

    kind: str
    rate: float
    seed: int = 0
    options: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in MASK_KINDS:
            raise UnknownName(f"unknown mask kind '{self.kind}'; choose from {', '.join(MASK_KINDS)}")
        check_rate(self.rate)

    @property
    def family(self) -> str:
        """'fourier' (k-space masks) or 'radon' (angle subsets)."""
        return MASK_KINDS[self.kind][1]

    def at_rate(self, rate: float) -> "MaskSpec":
        return replace(self, rate=check_rate(rate))

    def build(self, shape: tuple[int, ...]) -> torch.Tensor:
        """The bool mask of `shape` ((H, W) for k-space, (n_full,) for angles)."""
        builder = MASK_KINDS[self.kind][0]
        try:
            mask = builder(tuple(shape), self.rate, seed=self.seed, **self.options)
        except TypeError as exc:
            raise MaskError(f"bad option for mask kind '{self.kind}': {exc}") from None
        return torch.from_numpy(np.ascontiguousarray(mask))

    def to_dict(self) -> dict:
        return {"kind": self.kind, "rate": self.rate, "seed": self.seed, "options": dict(self.options)}

    @classmethod
    def from_dict(cls, data: dict) -> "MaskSpec":
        return cls(data["kind"], float(data["rate"]), int(data.get("seed", 0)), dict(data.get("options", {})))


def make_mask(kind: str, shape: tuple[int, ...], rate: float, *, seed: int = 0, **options) -> torch.Tensor:
    """Build a mask directly: `make_mask('cartesian', (128, 128), 0.33)`."""
    return MaskSpec(kind, rate, seed, options).build(shape)


__all__ = ["MASK_KINDS", "MaskSpec", "make_mask", "gaussian_lines_mask", "variable_density_lines_mask",
           "equispaced_lines_mask", "poisson_disc_mask", "radial_mask", "uniform_angles_mask",
           "every_kth_angles_mask", "golden_angles_mask"]
