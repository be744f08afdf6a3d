"""Light and dark themes: a Fusion palette for the widgets and matching pyqtgraph colours."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

#: colours of plot lines that read well on both backgrounds
CURVE_COLOURS = {"network": (31, 119, 180), "baseline": (44, 160, 44), "linear": (148, 103, 189),
                 "objective": (255, 127, 14), "perturbation": (31, 119, 180), "change": (214, 39, 40)}
TRAINED_COLOUR = (214, 39, 40)

_DARK = {
    QPalette.ColorRole.Window: "#2b2b2b", QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#1e1e1e", QPalette.ColorRole.AlternateBase: "#2f2f2f",
    QPalette.ColorRole.ToolTipBase: "#3a3a3a", QPalette.ColorRole.ToolTipText: "#e6e6e6",
    QPalette.ColorRole.Text: "#e6e6e6", QPalette.ColorRole.Button: "#353535",
    QPalette.ColorRole.ButtonText: "#e6e6e6", QPalette.ColorRole.BrightText: "#ff5555",
    QPalette.ColorRole.Highlight: "#3d7bd9", QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#6aa5ff", QPalette.ColorRole.PlaceholderText: "#9a9a9a",
}


def plot_colours(theme: str) -> tuple[str, str]:
    """(background, foreground) for pyqtgraph widgets in `theme`."""
    return ("#1e1e1e", "#d0d0d0") if theme == "dark" else ("#ffffff", "#202020")


def error_colour(theme: str) -> str:
    return "#ff7b72" if theme == "dark" else "#b00020"


def apply_theme(app: QApplication, theme: str) -> None:
    """Switch the whole application (existing widgets included) to `theme`."""
    app.setStyle("Fusion")
    palette = app.style().standardPalette()
    if theme == "dark":
        for role, colour in _DARK.items():
            palette.setColor(role, QColor(colour))
        for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
            palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a7a"))
    app.setPalette(palette)
    background, foreground = plot_colours(theme)
    pg.setConfigOptions(background=background, foreground=foreground)
    app.setProperty("stabview_theme", theme)


def current_theme(app: QApplication | None = None) -> str:
    app = app or QApplication.instance()
    value = app.property("stabview_theme") if app is not None else None
    return value if value in ("light", "dark") else "light"
