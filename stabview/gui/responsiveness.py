"""How long the event loop goes without running: the stall a user feels as a frozen window.

A timer in the GUI thread ticks every few milliseconds; the gaps between its ticks are measured
(a gap longer than the interval is time the loop spent elsewhere). The stall test and
`benchmarks/gui.py` both measure with it.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QTimer


class GapRecorder:
    """`start()`, let the event loop run, then `stop()` returns the gaps in milliseconds."""

    def __init__(self, interval_ms: int = 5):
        self._timer = QTimer()
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._gaps: list[float] = []
        self._last = 0.0

    def start(self) -> None:
        self._gaps.clear()
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> np.ndarray:
        """The gaps since `start()` (the first, the timer's own start-up, left out), in ms."""
        self._timer.stop()
        return np.array(self._gaps[1:]) * 1000

    def _tick(self) -> None:
        now = time.perf_counter()
        self._gaps.append(now - self._last)
        self._last = now
