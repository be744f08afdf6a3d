"""Every unusable file gets an ImageLoadError whose message names the file and the problem."""

import pickle

import numpy as np
import pytest

from stabview.data import load_image
from stabview.errors import ImageLoadError

from .writers import truncate, write_dicom, write_nifti, write_png

GOOD = np.arange(64, dtype=np.uint8).reshape(8, 8)


def refused(path, *words, **kwargs) -> str:
    with pytest.raises(ImageLoadError) as info:
        load_image(path, **kwargs)
    message = str(info.value)
    assert path.name in message, message
    for word in words:
        assert word.lower() in message.lower(), message
    return message


def test_true_colour_png(tmp_path):
    rgb = np.dstack([GOOD, GOOD, 255 - GOOD])
    refused(write_png(tmp_path / "photo.png", rgb), "colour")


def test_varying_transparency(tmp_path):
    rgba = np.dstack([GOOD, GOOD, GOOD, GOOD])
    refused(write_png(tmp_path / "overlay.png", rgba), "transparency")


def test_colour_dicom_and_tiff(tmp_path):
    import tifffile

    tifffile.imwrite(tmp_path / "rgb.tif", np.dstack([GOOD, GOOD // 2, GOOD]), photometric="rgb")
    refused(tmp_path / "rgb.tif", "colour")


@pytest.mark.parametrize("bad, word", [(np.nan, "NaN"), (np.inf, "infinite"), (-np.inf, "infinite")])
def test_non_finite_values(tmp_path, bad, word):
    a = GOOD.astype(np.float64)
    a[2, 3] = bad
    np.save(tmp_path / "holes.npy", a)
    refused(tmp_path / "holes.npy", word)


def test_complex_nan(tmp_path):
    a = GOOD.astype(np.complex64)
    a[0, 0] = complex(1.0, np.nan)
    np.save(tmp_path / "kspace.npy", a)
    refused(tmp_path / "kspace.npy", "NaN")


@pytest.mark.parametrize("shape", [(0, 8), (8, 0), (0,)])
def test_empty_arrays(tmp_path, shape):
    np.save(tmp_path / "empty.npy", np.zeros(shape))
    refused(tmp_path / "empty.npy", "empty")


def test_zero_byte_file(tmp_path):
    (tmp_path / "nothing.png").write_bytes(b"")
    refused(tmp_path / "nothing.png", "empty")


def test_constant_images(tmp_path):
    refused(write_png(tmp_path / "flat.png", np.full((8, 8), 7, np.uint8)), "constant")
    np.save(tmp_path / "zeros.npy", np.zeros((8, 8), np.complex64))
    refused(tmp_path / "zeros.npy", "constant")


def test_single_row(tmp_path):
    np.save(tmp_path / "row.npy", np.arange(8.0)[None])
    refused(tmp_path / "row.npy", "2×2")


def test_truncated_png(tmp_path):
    noisy = np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8)
    refused(truncate(write_png(tmp_path / "cut.png", noisy)), "damaged")


def test_truncated_npy(tmp_path):
    np.save(tmp_path / "cut.npy", np.random.default_rng(0).random((32, 32)))
    refused(truncate(tmp_path / "cut.npy"), "NPY")


def test_truncated_dicom(tmp_path):
    path = write_dicom(tmp_path / "cut.dcm", (np.arange(64 * 64).reshape(64, 64) % 4000).astype(np.uint16))
    refused(truncate(path, 0.8), "DICOM")


def test_corrupt_dicom(tmp_path):
    (tmp_path / "noise.dcm").write_bytes(np.random.default_rng(0).bytes(2000))
    refused(tmp_path / "noise.dcm", "DICOM")


def test_compressed_dicom_without_a_decoder_says_so(tmp_path):
    import pydicom
    from pydicom.encaps import encapsulate
    from pydicom.uid import JPEG2000Lossless

    path = write_dicom(tmp_path / "j2k.dcm", np.zeros((16, 16), np.uint16))
    ds = pydicom.dcmread(path)
    ds.file_meta.TransferSyntaxUID = JPEG2000Lossless
    ds.PixelData = encapsulate([b"\x00" * 40])        # not a decodable codestream
    ds["PixelData"].is_undefined_length = True
    ds.save_as(path, enforce_file_format=True)
    refused(path, "compressed", "JPEG 2000", "uncompressed")


def test_truncated_nifti(tmp_path):
    volume = np.random.default_rng(0).random((16, 16, 16)).astype(np.float32)
    refused(truncate(write_nifti(tmp_path / "cut.nii.gz", volume)), "NIfTI")


def test_nifti_slice_out_of_range(tmp_path):
    path = write_nifti(tmp_path / "vol.nii", np.random.default_rng(0).random((4, 5, 6)).astype(np.float32))
    refused(path, "outside 0..5", slice_index=6)


def test_png_content_with_wrong_extension(tmp_path):
    (tmp_path / "image.tif").write_bytes(write_png(tmp_path / "image.png", GOOD).read_bytes())
    refused(tmp_path / "image.tif", "TIFF")


@pytest.mark.parametrize("name", ["picture.jpg", "notes.txt", "noext"])
def test_unknown_extension(tmp_path, name):
    (tmp_path / name).write_bytes(b"not an image at all, and longer than one hundred and thirty-two bytes " * 3)
    refused(tmp_path / name, "unknown file type", "PNG", "NIfTI")


def test_missing_file(tmp_path):
    refused(tmp_path / "absent.png", "no such file")


def test_pickled_npy_is_never_unpickled(tmp_path):
    marker = tmp_path / "ran"

    class Boom:  # unpickling this would create the marker file
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "objects.npy"
    with open(path, "wb") as fh:
        np.lib.format.write_array(fh, np.array([Boom()], dtype=object), allow_pickle=True)
    assert b"ran" in path.read_bytes()  # the payload is really in the file
    refused(path, "never unpickles")
    assert not marker.exists()


def test_text_array_npy(tmp_path):
    np.save(tmp_path / "words.npy", np.array([["a", "b"], ["c", "d"]]))
    refused(tmp_path / "words.npy", "not numbers")


def test_pickle_file_named_npy(tmp_path):
    (tmp_path / "model.npy").write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
    refused(tmp_path / "model.npy", "NPY")


def test_slice_index_for_a_single_image(tmp_path):
    refused(write_png(tmp_path / "one.png", GOOD), "single 2-D image", slice_index=3)
