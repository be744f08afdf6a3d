"""The report is made from the table alone, without Qt: statistics, plots, panels, protocol."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from stabview.study import cases
from stabview.study.recorder import Recorder
from stabview.study.spec import parse_spec
from tests.study.cluster import ROOT, env

SPEC = ('networks = ["deepmri", "mrivn"]\nimages = ["brain:0", "brain:1"]\nbudgets = [0.01, 0.02]\n'
        'tests = ["attack", "noise"]\n')
QT_BLOCKED_REPORT = (
    "import sys\n"
    "class Block:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph'):\n"
    "            raise ImportError('Qt is blocked: ' + name)\n"
    "sys.meta_path.insert(0, Block())\n"
    "from stabview.study.report import write_report\n"
    "write_report(sys.argv[1])\n"
)


def fill(folder) -> list[dict]:
    every = [c.to_dict() for c in cases.expand(parse_spec(SPEC))]
    rng = np.random.default_rng(0)
    with Recorder(folder, keep=1) as rec:
        rec.set_meta("spec_text", SPEC)
        rec.set_meta("planned", len(every) + 1)
        for k, case in enumerate(every):
            change = 0.01 * (k + 1)
            numbers = {"network_change_rel": change, "perturbation_rel": case["budget"],
                       "baseline_change_rel": case["budget"], "change_ratio": change / case["budget"]}
            arrays = {"x": rng.random((8, 8)), "r": rng.random((8, 8)), "network_clean": rng.random((8, 8)),
                      "network_perturbed": rng.random((8, 8))} if case["test"] == "attack" else {}
            rec.record(case, {"status": "ok", "numbers": numbers, "arrays": arrays, "timings": {},
                              "versions": {"stabview": "0.1.0", "torch": "2.13.0"},
                              "operator": {"modality": "fourier", "mask_sha256": "ab" * 32}})
        rec.record({**every[0], "id": "f" * 32}, {"status": "failed", "message": "ImageLoadError: bad.png"})
    return every


@pytest.mark.slow   # a fresh interpreter with torch and matplotlib: ~5 s on a busy machine
def test_report_without_qt(tmp_path):
    every = fill(tmp_path)
    run = subprocess.run([sys.executable, "-c", QT_BLOCKED_REPORT, str(tmp_path)], cwd=ROOT, env=env(),
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["cases"] == {"planned": len(every) + 1, "ok": len(every), "failed": 1}
    groups = {(g["network"], g["budget"]): g for g in summary["groups"]}
    assert len(groups) == 4 and groups[("deepmri", 0.01)]["failed"] == 1
    g = groups[("mrivn", 0.02)]
    mine = [c for c in every if c["network"]["label"] == "mrivn" and c["budget"] == 0.02]
    attack = [0.01 * (every.index(c) + 1) for c in mine if c["test"] == "attack"]
    noise = [0.01 * (every.index(c) + 1) for c in mine if c["test"] == "noise"]
    assert g["network_change"]["median"] == np.median(attack)
    assert g["noise_network_change"]["median"] == np.median(noise)
    assert g["change_ratio"]["median"] == np.median(attack) / 0.02
    assert g["fraction_ratio_ge_5"] == np.mean([a / 0.02 >= 5 for a in attack])
    proto = summary["protocol"]
    assert set(proto["networks"]) == {"deepmri", "mrivn"} and proto["budgets"] == [0.01, 0.02]
    assert proto["spec"] == SPEC and proto["versions"] == [{"stabview": "0.1.0", "torch": "2.13.0"}]
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 2 + 2        # two plots, one kept case per network
    assert page.count("<tr>") == 1 + 4 + 1 + 1                   # statistics, failures (header + 1)
    assert "ImageLoadError: bad.png" in page and proto["networks"]["mrivn"]["file_hash"] in page
