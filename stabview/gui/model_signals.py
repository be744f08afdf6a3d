"""The experiment model's events as Qt signals, delivered in the GUI thread.

`ExperimentModel` (stabview/experiment/model.py) has no Qt: it calls plain callbacks. Widgets
subscribe here instead, so Qt disconnects them when they are destroyed, and a change made in
another thread reaches them through the event loop rather than in that thread. In the GUI thread
a signal follows its event at once, in the model's order (the connection below is direct there).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from ..experiment.model import FIELDS, ExperimentModel


class ModelSignals(QObject):
    """Relays one model's events: `changed(field, value)`, `results(dict)`, `modified(bool)`, `history()`."""

    changed = Signal(str, object)       # an experiment field ('network', 'image', …) and its new value
    results = Signal(object)            # the results per test (a dict)
    modified = Signal(bool)             # whether there is something to save
    history = Signal()                  # the undo or redo stack changed
    _event = Signal(str, object)        # event name, its arguments: queued when emitted in another thread

    def __init__(self, model: ExperimentModel, parent: QObject | None = None):
        super().__init__(parent)
        self.model = model
        self._event.connect(self._deliver)      # auto: direct in this object's thread, queued from others
        for name in (*FIELDS, "results", "modified", "history"):
            getattr(model.events, name).connect(self._relay(name))

    def _relay(self, name: str):
        def relay(*args) -> None:
            self._event.emit(name, args)
        return relay

    @Slot(str, object)
    def _deliver(self, name: str, args: tuple) -> None:
        if name == "results":
            self.results.emit(*args)
        elif name == "modified":
            self.modified.emit(*args)
        elif name == "history":
            self.history.emit()
        else:
            self.changed.emit(name, *args)
