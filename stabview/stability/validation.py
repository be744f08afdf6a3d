"""Checks on what a network returns, so garbage is reported instead of propagated."""

from __future__ import annotations

import torch

from ..errors import NetworkOutputError

__all__ = ["NetworkOutputError", "checked_output"]


def checked_output(out, op, what: str = "the network's output") -> torch.Tensor:
    """Return `out` if it is a finite `(B, H, W)` tensor on the operator's image grid."""
    if not isinstance(out, torch.Tensor):
        raise NetworkOutputError(f"{what}: the network returned {type(out).__name__}, not a tensor")
    h, w = op.image_shape
    if out.dim() != 3 or tuple(out.shape[-2:]) != (h, w):
        raise NetworkOutputError(f"{what}: the network returned shape {tuple(out.shape)}, "
                                 f"expected (B, {h}, {w})")
    if not bool(torch.isfinite(out).all()):
        bad = int((~torch.isfinite(out)).sum())
        raise NetworkOutputError(f"{what}: the network returned {bad} NaN/Inf values")
    return out
