"""Helpers for tests that run real studies: a spec on disk, `dask scheduler` + `dask worker`
processes on 127.0.0.1 (free ports, bounded waits, always killed), and the study table."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0


def env() -> dict:
    """Child processes import this checkout's stabview and use one thread."""
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
            "OMP_NUM_THREADS": "1", "QT_QPA_PLATFORM": "offscreen"}


def write_spec(folder: Path, text: str) -> Path:
    path = folder / "spec.toml"
    path.write_text(text, encoding="utf-8")
    return path


def study_command(spec: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "stabview", "study", "run", str(spec), "--out", str(out), *extra]


def rows(out: Path) -> list[tuple]:
    """(id, status, finished) of every recorded case; [] before the table exists."""
    path = out / "cases.sqlite"
    if not path.exists():
        return []
    db = sqlite3.connect(path, timeout=10)
    try:
        return db.execute("SELECT id, status, finished FROM cases").fetchall()
    except sqlite3.OperationalError:   # the table is being created
        return []
    finally:
        db.close()


def wait_until(predicate, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"waited {timeout:.0f} s for {what}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(procs) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:   # pragma: no cover - a process that ignores SIGKILL
            pass


@contextmanager
def dask_cluster(folder: Path, workers: int = 2):
    """`dask scheduler` and `workers` single-thread `dask worker` processes (no nanny, so each
    worker's pid is the process that runs cases). Yields (address, worker processes)."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs: list[subprocess.Popen] = []
    log = open(folder / "dask.log", "wb")
    try:
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port),
             "--no-dashboard"], env=env(), stdout=log, stderr=log))
        wait_until(lambda: _accepts(port), START_TIMEOUT, "the scheduler to listen")
        worker_procs = [subprocess.Popen(
            [sys.executable, "-m", "dask", "worker", address, "--nthreads", "1", "--no-nanny",
             "--host", "127.0.0.1", "--no-dashboard", "--name", f"w{k}"], env=env(), stdout=log, stderr=log)
            for k in range(workers)]
        procs.extend(worker_procs)
        from distributed import Client
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(workers, timeout=START_TIMEOUT)
        yield address, worker_procs
    finally:
        _stop(procs)
        log.close()


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False
