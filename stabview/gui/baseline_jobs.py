"""The comparison method in the window: slow solves queued in their own worker thread.

Solves are held while an attack runs: on a small machine both would compete for the same cores
(and the interpreter lock, which stalls the window), and the perturbed baseline is only needed
once the attack pauses anyway. Each solve is `stabview.baselines.reconstruct(op, y, progress=,
should_stop=)`.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from ..baselines import reconstruct
from .workers import Job


class BaselineQueue(QObject):
    """Solves one request at a time, newest request per key first; results cached per setup."""

    ready = Signal(str, object)         # key, image (numpy, first of the batch)
    progressed = Signal(str, float)     # key, fraction done
    failed = Signal(str, str)           # key, message

    def __init__(self, runner, parent: QObject | None = None):
        super().__init__(parent)
        self.runner = runner             # a `JobRunner` of its own
        self.pending: dict[str, tuple] = {}
        self.cache: dict[tuple, object] = {}
        self.current_key: str | None = None
        self._current: tuple | None = None
        self.held = False

    def request(self, key: str, op, y, tag) -> None:
        """Reconstruct measurements `y` with `op`; `tag` identifies the setup (for the cache)."""
        if (tag, key) in self.cache:
            self.ready.emit(key, self.cache[(tag, key)])
            return
        self.pending[key] = (op, y.detach().clone(), tag)
        if self.current_key == key:
            self.runner.cancel()        # an older request for the same view: drop it
        self._next()

    def hold(self, held: bool) -> None:
        """Hold solves (e.g. while an attack runs and needs the CPU); a running one is cancelled
        and queued again, so it restarts when the hold is released."""
        self.held = held
        if held and self.runner.busy and self._current is not None:
            key, op, y, tag = self._current
            self.pending.setdefault(key, (op, y, tag))
            self.runner.cancel()
        elif not held:
            self._next()

    def clear(self) -> None:
        """Forget queued requests and cancel the running one (the setup changed)."""
        self.pending.clear()
        self.cache.clear()
        self.runner.cancel()

    def _next(self) -> None:
        if self.runner.busy or not self.pending or self.held:
            return
        key = next(iter(self.pending))
        op, y, tag = self.pending.pop(key)
        self._current = (key, op, y, tag)

        def work(job: Job):
            def progress(iteration, total, info):
                job.publish((key, iteration / max(total, 1)))
            result = reconstruct(op, y, progress=progress, should_stop=job.cancelled)
            return key, tag, result.image[0].detach().cpu().numpy().copy(), job.cancelled()

        self.current_key = key
        self.runner.submit(Job(work, on_done=self._done, on_error=self._failed, on_progress=self._progress,
                               name=f"baseline {key}"))

    def _progress(self, value) -> None:
        self.progressed.emit(*value)

    def _done(self, value) -> None:
        key, tag, image, cancelled = value
        self.current_key, self._current = None, None
        if not cancelled:
            self.cache[(tag, key)] = image
            self.ready.emit(key, image)
        self._next()

    def _failed(self, message: str) -> None:
        key, self.current_key, self._current = self.current_key, None, None
        self.failed.emit(key or "", message)
        self._next()
