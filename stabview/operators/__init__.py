"""Sampling operators A (Fourier, multi-coil Fourier, Radon), their masks and coil maps."""

from .base import LinearOperator
from .coils import birdcage_maps, normalise_maps
from .factory import FAMILY, build_operator
from .fourier import FourierOperator
from .masks import MASK_KINDS, MaskSpec, make_mask
from .multicoil import MultiCoilOperator
from .radon import RadonOperator

__all__ = ["FAMILY", "build_operator", "LinearOperator", "FourierOperator", "MultiCoilOperator", "RadonOperator", "MaskSpec",
           "MASK_KINDS", "make_mask", "birdcage_maps", "normalise_maps"]
