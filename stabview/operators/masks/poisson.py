"""2-D variable-density Poisson-disc sampling of k-space (AUTOMAP), nested across rates.

Samples are ranked by dart throwing with a shrinking radius: points accepted at a larger radius
come first, so every prefix of the ranking is a Poisson-disc set (minimum spacing that grows
towards the k-space edge) and a lower rate keeps a subset of a higher rate's samples.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .ranking import keep_count, mask_from_order, weighted_order


def _disk(radius: int) -> np.ndarray:
    r = np.arange(-radius, radius + 1)
    return (r[:, None] ** 2 + r[None, :] ** 2) <= radius ** 2


@lru_cache(maxsize=16)
def poisson_disc_order(shape: tuple[int, int], *, calibration: int = 8, density_power: float = 1.5,
                       seed: int = 0) -> np.ndarray:
    """Flat indices of all k-space points, calibration block first, then by dart-throwing level.

    Cached per (shape, options, seed): with_rate re-draws masks often and 256² takes seconds.
    """
    h, w = shape
    rng = np.random.default_rng(seed)
    ky, kx = np.meshgrid((np.arange(h) - h // 2) / (h / 2), (np.arange(w) - w // 2) / (w / 2),
                         indexing="ij")
    radius_norm = np.sqrt(ky ** 2 + kx ** 2) / np.sqrt(2)      # 0 at the centre, 1 at corners
    spacing = 1.0 + 2.0 * radius_norm ** density_power          # relative minimum distance
    candidates = weighted_order(-np.log(spacing).ravel() * 2, rng)

    calib = np.zeros((h, w), bool)
    c = min(calibration, h, w)
    calib[h // 2 - c // 2: h // 2 - c // 2 + c, w // 2 - c // 2: w // 2 - c // 2 + c] = True
    order = [int(i) for i in np.flatnonzero(calib.ravel())]
    taken = calib.copy()

    base = max(h, w) / 8.0
    while base >= 0.75:
        for i in candidates:
            if taken.flat[i]:
                continue
            y, x = divmod(int(i), w)
            rad = int(base * spacing[y, x])
            if rad >= 1:
                y0, y1, x0, x1 = max(0, y - rad), min(h, y + rad + 1), max(0, x - rad), min(w, x + rad + 1)
                disk = _disk(rad)[y0 - y + rad: y1 - y + rad, x0 - x + rad: x1 - x + rad]
                if np.any(taken[y0:y1, x0:x1] & disk):
                    continue
            taken[y, x] = True
            order.append(int(i))
        base *= 0.7
    order.extend(int(i) for i in candidates if not taken.flat[i])
    order = np.asarray(order)
    order.flags.writeable = False   # cached: callers must not change it
    return order


def poisson_disc_mask(shape: tuple[int, int], rate: float, *, calibration: int = 8,
                      density_power: float = 1.5, seed: int = 0) -> np.ndarray:
    """Variable-density Poisson-disc mask with a fully sampled `calibration`² centre block."""
    order = poisson_disc_order(tuple(shape), calibration=calibration,
                               density_power=density_power, seed=seed)
    return mask_from_order(order, keep_count(rate, shape[0] * shape[1]), tuple(shape))
