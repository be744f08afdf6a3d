"""Nested masks from one ranking: the first round(ρ·N) samples of a fixed order form Ω(ρ).

Every mask kind here ranks its samples once per seed, so for one seed and kind a lower rate
keeps a subset of a higher rate's samples (the more-samples test relies on this), and the
realised rate is the requested one up to one sample (or one line).
"""

from __future__ import annotations

import numpy as np

from ...errors import MaskError


def check_rate(rate: float) -> float:
    """A rate is a fraction of samples in (0, 1]."""
    rate = float(rate)
    if not (0.0 < rate <= 1.0) or np.isnan(rate):
        raise MaskError(f"sampling rate must be in (0, 1], got {rate} (use 0.25 for 25%)")
    return rate


def keep_count(rate: float, total: int) -> int:
    """How many of `total` samples a rate keeps: the nearest count, at least one."""
    return int(min(total, max(1, round(check_rate(rate) * total))))


def weighted_order(log_weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random order that draws without replacement with probability ∝ weight (Gumbel top-k)."""
    keys = log_weights + rng.gumbel(size=log_weights.shape)
    return np.argsort(-keys, kind="stable")


def farthest_point_order(positions: np.ndarray, first: np.ndarray, rng: np.random.Generator,
                         period: float | None = None) -> np.ndarray:
    """Order 1-D positions so every prefix is spread as evenly as possible.

    `first` (indices) come first in the given order; each next position is the one farthest
    from all chosen so far, ties broken by a seeded jitter. `period` makes distances circular.
    """
    n = len(positions)
    order = list(first)
    chosen = np.zeros(n, bool)
    chosen[order] = True
    dist = np.full(n, np.inf)

    def update(i: int) -> None:
        d = np.abs(positions - positions[i])
        if period is not None:
            d = np.minimum(d, period - d)
        np.minimum(dist, d, out=dist)

    for i in order:
        update(i)
    if not order:
        start = int(rng.integers(n))
        order.append(start)
        chosen[start] = True
        update(start)
    jitter = rng.uniform(0, 1e-6, size=n)
    while len(order) < n:
        score = np.where(chosen, -np.inf, dist + jitter)
        i = int(np.argmax(score))
        order.append(i)
        chosen[i] = True
        update(i)
    return np.asarray(order)


def mask_from_order(order: np.ndarray, count: int, shape: tuple[int, ...]) -> np.ndarray:
    """Bool mask of `shape` with the first `count` flat indices of `order` set."""
    mask = np.zeros(int(np.prod(shape)), bool)
    mask[order[:count]] = True
    return mask.reshape(shape)
