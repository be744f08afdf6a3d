"""The shared state the window edits and observes: an `Experiment`, its results and its history.

Every change replaces the immutable `Experiment` and emits one event per field that changed
(napari's evented models are the pattern: the model has no Qt; views subscribe). Because each
state is a value, undo and redo are a stack of values: nothing a user did is lost by a change.

Views that hold live objects derived from the state (a loaded network, a running search) keep
them with the history through `keep(name, take, give)`: `take()` is called when a state is put on
the undo or redo stack and returns what to keep with it; `give(kept)` gets it back when that state
returns: before the field events (so a view can put back a network without loading it again), or
after them with `after_events=True` (so a search comes back onto the setup it belongs to).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Callable

from .events import Events
from .experiment import Experiment

FIELDS = tuple(f.name for f in fields(Experiment))
#: fields that define what the tests run on: changing one makes every result stale
SETUP_FIELDS = ("network", "image", "sampling", "details")
#: how many earlier states undo can go back to
UNDO_DEPTH = 100
#: how many of them keep the views' live objects (a search, a network): memory stays bounded by
#: these, not by the depth; an older state comes back with its values (the network loads again)
KEEP_LIVE = 10


@dataclass
class HistoryEntry:
    """One state on the undo or redo stack: the experiment, its results, what views kept."""

    label: str
    experiment: Experiment
    results: dict
    kept: dict = field(default_factory=dict)


class ExperimentModel:
    """An `Experiment` with change events, results per test, undo/redo and a modified flag."""

    def __init__(self, experiment: Experiment):
        self._experiment = experiment
        self.results: dict[str, object] = {}
        self._undo: list[HistoryEntry] = []
        self._redo: list[HistoryEntry] = []
        self._keepers: dict[str, tuple[Callable, Callable, bool]] = {}
        self.modified = False
        self.events = Events(*FIELDS, "results", "modified", "history")

    @property
    def experiment(self) -> Experiment:
        return self._experiment

    def keep(self, name: str, take: Callable[[], object], give: Callable[[object], None], *,
             after_events: bool = False) -> None:
        """Keep a view's live objects with each state of the history (see the module docstring)."""
        self._keepers[name] = (take, give, after_events)

    # --- changes -----------------------------------------------------------------------------
    def update(self, label: str = "", *, record: bool = True, **changes) -> bool:
        """Change fields of the experiment (validated); False if nothing changed.

        `record`: an undoable step named `label` (settings a user tunes pass False). A change of
        a setup field (network, image, sampling, details) drops the results: they were found
        for the state before, which undo brings back with them.
        """
        new = self._experiment.with_(**changes)
        if new == self._experiment:
            return False
        if record:
            self._push(self._undo, label)
            self._redo.clear()
        stale = any(getattr(new, name) != getattr(self._experiment, name) for name in SETUP_FIELDS)
        self._apply(new, {} if stale else self.results, record)
        return True

    def record(self, label: str) -> None:
        """An undoable step that changes no field: views take their live objects away (Reset)."""
        self._push(self._undo, label)
        self._redo.clear()
        self._set_modified(True)
        self.events.history.emit()

    def set_result(self, test: str, result) -> None:
        """Record what a test found for the current experiment ('attack', 'details', …); None drops it."""
        results = {k: v for k, v in self.results.items() if k != test}
        if result is not None:
            results[test] = result
        self.results = results
        self.events.results.emit(dict(self.results))
        self._set_modified(True)

    def reset(self, experiment: Experiment, results: dict | None = None) -> None:
        """Start over from `experiment` (a session opened): no history, nothing modified."""
        self._undo.clear()
        self._redo.clear()
        self._apply(experiment, dict(results or {}), False)
        self.mark_saved()

    # --- history ------------------------------------------------------------------------------
    def can_undo(self) -> bool:
        return bool(self._undo)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo_label(self) -> str:
        return self._undo[-1].label if self._undo else ""

    def redo_label(self) -> str:
        return self._redo[-1].label if self._redo else ""

    def undo(self) -> bool:
        """Back to the state before the last recorded step, with its results and kept objects."""
        return self._swap(self._undo, self._redo)

    def redo(self) -> bool:
        return self._swap(self._redo, self._undo)

    def clear_history(self) -> None:
        self._undo.clear()
        self._redo.clear()
        self.events.history.emit()

    def mark_saved(self) -> None:
        self._set_modified(False)

    def mark_modified(self) -> None:
        """Work changed outside the experiment's fields (a search ran): there is something to save."""
        self._set_modified(True)

    # --- inside -------------------------------------------------------------------------------
    def _push(self, stack: list[HistoryEntry], label: str) -> None:
        kept = {name: take() for name, (take, _, _) in self._keepers.items()}
        stack.append(HistoryEntry(label, self._experiment, dict(self.results), kept))
        del stack[:-UNDO_DEPTH]
        for entry in stack[:-KEEP_LIVE]:
            entry.kept = {}

    def _swap(self, source: list[HistoryEntry], target: list[HistoryEntry]) -> bool:
        if not source:
            return False
        entry = source.pop()
        self._push(target, entry.label)
        self._give(entry.kept, after_events=False)
        self._apply(entry.experiment, entry.results, True)
        self._give(entry.kept, after_events=True)
        return True

    def _give(self, kept: dict, *, after_events: bool) -> None:
        for name, (_, give, after) in self._keepers.items():
            if after == after_events:
                give(kept.get(name))

    def _apply(self, experiment: Experiment, results: dict, history_changed: bool) -> None:
        old, self._experiment = self._experiment, experiment
        results_changed = results != self.results
        self.results = dict(results)
        for name in FIELDS:
            if getattr(old, name) != getattr(experiment, name):
                getattr(self.events, name).emit(getattr(experiment, name))
        if results_changed:
            self.events.results.emit(dict(self.results))
        self._set_modified(True)
        if history_changed:
            self.events.history.emit()

    def _set_modified(self, value: bool) -> None:
        if value != self.modified:
            self.modified = value
            self.events.modified.emit(value)
