"""One reader per file format, each returning the stored values as a 2-D numpy array.

Readers keep the file's own units (DICOM after RescaleSlope/RescaleIntercept, NIfTI after its
scl_slope/scl_inter) and refuse what is not one greyscale image: true colour, transparency,
stacks without a chosen slice. Scaling to [0, 1] and resizing happen later, in `loading.py`.

Decisions, stated once:
- Colour: RGB/RGBA (and palette) pixels are accepted only when R = G = B everywhere (a grey
  picture saved as colour) and any alpha channel is constant; true colour is refused.
- Bit depth: 1-, 8-, 16- and 32-bit integer and 32/64-bit float greyscale are read at full
  precision (a 16-bit PNG keeps its 65 536 levels); anything else is refused by name.
- Stacks (NIfTI volumes, multi-frame DICOM, multi-page TIFF, 3-D NPY): `slice_index` picks one
  slice along `axis` (NIfTI, NPY) or the frame/page axis (DICOM, TIFF); NIfTI, DICOM and TIFF
  default to the middle slice; a 3-D NPY needs an explicit index (it might be a colour image).
- NIfTI volumes are first reoriented to RAS+ (`nibabel.as_closest_canonical`, axis flips and
  swaps only, no resampling), so axis 2 is always axial, 1 coronal, 0 sagittal, and the slice
  is shown with its second axis pointing up (anterior/superior at the top).
- DICOM MONOCHROME1 (white = low) is inverted so that bright always means high values.
- NPY files are read with `allow_pickle=False`: object arrays are refused, never unpickled.
- Size: an image (one slice) may have at most `MAX_PIXELS` (64 megapixels, 8192 × 8192) and a
  file at most `MAX_VALUES` numbers in all (2²⁸, e.g. 1024 slices of 512 × 512). Every reader
  checks the dimensions its header declares before decoding anything, so a decompression bomb or
  a header that lies about its size is refused (`ImageTooLarge`) without allocating its memory.
"""

from __future__ import annotations

from pathlib import Path

import math
import warnings

import numpy as np

from ..errors import ImageLoadError, ImageTooLarge

#: most pixels one image (one slice of a volume) may have: 64 megapixels, e.g. 8192 × 8192
MAX_PIXELS = 1 << 26
#: most numbers a file may hold in all (a volume's every slice)
MAX_VALUES = 1 << 28


def fail(path: Path, problem: str) -> ImageLoadError:
    """An ImageLoadError whose message starts with the file, then says what is wrong."""
    return ImageLoadError(f"{path}: {problem}")


def check_size(path: Path, rows: int, cols: int, total: int | None = None) -> None:
    """Refuse, before decoding, an image of more than `MAX_PIXELS` or a file of more than `MAX_VALUES`."""
    rows, cols = int(rows), int(cols)
    if rows * cols > MAX_PIXELS:
        raise ImageTooLarge(f"{path}: the image is {rows}×{cols} pixels ({rows * cols / 1e6:.0f} megapixels); "
                            f"stabview loads at most {MAX_PIXELS / 1e6:.0f} megapixels "
                            f"({math.isqrt(MAX_PIXELS)}×{math.isqrt(MAX_PIXELS)}) — crop or downsample it first")
    if total is not None and int(total) > MAX_VALUES:
        raise ImageTooLarge(f"{path}: the file declares {int(total):,} values, more than the {MAX_VALUES:,} "
                            f"stabview loads — save the slice you want on its own")


def grey_from_channels(path: Path, pixels: np.ndarray, kind: str) -> np.ndarray:
    """Grey plane of an `(H, W, C)` array whose channels are `kind` ('LA', 'RGB' or 'RGBA').

    Refuses true colour and varying transparency; both would silently change the image.
    """
    colour = pixels[..., :3] if kind.startswith("RGB") else pixels[..., :1]
    if kind.endswith("A"):
        alpha = pixels[..., -1]
        if alpha.size and alpha.min() != alpha.max():
            raise fail(path, "has a transparency (alpha) channel that varies; stabview needs an "
                             "opaque greyscale image — flatten it onto a background first")
    if kind.startswith("RGB"):
        r, g, b = colour[..., 0], colour[..., 1], colour[..., 2]
        if not (np.array_equal(r, g) and np.array_equal(g, b)):
            raise fail(path, "is a colour image (its red, green and blue channels differ); "
                             "stabview tests greyscale reconstructions — convert it to greyscale first")
    return np.ascontiguousarray(colour[..., 0])


def slice_number(n: int, index: int | None) -> int:
    """The slice a reader takes from `n`: `index`, or the middle one when none is asked for."""
    return n // 2 if index is None else int(index)


def pick_slice(path: Path, volume: np.ndarray, axis: int, index: int | None, what: str) -> np.ndarray:
    """Slice `index` (default: the middle one) of `volume` along `axis`, with a clear range error."""
    if not -volume.ndim <= axis < volume.ndim:
        raise fail(path, f"axis {axis} does not exist: the {what} has shape {volume.shape}")
    n = volume.shape[axis]
    k = slice_number(n, index)
    if not 0 <= k < n:
        raise fail(path, f"{what} index {k} is outside 0..{n - 1} along axis {axis} (shape {volume.shape})")
    return np.take(volume, k, axis=axis)


def single_image(path: Path, slice_index: int | None) -> None:
    """Refuse a slice index for a file that holds one 2-D image, instead of ignoring it."""
    if slice_index not in (None, 0):
        raise fail(path, f"holds a single 2-D image; there is no slice {slice_index} to pick")


# -- PNG (Pillow) -------------------------------------------------------------------------------

_PIL_GREY = {"1", "L", "I", "I;16", "I;16L", "I;16B", "I;16N", "F"}
_PIL_CHANNELS = {"LA": "LA", "La": "LA", "RGB": "RGB", "RGBA": "RGBA", "RGBa": "RGBA", "RGBX": "RGB"}


def read_pillow(path: Path, slice_index: int | None = None) -> np.ndarray:
    """A PNG as a 2-D array at its own bit depth (1, 8 or 16 bits, or 32-bit integer/float)."""
    from PIL import Image

    single_image(path, slice_index)
    with warnings.catch_warnings():   # Pillow's own bomb warning: the size is checked below instead
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            img = Image.open(path)
        except Image.DecompressionBombError as exc:
            raise ImageTooLarge(f"{path}: the image is too large to load ({exc})") from None
    with img:
        width, height = img.size
        check_size(path, height, width, height * width * len(img.getbands()))
        img.load()
        mode = img.mode
        if mode in ("P", "PA"):  # palette: resolve colours, then apply the colour rule
            img = img.convert("RGBA")
            mode = "RGBA"
        if mode in _PIL_GREY:
            return np.array(img)
        if mode in _PIL_CHANNELS:
            return grey_from_channels(path, np.array(img), _PIL_CHANNELS[mode])
    raise fail(path, f"has pixel format {mode!r}, which stabview does not read; "
                     "save it as an 8- or 16-bit greyscale PNG")


# -- TIFF (tifffile) ----------------------------------------------------------------------------


def read_tiff(path: Path, slice_index: int | None = None) -> np.ndarray:
    """First image series of a TIFF; a stack of pages needs `slice_index` (default: middle)."""
    import tifffile

    with tifffile.TiffFile(path) as tif:
        if not tif.series:
            raise fail(path, "holds no image")
        series = tif.series[0]
        page = tif.pages[0]
        photometric = int(page.photometric)
        rows, cols = (page.imagelength, page.imagewidth)
        check_size(path, rows, cols, math.prod(int(n) for n in series.shape))
        data = series.asarray()
        axes = series.axes
    # drop singleton axes other than rows and columns (one sample per pixel is plain grey)
    keep = [i for i, a in enumerate(axes) if a in "YX" or data.shape[i] > 1]
    data = data.reshape([data.shape[i] for i in keep])
    axes = "".join(axes[i] for i in keep)
    extra = [i for i, a in enumerate(axes) if a not in "YXS"]
    if len(extra) > 1:
        raise fail(path, f"is a {data.ndim}-D TIFF (axes {axes}, shape {data.shape}); stabview reads "
                         "one 2-D slice — save the slice you want on its own")
    if extra:
        data = pick_slice(path, data, extra[0], slice_index, "page")
        axes = axes.replace(axes[extra[0]], "", 1)
    else:
        single_image(path, slice_index)
    if "S" in axes:
        data = np.moveaxis(data, axes.index("S"), -1)
        samples = data.shape[-1]
        if photometric == 2 and samples in (3, 4):  # RGB
            return grey_from_channels(path, data, "RGB" if samples == 3 else "RGBA")
        if photometric in (0, 1) and samples == 2:  # grey + alpha
            data = grey_from_channels(path, data, "LA")
        else:
            raise fail(path, f"is a colour TIFF ({samples} samples per pixel, photometric {photometric}); "
                             "stabview tests greyscale reconstructions — convert it to greyscale first")
    elif photometric == 3:
        raise fail(path, "is a palette (indexed colour) TIFF; convert it to greyscale first")
    if photometric == 0:  # MINISWHITE: white means low
        data = data.max() - data.astype(np.float64) if data.size else data
    return data


# -- NPY ----------------------------------------------------------------------------------------


def read_npy(path: Path, slice_index: int | None = None, axis: int = 2) -> np.ndarray:
    """A plain numeric `.npy` array (real or complex); never unpickles."""
    _check_npy_header(path)
    try:
        data = np.load(path, allow_pickle=False)
    except ValueError as exc:
        if "allow_pickle" in str(exc) or "Object arrays" in str(exc):
            raise fail(path, "holds Python objects (a pickled array); stabview never unpickles "
                             "files because that can run code — save a plain numeric array") from exc
        raise
    if not isinstance(data, np.ndarray):
        raise fail(path, "is not a single NumPy array")
    if data.dtype.kind not in "biufc":
        raise fail(path, f"has dtype {data.dtype}, not numbers; save a real or complex numeric array")
    if data.size == 0:
        return data  # reported as empty by the caller
    if data.ndim > 2:  # drop singleton axes, e.g. (1, H, W) or (H, W, 1)
        squeezed = [s for s in data.shape if s != 1]
        if len(squeezed) >= 2:
            data = data.reshape(squeezed)
    if data.ndim == 3:
        if slice_index is None:
            raise fail(path, f"is a 3-D array of shape {data.shape}; choose a slice (slice_index) "
                             "and an axis, or save one 2-D image")
        data = pick_slice(path, data, axis, slice_index, "slice")
    elif data.ndim == 2:
        single_image(path, slice_index)
    else:
        raise fail(path, f"has shape {data.shape}; stabview needs a 2-D image (H, W)")
    return data


def _check_npy_header(path: Path) -> None:
    """Read the NPY header only: refuse a wrong magic, a huge shape, or fewer bytes than it declares."""
    from numpy.lib import format as npy

    with open(path, "rb") as fh:
        try:
            version = npy.read_magic(fh)
            read_header = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
            shape, _, dtype = read_header(fh, max_header_size=10_000)
        except (ValueError, SyntaxError, TypeError, EOFError, UnicodeDecodeError) as exc:
            raise fail(path, f"is not a valid NPY file (its header cannot be read: {exc})") from None
        data_start = fh.tell()
    if dtype.hasobject:
        raise fail(path, "holds Python objects (a pickled array); stabview never unpickles "
                         "files because that can run code — save a plain numeric array")
    if any(int(n) < 0 for n in shape):
        raise fail(path, f"is not a valid NPY file (negative dimension in shape {shape})")
    values = math.prod(shape)
    plane = sorted((s for s in shape if s != 1), reverse=True)[:2] if len(shape) > 2 else list(shape)
    check_size(path, *(plane + [1, 1])[:2], values)
    expected = values * dtype.itemsize
    if path.stat().st_size - data_start < expected:
        raise fail(path, f"is truncated: its header declares shape {shape} ({expected:,} bytes of "
                         f"{dtype}) but the file holds {path.stat().st_size - data_start:,}")


# -- DICOM (pydicom) ----------------------------------------------------------------------------


def read_dicom(path: Path, slice_index: int | None = None) -> np.ndarray:
    """Stored pixels times RescaleSlope plus RescaleIntercept (e.g. Hounsfield units for CT)."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        ds = pydicom.dcmread(path)
        marker = True
    except InvalidDicomError:
        ds = pydicom.dcmread(path, force=True)  # files without the 128-byte preamble
        marker = False
    if "PixelData" not in ds:
        raise fail(path, "is a DICOM file without pixel data (not an image)" if marker else
                   "is not a DICOM file (no DICM marker and no pixel data found)")
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).upper()
    rows, cols = int(ds.get("Rows", 0) or 0), int(ds.get("Columns", 0) or 0)
    check_size(path, rows, cols, rows * cols * int(ds.get("NumberOfFrames", 1) or 1)
               * int(ds.get("SamplesPerPixel", 1) or 1))
    try:
        pixels = ds.pixel_array
    except (RuntimeError, NotImplementedError) as exc:
        syntax = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)
        if syntax is not None and syntax.is_compressed:
            raise fail(path, f"is compressed ({syntax.name}) and no installed decoder can read it: "
                             "install pylibjpeg with its JPEG plugins, or save the image uncompressed") from exc
        raise
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    frame = 0
    if frames > 1:
        frame = slice_number(frames, slice_index)
        pixels = pick_slice(path, pixels, 0, slice_index, "frame")
    else:
        single_image(path, slice_index)
    if photometric.startswith("MONOCHROME"):
        if pixels.ndim != 2:
            raise fail(path, f"has pixel array of shape {pixels.shape}; expected one 2-D frame")
    elif photometric == "RGB" and pixels.ndim == 3 and pixels.shape[-1] == 3:
        pixels = grey_from_channels(path, pixels, "RGB")
    else:
        raise fail(path, f"is a colour DICOM ({photometric}); stabview tests greyscale reconstructions")
    slope, intercept = _dicom_rescale(ds, frame)
    values = pixels.astype(np.float64) * slope + intercept
    if photometric == "MONOCHROME1" and values.size:
        values = values.max() + values.min() - values
    return values


def _dicom_rescale(ds, frame: int) -> tuple[float, float]:
    """(RescaleSlope, RescaleIntercept) for `frame`. Enhanced multi-frame files (enhanced CT/MR)
    keep them in the per-frame or shared functional groups, not at the top level."""
    groups = []
    per_frame = ds.get("PerFrameFunctionalGroupsSequence")
    if per_frame is not None and frame < len(per_frame):
        groups.append(per_frame[frame])
    shared = ds.get("SharedFunctionalGroupsSequence")
    if shared:
        groups.append(shared[0])
    for group in groups:
        transform = group.get("PixelValueTransformationSequence")
        if transform and "RescaleSlope" in transform[0]:
            item = transform[0]
            return float(item.RescaleSlope or 1.0), float(item.get("RescaleIntercept", 0.0) or 0.0)
    return float(ds.get("RescaleSlope", 1.0) or 1.0), float(ds.get("RescaleIntercept", 0.0) or 0.0)


# -- NIfTI (nibabel) ----------------------------------------------------------------------------


def read_nifti(path: Path, slice_index: int | None = None, axis: int = 2) -> np.ndarray:
    """One slice of a NIfTI volume in RAS+ orientation, displayed with anterior/superior up."""
    import nibabel as nib

    img = nib.load(path)
    shape = [int(n) for n in img.shape]
    plane = sorted(shape, reverse=True)[:2] if len(shape) > 2 else shape
    check_size(path, *(plane + [1, 1])[:2], math.prod(shape))
    if len(img.shape) >= 3:
        img = nib.as_closest_canonical(img)
    data = np.asanyarray(img.dataobj)  # applies scl_slope / scl_inter
    if data.ndim > 3:
        extra = data.shape[3:]
        if any(s != 1 for s in extra):
            raise fail(path, f"is a {data.ndim}-D NIfTI of shape {data.shape} (e.g. a time series); "
                             "save one 3-D volume or 2-D slice")
        data = data.reshape(data.shape[:3])
    if data.ndim == 3:
        data = pick_slice(path, data, axis, slice_index, "slice")
    elif data.ndim == 2:
        single_image(path, slice_index)
    else:
        raise fail(path, f"has shape {data.shape}; expected a 2-D slice or a 3-D volume")
    # voxel axes (i, j) -> rows top-to-bottom = j descending, columns = i ascending
    return np.ascontiguousarray(np.flipud(data.T))
