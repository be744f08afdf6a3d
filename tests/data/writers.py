"""Small files of every supported format, written the way other programs write them."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_dicom(path: Path, pixels: np.ndarray, *, slope: float = 1.0, intercept: float = 0.0,
                photometric: str = "MONOCHROME2", per_frame: list[tuple[float, float]] | None = None) -> Path:
    """A minimal CT DICOM file: 16-bit stored values (signed if any is negative), one or more frames.

    `per_frame` writes (slope, intercept) per frame into the functional groups, as enhanced
    multi-frame files do, with the top-level (slope, intercept) left at the given values.
    """
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.sequence import Sequence
    from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

    pixels = np.asarray(pixels)
    signed = bool(pixels.min() < 0)
    stored = pixels.astype(np.int16 if signed else np.uint16)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "CT"
    ds.Rows, ds.Columns = stored.shape[-2:]
    if stored.ndim == 3:
        ds.NumberOfFrames = stored.shape[0]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1 if signed else 0
    ds.RescaleSlope = f"{slope:g}"
    ds.RescaleIntercept = f"{intercept:g}"
    if per_frame is not None:
        groups = []
        for frame_slope, frame_intercept in per_frame:
            item, group = Dataset(), Dataset()
            item.RescaleSlope, item.RescaleIntercept = f"{frame_slope:g}", f"{frame_intercept:g}"
            group.PixelValueTransformationSequence = Sequence([item])
            groups.append(group)
        ds.PerFrameFunctionalGroupsSequence = Sequence(groups)
    ds.PixelData = stored.tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path


def write_png(path: Path, pixels: np.ndarray) -> Path:
    """PNG through Pillow: uint8 → 8-bit grey, uint16 → 16-bit grey, (H, W, 3|4) uint8 → RGB(A)."""
    from PIL import Image

    Image.fromarray(np.asarray(pixels)).save(path)
    return path


def write_nifti(path: Path, volume: np.ndarray, affine: np.ndarray | None = None) -> Path:
    import nibabel as nib

    nib.save(nib.Nifti1Image(np.asarray(volume), np.eye(4) if affine is None else affine), path)
    return path


def truncate(path: Path, keep: float = 0.5) -> Path:
    """Cut a file to a fraction of its bytes, as an interrupted copy would."""
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path
