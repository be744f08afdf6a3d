"""Stopping a study: Ctrl-C ends it at once and cleanly (the workers too), and a case whose worker
is closing stops at its next step without numbers to record."""

from __future__ import annotations

import os

import pytest

from stabview.study import cases, worker
from stabview.study.case import run_case
from stabview.study.errors import CaseStopped
from stabview.study.spec import parse_spec
from tests.interrupt import group_ended, interrupt_when, last_group
from tests.study.cluster import write_spec

SPEC = ('networks = ["automap"]\nimages = ["brain:0"]\nbudgets = [0.02]\niterations = 50\n'
        'gain_iterations = 5\nbaseline_iterations = 3\ntests = ["attack", "noise"]\n')


class StopAfter:
    """should_stop() that turns true on its `calls`-th call, counting every call."""

    def __init__(self, calls: int):
        self.calls, self.seen = calls, 0

    def __call__(self) -> bool:
        self.seen += 1
        return self.seen >= self.calls


@pytest.mark.slow
@pytest.mark.parametrize("test", ["attack", "noise"])
def test_a_case_told_to_stop_raises_instead_of_recording_numbers(test):
    case = next(c for c in cases.expand(parse_spec(SPEC)) if c.test == test)
    stop = StopAfter(3)
    with pytest.raises(CaseStopped):
        run_case(case.to_dict(), {}, should_stop=stop)
    if test == "attack":    # it stopped at its third check, not after its 5 + 50 steps
        assert stop.seen <= 5


def test_outside_a_dask_worker_a_case_is_never_told_to_stop():
    assert worker.worker_closing()() is False


@pytest.mark.slow
def test_ctrl_c_ends_a_study_cleanly_and_keeps_what_was_recorded(tmp_path):
    spec = write_spec(tmp_path, SPEC.replace('["brain:0"]', '["brain:0", "brain:1", "brain:2", "brain:3"]')
                      .replace("budgets = [0.02]", "budgets = [0.01, 0.02, 0.05]"))
    out = tmp_path / "out"
    code, stderr = interrupt_when(["study", "run", str(spec), "--out", str(out), "--workers", "1"],
                                  marker="Dask: ", group=True, delay=3.0)
    assert code == 130, stderr
    assert "the same command runs the rest" in stderr and "Traceback" not in stderr
    assert set(os.listdir(out)) - {"arrays"} == {"cases.sqlite", "run.lock"}   # no report of a half study
    assert group_ended(last_group[0])                                 # no worker process left behind


def _alive(pid: int) -> bool:
    """A process that exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.slow
def test_an_interrupted_study_kills_its_workers_without_a_restart_and_keeps_its_records(tmp_path):
    import time

    from stabview.study.recorder import Recorder
    from stabview.study.scheduling import open_client, run_cases

    spec = parse_spec(SPEC.replace("iterations = 50", "iterations = 3").replace('["attack", "noise"]', '["attack"]')
                      .replace("budgets = [0.02]", "budgets = [0.01, 0.02, 0.05]"))
    pids = []

    def interrupt(done, case, result):        # Ctrl-C once the first case is recorded
        pids.extend(n.pid for n in client.cluster.workers.values())
        raise KeyboardInterrupt

    with Recorder(tmp_path / "out", keep=spec.keep_arrays) as recorder:
        with pytest.raises(KeyboardInterrupt), open_client(workers=1) as client:
            run_cases(client, cases.pending(spec, set()), recorder, progress=interrupt)
        assert sum(recorder.counts().values()) == 1
    assert len(pids) == 1 and pids[0] != os.getpid()
    began = time.monotonic()
    while _alive(pids[0]) and time.monotonic() - began < 20:
        time.sleep(0.05)
    assert not _alive(pids[0])
    assert not client.cluster.workers or all(n.process is None for n in client.cluster.workers.values())
