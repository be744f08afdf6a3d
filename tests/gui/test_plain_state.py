"""The window's plain modules (scales, file kinds, the image child process) are ordinary Python:
no Qt is loaded with them."""

import json
import subprocess
import sys

import numpy as np
import pytest

from stabview.gui.files import file_kind
from stabview.gui.scales import DifferenceScale, PerturbationScale, relative_change
from stabview.experiment import Experiment, NetworkRef, Session


def test_plain_modules_load_no_qt():
    code = ("import sys; import stabview.gui.scales, stabview.gui.files, "
            "stabview.gui.image_process; print(sorted(m for m in sys.modules if m.startswith(('PySide6', "
            "'pyqtgraph', 'shiboken6'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_relative_change_matches_numpy_and_the_shared_scale():
    rng = np.random.default_rng(0)
    clean = (rng.normal(size=(16, 16)) + 1j * rng.normal(size=(16, 16))).astype(np.complex64)
    new = clean + 0.1 * rng.normal(size=(16, 16))
    expected = np.linalg.norm(new.astype(complex) - clean) / np.linalg.norm(clean.astype(complex))
    assert relative_change(new, clean) == pytest.approx(expected, rel=1e-12)
    scale = DifferenceScale()
    scale.update({"network": new, "network_clean": clean, "baseline": clean * 1.01, "baseline_clean": clean})
    assert scale.levels["network"] == scale.levels["baseline"]
    assert scale.levels["network"][1] >= np.abs(scale.differences["network"]).max()
    scale.shared = False
    scale.update({"network": new, "network_clean": clean, "baseline": clean * 1.01, "baseline_clean": clean})
    assert scale.levels["baseline"][1] < scale.levels["network"][1]
    r = PerturbationScale.of(np.full((4, 4), 0.01), np.ones((4, 4)))
    assert r.relative == pytest.approx(0.01) and r.levels[1] >= 0.01


def test_file_kinds(tmp_path):
    session = Session(Experiment(NetworkRef("deepmri"))).save(tmp_path / "s.json")
    card = tmp_path / "card.json"
    card.write_text(json.dumps({"name": "x"}))
    assert [file_kind(p) for p in (tmp_path / "m.safetensors", tmp_path / "m.onnx", tmp_path / "m.pt", session,
                                    card, tmp_path / "x.png", tmp_path / "x.nii.gz", tmp_path / "x.txt")] == \
        ["model", "model", "model", "session", "", "image", "image", ""]
