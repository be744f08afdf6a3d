"""Cartesian masks of full k-space lines (phase encodes along rows, axis -2), centred k-space.

Three kinds, after the networks the paper tests: Gaussian-density random lines (DAGAN),
variable-density lines with a fully sampled centre (Deep MRI) and equispaced lines with a block
of centre lines (MRI-VN). All rank the lines once per seed, so they are nested across rates.
"""

from __future__ import annotations

import numpy as np

from ...errors import MaskError
from .ranking import farthest_point_order, keep_count, weighted_order


def _centre_first(n_lines: int, centre_lines: int) -> np.ndarray:
    """Indices of the `centre_lines` lines closest to the k-space centre, nearest first."""
    if centre_lines < 0 or centre_lines > n_lines:
        raise MaskError(f"centre_lines must be between 0 and {n_lines}, got {centre_lines}")
    offset = np.arange(n_lines) - n_lines // 2
    by_distance = np.argsort(np.abs(offset) * 2 - (offset < 0), kind="stable")
    return by_distance[:centre_lines]


def _lines_to_mask(order: np.ndarray, rate: float, shape: tuple[int, int]) -> np.ndarray:
    h, w = shape
    rows = order[:keep_count(rate, h)]
    mask = np.zeros((h, w), bool)
    mask[rows, :] = True
    return mask


def _density_order(shape, centre_lines, log_weights, seed) -> np.ndarray:
    h = shape[0]
    centre = _centre_first(h, centre_lines)
    rest_mask = np.ones(h, bool)
    rest_mask[centre] = False
    rest = np.flatnonzero(rest_mask)
    drawn = rest[weighted_order(log_weights[rest], np.random.default_rng(seed))]
    return np.concatenate([centre, drawn])


def gaussian_lines_mask(shape: tuple[int, int], rate: float, *, centre_lines: int = 8,
                        sigma: float = 0.25, seed: int = 0) -> np.ndarray:
    """Cartesian mask of full k-space lines drawn with a Gaussian density around the centre.

    `sigma` is the density's standard deviation as a fraction of the number of lines. Lines are
    ranked once per seed, so a lower rate keeps a subset of a higher rate's lines.
    """
    h = shape[0]
    offset = (np.arange(h) - h // 2) / h
    log_w = -0.5 * (offset / sigma) ** 2
    return _lines_to_mask(_density_order(shape, centre_lines, log_w, seed), rate, shape)


def variable_density_lines_mask(shape: tuple[int, int], rate: float, *, centre_lines: int = 8,
                                sigma: float = 0.1, floor: float = 0.5, seed: int = 0) -> np.ndarray:
    """Deep-MRI-style lines: a fully sampled centre plus Gaussian-with-floor random lines.

    The density is a Gaussian of width `sigma` (fraction of the lines) plus a uniform `floor`
    relative to its peak, so high frequencies keep a chance of being drawn.
    """
    h = shape[0]
    offset = (np.arange(h) - h // 2) / h
    log_w = np.log(np.exp(-0.5 * (offset / sigma) ** 2) + floor)
    return _lines_to_mask(_density_order(shape, centre_lines, log_w, seed), rate, shape)


def equispaced_lines_mask(shape: tuple[int, int], rate: float, *, centre_lines: int = 28,
                          seed: int = 0) -> np.ndarray:
    """A block of centre lines plus lines spread as evenly as nestedness allows (MRI-VN).

    After the centre block, each next line is the one farthest from all chosen so far, so
    every rate's set is near-equispaced and contained in every higher rate's set.
    """
    h = shape[0]
    order = farthest_point_order(np.arange(h, dtype=float), _centre_first(h, centre_lines),
                                 np.random.default_rng(seed))
    return _lines_to_mask(order, rate, shape)
