"""Sampling panel: modality, mask kind, rate (or views), seed, and a live preview of Ω."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QComboBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QSlider, QSpinBox,
                               QVBoxLayout, QWidget)

from ...operators import MASK_KINDS
from ...experiment import kinds_for
from .common import ProblemLabel

MODALITIES = (("fourier", "Fourier (single-coil MRI)"), ("multicoil", "Multi-coil MRI"), ("radon", "Radon (CT)"))


def angle_segments(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """End points of one line through the centre per kept view (for connect='pairs')."""
    theta = np.flatnonzero(mask) * np.pi / len(mask)
    xs = np.stack([-np.cos(theta), np.cos(theta)], 1).ravel()
    ys = np.stack([-np.sin(theta), np.sin(theta)], 1).ravel()
    return xs, ys


class SamplingPanel(QWidget):
    """Edits the workbench's sampling; the rate slider is debounced so dragging stays smooth."""

    def __init__(self, workbench, parent: QWidget | None = None):
        super().__init__(parent)
        self.workbench = workbench
        self._updating = False
        self.modality = QComboBox()
        for key, text in MODALITIES:
            self.modality.addItem(text, key)
        self.modality.setStatusTip("What is measured: k-space (one or many coils) or CT views")
        self.kind = QComboBox()
        self.kind.setStatusTip("How the samples are chosen (see the README's table of mask kinds)")
        self.rate = QSlider(Qt.Orientation.Horizontal)
        self.rate.setRange(1, 100)
        self.rate.setStatusTip("Fraction of samples kept")
        self.rate_label = QLabel()
        self.views = QSpinBox()
        self.views.setRange(1, 1000)
        self.views.setStatusTip("Number of CT views kept out of the full set")
        self.seed = QSpinBox()
        self.seed.setRange(0, 999_999)
        self.seed.setStatusTip("Seed of the random mask (masks of one seed are nested across rates)")
        self.reset = QPushButton("Reset to the network's trained sampling")
        self.reset.clicked.connect(workbench.reset_sampling)
        plot = pg.GraphicsLayoutWidget()
        plot.setMinimumHeight(140)
        self.preview_box = plot.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.preview_box.setMouseEnabled(False, False)
        self.mask_item = pg.ImageItem(axisOrder="row-major")
        self.angle_item = pg.PlotCurveItem(connect="pairs", pen=pg.mkPen((31, 119, 180), width=1))
        self.preview_box.addItem(self.mask_item)
        self.preview_box.addItem(self.angle_item)
        self.preview = plot
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.problem = ProblemLabel()
        rate_row = QHBoxLayout()
        rate_row.addWidget(self.rate, 1)
        rate_row.addWidget(self.rate_label)
        form = QFormLayout()
        form.addRow("modality", self.modality)
        form.addRow("mask", self.kind)
        form.addRow("rate", rate_row)
        form.addRow("views", self.views)
        form.addRow("seed", self.seed)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.reset)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.info)
        layout.addWidget(self.problem)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self._apply_rate)
        self.modality.currentIndexChanged.connect(self._modality_changed)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.rate.valueChanged.connect(self._rate_moved)
        self.views.editingFinished.connect(self._views_changed)
        self.seed.editingFinished.connect(self._seed_changed)
        workbench.samplingChanged.connect(self.sync)
        workbench.problem.connect(self._problem)
        self.sync()

    # --- from the workbench to the widgets ----------------------------------------------------
    def sync(self) -> None:
        s = self.workbench.sampling.to_dict()
        self._updating = True
        try:
            self.modality.setCurrentIndex(self.modality.findData(s["modality"]))
            self.kind.clear()
            for k in kinds_for(s["modality"]):
                self.kind.addItem(k, k)
                self.kind.setItemData(self.kind.count() - 1, MASK_KINDS[k][2], Qt.ItemDataRole.ToolTipRole)
            self.kind.setCurrentIndex(self.kind.findData(s["kind"]))
            self.rate.setValue(max(1, round(100 * float(s["rate"]))))
            radon = s["modality"] == "radon"
            n_full = int(s.get("n_full", 1000))
            self.views.setRange(1, n_full)
            self.views.setValue(max(1, round(float(s["rate"]) * n_full)))
            self.views.setEnabled(radon)
            self.rate.setEnabled(not radon)
            self.seed.setValue(int(s.get("seed", 0)))
            self.reset.setEnabled(self.workbench.net is not None)
        finally:
            self._updating = False
        self._show_preview()

    def _show_preview(self) -> None:
        op = self.workbench.op
        mask = op.mask.detach().cpu().numpy()
        if mask.ndim == 2:
            self.angle_item.setData([], [])
            self.mask_item.setImage(mask.astype(np.float32), levels=(0, 1))
            self.mask_item.show()
            self.rate_label.setText(f"{op.rate:.1%}")
            self.info.setText(f"k-space mask {mask.shape[0]}×{mask.shape[1]}: {int(mask.sum())} samples "
                              f"({op.rate:.1%})")
        else:
            self.mask_item.hide()
            xs, ys = angle_segments(mask)
            self.angle_item.setData(xs, ys)
            self.rate_label.setText(f"{op.rate:.1%}")
            self.info.setText(f"{int(mask.sum())} of {len(mask)} views ({op.rate:.1%})")
        self.preview_box.autoRange(padding=0.02)

    # --- from the widgets to the workbench ----------------------------------------------------
    def _modality_changed(self) -> None:
        if not self._updating:
            self.workbench.set_sampling(modality=self.modality.currentData())
            self.sync()

    def _kind_changed(self) -> None:
        if not self._updating and self.kind.currentData():
            self.workbench.set_sampling(kind=self.kind.currentData())

    def _rate_moved(self, value: int) -> None:
        self.rate_label.setText(f"{value}%")
        if not self._updating:
            self._debounce.start()

    def _apply_rate(self) -> None:
        self.workbench.set_sampling(rate=self.rate.value() / 100)

    def set_rate(self, rate: float) -> None:
        """Set the rate at once (what releasing the slider does after the debounce)."""
        self.rate.setValue(round(100 * rate))
        self._debounce.stop()
        self.workbench.set_sampling(rate=rate)

    def _views_changed(self) -> None:
        if not self._updating:
            n_full = self.workbench.sampling.n_full
            self.workbench.set_sampling(rate=self.views.value() / n_full)

    def _seed_changed(self) -> None:
        if not self._updating:
            self.workbench.set_sampling(seed=self.seed.value())

    def _problem(self, panel: str, text: str) -> None:
        if panel == "sampling":
            self.problem.show_problem(text)
