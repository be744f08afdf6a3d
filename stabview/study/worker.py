"""What a Dask worker runs for one case: plain data in, plain data out, never an exception (but
Dask's `Reschedule` when its worker closes in the middle of the case: the case runs again).

The task receives the case as a dict (paths and hashes, never a loaded network), sets torch to
one thread, reuses networks it has loaded before (a small cache per worker process, keyed by
the network's file hash, checked against the file before the first load), runs `case.run_case`
and returns a dict with status "ok" or "failed" (with the error's message), numbers, timings,
versions and — only when the case may be among the worst `keep_arrays` of its network
(`keep_above`) — its arrays.
"""

from __future__ import annotations

import ctypes
import os
import platform
import signal
import socket
import threading
import time
import traceback
from collections import OrderedDict

from .errors import CaseStopped

#: loaded networks and operators per worker process; a few networks at most
CACHE_NETWORKS = 4
_cache: OrderedDict = OrderedDict()
_lock = threading.Lock()   # workers with several threads share the cache


#: glibc's mallopt parameters; Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 for its workers,
#: which also fixes the mmap threshold at 128 KiB, so every large tensor is mapped and unmapped
#: again (page faults on each step: measured 2-3x slower cases). Restoring large thresholds
#: in the worker process undoes that; memory above them still goes back to the OS.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
ALLOCATOR_THRESHOLD = 64 << 20
_allocator_tuned = False


def tune_allocator() -> bool:
    """Once per process, on glibc: keep freed blocks below 64 MiB for reuse (True if set)."""
    global _allocator_tuned
    if not _allocator_tuned:
        _allocator_tuned = True
        try:
            libc = ctypes.CDLL("libc.so.6")
            return bool(libc.mallopt(M_MMAP_THRESHOLD, ALLOCATOR_THRESHOLD)
                        and libc.mallopt(M_TRIM_THRESHOLD, 2 * ALLOCATOR_THRESHOLD))
        except (OSError, AttributeError):   # not glibc (macOS, Windows, musl): nothing to undo
            return False
    return True


def versions() -> dict:
    """Versions that decide a case's numbers, recorded with each one."""
    import numpy
    import torch

    from .. import __version__
    from .cases import ENGINE_VERSION
    return {"stabview": __version__, "engine": ENGINE_VERSION, "torch": torch.__version__,
            "numpy": numpy.__version__, "python": platform.python_version()}


def _prepare_cache(case: dict) -> dict:
    """The case's network entries first in the cache; verify its files on first use."""
    from .spec import file_sha256
    ref = case["network"]
    key = ref["file_hash"]
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    if ref["card"] is not None:   # a model file: it must still be the file that was planned
        found = file_sha256(ref["source"], ref["card"])
        if found != key:
            raise RuntimeError(f"model file {ref['source']} (or its card) changed since the study "
                               f"was planned (sha256 {found[:12]}… ≠ {key[:12]}…)")
    while len(_cache) >= CACHE_NETWORKS:
        _cache.popitem(last=False)
    _cache[key] = {}
    return _cache[key]


def worker_closing():
    """`should_stop` of a case on a Dask worker: true once the worker is closing (the study was
    interrupted, or the worker retires), so the case ends at its next step and the worker's
    process can exit at once instead of after the case. Outside a worker: never."""
    try:
        from distributed import get_worker
        from distributed.core import Status
        worker = get_worker()
    except (ImportError, ValueError):
        return lambda: False
    ending = (Status.closing, Status.closing_gracefully, Status.closed, Status.failed)
    return lambda: worker.status in ending


def dask_setup(worker) -> None:
    """Dask preload hook of the embedded cluster's worker processes: a terminal's Ctrl-C reaches
    every process of its group, but stopping is the client's job (it closes the workers, which
    stop their cases), so the workers ignore it instead of dying with a traceback each."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def dask_teardown(worker) -> None:
    """Dask preload hook, when the worker closes: the process ends next, and with torch loaded the
    interpreter's last garbage collections took ~1.7 s of its ~2.4 s exit (measured on a busy
    2-core machine). Freezing what is alive skips them; the memory goes back with the process."""
    import gc
    gc.freeze()


def run_case_task(case: dict, keep_above: float | None = None) -> dict:
    """Run one case; `keep_above`: return arrays only if the case's change exceeds it."""
    import torch
    torch.set_num_threads(1)
    tune_allocator()
    start = time.time()
    base = {"id": case["id"], "started": start, "worker": f"{socket.gethostname()}:{os.getpid()}",
            "versions": versions()}
    try:
        from .case import run_case
        with _lock:
            cache = _prepare_cache(case)
            result = run_case(case, cache, should_stop=worker_closing())
    except CaseStopped:
        from distributed import Reschedule
        raise Reschedule() from None     # the scheduler gives the case to another worker, if any
    except Exception as exc:  # noqa: BLE001 - any failure is this case's, recorded with its message
        message = f"{type(exc).__name__}: {exc}".strip()
        return {**base, "status": "failed", "message": message, "numbers": {}, "arrays": {},
                "timings": {"total_s": time.time() - start},
                "traceback": traceback.format_exc(limit=6)}
    change = result["numbers"].get("network_change_rel")
    keep = (case["test"] == "attack" and change is not None
            and (keep_above is None or change > keep_above))
    result["timings"]["total_s"] = time.time() - start
    return {**base, "status": "ok", "message": "", **result, "arrays": result["arrays"] if keep else {}}
