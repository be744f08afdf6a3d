"""A plain-text progress bar on stderr (one line, redrawn), for long commands."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    """`bar.update(done, total, note)`; redraws at most 10 times a second (unless `force`), ends
    with a newline."""

    def __init__(self, label: str, *, stream=None, width: int = 30):
        self.label, self.width = label, width
        self.stream = stream or sys.stderr
        self._last = 0.0
        self._start = time.monotonic()

    def update(self, done: int, total: int, note: str = "", *, force: bool = False) -> None:
        now = time.monotonic()
        if done < total and now - self._last < 0.1 and not force:
            return
        self._last = now
        frac = done / total if total else 1.0
        filled = int(round(frac * self.width))
        elapsed = now - self._start
        eta = elapsed / frac - elapsed if frac > 0 else 0.0
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} "
                          f"{elapsed:5.0f}s (eta {eta:4.0f}s) {note}  ")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()
