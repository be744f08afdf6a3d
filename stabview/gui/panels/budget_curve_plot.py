"""A small plot of the budget curve: the network's worst-case change against ε, beside random
noise of the same norm (max over the draws) and the baseline's change when it was measured."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from ..theme import CURVE_COLOURS
from .common import legend_below

SERIES = (("network_change_rel", "worst case", CURVE_COLOURS["change"]),
          ("network_change_rel_random_max", "noise (max)", (128, 128, 128)),
          ("baseline_change_rel", "baseline", CURVE_COLOURS["perturbation"]))


class BudgetCurvePlot(pg.PlotWidget):
    """Change (%) against budget ε (%), one point per finished budget."""

    def __init__(self, parent=None):
        super().__init__(parent, title="change vs budget ε (%)")
        self.setMinimumHeight(110)
        self.setMaximumHeight(170)
        self.setMouseEnabled(False, False)
        self.setLabel("bottom", "ε (% of ‖x‖)")
        self.getAxis("left").enableAutoSIPrefix(False)
        legend_below(self, columns=3)
        self.lines = {key: self.plot(pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=6,
                                     symbolBrush=colour, name=name) for key, name, colour in SERIES}
        self.points: list[dict] = []

    def show_points(self, points: list[dict]) -> None:
        if points == self.points:
            return                    # nothing new (progress repeats the list while a budget runs)
        self.points = list(points)
        budgets = np.array([100 * p["budget"] for p in points], float)
        for key, line in self.lines.items():
            if points and all(key in p for p in points):
                line.setData(budgets, np.array([100 * p[key] for p in points], float))
            else:
                line.setData([], [])
