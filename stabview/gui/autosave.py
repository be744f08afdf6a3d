"""Autosave off the GUI thread: the window captures its state (cheap copies), a thread writes it.

Writing a session means JSON-encoding the attack history and compressing arrays, which takes
tens of milliseconds once a long attack has run: done in the GUI thread every 20 s it would be
the longest stall of the event loop. One write at a time; a tick that finds the previous write
still going skips (the window stays marked unsaved and tries again on the next tick).
"""

from __future__ import annotations

import threading
from pathlib import Path

from ..errors import StabviewError
from ..experiment import Session


class BackgroundSaver:
    """Writes one `Session` at a time in a daemon thread; `wait()` before the process exits."""

    def __init__(self):
        self._thread: threading.Thread | None = None
        self._error: str | None = None

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def save(self, session: Session, path: str | Path) -> bool:
        """Start writing `session` to `path`; False (nothing started) while a write is running."""
        if self.busy:
            return False
        self._thread = threading.Thread(target=self._write, args=(session, Path(path)),
                                        name="stabview-autosave", daemon=True)
        self._thread.start()
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the running write (if any) ends; True when none is left running."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.busy

    def take_error(self) -> str | None:
        """The last write's failure (once), for the status bar."""
        error, self._error = self._error, None
        return error

    def _write(self, session: Session, path: Path) -> None:
        try:
            session.save(path)
        except (OSError, StabviewError, ValueError) as exc:
            self._error = str(exc)
