"""Change events without Qt: a model calls `emit`, views subscribe with `connect`.

The window relays these to Qt signals in its own thread; commands and studies ignore them.
"""

from __future__ import annotations

from typing import Callable


class Event:
    """The callbacks subscribed to one kind of change, called in order with the new value."""

    def __init__(self, name: str):
        self.name = name
        self._callbacks: list[Callable] = []

    def connect(self, callback: Callable) -> Callable:
        if callback not in self._callbacks:
            self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callable) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, *args) -> None:
        for callback in list(self._callbacks):
            callback(*args)


class Events:
    """One `Event` per name, as attributes (`events.network.connect(...)`)."""

    def __init__(self, *names: str):
        for name in names:
            setattr(self, name, Event(name))
