"""Python's cyclic garbage collection runs in the GUI thread only, while a window is open.

The collector runs in whichever thread happens to allocate when a generation fills up; in the
window that is often a worker thread in the middle of a torch pass. A garbage cycle holding a Qt
object (pyqtgraph's menus are owned by Python, and a closed view leaves cycles) is then
destroyed in that worker: Qt takes its object mutex and shiboken asks for the interpreter lock,
while the GUI thread, holding that lock, waits for the same mutex to delete another widget.
Both wait forever (seen as a hang in the window's tests: the worker in `gc_collect_main` →
`~QMenu` → `GilState::acquire`, the GUI thread in `~QAction` → `QBasicMutex::lockInternal`).

So while any window holds this guard, automatic collection is off and a timer in the GUI thread
collects each generation when its count passes the threshold Python itself would have used.
Reference counting, which frees almost everything, is untouched. The last `release` turns
automatic collection back on (as it was), so code that runs without a window is unaffected.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QTimer

CHECK_MS = 500          # a generation-0 collection takes well under a millisecond at our sizes

_holders = 0
_timer: QTimer | None = None
_was_enabled = True


def collect_due() -> int:
    """Collect the generations whose counts passed their thresholds (youngest first); objects found."""
    thresholds, counts = gc.get_threshold(), gc.get_count()
    found = 0
    if counts[0] > thresholds[0]:
        generation = 0
        if counts[1] > thresholds[1]:
            generation = 2 if counts[2] > thresholds[2] else 1
        found = gc.collect(generation)
    return found


def hold() -> None:
    """Turn automatic collection off and collect from a GUI-thread timer (call in the GUI thread)."""
    global _holders, _timer, _was_enabled
    if _holders == 0:
        _was_enabled = gc.isenabled()
        gc.disable()
        _timer = QTimer()
        _timer.setObjectName("stabview-gc")
        _timer.timeout.connect(collect_due)
        _timer.start(CHECK_MS)
    _holders += 1


def release() -> None:
    """Undo one `hold`; the last one collects once here and restores automatic collection."""
    global _holders, _timer
    if _holders == 0:
        return
    _holders -= 1
    if _holders == 0:
        _timer.stop()
        _timer = None
        gc.collect()
        if _was_enabled:
            gc.enable()


def held() -> bool:
    return _holders > 0
