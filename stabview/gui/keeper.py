"""Nothing is lost: records the state each change replaces, and undoes and redoes changes.

The workbench calls `record(label)` around every change that replaces work (another network,
image or sampling, a detail edit); `reset_attack()` is the same for the search alone. Before
the change the search is taken off the attack runner (`AttackRunner.detach`) together with the
workbench's state (`history.Memento`); if the change happens, that is one undo entry, else the
search goes straight back. Undo and Redo swap the current state with the entry's.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable

from .history import Entry, Memento, UndoHistory
from .workbench import Change


class Keeper:
    """Holds the `UndoHistory` of one window; `changed()` is called after every change of the
    history, `modified()` after every change of the work (a push, an undo, a redo)."""

    def __init__(self, workbench, attack, changed: Callable[[], None] = lambda: None,
                 modified: Callable[[], None] = lambda: None):
        self.workbench, self.attack = workbench, attack
        self.history = UndoHistory()
        self.changed, self.modified = changed, modified
        self._quiet = 0                # > 0 while restoring or inside another recorded change
        workbench.recorder = self.record

    # --- recording ---------------------------------------------------------------------------
    def capture(self) -> Memento:
        """The workbench's state now, with the search taken off the runner (if there is one)."""
        wb = self.workbench
        return Memento(wb.net, dict(wb.network_source), dict(wb.image_source), wb.base_image,
                       wb.canvas.to_dict(), dict(wb.sampling), self.attack.detach())

    @contextmanager
    def record(self, label: str):
        change = Change()
        if self._quiet or self.workbench.net is None:      # nothing to go back to
            yield change
            return
        self._quiet += 1
        before = self.capture()
        generation = self.workbench.generation
        try:
            yield change
        except BaseException:
            change.ok = False
            raise
        finally:
            self._quiet -= 1
            if change.ok and self.workbench.generation != generation:
                self.history.push(Entry(label, before))
                self.changed()
                self.modified()
            elif before.attack is not None:
                self.attack.reattach(before.attack)

    def reset_attack(self) -> bool:
        """Forget the search (Attack ▸ Reset), undoably; False when there was none."""
        if self.attack.search is None:
            self.attack.reset()
            return False
        before = self.capture()
        self.history.push(Entry("reset the attack", before))
        self.changed()
        self.modified()
        return True

    # --- undo and redo -----------------------------------------------------------------------------
    def undo(self) -> bool:
        return self._swap(self.history.take_undo(), self.history.redo_stack)

    def redo(self) -> bool:
        return self._swap(self.history.take_redo(), self.history.undo_stack)

    def _swap(self, entry: Entry | None, other: list) -> bool:
        if entry is None:
            return False
        now = self.capture()
        self._quiet += 1
        try:
            self.workbench.restore(entry.state)
        finally:
            self._quiet -= 1
        if entry.state.attack is not None:
            self.attack.reattach(entry.state.attack)
        other.append(Entry(entry.label, now))
        self.changed()
        self.modified()
        return True

    def clear(self) -> None:
        self.history.clear()
        self.changed()
