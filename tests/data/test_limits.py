"""Huge images are refused by their declared size, before anything is decoded or allocated."""

import struct
import time
import warnings
import zlib

import numpy as np
import pytest

from stabview.data import MAX_PIXELS, load_image
from stabview.errors import ImageLoadError, ImageTooLarge

from .writers import write_dicom, write_png


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def zero_png(path, width: int, height: int, *, rows_of_data: int | None = None):
    """An 8-bit grey PNG of zeros, compressed row by row (10000² is ~100 kB on disk)."""
    rows_of_data = height if rows_of_data is None else rows_of_data
    packer = zlib.compressobj(9)
    row = bytes(width + 1)      # filter byte 0 + zero pixels
    idat = b"".join(packer.compress(row) for _ in range(rows_of_data)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat)
                     + png_chunk(b"IEND", b""))
    return path


@pytest.fixture(scope="module")
def huge_png(tmp_path_factory):
    return zero_png(tmp_path_factory.mktemp("huge") / "huge.png", 10000, 10000)


def test_a_10000_square_png_is_refused_without_decoding_or_warning(huge_png):
    assert huge_png.stat().st_size < 1_000_000           # a decompression bomb: small file, huge image
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        with pytest.raises(ImageTooLarge) as info:
            load_image(huge_png, (64, 64))
        seconds = time.perf_counter() - start
    assert not caught, [str(w.message) for w in caught]
    assert "10000×10000" in str(info.value) and huge_png.name in str(info.value)
    assert seconds < 0.5        # decoding 100 megapixels would take far longer


def test_beyond_pillows_own_limit_is_refused_the_same_way(tmp_path):
    path = zero_png(tmp_path / "bigger.png", 20000, 20000, rows_of_data=1)
    with pytest.raises(ImageTooLarge):
        load_image(path)


def test_the_largest_allowed_side_still_loads(tmp_path):
    side = int(MAX_PIXELS ** 0.5)
    image = np.zeros((4, side), np.uint8)
    image[0, 0] = 255
    assert load_image(write_png(tmp_path / "wide.png", image)).shape == (4, side)


def test_npy_header_with_huge_shape_is_refused_without_allocating(tmp_path):
    path = tmp_path / "huge.npy"
    header = np.lib.format.header_data_from_array_1_0(np.zeros((2, 2)))
    header["shape"] = (100_000, 100_000)
    with open(path, "wb") as fh:
        np.lib.format.write_array_header_1_0(fh, header)
        fh.write(bytes(64))
    with pytest.raises(ImageTooLarge):
        load_image(path)


def test_npy_shorter_than_its_header_says_is_refused(tmp_path):
    path = tmp_path / "short.npy"
    np.save(path, np.arange(64.0).reshape(8, 8))
    path.write_bytes(path.read_bytes()[:-8])
    with pytest.raises(ImageLoadError, match="truncated"):
        load_image(path)


def test_dicom_declaring_huge_rows_and_columns_is_refused(tmp_path):
    import pydicom

    path = write_dicom(tmp_path / "big.dcm", np.arange(64, dtype=np.uint16).reshape(8, 8))
    ds = pydicom.dcmread(path)
    ds.Rows, ds.Columns = 30000, 30000
    ds.save_as(path)
    with pytest.raises(ImageTooLarge):
        load_image(path)


def test_nifti_declaring_a_huge_volume_is_refused(tmp_path):
    import nibabel as nib

    header = nib.Nifti1Header()
    header.set_data_shape((4096, 4096, 4096))
    header.set_data_dtype(np.uint8)
    path = tmp_path / "big.nii"
    with open(path, "wb") as fh:
        fh.write(header.binaryblock + bytes(4 + 64))
    with pytest.raises(ImageTooLarge):
        load_image(path)
