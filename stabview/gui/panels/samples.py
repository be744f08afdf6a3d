"""More-samples panel (test 3): PSNR against the rate for the network, the baseline and the
linear reconstruction, computed in the background; click a point to see that reconstruction."""

from __future__ import annotations

import warnings

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QHBoxLayout, QLabel, QLineEdit, QProgressBar, QPushButton, QVBoxLayout,
                               QWidget)

from ...errors import StabviewError
from ...stability.samples import sweep
from ...experiment import reconstructors
from ..theme import CURVE_COLOURS, TRAINED_COLOUR
from ..workers import Job
from .common import ProblemLabel, legend_below

DEFAULT_RATES = (0.1, 0.15, 0.2, 0.25, 0.33, 0.4, 0.5, 0.6)
DEFAULT_VIEWS = (25, 50, 100, 200, 500, 1000)


class SamplesPanel(QWidget):
    """Runs `stability.samples.sweep` in a worker; the plot fills in as results arrive."""

    def __init__(self, workbench, jobs, parent: QWidget | None = None):
        super().__init__(parent)
        self.workbench = workbench
        self.runner = jobs.runner("samples", lambda: workbench.settings.threads)
        self.view_runner = jobs.runner("samples-view", lambda: workbench.settings.threads)
        self.rates_edit = QLineEdit()
        self.rates_edit.setToolTip("comma-separated rates (MRI) or numbers of views (CT); empty: defaults")
        self.with_baseline = QCheckBox("baseline")
        self.with_baseline.setToolTip("include the compressed-sensing baseline (slow: seconds per point)")
        self.with_baseline.setChecked(True)
        self.run_button = QPushButton("Run sweep")
        self.run_button.setStatusTip("Test 3: PSNR against the sampling rate over nested masks")
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.runner.cancel)
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.plot = pg.PlotWidget()
        self.plot.setMinimumHeight(220)
        self.plot.setLabel("bottom", "subsampling rate")
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.plot.setLabel("left", "PSNR (dB)")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        legend_below(self.plot, columns=3)
        self.trained_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(TRAINED_COLOUR, width=2),
                                            label="trained", labelOpts={"position": 0.95, "color": TRAINED_COLOUR})
        self.plot.addItem(self.trained_line)
        self.series: dict[str, tuple] = {}
        self.picked = pg.ImageView()
        self.picked.ui.histogram.hide()
        self.picked.ui.roiBtn.hide()
        self.picked.ui.menuBtn.hide()
        self.picked.setMinimumHeight(160)
        self.picked_label = QLabel("click a point to see that reconstruction")
        self.problem = ProblemLabel()
        self.picked_value: tuple | None = None       # (reconstructor, rate) shown in `picked`
        row = QHBoxLayout()
        row.addWidget(QLabel("rates"))
        row.addWidget(self.rates_edit, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.with_baseline)
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.plot, 2)
        layout.addWidget(self.problem)
        layout.addWidget(self.picked, 1)
        layout.addWidget(self.picked_label)
        self.runner.busyChanged.connect(self._busy)
        workbench.networkChanged.connect(self._network_changed)
        workbench.imageChanged.connect(self.clear_picked)
        workbench.model.events.results.connect(self._results_changed)
        workbench.samplingChanged.connect(self.clear_picked)

    # --- the sweep ------------------------------------------------------------------------------
    def rates(self) -> list[float]:
        op = self.workbench.op
        text = self.rates_edit.text().strip()
        try:
            values = [float(v) for v in text.split(",") if v.strip()] if text else None
        except ValueError:
            raise StabviewError(f"rates: expected numbers like 0.1, 0.25, got '{text}'") from None
        if op.modality == "radon":
            n_full = op.mask.numel()
            views = values or [v for v in DEFAULT_VIEWS if v <= n_full]
            return sorted({v / n_full for v in views})
        trained = self.workbench.net.card.rate if self.workbench.net is not None else op.rate
        return sorted(set(values or DEFAULT_RATES) | ({round(trained, 4)} if not values else set()))

    def run(self) -> bool:
        wb = self.workbench
        try:
            error = wb.compatibility_error()
            if error:
                raise StabviewError(error)
            rates = self.rates()
        except StabviewError as exc:
            self.problem.show_problem(str(exc))
            return False
        net, op, card = wb.net, wb.op, wb.net.card
        images = wb.image()[None].to(wb.device)
        with_baseline = self.with_baseline.isChecked()

        def work(job: Job):
            runs = reconstructors(net, op, baseline=with_baseline, linear=True, should_stop=job.cancelled)
            result = None
            warnings.simplefilter("ignore", RuntimeWarning)   # means of rates not reached yet are NaN
            for done, total, result in sweep(runs, op, images, rates, trained_rate=card.rate,
                                             accepts_other_rates=card.accepts_other_rates,
                                             network_name=card.name):
                job.publish((done, total, result.summary()))
                if job.cancelled():
                    break
            return result.summary() if result is not None else None

        self.problem.show_problem("")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self._clear_series()
        generation = wb.generation
        return self.runner.submit(Job(work, on_done=lambda summary: self._finished(summary, generation),
                                      on_error=self._failed, on_progress=self._progressed, name="sweep"))

    def _progressed(self, value) -> None:
        done, total, summary = value
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.show_summary(summary)

    @property
    def result(self) -> dict | None:
        """Test 3's summary for the current experiment (the model's), or None."""
        return self.workbench.model.results.get("more_samples")

    def _finished(self, summary, generation: int) -> None:
        if summary is not None and generation == self.workbench.generation:
            self.workbench.model.set_result("more_samples", summary)

    def _results_changed(self, results: dict) -> None:
        if results.get("more_samples") is not None:
            self.show_summary(results["more_samples"])

    def _failed(self, message: str) -> None:
        self.problem.show_problem(message)

    def _busy(self, busy: bool) -> None:
        self.run_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)

    def _network_changed(self) -> None:
        net = self.workbench.net
        if net is not None:
            self.trained_line.setValue(net.card.rate)
        self.runner.cancel()
        self._clear_series()
        self.clear_picked()

    def clear_picked(self) -> None:
        """A picked reconstruction belongs to one network and image: drop it when they change."""
        self.view_runner.cancel()
        self.picked_value = None
        self.picked.clear()
        self.picked_label.setText("click a point to see that reconstruction")

    # --- plot -----------------------------------------------------------------------------------
    def _clear_series(self) -> None:
        for curve, points in self.series.values():
            self.plot.removeItem(curve)
            self.plot.removeItem(points)
        self.series.clear()
        self.plot.plotItem.legend.clear()

    def show_summary(self, summary: dict) -> None:
        """Draw (or update) one line with clickable points per reconstructor."""
        rates = np.asarray(summary["rates"], float)
        colours = {"network": CURVE_COLOURS["network"], "baseline": CURVE_COLOURS["baseline"]}
        for name, values in summary.items():
            if not isinstance(values, dict) or "psnr_mean" not in values:
                continue
            mean = np.asarray([np.nan if v is None else v for v in values["psnr_mean"]], float)
            colour = colours.get(name, CURVE_COLOURS["linear"])
            if name not in self.series:
                curve = self.plot.plot(pen=pg.mkPen(colour, width=2), name=name)
                points = pg.ScatterPlotItem(size=9, brush=pg.mkBrush(colour), pen=pg.mkPen(None), hoverable=True)
                points.sigClicked.connect(self._point_clicked)
                self.plot.addItem(points)
                self.series[name] = (curve, points)
            curve, points = self.series[name]
            ok = np.isfinite(mean)
            curve.setData(rates[ok], mean[ok])
            points.setData([{"pos": (r, m), "data": (name, float(r))} for r, m in zip(rates[ok], mean[ok])])
        if summary.get("trained_rate") is not None:
            self.trained_line.setValue(summary["trained_rate"])

    def _point_clicked(self, item, points, ev=None) -> None:
        if points is None or len(points) == 0:
            return
        name, rate = points[0].data()
        self.show_reconstruction(name, rate)

    def show_reconstruction(self, name: str, rate: float) -> bool:
        """Reconstruct the image at `rate` with `name` in the background and show it here."""
        wb = self.workbench
        net, op, x = wb.net, wb.op.with_rate(rate), wb.image()[None].to(wb.device)
        generation = wb.generation

        def work(job: Job):
            import torch
            recs = reconstructors(net, op, baseline=name == "baseline", linear=True, should_stop=job.cancelled)
            with torch.no_grad():
                out = recs[name](op.forward(x), op)
            return name, rate, out[0].abs().cpu().numpy().copy(), generation

        self.picked_label.setText(f"reconstructing ({name}, rate {rate:.3f}) …")
        return self.view_runner.submit(Job(work, on_done=self._show_picked, on_error=self._failed, name="point"))

    def _show_picked(self, value) -> None:
        name, rate, image, generation = value
        if generation != self.workbench.generation:
            return                       # made for a network or image no longer shown
        self.picked_value = (name, rate)
        self.picked.setImage(image, levels=(0, max(float(image.max()), 1e-6)))
        self.picked_label.setText(f"{name} at rate {rate:.3f}")
        self.picked_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
