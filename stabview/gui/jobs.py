"""The window's one controller of background jobs: every `JobRunner` is made, watched and stopped here.

Each part of the window that works in the background asks for its own runner by a unique name
(`jobs.runner("details", threads)`); a runner still runs one job at a time and coalesces its
progress (workers.py). The controller relays every runner's signals with the runner's name, so the
status bar and the window subscribe once, also to runners made later, and closing the window
stops them all in one place: cancel every job first, then end each thread (DESIGN §5).
"""

from __future__ import annotations

import time
from typing import Callable

from PySide6.QtCore import QObject, Signal, Slot

from .workers import JobRunner


class Jobs(QObject):
    """Owns the window's runners (see the module docstring)."""

    jobStarted = Signal(str, str)           # runner name, job name
    jobFinished = Signal(str, str)          # runner name, job name (after the job's on_done)
    jobFailed = Signal(str, str, str)       # runner name, job name, message (after its on_error)
    busyChanged = Signal(str, bool)         # runner name, busy

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._runners: dict[str, JobRunner] = {}
        self._shut = False

    def runner(self, name: str, threads: Callable[[], int] = lambda: 1) -> JobRunner:
        """A new runner called `name` (unique), with `threads()` torch threads for each job."""
        if self._shut:
            raise RuntimeError(f"runner '{name}' asked for after the jobs were shut down")
        if name in self._runners:
            raise ValueError(f"a runner called '{name}' exists already")
        runner = JobRunner(name, threads, self)
        runner.jobStarted.connect(self._started)
        runner.jobFinished.connect(self._finished)
        runner.jobFailed.connect(self._failed)
        runner.busyChanged.connect(self._busy)
        self._runners[name] = runner
        return runner

    def runners(self) -> list[JobRunner]:
        return list(self._runners.values())

    def __getitem__(self, name: str) -> JobRunner:
        return self._runners[name]

    def busy_names(self) -> list[str]:
        """The names of the runners with a job running, in the order they were made."""
        return [name for name, runner in self._runners.items() if runner.busy]

    def cancel_all(self) -> None:
        for runner in self._runners.values():
            runner.cancel()

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Cancel every job, then end every thread within `timeout_ms` in all; True when all ended."""
        self._shut = True
        self.cancel_all()                   # all at once: the jobs stop side by side
        deadline = time.monotonic() + timeout_ms / 1000
        stopped = True
        for runner in self._runners.values():
            left = max(0, int(1000 * (deadline - time.monotonic())))
            stopped = runner.shutdown(left) and stopped
        return stopped

    @Slot(str)
    def _started(self, job: str) -> None:
        self.jobStarted.emit(self.sender().name, job)

    @Slot(str)
    def _finished(self, job: str) -> None:
        self.jobFinished.emit(self.sender().name, job)

    @Slot(str, str)
    def _failed(self, job: str, message: str) -> None:
        self.jobFailed.emit(self.sender().name, job, message)

    @Slot(bool)
    def _busy(self, busy: bool) -> None:
        self.busyChanged.emit(self.sender().name, busy)
