"""The Attack panel's paper-mode form: a preset, λ, γ, η, τ, the momentum kind and the snapshots kept.

The presets are the network card's tuned values (first, when the card has them) and the paper's
Table 1. Choosing one fills the form and asks for the paper mode (`presetChosen`); a new network
only fills the form, so the mode the user chose stays.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGridLayout, QLabel, QLineEdit, QWidget

from ...errors import StabviewError
from ...stability.params import METHODS, PAPER_PRESETS, AttackParams
from .common import NumberField

NUMBERS = (("lam", "λ", "weight of −λ/2‖r‖² in Q: larger keeps r smaller"),
           ("momentum", "γ", "momentum of the ascent, in [0, 1)"),
           ("lr", "η", "learning rate of the ascent"),
           ("init_scale", "τ", "r₀ = τ·U[0,1]ᴺ"))
#: iterations of the paper's presets (Table 1 gives none)
PRESET_ITERATIONS = 100


class PaperForm(QWidget):
    """The paper mode's settings; `presetChosen(params, iterations)` when the user picks a preset."""

    presetChosen = Signal(object, int)       # AttackParams (mode 'paper'), iterations

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.preset = QComboBox()
        self.preset.setStatusTip("Fill the parameters from the network's card or the paper's Table 1 "
                                 "(switches to the paper mode)")
        self.preset.activated.connect(self._preset_chosen)
        self.fields: dict[str, NumberField] = {}
        grid = QGridLayout()
        for k, (key, symbol, tip) in enumerate(NUMBERS):
            field = NumberField(getattr(AttackParams(), key), tip=tip,
                                maximum=0.999 if key == "momentum" else 1e9)
            self.fields[key] = field
            grid.addWidget(QLabel(symbol), k // 2, 2 * (k % 2))
            grid.addWidget(field, k // 2, 2 * (k % 2) + 1)
        self.method = QComboBox()
        self.method.addItems(METHODS)
        self.method.setToolTip("momentum kind: heavy-ball (the paper) or Nesterov")
        self.method.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.method.setMinimumContentsLength(6)
        self.snapshot_text = QLineEdit()
        self.snapshot_text.setPlaceholderText("auto: a third and two thirds")
        self.snapshot_text.setToolTip("iterations whose r is kept, e.g. 20, 50, 80")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("preset", self.preset)
        form.addRow(grid)
        form.addRow("momentum", self.method)
        form.addRow("snapshots at", self.snapshot_text)

    def refresh_presets(self, card=None) -> None:
        """The presets for a network's `card` (None: the paper's only); the one shown fills the form."""
        self.preset.clear()
        if card is not None and card.attack_preset:
            self.preset.addItem(f"card: {card.name} (tuned)", dict(card.attack_preset))
        for name, params in PAPER_PRESETS.items():
            self.preset.addItem(f"paper: {name}", {**params.to_dict(), "iterations": PRESET_ITERATIONS})
        if card is not None and not card.attack_preset and card.name in PAPER_PRESETS:
            self.preset.setCurrentIndex(list(PAPER_PRESETS).index(card.name))
        self.set_params(self._preset_params(self.preset.currentIndex()))

    def _preset_params(self, index: int) -> AttackParams:
        return AttackParams.from_dict({**(self.preset.itemData(index) or {}), "mode": "paper"})

    def _preset_chosen(self, index: int) -> None:
        iterations = (self.preset.itemData(index) or {}).get("iterations")
        self.presetChosen.emit(self._preset_params(index), int(iterations or 0))

    def set_params(self, params: AttackParams) -> None:
        """Show the paper mode's numbers and momentum kind of `params`."""
        for key, field in self.fields.items():
            field.set_value(getattr(params, key))
        self.method.setCurrentText(params.method)

    def values(self) -> dict:
        """{'lam', 'momentum', 'lr', 'init_scale'} as entered; raises StabviewError naming the bad field."""
        values = {}
        for key, symbol, _ in NUMBERS:
            value = self.fields[key].value()
            if value is None:
                raise StabviewError(f"{symbol} is not a valid number")
            values[key] = value
        return values

    def snapshot_iterations(self, iterations: int) -> tuple[int, ...]:
        """The iterations whose r the search keeps (a third and two thirds of `iterations` unless given)."""
        text = self.snapshot_text.text().strip()
        if not text:
            return tuple(sorted({max(1, iterations // 3), max(1, 2 * iterations // 3)}))
        try:
            return tuple(sorted({int(v) for v in text.replace(";", ",").split(",") if v.strip()}))
        except ValueError:
            raise StabviewError(f"snapshots: expected iterations like 20, 50, got '{text}'") from None
