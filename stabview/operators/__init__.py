"""Sampling operators A (Fourier, multi-coil Fourier, Radon), their masks and coil maps."""

from .base import LinearOperator
from .coils import birdcage_maps, normalise_maps
from .fourier import FourierOperator
from .masks import MASK_KINDS, MaskSpec, make_mask
from .multicoil import MultiCoilOperator

__all__ = ["LinearOperator", "FourierOperator", "MultiCoilOperator", "MaskSpec", "MASK_KINDS",
           "make_mask", "birdcage_maps", "normalise_maps"]

try:  # the Radon operator lives in its own module
    from .radon import RadonOperator  # noqa: F401
    __all__.append("RadonOperator")
except ImportError:  # pragma: no cover - only while radon.py is being written
    pass
