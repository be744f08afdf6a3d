"""Fit an image to an operator's grid with one stated rule, so every path gives the same pixels.

The rule (`fit_to_shape`):

1. Centre-crop the image to the target's aspect ratio: the largest centred window whose
   height:width equals the target's. A square image stays whole for a square target; a
   233×197 slice loses 18 rows at the top and 18 at the bottom. (`mode="pad"` instead pads
   the short side with zeros, centred, so nothing is cut off.)
2. Resize the window to the target with antialiased bilinear interpolation
   (`torch.nn.functional.interpolate(..., mode="bilinear", antialias=True)`): when shrinking,
   a triangle filter widened by the scale factor averages every source pixel it covers (no
   aliasing); when enlarging it is plain bilinear. Every output pixel is a weighted mean of
   input pixels with non-negative weights, so an image in [0, 1] stays in [0, 1] and no
   ringing appears. A window that already has the target size is returned unchanged.

Complex images are resized part by part (real and imaginary), which is the same linear map.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import ShapeMismatch

MODES = ("crop", "pad")


def _target(shape) -> tuple[int, int]:
    try:
        h, w = (int(s) for s in shape)
    except (TypeError, ValueError):
        raise ShapeMismatch(f"target shape must be two integers (height, width), got {shape!r}") from None
    if h < 1 or w < 1:
        raise ShapeMismatch(f"target shape must be positive, got {h}×{w}")
    return h, w


def aspect_window(size: tuple[int, int], shape: tuple[int, int]) -> tuple[int, int]:
    """Height and width of the largest window of `size` with the aspect ratio of `shape`."""
    h, w = size
    th, tw = shape
    if h * tw > w * th:  # image is taller than the target: keep the full width
        return max(1, round(w * th / tw)), w
    return h, max(1, round(h * tw / th))


def _crop_or_pad(x: torch.Tensor, shape: tuple[int, int], mode: str) -> torch.Tensor:
    h, w = x.shape[-2:]
    if mode == "crop":
        ch, cw = aspect_window((h, w), shape)
        top, left = (h - ch) // 2, (w - cw) // 2
        return x[..., top : top + ch, left : left + cw]
    # pad: the smallest centred canvas with the target's aspect ratio that holds the image
    th, tw = shape
    if h * tw > w * th:
        ph, pw = h, max(w, round(h * tw / th))
    else:
        ph, pw = max(h, round(w * th / tw)), w
    top, left = (ph - h) // 2, (pw - w) // 2
    return F.pad(x, (left, pw - w - left, top, ph - h - top))


def _resize_real(x: torch.Tensor, shape: tuple[int, int]) -> torch.Tensor:
    lead = x.shape[:-2]
    flat = x.reshape(-1, 1, *x.shape[-2:])
    out = F.interpolate(flat, size=shape, mode="bilinear", antialias=True, align_corners=False)
    # convex weights: clamp away float rounding so the range never grows
    out = out.clamp(float(flat.min()), float(flat.max()))
    return out.reshape(*lead, *shape)


def fit_to_shape(img, shape, *, mode: str = "crop"):
    """Crop (or pad) `img` to the aspect ratio of `shape`, then resize it to `shape`.

    `img` is `(..., H, W)`, a numpy array or a torch tensor, real or complex; the result is of the
    same kind, its last two axes equal to `shape`. Float and complex dtypes are kept (an integer
    image that needs resizing comes back as float32). The module docstring states the rule.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    target = _target(shape)
    as_numpy = isinstance(img, np.ndarray)
    x = torch.from_numpy(np.ascontiguousarray(img)) if as_numpy else img
    if x.ndim < 2 or x.shape[-1] == 0 or x.shape[-2] == 0:
        raise ShapeMismatch(f"cannot fit an array of shape {tuple(x.shape)}: it is not an (H, W) image")
    x = _crop_or_pad(x, target, mode)
    if tuple(x.shape[-2:]) != target:
        if x.is_complex():
            part = torch.float64 if x.dtype == torch.complex128 else torch.float32
            x = torch.complex(_resize_real(x.real.to(part), target), _resize_real(x.imag.to(part), target))
        else:
            work = torch.float64 if x.dtype == torch.float64 else torch.float32
            x = _resize_real(x.to(work), target)
    x = x.contiguous()
    return x.numpy() if as_numpy else x
