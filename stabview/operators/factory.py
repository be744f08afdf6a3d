"""The one place an operator is built from a modality, a mask spec and the image shape.

The experiment model (a user's sampling choice) and a network's card (its trained sampling)
both come here, so an operator means the same thing wherever it is made.
"""

from __future__ import annotations

import torch

from ..errors import MaskError
from .base import LinearOperator
from .fourier import FourierOperator
from .masks import MaskSpec
from .multicoil import MultiCoilOperator
from .radon import RadonOperator

#: which mask family each modality samples with
FAMILY = {"fourier": "fourier", "multicoil": "fourier", "radon": "radon"}


def build_operator(modality: str, shape: tuple[int, int], spec: MaskSpec, *, n_coils: int = 15,
                   n_full: int = 1000, device: torch.device | str = "cpu") -> LinearOperator:
    """A Fourier, multi-coil Fourier or Radon operator on `shape` images, sampled by `spec`."""
    if modality not in FAMILY:
        raise MaskError(f"modality must be one of {', '.join(FAMILY)}, got '{modality}'")
    if spec.family != FAMILY[modality]:
        raise MaskError(f"mask kind '{spec.kind}' is for {spec.family} sampling, not {modality}")
    if modality == "fourier":
        op = FourierOperator.from_spec(shape, spec)
    elif modality == "multicoil":
        op = MultiCoilOperator.from_spec(shape, spec, n_coils=int(n_coils))
    else:
        op = RadonOperator.from_spec(shape, spec, n_full=int(n_full))
    return op if torch.device(device).type == "cpu" else op.to(device)
