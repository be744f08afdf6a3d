"""The Attack panel's live curves: Q(r) (a targeted search's misfit), and ‖r‖/‖x‖ with the network's
change in %, with a marker where the snapshot chosen on the perturbation path lies.

Axes are fitted by hand and only grow (`grown_range`): regenerating pyqtgraph's axes is most of a
plot's repaint cost, and repaints while an attack runs compete with the worker.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from ..theme import CURVE_COLOURS
from .attack_display import grown_range
from .common import legend_below


class LiveCurves:
    """Two plots (`objective_plot`, `percent_plot`) the panel lays out; `show` draws a history."""

    def __init__(self):
        self.objective_plot = pg.PlotWidget(title="Q(r)")
        self.percent_plot = pg.PlotWidget(title="size of r and of Δf (%)")
        for plot in self.plots():
            plot.setMinimumHeight(120)
            plot.setMaximumHeight(190)
            plot.disableAutoRange()
            plot.setMouseEnabled(False, False)
            plot.setLabel("bottom", "iteration")
            plot.getAxis("left").enableAutoSIPrefix(False)
            # no grid: pyqtgraph redraws grid lines on every paint, 5× the cost of the curves
        legend_below(self.percent_plot, columns=2)
        self.objective = self.objective_plot.plot(pen=pg.mkPen(CURVE_COLOURS["objective"], width=2))
        self.size = self.percent_plot.plot(pen=pg.mkPen(CURVE_COLOURS["perturbation"], width=2), name="‖r‖/‖x‖")
        self.change = self.percent_plot.plot(pen=pg.mkPen(CURVE_COLOURS["change"], width=2), name="‖Δf‖/‖f‖")
        # where the snapshot chosen on the perturbation path lies on the curves
        self.markers = [pg.InfiniteLine(angle=90, pen=pg.mkPen((128, 128, 128), width=1, style=Qt.PenStyle.DashLine))
                        for _ in range(2)]
        for plot, marker in zip(self.plots(), self.markers):
            plot.addItem(marker, ignoreBounds=True)
            marker.hide()
        self._fitted: set[int] = set()

    def plots(self) -> tuple[pg.PlotWidget, pg.PlotWidget]:
        return self.objective_plot, self.percent_plot

    def show(self, its: np.ndarray, objective: np.ndarray, size: np.ndarray, change: np.ndarray | None,
             iterations: int) -> None:
        """Draw one history (sizes in %; `change` None: a targeted search has none) on 0 … `iterations`."""
        self.objective.setData(its, objective)
        self.size.setData(its, size)
        if change is None:
            self.change.setData([], [])
        else:
            self.change.setData(its, change)
        self._fit(self.objective_plot, its, objective, iterations)
        self._fit(self.percent_plot, its, size if change is None else np.concatenate([size, change]), iterations)

    def clear(self) -> None:
        self._fitted = set()
        for curve in (self.objective, self.size, self.change):
            curve.setData([], [])

    def mark(self, iteration: int | None) -> None:
        """The dashed line at `iteration` (None: hidden)."""
        for marker in self.markers:
            marker.setVisible(iteration is not None)
            if iteration is not None:
                marker.setValue(iteration)

    def _fit(self, plot, its: np.ndarray, values: np.ndarray, iterations: int) -> None:
        x_range = (0.0, float(max(iterations, its.max() + 1)))
        if tuple(plot.viewRange()[0]) != x_range:
            plot.setXRange(*x_range, padding=0)
        finite = values[np.isfinite(values)]
        if finite.size:
            lo, hi = plot.viewRange()[1]
            new = grown_range((lo, hi) if id(plot) in self._fitted else (np.inf, -np.inf),
                              float(finite.min()), float(finite.max()))
            if new is not None:
                self._fitted.add(id(plot))
                plot.setYRange(*new, padding=0)
