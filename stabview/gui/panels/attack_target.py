"""The Attack panel's targeted modes: what their search shows while it runs and what it found.

The curves show the misfit ‖f(A(x + r)) − target‖/‖d‖ (1 at the start, 0 when the target is
reached) and ‖r‖/‖x‖; the progress line then gives the verdicts of d in the network's and the
baseline's outputs on the same r, ‖r‖/‖x‖, ‖r‖/‖d‖ and the correlation of r with d.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel

from ..target_runner import MODES, NO_DETAIL

TIPS = {"false feature": "find r with ‖r‖ ≤ ε‖x‖ that makes the network show the stamped detail although x "
                         "lacks it (as `stabview target --mode add`)",
        "missing feature": "x + detail is the truth: find r with ‖r‖ ≤ ε‖x‖ that makes the network erase the "
                           "detail (as `stabview target --mode remove`)"}


def progress_text(state: dict, iterations: int) -> str:
    return (f"step {state['iteration']} / {iterations}: misfit/‖d‖ {state['objective_rel']:.3f} "
            f"(best {state['best_rel']:.3f}), ‖r‖/‖x‖ {state['perturbation_rel']:.2%}")


def result_text(result: dict) -> str:
    """One paragraph: the verdicts first, then the sizes that say whether the finding matters."""
    feature = "false" if result["mode"] == "add" else "missing"
    verdicts = ", ".join(f"{name}: d {verdict}" for name, verdict in result["verdicts"].items())
    reached = "reached" if result["target_reached"] else "not reached"
    return (f"{feature} feature {reached} ({verdicts}); ‖r‖/‖x‖ {result['perturbation_rel']:.2%}, "
            f"‖r‖/‖d‖ {result['r_over_d']:.2f}, corr(r, d) {result['r_d_correlation']:.2f}; misfit/‖d‖ "
            f"{result['target_residual_rel_start']:.3f} → {result['target_residual_rel']:.3f} after "
            f"{result['iterations_run']} steps ({result['stopped_by']})")


class TargetControls(QObject):
    """Connects a `TargetRunner` to the Attack panel's curves, progress line and problem label."""

    def __init__(self, panel, target):
        super().__init__(panel)
        self.panel, self.target = panel, target
        self.label = QLabel("")             # the finished search's result (the panel places it)
        self.label.setWordWrap(True)
        self.label.hide()
        target.progressed.connect(self._progressed)
        target.finished.connect(self._finished)
        target.failed.connect(panel.problem.show_problem)
        target.cleared.connect(self._cleared)
        panel.workbench.imageChanged.connect(self.check)
        panel.workbench.model.events.results.connect(self._results_changed)

    @staticmethod
    def is_targeted(mode: str) -> bool:
        return mode in MODES

    def check(self) -> bool:
        """In a targeted mode, say what is missing (no detail stamped); True when it can run."""
        if not self.is_targeted(self.panel.mode()):
            return True
        problem = self.target.problem()
        shown = self.panel.problem.text()
        if problem or shown == NO_DETAIL:
            self.panel.problem.show_problem(problem)
        return not problem

    def run(self) -> bool:
        """Run the chosen targeted mode with the panel's ε and iterations."""
        from ...errors import StabviewError
        panel = self.panel
        budget = panel.budget.budget()
        try:
            if budget is None:
                raise StabviewError("ε must be a number > 0 (in % of ‖x‖, e.g. 2)")
            started = self.target.run(panel.mode(), budget, panel.iterations.value())
        except StabviewError as exc:
            panel.problem.show_problem(str(exc))
            return False
        if started:
            panel.problem.show_problem("")
            self.label.hide()
            self._clear_curves()
            panel.progress.setText("targeted search starting …")
        return started

    def _clear_curves(self) -> None:
        self.panel.curves.clear()

    def _show_history(self, history: list[dict]) -> None:
        if not history:
            return
        panel = self.panel
        its = np.array([h["iteration"] for h in history], float)
        misfit = np.array([h["objective_rel"] for h in history], float)
        size = 100 * np.array([h["perturbation_rel"] for h in history], float)
        panel.curves.show(its, misfit, size, None, panel.attack.iterations)

    def _progressed(self, state: dict) -> None:
        self._show_history(self.target.history)
        self.panel.progress.setText(progress_text(state, self.panel.iterations.value()))

    def _finished(self, result: dict | None) -> None:
        self.panel._update_buttons()
        if result is None:
            self.panel.progress.setText("targeted search dropped: the setup changed")
            return
        self._show_history(self.target.history)
        self.panel.progress.setText(f"targeted search: {result['iterations_run']} steps ({result['stopped_by']})")

    def _results_changed(self, results: dict) -> None:
        """The model's targeted result (a new one, or one brought back by undo or a session)."""
        result = results.get("target")
        self.label.setText(result_text(result) if result else "")
        self.label.setVisible(bool(result))

    def _cleared(self) -> None:
        if self.target.busy:
            return
        self._clear_curves()
        if self.is_targeted(self.panel.mode()):
            self.panel.progress.setText("not started")
