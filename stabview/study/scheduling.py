"""Cases on Dask: an embedded LocalCluster or an existing scheduler, a bounded number in flight.

The client submits `limit` cases, and one more each time one finishes (`distributed.
as_completed`), so a spec of any size never floods the scheduler or the client's memory: the
cases come from a generator and only those in flight are held. Each result is handed to the
recorder at once. Dask reruns the case of a worker that dies on another worker; a case that
kills workers again and again (`KilledWorker`) is recorded as failed, like one that raises.
Workers are processes with one thread each; they receive paths and hashes, never a network.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import signal
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

from .cases import Case
from .errors import StudyError
from .recorder import Recorder
from .worker import run_case_task, versions

CONNECT_TIMEOUT = "20s"


def default_workers() -> int:
    """Cores minus one, at least one: a core stays free for the client and the OS."""
    return max(1, (os.cpu_count() or 2) - 1)


@contextmanager
def open_client(*, workers: int | None = None, scheduler: str | None = None, ending_process: bool = False):
    """A `distributed.Client`: to `scheduler` if given, else to a new LocalCluster of `workers`.

    Interrupted (Ctrl-C), the embedded cluster's workers are killed; then the client and the
    cluster are closed, unless `ending_process` says that this process ends right after (the
    command line): its scheduler and nannies end with it, and closing them took 0.05–0.3 s
    (measured on a busy 2-core machine).
    """
    from distributed import Client, LocalCluster
    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as exc:
            raise StudyError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); start one with "
                             "`dask scheduler` and workers with `dask worker ADDRESS`") from None
        try:
            yield client
        finally:
            client.close()
        return
    n = default_workers() if workers is None else workers
    if n < 1:
        raise StudyError(f"--workers must be at least 1, got {n}")
    # workers' own log lines are silenced: a case's errors come back as data, and closing the
    # cluster otherwise prints a worker's failed heartbeat to the scheduler that closed first
    # the workers leave Ctrl-C to this process (worker.dask_setup), which closes them on the way out
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=":0", silence_logs=logging.CRITICAL,
                           env={"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
                           preload=["stabview.study.worker"])
    client, closing = None, True
    try:
        client = Client(cluster)
        yield client
    except BaseException as exc:
        stop_workers(cluster)          # interrupted (or failed): nothing in flight will be recorded
        closing = not (ending_process and isinstance(exc, KeyboardInterrupt))
        raise
    finally:
        if closing:
            if client is not None:
                client.close()
            cluster.close()


def stop_workers(cluster) -> None:
    """Kill the embedded cluster's worker processes now (SIGKILL). They are this study's own
    processes, and a case in flight has nothing to save: it runs again when the study is resumed.
    A graceful close waited up to 4 s for a running case, and 0.17–0.22 s even when the case
    stopped at its next step (measured); a killed worker takes ~50 ms to end, while the client
    and the cluster close."""
    nannies = list(cluster.workers.values())

    async def no_restarts() -> None:     # in the cluster's loop: a nanny restarts a worker that died
        for nanny in nannies:
            nanny.close_gracefully(reason="study interrupted")
    try:
        cluster.sync(no_restarts)
    except Exception:  # noqa: BLE001 - e.g. a cluster already closing: the kill below still ends them
        pass
    for nanny in nannies:
        pid = getattr(nanny, "pid", None)
        if pid:
            try:
                os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
            except OSError:
                pass                      # already gone


def dashboard_link(client) -> str | None:
    """The address of Dask's dashboard, when the scheduler serves one (its plots need bokeh)."""
    try:
        if "dashboard" not in client.scheduler_info().get("services", {}):
            return None
        link = client.dashboard_link
    except Exception:  # noqa: BLE001 - the link is a courtesy; never fail a study for it
        return None
    if importlib.util.find_spec("bokeh") is None:
        link += " (its plots need bokeh, not installed here)"
    return link


@dataclass
class RunSummary:
    """What one `run_cases` did."""

    submitted: int = 0
    recorded: int = 0
    failed: int = 0
    duplicates: int = 0          # results that came back for a case already recorded in this run
    most_in_flight: int = 0
    seconds: float = 0.0


def in_flight_limit(client) -> int:
    """Two cases per worker thread (one running, one waiting), at least four."""
    threads = sum(client.nthreads().values())
    return max(4, 2 * threads)


def run_cases(client, cases: Iterator[Case], recorder: Recorder, *, limit: int | None = None,
              progress: Callable[[int, dict, dict], None] | None = None) -> RunSummary:
    """Run `cases` on `client`'s workers, recording each result as it arrives.

    `progress(done, case, result)` is called after each recorded case. Ctrl-C (or any error in
    the client) cancels the cases in flight; what was recorded stays recorded.
    """
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    if limit is not None and limit < 1:
        raise StudyError(f"--in-flight must be at least 1, got {limit}")
    limit = limit or in_flight_limit(client)
    summary = RunSummary()
    start = time.perf_counter()
    futures = as_completed()
    in_flight: dict[str, tuple[dict, object]] = {}
    recorded: set[str] = set()

    def submit_next() -> None:
        case = next(cases, None)
        if case is None:
            return
        data = case.to_dict()
        future = client.submit(run_case_task, data, recorder.keep_above(case.network.file_hash),
                               key=f"case-{case.id}", pure=False)
        in_flight[future.key] = (data, future)
        futures.add(future)
        summary.submitted += 1
        summary.most_in_flight = max(summary.most_in_flight, len(in_flight))

    try:
        for _ in range(limit):
            submit_next()
        for future in futures:
            data, _ = in_flight.pop(future.key)
            result = _result_of(future, data, KilledWorker)
            future.release()
            if data["id"] in recorded:
                summary.duplicates += 1
            else:
                recorder.record(data, result)
                recorded.add(data["id"])
                summary.recorded += 1
                summary.failed += result["status"] == "failed"
                if progress is not None:
                    progress(summary.recorded, data, result)
            submit_next()
    finally:
        if in_flight:       # one request for all of them (each future's own cancel is a round trip)
            client.cancel([future for _, future in in_flight.values()])
        summary.seconds = time.perf_counter() - start
    return summary


def _result_of(future, data: dict, killed_worker) -> dict:
    """The task's own dict, or a failed result when Dask gave up on the case."""
    try:
        return future.result()
    except killed_worker as exc:
        message = f"the case's worker died repeatedly (Dask gave up: {exc})"
    except Exception as exc:  # noqa: BLE001 - e.g. a worker that cannot import stabview
        message = f"{type(exc).__name__}: {exc}"
    return {"id": data["id"], "status": "failed", "message": message, "numbers": {}, "arrays": {},
            "timings": {}, "versions": versions(), "worker": None, "started": None}
