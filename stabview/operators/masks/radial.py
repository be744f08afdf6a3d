"""Radial k-space spokes at golden-angle increments, rasterised on the Cartesian grid.

Each pixel is ranked by the first spoke that passes through it, then by its distance from the
centre, so a rate keeps whole spokes plus the inner part of the next one: exact rates, nested.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .ranking import keep_count, mask_from_order



@lru_cache(maxsize=16)
def radial_order(shape: tuple[int, int], *, seed: int = 0) -> np.ndarray:
    """Flat indices ranked by (first covering spoke, radius); `seed` rotates the first spoke."""
    h, w = shape
    first = np.full(h * w, np.iinfo(np.int64).max)
    n_spokes = 4 * max(h, w)
    angles = (seed * 0.5 + np.arange(n_spokes) * np.pi / ((1 + np.sqrt(5)) / 2)) % np.pi
    t = np.arange(-np.hypot(h, w) / 2, np.hypot(h, w) / 2, 0.5)
    ys = np.rint(h // 2 + np.sin(angles)[:, None] * t[None, :]).astype(np.int64)
    xs = np.rint(w // 2 + np.cos(angles)[:, None] * t[None, :]).astype(np.int64)
    inside = (ys >= 0) & (ys < h) & (xs >= 0) & (xs < w)
    spoke = np.broadcast_to(np.arange(n_spokes)[:, None], ys.shape)
    np.minimum.at(first, (ys * w + xs)[inside], spoke[inside])
    yy, xx = np.meshgrid(np.arange(h) - h // 2, np.arange(w) - w // 2, indexing="ij")
    radius = np.hypot(yy, xx).ravel()
    order = np.lexsort((radius, first))
    order.flags.writeable = False   # cached: callers must not change it
    return order


def radial_mask(shape: tuple[int, int], rate: float, *, seed: int = 0) -> np.ndarray:
    """Golden-angle radial spokes covering a fraction `rate` of k-space."""
    return mask_from_order(radial_order(tuple(shape), seed=seed),
                           keep_count(rate, shape[0] * shape[1]), tuple(shape))
