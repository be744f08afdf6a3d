"""Write images and arrays for users: magnitude PNGs (8-bit, windowed) and NPZ bundles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image


def to_display(image, *, vmin: float | None = None, vmax: float | None = None) -> np.ndarray:
    """|image| windowed to [vmin, vmax] (default: 0 to its max) as uint8 `(H, W)`."""
    mag = torch.as_tensor(image).detach().abs().cpu().double().numpy()
    if mag.ndim != 2:
        raise ValueError(f"to_display takes one (H, W) image, got shape {mag.shape}")
    lo = 0.0 if vmin is None else vmin
    hi = float(mag.max()) if vmax is None else vmax
    scaled = (mag - lo) / (hi - lo) if hi > lo else np.zeros_like(mag)
    return (np.clip(scaled, 0, 1) * 255 + 0.5).astype(np.uint8)


def save_png(image, path: str | Path, **window) -> Path:
    """Save |image| as an 8-bit greyscale PNG."""
    path = Path(path)
    Image.fromarray(to_display(image, **window), mode="L").save(path)
    return path


def save_npz(path: str | Path, **arrays) -> Path:
    """Save tensors/arrays (complex kept complex) into one compressed NPZ."""
    path = Path(path)
    np.savez_compressed(path, **{k: torch.as_tensor(v).detach().cpu().numpy() for k, v in arrays.items()})
    return path
