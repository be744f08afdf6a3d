"""Figures name files by their file name, fit long titles, and tell snapshot columns apart."""

import numpy as np

from stabview.stability.figures import _font, display_name, fit_text, image_grid
from stabview.stability.reports import snapshot_caption


def test_files_are_named_by_file_name_and_samples_by_their_name():
    assert display_name("/usr/lib/python3/site-packages/pydicom/data/test_files/CT_small.dcm") == "CT_small.dcm"
    assert display_name("C:\\scans\\knee.nii.gz") == "knee.nii.gz"
    assert display_name("brain:3") == "brain:3"
    assert display_name("ellipses:7") == "ellipses:7"
    assert display_name("deepmri") == "deepmri"


def test_fit_text_cuts_with_an_ellipsis_only_when_needed():
    font = _font(12)
    assert fit_text("short", font, 200) == "short"
    cut = fit_text("x" * 400, font, 100)
    assert cut.endswith("…") and font.getlength(cut) <= 100 < font.getlength("x" * 400)


def test_a_long_title_stays_inside_the_figure():
    image = np.ones((8, 8), np.float32)
    figure = image_grid([("row", [("a", image)])], cell=32, title="/very/long/path/" * 20)
    pixels = np.asarray(figure.convert("L"))
    title_band = pixels[:30]
    assert (title_band[:, -3:] == 255).all()        # nothing drawn at the right edge


def test_snapshot_columns_of_equal_size_are_told_apart_by_iteration():
    snaps = [{"iteration": it, "perturbation_rel": 0.02} for it in (13, 26, 40)]
    captions = [snapshot_caption(k, s) for k, s in enumerate(snaps)]
    assert len(set(captions)) == 3
    for caption, it in zip(captions, (13, 26, 40)):
        assert f"iteration {it}" in caption and "2.0%" in caption
