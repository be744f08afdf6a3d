"""Load any supported image file as a greyscale `(H, W)` tensor scaled to [0, 1].

`load_image` = pick the reader by file name (`formats.py`) → check and scale
(`normalise_image`) → optionally fit to an operator's grid (`resizing.fit_to_shape`).

Scaling rule: a real image is stretched so that its minimum becomes 0 and its maximum 1,
whatever its bit depth or units (8-bit, 16-bit, float, Hounsfield units); a complex image is
divided by its largest magnitude, which keeps its phase. So a 16-bit PNG is scaled by its own
range, not by 65 535, and a constant image (nothing to stretch) is refused.

Every problem raises `ImageLoadError` with a message that starts with the file's path:
unknown extension, missing or damaged file, colour, transparency, NaN/Inf, empty or constant.
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from pathlib import Path

import numpy as np
import torch

from ..errors import ImageLoadError
from . import formats
from .resizing import fit_to_shape

#: file name endings stabview reads, with the format each one means
SUFFIXES = {
    ".png": "PNG",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".npy": "NPY",
    ".dcm": "DICOM",
    ".dicom": "DICOM",
    ".nii": "NIfTI",
    ".nii.gz": "NIfTI",
}

_READERS = {
    "PNG": formats.read_pillow,
    "TIFF": formats.read_tiff,
    "NPY": formats.read_npy,
    "DICOM": formats.read_dicom,
    "NIfTI": formats.read_nifti,
}
_TAKES_AXIS = {"NPY", "NIfTI"}


def file_format(path: str | os.PathLike) -> str:
    """'PNG', 'TIFF', 'NPY', 'DICOM' or 'NIfTI' from the file name (DICOM also by content).

    DICOM files often have no extension, so a file without a known ending that carries the
    'DICM' marker at byte 128 counts as DICOM.
    """
    path = Path(path)
    name = path.name.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return SUFFIXES[suffix]
    try:
        with open(path, "rb") as fh:
            fh.seek(128)
            if fh.read(4) == b"DICM":
                return "DICOM"
    except OSError:
        pass
    shown = "".join(path.suffixes[-2:]) or "(no extension)"
    raise ImageLoadError(f"{path}: unknown file type {shown}; stabview reads {readable_formats()}")


def readable_formats() -> str:
    """'PNG (.png), TIFF (.tif, .tiff), …' for messages and file dialogs."""
    groups: dict[str, list[str]] = {}
    for suffix, kind in SUFFIXES.items():
        groups.setdefault(kind, []).append(suffix)
    groups["DICOM"].append("or no extension")
    return ", ".join(f"{kind} ({', '.join(suffixes)})" for kind, suffixes in groups.items())


def read_array(path: str | os.PathLike, *, slice_index: int | None = None, axis: int = 2) -> np.ndarray:
    """The file's greyscale values as a 2-D array in the file's own units (not yet scaled).

    `slice_index` and `axis` choose one slice of a volume (see `formats.py` for the defaults).
    """
    path = Path(path)
    if not path.exists():
        raise ImageLoadError(f"{path}: no such file")
    if not path.is_file():
        raise ImageLoadError(f"{path}: is a folder, not an image file")
    kind = file_format(path)
    if path.stat().st_size == 0:
        raise ImageLoadError(f"{path}: the file is empty (0 bytes)")
    reader = _READERS[kind]
    kwargs = {"slice_index": slice_index}
    if kind in _TAKES_AXIS:
        kwargs["axis"] = axis
    try:
        with _quiet_readers():
            data = reader(path, **kwargs)
    except ImageLoadError:
        raise
    except MemoryError:
        raise ImageLoadError(f"{path}: too large to load into memory") from None
    except Exception as exc:  # every reader's own failure, reported with the file's name
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ImageLoadError(
            f"{path}: cannot be read as {kind} — the file may be damaged, truncated or not a valid "
            f"{kind} file ({type(exc).__name__}: {detail})"
        ) from exc
    return np.asarray(data)


@contextlib.contextmanager
def _quiet_readers():
    """Silence the readers' own warnings and log lines about a damaged file (Pillow, tifffile,
    nibabel, pydicom): the file either loads, or its problem is our one-line ImageLoadError."""
    loggers = [logging.getLogger(name) for name in ("tifffile", "nibabel", "nibabel.global", "pydicom")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def normalise_image(array, source: str | os.PathLike = "array") -> np.ndarray:
    """Check a 2-D array and scale it to [0, 1]: float32, or complex64 for complex input.

    Real: (x − min) / (max − min). Complex: x / max|x|. `source` names the array in errors.
    """
    a = np.asarray(array)
    if a.dtype.kind not in "biufc":
        raise ImageLoadError(f"{source}: pixel type {a.dtype} is not numeric")
    if a.size == 0:
        raise ImageLoadError(f"{source}: the image is empty (shape {a.shape})")
    if a.ndim != 2:
        raise ImageLoadError(f"{source}: expected a 2-D image (H, W), got shape {a.shape}")
    if min(a.shape) < 2:
        raise ImageLoadError(f"{source}: the image is {a.shape[0]}×{a.shape[1]} pixels; it needs at least 2×2")
    with np.errstate(invalid="ignore", over="ignore"):    # non-finite values are reported just below
        x = a.astype(np.complex128 if a.dtype.kind == "c" else np.float64)
    finite = np.isfinite(x)
    if not finite.all():
        n_nan = int(np.isnan(x).sum())
        n_inf = int((~finite).sum()) - n_nan
        parts = [f"{n_nan} NaN" if n_nan else "", f"{n_inf} infinite" if n_inf else ""]
        raise ImageLoadError(f"{source}: contains {' and '.join(p for p in parts if p)} value(s); "
                             "replace them with finite numbers before loading")
    if a.dtype.kind == "c":
        peak = float(np.abs(x).max())
        if peak == 0.0 or np.all(x == x.flat[0]):
            raise ImageLoadError(f"{source}: the image is constant ({x.flat[0]}): there is nothing to test")
        return (x / peak).astype(np.complex64)
    lo, hi = float(x.min()), float(x.max())
    if hi == lo:
        raise ImageLoadError(f"{source}: the image is constant (every pixel is {lo:g}): there is nothing to test")
    return ((x - lo) / (hi - lo)).astype(np.float32)


def load_image(path: str | os.PathLike, shape: tuple[int, int] | None = None, *,
               slice_index: int | None = None, axis: int = 2, fit: str = "crop") -> torch.Tensor:
    """Read an image file as an `(H, W)` tensor in [0, 1] (float32, or complex64 if complex).

    Formats: PNG, TIFF, NPY (real or complex), DICOM (.dcm or DICM marker), NIfTI (.nii,
    .nii.gz). With `shape`, the image is fitted to that grid by `fit_to_shape` (centre-crop to
    the aspect ratio, then antialiased bilinear resize; `fit="pad"` pads instead of cropping).
    """
    image = normalise_image(read_array(path, slice_index=slice_index, axis=axis), source=path)
    tensor = torch.from_numpy(image)
    if shape is not None:
        tensor = fit_to_shape(tensor, shape, mode=fit)
    return tensor
