"""The shared state the window edits and observes: an `Experiment`, its results and its history.

Every change replaces the immutable `Experiment` and emits one event per field that changed
(napari's evented models are the pattern: the model has no Qt; views subscribe). Because each
state is a value, undo and redo are a stack of values: nothing a user did is lost by a change.
"""

from __future__ import annotations

from dataclasses import fields

from .events import Events
from .experiment import Experiment

FIELDS = tuple(f.name for f in fields(Experiment))
#: how many earlier states undo can go back to
UNDO_DEPTH = 100


class ExperimentModel:
    """An `Experiment` with change events, results per test, undo/redo and a modified flag."""

    def __init__(self, experiment: Experiment):
        self._experiment = experiment
        self.results: dict[str, object] = {}
        self._undo: list[tuple[Experiment, dict]] = []
        self._redo: list[tuple[Experiment, dict]] = []
        self.modified = False
        self.events = Events(*FIELDS, "results", "modified")

    @property
    def experiment(self) -> Experiment:
        return self._experiment

    def update(self, **changes) -> bool:
        """Change fields of the experiment (validated); an undoable step. False if nothing changed."""
        new = self._experiment.with_(**changes)
        if new == self._experiment:
            return False
        self._undo = (self._undo + [(self._experiment, dict(self.results))])[-UNDO_DEPTH:]
        self._redo.clear()
        self._apply(new, {})
        return True

    def set_result(self, test: str, result) -> None:
        """Record what a test found for the current experiment ('attack', 'details', 'more_samples')."""
        self.results = {**self.results, test: result}
        self.events.results.emit(dict(self.results))
        self._set_modified(True)

    def can_undo(self) -> bool:
        return bool(self._undo)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> bool:
        """Back to the state before the last `update`, with the results it had."""
        if not self._undo:
            return False
        self._redo.append((self._experiment, dict(self.results)))
        experiment, results = self._undo.pop()
        self._apply(experiment, results)
        return True

    def redo(self) -> bool:
        if not self._redo:
            return False
        self._undo.append((self._experiment, dict(self.results)))
        experiment, results = self._redo.pop()
        self._apply(experiment, results)
        return True

    def mark_saved(self) -> None:
        self._set_modified(False)

    def _apply(self, experiment: Experiment, results: dict) -> None:
        old, self._experiment = self._experiment, experiment
        results_changed = results != self.results
        self.results = results
        for name in FIELDS:
            if getattr(old, name) != getattr(experiment, name):
                getattr(self.events, name).emit(getattr(experiment, name))
        if results_changed:
            self.events.results.emit(dict(self.results))
        self._set_modified(True)

    def _set_modified(self, value: bool) -> None:
        if value != self.modified:
            self.modified = value
            self.events.modified.emit(value)
