"""Small widgets the panels share: an error line, a number field that accepts 1e-5, a form,
and a plot legend placed below the axes (never over the curves)."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QSizePolicy, QWidget


def legend_below(plot: pg.PlotWidget, columns: int = 3) -> pg.LegendItem:
    """A legend in its own row under the plot's bottom axis; curves added with `name=` join it."""
    legend = pg.LegendItem(colCount=columns, verSpacing=-6, horSpacing=12)
    item = plot.getPlotItem()
    item.layout.addItem(legend, 4, 1)
    item.legend = legend
    return legend

from ..theme import current_theme, error_colour


class ProblemLabel(QLabel):
    """A red, word-wrapped line that shows what went wrong (hidden when there is nothing)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.hide()

    def show_problem(self, text: str) -> None:
        self.setStyleSheet(f"color: {error_colour(current_theme())};")
        self.setText(text)
        self.setVisible(bool(text))


class NumberField(QLineEdit):
    """A float field that takes any notation (0.001, 1e-5); `valueChanged` only for valid input."""

    valueChanged = Signal(float)

    def __init__(self, value: float = 0.0, *, minimum: float = 0.0, maximum: float = math.inf,
                 tip: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.minimum, self.maximum = minimum, maximum
        self.setToolTip(tip)
        self.setStatusTip(tip)
        self.setMinimumWidth(50)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.set_value(value)
        self.editingFinished.connect(self._edited)

    def value(self) -> float | None:
        try:
            number = float(self.text().strip())
        except ValueError:
            return None
        return number if math.isfinite(number) and self.minimum <= number <= self.maximum else None

    def set_value(self, value: float) -> None:
        self.setText(f"{value:g}")
        self.setStyleSheet("")

    def _edited(self) -> None:
        number = self.value()
        if number is None:
            self.setStyleSheet(f"border: 1px solid {error_colour(current_theme())};")
            self.setToolTip(f"enter a number between {self.minimum:g} and {self.maximum:g}")
            return
        self.setStyleSheet("")
        self.valueChanged.emit(number)
