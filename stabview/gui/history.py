"""Undo and redo of the window's work, and whether it is saved (plain Python, no Qt).

Every change that would lose work — a detail stamped after an attack, another network, image
or sampling, resetting the search — first records the state it replaces: an `Entry` holding a
`Memento` of the workbench (network object, image, details, sampling) and, when a search
existed, the search itself (`AttackMemento`: the object, its snapshots and display images).
Undo puts that state back and keeps the state it replaced for Redo, so the search and its
snapshots survive being stamped over and come back with Edit ▸ Undo.

`Document` is the session's name and its modified flag, which the title shows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

LIMIT = 50       # entries kept; the oldest go first (each may hold a network and a search)


@dataclass
class AttackMemento:
    """A search taken off the attack runner, to be put back as it was (nothing is copied:
    nothing else holds these objects once the runner has let go of them)."""

    search: Any = None
    snapshots: list = field(default_factory=list)
    clean: dict = field(default_factory=dict)
    last_view: Any = None
    state: str = "idle"
    ceiling: dict | None = None
    plan: Any = None                   # budgeted mode: the search's starts (StartPlan)

    @property
    def iteration(self) -> int:
        return self.search.iteration if self.search is not None else 0


@dataclass
class Memento:
    """What the workbench held: enough to put it back without loading anything again."""

    net: Any
    network_source: dict
    image_source: dict
    base_image: Any
    details: dict
    sampling: dict
    attack: AttackMemento | None = None


@dataclass
class Entry:
    label: str
    state: Memento


class UndoHistory:
    """Two stacks of entries; `push` clears the redo stack (a new change starts a new branch)."""

    def __init__(self, limit: int = LIMIT):
        self.limit = limit
        self.undo_stack: list[Entry] = []
        self.redo_stack: list[Entry] = []

    @property
    def can_undo(self) -> bool:
        return bool(self.undo_stack)

    @property
    def can_redo(self) -> bool:
        return bool(self.redo_stack)

    def push(self, entry: Entry) -> None:
        self.undo_stack.append(entry)
        del self.undo_stack[:-self.limit]
        self.redo_stack.clear()

    def take_undo(self) -> Entry | None:
        return self.undo_stack.pop() if self.undo_stack else None

    def take_redo(self) -> Entry | None:
        return self.redo_stack.pop() if self.redo_stack else None

    def clear(self) -> None:
        self.undo_stack.clear()
        self.redo_stack.clear()

    def labels(self) -> list[str]:
        return [e.label for e in self.undo_stack]


@dataclass
class Document:
    """The session file the window's work belongs to, and whether it changed since saved."""

    path: str | None = None
    modified: bool = False

    @property
    def name(self) -> str:
        return os.path.basename(self.path) if self.path else "untitled"

    def title(self, network: str | None) -> str:
        """'name* — network — stabview' (the star while there are unsaved changes)."""
        parts = [self.name + ("*" if self.modified else "")]
        if network:
            parts.append(network)
        return " — ".join(parts + ["stabview"])

    def saved(self, path: str) -> None:
        self.path, self.modified = str(path), False
