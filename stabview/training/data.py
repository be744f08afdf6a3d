"""Training and held-out images for the zoo, all seeded and all from inside the repository.

Brain slices come from `resources/datasets/mni_slices.npz` (MNI ICBM152 2009a template slices,
T1 and a pseudo-CT; see scripts/make_training_data.py). The template is one symmetric brain, so
slices are held out by position: a band in the middle of each plane, with a margin of
neighbouring slices left out of training too. Augmentation: rotation ±20°, zoom 0.9–1.15, shift
±6 px, intensity scale 0.75–1 and gamma 0.8–1.25; no flips (the brain is exactly symmetric).
Ellipses come from `stabview.data.random_ellipses`; held-out ellipses use disjoint seeds.
"""

from __future__ import annotations

import hashlib
import math
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

from ..data.resources import resources_dir
from ..errors import StabviewError

DATASET = resources_dir() / "datasets" / "mni_slices.npz"
#: plane → (start, stop) of the held-out band of positions (sagittal covers one hemisphere, 0–0.5)
HELD_OUT_BANDS = {0: (0.45, 0.55), 1: (0.45, 0.55), 2: (0.20, 0.30)}
HELD_OUT_MARGIN = 0.04
HELD_OUT_TEXT = ("held out by position: slices in the band 45–55% of the axial and coronal extent and "
                 "20–30% of the sagittal (one hemisphere), with 4% margins also kept out of training")
AUGMENTATION_TEXT = ("rotation ±20°, zoom 0.9–1.15, shift ±6 px, intensity ×0.75–1, gamma 0.8–1.25 "
                     "(no flips: the template is exactly symmetric)")
ELLIPSE_HELD_OUT_SEED = 1_000_003


def dataset_sha256(path: pathlib.Path = DATASET) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def held_out_split(plane: np.ndarray, position: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(train, held_out) slice indices: a band of positions per plane, plus an unused margin."""
    train, held = [], []
    for i, (p, pos) in enumerate(zip(plane.tolist(), position.tolist())):
        lo, hi = HELD_OUT_BANDS[p]
        if lo <= pos <= hi:
            held.append(i)
        elif not (lo - HELD_OUT_MARGIN <= pos <= hi + HELD_OUT_MARGIN):
            train.append(i)
    return np.asarray(train), np.asarray(held)


class BrainSlices:
    """The shipped brain slices ('t1' or 'ct'), split by position, resized to `shape` if needed."""

    def __init__(self, kind: str = "t1", shape: tuple[int, int] = (128, 128), path: pathlib.Path = DATASET,
                 augment: bool = True):
        if not path.exists():
            raise StabviewError(f"training data {path} is missing: run scripts/make_training_data.py")
        with np.load(path) as data:
            images = torch.from_numpy(data[kind].astype(np.float32) / 255.0)
            train, held = held_out_split(data["plane"], data["position"])
        if tuple(images.shape[-2:]) != tuple(shape):
            images = F.interpolate(images[:, None], size=shape, mode="area")[:, 0]
        images = images / images.flatten(1).amax(1).clamp_min(1e-6)[:, None, None]
        self.kind, self.shape, self.augment = kind, tuple(shape), augment
        self.train, self.held_out = images[train], images[held]
        self.sha256 = dataset_sha256(path)

    def describe(self) -> str:
        what = "T1" if self.kind == "t1" else "pseudo-CT (GM/WM + synthetic skull and scalp; not a real CT)"
        return (f"MNI ICBM152 2009a template slices, {what}, from resources/datasets/mni_slices.npz "
                f"(sha256 {self.sha256[:12]}…): {len(self.train)} training and {len(self.held_out)} "
                f"held-out slices at {self.shape[0]}×{self.shape[1]}; {HELD_OUT_TEXT}; "
                + (f"augmentation {AUGMENTATION_TEXT}" if self.augment else "no augmentation"))

    def batch(self, n: int, generator: torch.Generator) -> torch.Tensor:
        idx = torch.randint(len(self.train), (n,), generator=generator)
        return augment(self.train[idx], generator) if self.augment else self.train[idx]

    def evaluation_images(self, count: int | None = None) -> torch.Tensor:
        return self.held_out if count is None else self.held_out[:count]


def _uniform(n: int, lo: float, hi: float, generator: torch.Generator) -> torch.Tensor:
    return lo + (hi - lo) * torch.rand(n, generator=generator)


def augment(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random rotation, zoom, shift and intensity of a (B, H, W) batch in [0, 1]."""
    b, h, w = images.shape
    angle = _uniform(b, -math.pi / 9, math.pi / 9, generator)
    zoom = _uniform(b, 0.9, 1.15, generator)
    shift = _uniform(2 * b, -6.0, 6.0, generator).view(b, 2) * 2 / torch.tensor([w, h])
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, (b, 1, h, w), align_corners=False)
    out = F.grid_sample(images[:, None], grid, mode="bilinear", padding_mode="zeros", align_corners=False)[:, 0]
    gamma = _uniform(b, 0.8, 1.25, generator)[:, None, None]
    scale = _uniform(b, 0.75, 1.0, generator)[:, None, None]
    return scale * out.clamp(0, 1) ** gamma


class Ellipses:
    """Random ellipse phantoms (the paper's Ell 50 data) from `stabview.data.random_ellipses`.

    A fixed pool of `n_train` phantoms (seeds 0 … n_train−1; the paper used 475) is augmented by
    horizontal and vertical mirroring, as the paper did; held-out phantoms use seeds from
    `ELLIPSE_HELD_OUT_SEED` on, disjoint from the training seeds.
    """

    def __init__(self, shape: tuple[int, int] = (128, 128), n_train: int = 1000, n_held_out: int = 32,
                 augment: bool = True):
        if shape[0] != shape[1]:
            raise StabviewError(f"ellipse phantoms are square, got {shape}")
        from ..data import random_ellipses  # noqa: PLC0415
        self.shape, self.n_train, self.n_held_out, self.augment = tuple(shape), n_train, n_held_out, augment
        self._draw = lambda seed: torch.from_numpy(random_ellipses(shape[0], seed))
        self._train: torch.Tensor | None = None

    @property
    def train(self) -> torch.Tensor:
        """The training pool, drawn on first use (evaluation alone does not need it)."""
        if self._train is None:
            self._train = torch.stack([self._draw(s) for s in range(self.n_train)])
        return self._train

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.train.numpy().tobytes()).hexdigest()

    def describe(self) -> str:
        return (f"random ellipses (stabview.data.random_ellipses, dense, foreground in [0.1, 1]) at "
                f"{self.shape[0]}×{self.shape[1]}: {self.n_train} training phantoms (seeds 0–{self.n_train - 1}, "
                f"{'augmented by horizontal/vertical mirroring' if self.augment else 'no mirroring'}) and "
                f"{self.n_held_out} held-out phantoms "
                f"(seeds {ELLIPSE_HELD_OUT_SEED}–{ELLIPSE_HELD_OUT_SEED + self.n_held_out - 1})")

    def batch(self, n: int, generator: torch.Generator) -> torch.Tensor:
        idx = torch.randint(self.n_train, (n,), generator=generator)
        images = self.train[idx]
        if not self.augment:
            return images
        flips = torch.rand(n, 2, generator=generator) < 0.5
        images = torch.where(flips[:, 0, None, None], images.flip(-1), images)
        return torch.where(flips[:, 1, None, None], images.flip(-2), images)

    def evaluation_images(self, count: int | None = None) -> torch.Tensor:
        n = self.n_held_out if count is None else min(count, self.n_held_out)
        return torch.stack([self._draw(ELLIPSE_HELD_OUT_SEED + i) for i in range(n)])
