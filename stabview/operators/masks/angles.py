"""Subsets of a full set of projection angles on [0, π) for the Radon transform.

Masks are bool vectors over the full set (default 1000 views). `uniform` takes exactly evenly
spaced views (every k-th when k divides the full set, as in the paper's 50 of 1000); it is
nested between view counts of which one divides the other. `golden` orders the views by the
golden-ratio sequence, nested for every pair of counts at a small cost in evenness.
"""

from __future__ import annotations

import numpy as np

from ...errors import MaskError
from .ranking import keep_count, mask_from_order


def _full_set(shape: tuple[int, ...]) -> int:
    if len(shape) != 1 or shape[0] < 1:
        raise MaskError(f"an angle mask is a vector over the full set of views, got shape {shape}")
    return int(shape[0])


def uniform_angles_mask(shape: tuple[int], rate: float, *, seed: int = 0) -> np.ndarray:
    """round(rate·n_full) evenly spaced views, starting at view `seed` mod the spacing."""
    n_full = _full_set(shape)
    n = keep_count(rate, n_full)
    idx = (np.floor(np.arange(n) * n_full / n).astype(np.int64) + seed) % n_full
    mask = np.zeros(n_full, bool)
    mask[idx] = True
    return mask


def every_kth_angles_mask(n_full: int, k: int, *, seed: int = 0) -> np.ndarray:
    """Every k-th view of the full set (the paper's Radon sampling: 50 of 1000 is k = 20)."""
    if k < 1 or k > n_full:
        raise MaskError(f"k must be between 1 and {n_full}, got {k}")
    mask = np.zeros(n_full, bool)
    mask[(np.arange(0, n_full, k) + seed) % n_full] = True
    return mask


def golden_angles_mask(shape: tuple[int], rate: float, *, seed: int = 0) -> np.ndarray:
    """Views in golden-ratio order (nested for all counts)."""
    n_full = _full_set(shape)
    phi = (np.sqrt(5.0) - 1.0) / 2.0
    seq = np.floor(((np.arange(8 * n_full) * phi + seed * 0.1234) % 1.0) * n_full).astype(np.int64)
    _, first = np.unique(seq, return_index=True)
    order = seq[np.sort(first)]
    missing = np.setdiff1d(np.arange(n_full), order)
    order = np.concatenate([order, missing])
    return mask_from_order(order, keep_count(rate, n_full), (n_full,))
