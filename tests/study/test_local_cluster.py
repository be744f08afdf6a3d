"""A real study on an embedded LocalCluster of two worker processes: table, report, resume."""

from __future__ import annotations

import csv
import json

import pytest

from stabview.cli import main
from stabview.study import cases
from stabview.study.spec import load_spec
from tests.study.cluster import rows, write_spec

SPEC = """
networks = ["automap", "dagan"]
images = ["brain:0", "ellipses:1"]
budgets = [0.01, 0.05]
restarts = 1
iterations = 2
gain_iterations = 2
baseline_iterations = 2
keep_arrays = 1
attack = { step = 0.5 }
"""


@pytest.mark.slow
def test_two_workers_run_record_report_and_resume(tmp_path, capsys):
    spec_path = write_spec(tmp_path, SPEC)
    out = tmp_path / "study"
    planned = {c.id for c in cases.expand(load_spec(spec_path))}
    assert len(planned) == 8

    run = ["study", "run", str(spec_path), "--out", str(out), "--workers", "2"]
    assert main(run) == 0
    assert "2 worker(s)" in capsys.readouterr().err
    recorded = rows(out)
    assert sorted(r[0] for r in recorded) == sorted(planned)
    assert {r[1] for r in recorded} == {"ok"}

    table = list(csv.DictReader(open(out / "cases.csv", encoding="utf-8")))
    assert len(table) == 8 and {r["network"] for r in table} == {"automap", "dagan"}
    assert len({r["worker"] for r in table}) == 2           # both processes ran cases
    for r in table:
        assert 0 < float(r["perturbation_rel"]) <= float(r["budget"]) * (1 + 1e-5)
        assert float(r["network_change_rel"]) > 0 and float(r["baseline_change_rel"]) > 0
    kept = sorted(p.name for p in (out / "arrays").iterdir())
    assert len(kept) == 2                                    # keep_arrays = 1 per network
    worst = {n: max((r for r in table if r["network"] == n), key=lambda r: float(r["network_change_rel"]))
             for n in ("automap", "dagan")}
    assert sorted(f"{r['id']}.npz" for r in worst.values()) == kept

    summary = json.loads((out / "summary.json").read_text())
    assert summary["cases"] == {"planned": 8, "ok": 8, "failed": 0}
    groups = {(g["network"], g["budget"]): g for g in summary["groups"]}
    assert set(groups) == {(n, b) for n in ("automap", "dagan") for b in (0.01, 0.05)}
    for (network, budget), g in groups.items():
        changes = [float(r["network_change_rel"]) for r in table
                   if r["network"] == network and float(r["budget"]) == budget]
        assert g["images"] == 2 and g["network_change"]["median"] == pytest.approx(sum(changes) / 2)
    hashes = summary["protocol"]["networks"]
    assert {n: len(h["file_hash"]) for n, h in hashes.items()} == {"automap": 64, "dagan": 64}
    report = (out / "report.html").read_text(encoding="utf-8")
    assert report.count("data:image/png;base64,") == 2 + 2   # two plots, one panel per network
    assert hashes["automap"]["file_hash"] in report and "<script" not in report

    assert main(run) == 0
    err = capsys.readouterr().err
    assert "8 recorded; 0 to run" in err and "Dask:" not in err
    assert rows(out) == recorded                              # nothing ran again

    assert main(["study", "status", str(out)]) == 0
    assert "recorded 8 (8 ok, 0 failed); 0 to run" in capsys.readouterr().out


FEATURES = """
networks = ["automap"]
images = ["brain:0", "brain:3"]
budgets = [0.02]
iterations = 2
baseline_iterations = 2
tests = ["nullspace", "target-add", "target-remove"]
"""


@pytest.mark.slow
def test_nullspace_and_targeted_cases_on_two_workers(tmp_path, capsys):
    spec_path = write_spec(tmp_path, FEATURES)
    out = tmp_path / "study"
    assert main(["study", "run", str(spec_path), "--out", str(out), "--workers", "2"]) == 0
    table = list(csv.DictReader(open(out / "cases.csv", encoding="utf-8")))
    assert sorted(r["test"] for r in table) == ["nullspace"] * 2 + ["target-add"] * 2 + ["target-remove"] * 2
    assert {r["status"] for r in table} == {"ok"} and not (out / "arrays").exists()
    for r in table:
        if r["test"] == "nullspace":
            assert float(r["budget"]) == 0 and float(r["null_space_error_rel.network.clean"]) > 0
            assert float(r["range_error_rel.baseline.clean"]) >= 0
        else:
            assert 0 < float(r["perturbation_rel"]) <= 0.02 * (1 + 1e-5)
            assert r["verdicts.network"] in ("recovered", "blurred", "lost")

    summary = json.loads((out / "summary.json").read_text())
    assert summary["cases"] == {"planned": 6, "ok": 6, "failed": 0} and summary["groups"] == []
    targets = {g["mode"]: g for g in summary["targets"]}
    assert set(targets) == {"add", "remove"}
    for mode, g in targets.items():
        verdicts = [r["verdicts.network"] for r in table if r["test"] == f"target-{mode}"]
        wanted = "recovered" if mode == "add" else "lost"
        assert g["images"] == 2 and g["network_fraction_reached"] == verdicts.count(wanted) / 2
        assert sum(g["network_verdicts"].values()) == 2
    (null,) = summary["nullspace"]
    values = sorted(float(r["null_space_error_rel.network.clean"]) for r in table if r["test"] == "nullspace")
    assert null["images"] == 2 and null["network_null_space_error_rel"]["median"] == pytest.approx(sum(values) / 2)
    assert summary["protocol"]["test_settings"]["target-add"]["detail"]["content"] == "heart"
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "False and missing details" in report and "Null-space errors" in report
