"""One window/level and colormap control for all image views, and what the difference views
compare ("change vs f(Ax)" or "error vs x") and whether they share one scale."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton, QWidget

from .scales import MODE_TEXT
from .viewers import COLORMAPS


class LevelsBar(QWidget):
    """min / max of the shared window, 'Auto' (0 to the image's maximum) and the colormap."""

    def __init__(self, viewers, view_feed, parent: QWidget | None = None):
        super().__init__(parent)
        self.viewers, self.view_feed = viewers, view_feed
        self.low, self.high = QDoubleSpinBox(), QDoubleSpinBox()
        for box, value, tip in ((self.low, 0.0, "black below this value"), (self.high, 1.0, "white above this value")):
            box.setRange(-10.0, 10.0)
            box.setDecimals(3)
            box.setSingleStep(0.05)
            box.setValue(value)
            box.setToolTip(tip)
            box.setStatusTip("Window shared by the image views: " + tip)
            box.valueChanged.connect(self._changed)
        self.auto = QPushButton("Auto")
        self.auto.setStatusTip("Window from 0 to the maximum of x")
        self.auto.clicked.connect(self.auto_window)
        self.colormap = QComboBox()
        self.colormap.addItems(COLORMAPS)
        self.colormap.setStatusTip("Colormap of every view")
        self.colormap.currentTextChanged.connect(viewers.set_colormap)
        self.mode = QComboBox()
        for key, text in MODE_TEXT.items():
            self.mode.addItem(text, key)
        self.mode.setStatusTip("What the difference views show: the change from the clean reconstruction, "
                               "or the error against the true image x")
        self.mode.currentIndexChanged.connect(lambda: view_feed.set_mode(self.mode.currentData()))
        self.shared = QCheckBox("one scale")
        self.shared.setChecked(True)
        self.shared.setStatusTip("Network and baseline differences on one colour scale (off: each on its own)")
        self.shared.toggled.connect(view_feed.set_shared)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        for w in (QLabel("window"), self.low, QLabel("to"), self.high, self.auto, QLabel("colormap"), self.colormap):
            layout.addWidget(w)
        layout.addStretch(1)

    def difference_controls(self) -> list[QWidget]:
        """The comparison's controls (the window puts them beside the perturbation path)."""
        label = QLabel("differences")
        label.setToolTip(self.mode.statusTip())
        return [label, self.mode, self.shared]

    def _changed(self) -> None:
        self.viewers.set_window(self.low.value(), self.high.value())

    def set_window(self, low: float, high: float) -> None:
        self.low.setValue(low)
        self.high.setValue(high)

    def auto_window(self) -> None:
        x = self.viewers.image_of("x")
        if x is not None:
            self.set_window(0.0, float(x.max()) or 1.0)
