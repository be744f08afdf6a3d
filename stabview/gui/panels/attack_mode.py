"""The Attack panel's budgeted-mode controls, and how adequate a search was.

ε is entered in % of ‖x‖ (or ‖y‖ in the measurement domain) with a slider and a field kept in
sync: the slider covers 0.1%–10% in 0.1% steps, the field takes any value the engine accepts.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QSpinBox, QWidget

from ...stability.attack import ADEQUATE_SHARE
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
        self.field.setMaximumWidth(70)
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


def adequacy(numbers: dict, ceiling: dict | None) -> dict | None:
    """Achieved gain (change ÷ size) of the shown r against the ceiling, as the CLI reports it:
    {'gain', 'ceiling', 'share', 'converged', 'warning'}; None without a ceiling or an r."""
    if ceiling is None or "gain" not in ceiling or not numbers or numbers.get("perturbation_rel", 0) <= 0:
        return None
    gain = numbers["network_change_rel"] / numbers["perturbation_rel"]
    top = ceiling["gain"][0]
    share = gain / max(top, 1e-30)
    converged = bool(ceiling.get("converged"))
    return {"gain": gain, "ceiling": top, "share": share, "converged": converged,
            "warning": converged and share < ADEQUATE_SHARE}


def adequacy_text(figure: dict, budgeted: bool) -> str:
    text = f"gain {figure['gain']:.2f}× of ceiling {figure['ceiling']:.2f}× ({figure['share']:.0%})"
    if not figure["converged"]:
        text += " (ceiling not converged)"
    if figure["warning"]:
        text += (": a larger change may exist; add restarts or iterations" if budgeted else
                 ": a larger change may exist; run longer or use the budgeted mode")
    return text


def diverged_text(params) -> str:
    """What the CLI says when the paper's search ran away (stopped_by 'diverged')."""
    return (f"the paper's search diverged (‖r‖ passed {params.divergence_limit:.0%} of ‖x‖ or became "
            f"non-finite) with λ={params.lam:g}, η={params.lr:g}: the numbers are of the last r before "
            "that; raise λ or lower η, or use the budgeted mode")
