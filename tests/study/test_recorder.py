"""The study table: one row per case, resume ids, arrays only for the worst, CSV export."""

from __future__ import annotations

import csv
import os
import sqlite3

import numpy as np
import pytest

from stabview.study import cases
from stabview.study.errors import StudyError
from stabview.study.recorder import Recorder
from stabview.study.spec import parse_spec

SPEC = ('networks = ["deepmri", "mrivn"]\nimages = ["brain:0", "brain:1", "brain:2"]\n'
        'budgets = [0.01, 0.02]\n')


def result(change: float, status: str = "ok", arrays: bool = True) -> dict:
    numbers = {"network_change_rel": change, "perturbation_rel": 0.01} if status == "ok" else {}
    return {"status": status, "message": "" if status == "ok" else "ValueError: broken",
            "numbers": numbers, "timings": {"load_s": 0.1, "run_s": 1.0, "total_s": 1.2},
            "versions": {"stabview": "x"}, "operator": {"modality": "fourier"}, "worker": "w:1",
            "started": 1.0, "arrays": {"r": np.full((4, 4), change, np.float32)} if arrays else {}}


@pytest.fixture
def every():
    return [c.to_dict() for c in cases.expand(parse_spec(SPEC))]


def test_records_once_and_resumes(tmp_path, every):
    with Recorder(tmp_path) as rec:
        for k, case in enumerate(every[:5]):
            rec.record(case, result(0.01 * k, "failed" if k == 2 else "ok"))
        assert rec.counts() == {"ok": 4, "failed": 1}
    with Recorder(tmp_path) as rec:   # a new process sees what the last one recorded
        assert rec.recorded_ids() == {c["id"] for c in every[:5]}
        assert rec.recorded_ids(include_failed=False) == {c["id"] for c in every[:5]} - {every[2]["id"]}
        rec.record(every[2], result(0.5))   # a retried failure replaces its row
        assert rec.counts() == {"ok": 5}
        row = next(r for r in rec.rows() if r["id"] == every[2]["id"])
        assert row["numbers"]["network_change_rel"] == 0.5 and row["case_spec"] == every[2]


def test_each_record_is_committed_at_once(tmp_path, every):
    rec = Recorder(tmp_path)
    rec.record(every[0], result(0.1))
    other = sqlite3.connect(tmp_path / "cases.sqlite")   # another connection, before close
    assert other.execute("SELECT COUNT(*) FROM cases").fetchone()[0] == 1
    other.close()
    rec.close()


def test_arrays_kept_only_for_the_worst_per_network(tmp_path, every):
    changes = [0.3, 0.1, 0.5, 0.2, 0.4, 0.05]   # deepmri's six cases
    deepmri = [c for c in every if c["network"]["label"] == "deepmri"]
    mrivn = [c for c in every if c["network"]["label"] == "mrivn"]
    with Recorder(tmp_path, keep=2) as rec:
        for case, change in zip(deepmri, changes):
            rec.record(case, result(change))
        rec.record(mrivn[0], result(0.01))
        kept = {r["numbers"]["network_change_rel"] for r in rec.rows() if r["arrays"]}
        assert kept == {0.5, 0.4, 0.01}
        assert rec.keep_above(deepmri[0]["network"]["file_hash"]) == 0.4
        assert rec.keep_above(mrivn[0]["network"]["file_hash"]) is None   # fewer than 2 kept
    files = sorted(p.name for p in (tmp_path / "arrays").iterdir())
    assert len(files) == 3 and not any(p.startswith(".") for p in files)
    with np.load(tmp_path / "arrays" / f"{deepmri[2]['id']}.npz", allow_pickle=False) as data:
        assert float(data["r"][0, 0]) == pytest.approx(0.5)
    with Recorder(tmp_path, keep=2) as rec:   # the kept set is rebuilt from the table
        assert rec.keep_above(deepmri[0]["network"]["file_hash"]) == 0.4
    with Recorder(tmp_path / "none", keep=0) as rec:
        assert rec.keep_above("any") == float("inf")
        rec.record(deepmri[0], result(0.9))
        assert not (tmp_path / "none" / "arrays").exists()


def test_a_run_deletes_what_a_killed_run_left_in_arrays(tmp_path, every):
    """A kill mid-write leaves a `.partial` file, or an NPZ whose row never committed (or whose
    eviction did not reach the file): the next writer deletes exactly those."""
    with Recorder(tmp_path, keep=2) as rec:
        rec.record(every[0], result(0.3))
        folder = tmp_path / "arrays"
        (folder / f".{every[1]['id']}.npz.partial").write_bytes(b"half")
        (folder / f"{every[2]['id']}.npz").write_bytes(b"no row")
        (folder / "notes.txt").write_text("the user's")
        assert rec.tidy_arrays() == 2
        assert sorted(p.name for p in folder.iterdir()) == sorted([f"{every[0]['id']}.npz", "notes.txt"])
        assert rec.tidy_arrays() == 0


def test_one_writer_per_study_folder(tmp_path):
    from stabview.study.single_writer import single_writer
    with single_writer(tmp_path):
        with pytest.raises(StudyError, match=rf"another `stabview study run` \(pid {os.getpid()}\)"):
            with single_writer(tmp_path):
                pass
    with single_writer(tmp_path):       # released when the first run ended
        pass


def test_csv_export_has_one_row_per_case_with_numbers(tmp_path, every):
    with Recorder(tmp_path) as rec:
        rec.record(every[0], result(0.25))
        rec.record(every[1], result(0.0, "failed"))
        path = rec.export_csv()
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    assert [r["status"] for r in rows] == ["ok", "failed"]
    assert float(rows[0]["network_change_rel"]) == 0.25 and rows[1]["network_change_rel"] == ""
    assert rows[1]["message"] == "ValueError: broken" and float(rows[0]["run_s"]) == 1.0
    assert rows[0]["image"] == "brain:0" and float(rows[0]["budget"]) == 0.01


def test_meta_and_missing_or_damaged_tables(tmp_path):
    with Recorder(tmp_path) as rec:
        rec.set_meta("planned", 12)
        assert rec.meta("planned") == 12 and rec.meta("absent", 3) == 3
    with pytest.raises(StudyError):
        Recorder(tmp_path / "nowhere", create=False)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "cases.sqlite").write_bytes(b"not a database at all, just text" * 10)
    with pytest.raises(StudyError):
        Recorder(tmp_path / "bad")
