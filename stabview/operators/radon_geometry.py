"""Parallel-beam geometry of the Radon operator, and the symmetries that fold its views.

Convention (the one of `skimage.transform.radon(image, theta, circle=False)`):

- view j of the full set looks along angle θ_j = j·π/n_full (radians; skimage's `theta` is
  the same angle in degrees);
- pixel (row i, column k) has its centre at offsets u = k − W//2 (to the right) and
  v = i − H//2 (downwards): the rotation axis passes through the centre of pixel (H//2, W//2);
- that pixel projects to the detector coordinate s = u·cos θ − v·sin θ, which is
  s = x·cos θ + y·sin θ with y pointing up: θ turns counter-clockwise from the column axis;
- there are ceil(√2·max(H, W)) detector bins one pixel wide, and bin d is centred at
  s = d − n_detectors//2, so every pixel of the image projects inside the detector.

Folding: a square's symmetries map a view at θ to a view at a base angle φ ∈ [0, π/4] applied
to a flipped or transposed image (four variants). One sparse matrix for the base angles,
applied to the image's variants stacked as columns, then gives every view at a quarter of
the memory and nearly a quarter of the time when the views come in symmetric families (the
uniform subsets of an even full set do). Non-square images fold only θ ↔ π − θ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

#: variant → how the view at θ reads the image, with (u', v') the offsets in the folded image:
#: 0 θ = φ: x'(u', v') = x(u', v');          1 θ = π/2 − φ: x'(u', v') = x(−v', −u');
#: 2 θ = π/2 + φ: x'(u', v') = x(v', −u');   3 θ = π − φ: x'(u', v') = x(−u', v').
VARIANT_COUNT = 4

#: fold only when the base angles are at most this fraction of the views: folding computes
#: every variant of every base angle, and a product with 4 columns costs about 1.8× one with a
#: single column, so sets without symmetric families (few golden-angle views) gain nothing.
#: Unfolded sets stay small: at most 0.6⁻¹·(n_full/4) views.
FOLD_WHEN_BASE_FRACTION = 0.6


def detector_count(image_shape: tuple[int, int]) -> int:
    """ceil(√2·max(H, W)): the detector covers the image's diagonal, as skimage's padding does."""
    return int(math.ceil(math.sqrt(2.0) * max(image_shape)))


@dataclass(frozen=True)
class Folding:
    """Which base angle and variant gives each view used, and the base angles to build.

    Angles are kept as integers p in units of π/(2·n_full) (view j is p = 2j), so views that
    fold onto the same base angle share it exactly.
    """

    base: tuple[int, ...]           # base angles p, ascending
    variants: tuple[int, ...]       # the variants used, ascending (columns of the stacked image)
    view_base: tuple[int, ...]      # per view used: index into `base`
    view_variant: tuple[int, ...]   # per view used: index into `variants`


@dataclass(frozen=True)
class RadonGeometry:
    """Image shape, full set of views and the derived detector and folding grid."""

    image_shape: tuple[int, int]
    n_full: int

    @property
    def n_detectors(self) -> int:
        return detector_count(self.image_shape)

    @property
    def square(self) -> bool:
        return self.image_shape[0] == self.image_shape[1]

    @property
    def grid_shape(self) -> tuple[int, int]:
        """The image grid extended to offsets −h … h on each axis (one more row/column when even),
        so flips and transposes about the rotation axis map the grid onto itself."""
        h, w = self.image_shape
        return (2 * (h // 2) + 1, 2 * (w // 2) + 1)

    def angles(self, views: torch.Tensor) -> torch.Tensor:
        """θ in radians (float64) of the given view indices."""
        return views.to(torch.float64) * (math.pi / self.n_full)

    def base_angle(self, p: int) -> float:
        return p * math.pi / (2 * self.n_full)

    def fold(self, views: list[int]) -> Folding:
        """Fold the views onto base angles when that saves work, otherwise keep them as they are."""
        pairs = [self._fold_one(2 * j) for j in views]
        base = sorted({p for p, _ in pairs})
        if len(base) > FOLD_WHEN_BASE_FRACTION * len(views):
            pairs = [(2 * j, 0) for j in views]
            base = sorted({p for p, _ in pairs})
        variants = sorted({v for _, v in pairs})
        base_index = {p: i for i, p in enumerate(base)}
        variant_index = {v: i for i, v in enumerate(variants)}
        return Folding(tuple(base), tuple(variants), tuple(base_index[p] for p, _ in pairs),
                       tuple(variant_index[v] for _, v in pairs))

    def _fold_one(self, q: int) -> tuple[int, int]:
        """(base p, variant) of the angle q·π/(2·n_full), q in [0, 2·n_full)."""
        n = self.n_full
        if not self.square:
            return (q, 0) if q <= n else (2 * n - q, 3)
        if 2 * q <= n:
            return q, 0
        if q <= n:
            return n - q, 1
        if 2 * q <= 3 * n:
            return q - n, 2
        return 2 * n - q, 3

    def gather_index(self, variants: tuple[int, ...], device=None) -> torch.Tensor:
        """Flat image index read by each (grid pixel, variant), in that order; H·W (a zero
        appended to the image) where the folded grid lies outside the image."""
        h, w = self.image_shape
        gh, gw = self.grid_shape
        vo = torch.arange(gh, device=device).view(gh, 1) - gh // 2    # v' of each grid row
        uo = torch.arange(gw, device=device).view(1, gw) - gw // 2    # u' of each grid column
        vo, uo = torch.broadcast_tensors(vo, uo)
        source = {0: (uo, vo), 1: (-vo, -uo), 2: (vo, -uo), 3: (-uo, vo)}
        columns = []
        for variant in variants:
            u, v = source[variant]
            row, col = v + h // 2, u + w // 2
            inside = (row >= 0) & (row < h) & (col >= 0) & (col < w)
            columns.append(torch.where(inside, row * w + col, torch.full_like(row, h * w)).reshape(-1))
        return torch.stack(columns, dim=1).reshape(-1)

    def spread_index(self, variants: tuple[int, ...], device=None) -> torch.Tensor:
        """For each (variant, image pixel), the row of the stacked (grid pixel, variant) array
        that holds it: each variant is one-to-one, so the transpose of `gather_index` is a
        gather too (faster than scattering)."""
        h, w = self.image_shape
        gh, gw = self.grid_shape
        v = torch.arange(h, device=device).view(h, 1) - h // 2
        u = torch.arange(w, device=device).view(1, w) - w // 2
        v, u = torch.broadcast_tensors(v, u)
        target = {0: (u, v), 1: (-v, -u), 2: (-v, u), 3: (-u, v)}     # (u', v') in the grid
        columns = []
        for k, variant in enumerate(variants):
            ug, vg = target[variant]
            columns.append((((vg + gh // 2) * gw + ug + gw // 2) * len(variants) + k).reshape(-1))
        return torch.cat(columns)    # variant-major: summing over variants adds whole images

