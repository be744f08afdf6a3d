"""The Attack panel's budgeted-mode form: ε and the number of random restarts.

ε is entered in % of ‖x‖ (or ‖y‖ in the measurement domain) with a slider and a field kept in
sync: the slider covers 0.1%–10% in 0.1% steps, the field takes any value the engine accepts.
The targeted modes take ε from this form too (without restarts).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QSizePolicy, QSlider, QSpinBox, QWidget

from .common import NumberField

SLIDER_STEP = 0.1          # % per slider tick
SLIDER_MAX = 10.0          # %
DEFAULT_PERCENT = 2.0


class BudgetControls(QWidget):
    """ε (slider + field, in %) and the number of random restarts."""

    budgetChanged = Signal(float)     # ε as a share (0.02 for 2%)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        tip = "ε: the search keeps ‖r‖ ≤ ε‖x‖ (image domain) or ‖e‖ ≤ ε‖y‖ (measurement domain), in %"
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(1, round(SLIDER_MAX / SLIDER_STEP))
        self.slider.setToolTip(tip)
        self.slider.setStatusTip(tip)
        self.field = NumberField(DEFAULT_PERCENT, minimum=1e-4, maximum=100.0, tip=tip)
        # wide enough for "10.25" whatever the font; fixed, so the slider gives way, not the field
        self.field.setFixedWidth(self.field.fontMetrics().horizontalAdvance("10.255") + 16)
        self.field.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.slider.setMinimumWidth(60)
        self.restarts = QSpinBox()
        self.restarts.setRange(0, 100)
        self.restarts.setValue(2)
        tip = "random starts besides the one along the ceiling's direction (more find larger changes)"
        self.restarts.setToolTip(tip)
        self.restarts.setStatusTip(tip)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.slider, 1)
        row.addWidget(self.field)
        row.addWidget(QLabel("%"))
        self.slider.valueChanged.connect(self._slid)
        self.field.valueChanged.connect(self._typed)
        self.set_budget(DEFAULT_PERCENT / 100)

    def budget(self) -> float | None:
        """ε as a share of ‖x‖ (None when the field holds no valid number)."""
        value = self.field.value()
        return None if value is None else value / 100

    def set_budget(self, budget: float) -> None:
        self.field.set_value(round(100 * budget, 6))
        self._move_slider(100 * budget)

    def _move_slider(self, percent: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(max(1, min(self.slider.maximum(), round(percent / SLIDER_STEP))))
        self.slider.blockSignals(False)

    def _slid(self, ticks: int) -> None:
        self.field.set_value(round(ticks * SLIDER_STEP, 6))
        self.budgetChanged.emit(ticks * SLIDER_STEP / 100)

    def _typed(self, percent: float) -> None:
        self._move_slider(percent)
        self.budgetChanged.emit(percent / 100)


class BudgetedForm(QWidget):
    """The rows 'ε' and 'restarts' of the budgeted mode."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.budget = BudgetControls()
        self.restarts = self.budget.restarts
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("ε", self.budget)
        form.addRow("restarts", self.restarts)

    def show_restarts(self, shown: bool) -> None:
        """Restarts belong to the budgeted search only (the targeted modes hide them)."""
        self.layout().setRowVisible(self.restarts, shown)
