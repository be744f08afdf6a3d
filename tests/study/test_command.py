"""`stabview study`: dry run, status and report of folders that hold no study, bad clusters."""

from __future__ import annotations

import re

import pytest

from stabview.cli import main
from stabview.study import scheduling
from tests.study.cluster import free_port, write_spec

SPEC = ('networks = ["automap"]\nimages = ["brain:0", "brain:1", "ellipses:4"]\nbudgets = [0.01, 0.02]\n'
        'restarts = 2\niterations = 2\ngain_iterations = 0\nbaseline = false\ntests = ["attack", "noise"]\n')


@pytest.mark.slow
def test_dry_run_counts_probes_and_writes_nothing(tmp_path, capsys):
    spec = write_spec(tmp_path, SPEC)
    assert main(["study", "run", str(spec), "--out", str(tmp_path / "out"), "--dry-run", "--workers", "3"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "24 cases"
    probes = re.findall(r"probe automap (attack|noise): ([\d.]+) s per case", out)
    assert [p[0] for p in probes] == ["attack", "noise"] and all(float(p[1]) > 0 for p in probes)
    estimate = float(re.search(r"estimate: ([\d.]+) min on 3 worker", out).group(1))
    expected = 12 * sum(float(p[1]) for p in probes) / 3 / 60
    assert estimate == pytest.approx(expected, abs=0.051)
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_dry_run_counts_a_nullspace_probe_once_per_image(tmp_path, capsys):
    spec = write_spec(tmp_path, SPEC.replace('["attack", "noise"]', '["noise", "nullspace"]'))
    assert main(["study", "run", str(spec), "--out", str(tmp_path / "out"), "--dry-run", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"{3 * 2 * 2 + 3} cases"
    probes = dict(re.findall(r"probe automap (noise|nullspace): ([\d.]+) s per case", out))
    estimate = float(re.search(r"estimate: ([\d.]+) min on 1 worker", out).group(1))
    expected = (12 * float(probes["noise"]) + 3 * float(probes["nullspace"])) / 60
    assert estimate == pytest.approx(expected, abs=0.051)


@pytest.mark.parametrize("action", ["status", "report"])
def test_a_folder_without_a_study_is_refused(tmp_path, capsys, action):
    assert main(["study", action, str(tmp_path / "none")]) == 2
    assert "holds no study" in capsys.readouterr().err


@pytest.mark.slow   # the client's connection attempt takes several seconds on a busy box
def test_an_unreachable_scheduler_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(scheduling, "CONNECT_TIMEOUT", "1s")
    spec = write_spec(tmp_path, SPEC)
    address = f"tcp://127.0.0.1:{free_port()}"
    assert main(["study", "run", str(spec), "--out", str(tmp_path / "out"), "--scheduler", address]) == 2
    assert f"cannot reach the Dask scheduler at {address}" in capsys.readouterr().err


def test_no_workers_is_refused(tmp_path, capsys):
    spec = write_spec(tmp_path, SPEC)
    assert main(["study", "run", str(spec), "--out", str(tmp_path / "out"), "--workers", "0"]) == 2
    assert "--workers must be at least 1" in capsys.readouterr().err


def test_study_without_an_action_prints_its_usage(capsys):
    assert main(["study"]) == 2
    assert "run" in capsys.readouterr().err


def test_a_second_run_on_a_folder_being_written_is_refused(tmp_path, capsys):
    from stabview.study.single_writer import single_writer
    spec = write_spec(tmp_path, SPEC)
    with single_writer(tmp_path / "out"):
        assert main(["study", "run", str(spec), "--out", str(tmp_path / "out"), "--workers", "1"]) == 2
    error = capsys.readouterr().err
    assert "another `stabview study run`" in error and "Traceback" not in error
    assert not (tmp_path / "out" / "cases.sqlite").exists()
