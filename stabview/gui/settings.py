"""Preferences and remembered state (window layout, recent files), stored with QSettings.

The file is an INI file in the user's config folder, or `$STABVIEW_SETTINGS` when set (tests
point it at a temporary file so they never touch a real user's settings).
"""

from __future__ import annotations

import os

from PySide6.QtCore import QByteArray, QSettings

from ..runtime import default_threads

THEMES = ("light", "dark")
DEVICES = ("cpu", "cuda")
RECENT_LIMIT = 8


class Settings:
    """Typed access to the settings file; every getter has a default."""

    def __init__(self, path: str | None = None):
        path = path or os.environ.get("STABVIEW_SETTINGS")
        if path:
            self._q = QSettings(path, QSettings.Format.IniFormat)
        else:
            self._q = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "stabview", "stabview")

    @property
    def path(self) -> str:
        return self._q.fileName()

    def _get(self, key: str, default, kind):
        value = self._q.value(key, default)
        try:
            return kind(value)
        except (TypeError, ValueError):
            return default

    # --- preferences -----------------------------------------------------------------------
    @property
    def threads(self) -> int:
        """torch threads for workers (default: cores − 1, at least 1)."""
        return max(1, self._get("compute/threads", default_threads(), int))

    @threads.setter
    def threads(self, n: int) -> None:
        self._q.setValue("compute/threads", max(1, int(n)))

    @property
    def device(self) -> str:
        value = self._get("compute/device", "cpu", str)
        return value if value in DEVICES else "cpu"

    @device.setter
    def device(self, name: str) -> None:
        self._q.setValue("compute/device", name if name in DEVICES else "cpu")

    @property
    def theme(self) -> str:
        value = self._get("view/theme", "light", str)
        return value if value in THEMES else "light"

    @theme.setter
    def theme(self, name: str) -> None:
        self._q.setValue("view/theme", name if name in THEMES else "light")

    # --- remembered state ------------------------------------------------------------------
    def recent(self, kind: str) -> list[str]:
        """Recent files of `kind` ('image', 'model', 'session'), newest first, existing only."""
        value = self._q.value(f"recent/{kind}", [])
        items = [value] if isinstance(value, str) else list(value or [])
        return [p for p in items if os.path.exists(p)][:RECENT_LIMIT]

    def add_recent(self, kind: str, path: str) -> None:
        path = os.path.abspath(path)
        items = [path] + [p for p in self.recent(kind) if p != path]
        self._q.setValue(f"recent/{kind}", items[:RECENT_LIMIT])

    def layout(self) -> tuple[QByteArray | None, QByteArray | None]:
        return self._q.value("window/geometry"), self._q.value("window/state")

    def save_layout(self, geometry: QByteArray, state: QByteArray) -> None:
        self._q.setValue("window/geometry", geometry)
        self._q.setValue("window/state", state)

    @property
    def clean_exit(self) -> bool:
        """False while a window is open: at start-up, False means the last run crashed."""
        return self._get("session/clean_exit", "true", str).lower() == "true"

    @clean_exit.setter
    def clean_exit(self, value: bool) -> None:
        self._q.setValue("session/clean_exit", "true" if value else "false")
        self._q.sync()

    def sync(self) -> None:
        self._q.sync()
