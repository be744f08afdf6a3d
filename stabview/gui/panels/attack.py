"""Attack panel: the mode and its form (budgeted: attack_budgeted.py; paper: attack_paper.py;
targeted: attack_target.py), iterations, p(x), domain, ROI; controls; the adequacy beside the
progress; live curves of Q, ‖r‖/‖x‖ and the network's change; the budget curve; a slider over the
snapshots r₁ < r₂ < …"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QFormLayout, QGridLayout, QLabel,
                               QPushButton, QRadioButton, QSlider, QSpinBox, QVBoxLayout, QWidget)

from ...errors import StabviewError
from ...stability.params import DOMAINS, TARGETS, AttackParams
from ..theme import current_theme, error_colour
from .attack_budgeted import BudgetedForm
from .attack_curves import LiveCurves
from .attack_display import current_numbers, grown_range, progress_text, snapshot_label
from .attack_mode import adequacy, adequacy_text, diverged_text
from .attack_paper import PaperForm
from .attack_target import TIPS as TARGET_TIPS, TargetControls
from .budget_curve_plot import BudgetCurvePlot
from ..target_runner import NO_DETAIL
from .common import ProblemLabel

__all__ = ["AttackPanel", "current_numbers", "grown_range", "progress_text", "snapshot_label"]


class AttackPanel(QWidget):
    """Drives an `AttackRunner`; `snapshotChosen(k)` asks the viewers to show snapshot k (−1: live)."""

    snapshotChosen = Signal(int)

    def __init__(self, attack, workbench, viewers, target=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.attack, self.workbench, self.viewers = attack, workbench, viewers
        if target is None:
            from ..target_runner import TargetRunner
            target = TargetRunner(workbench, attack, self)
        self.target_runner = target
        self.modes: dict[str, QRadioButton] = {}
        self.mode_group = QButtonGroup(self)
        mode_row = QGridLayout()
        for mode, tip in (("budgeted", "maximise the network's change with ‖r‖ ≤ ε‖x‖: nothing to tune "
                                       "(the default, as `stabview attack`)"),
                          ("paper", "the paper's penalised search (λ, γ, η, τ), for reproducing its figures"),
                          *TARGET_TIPS.items()):
            button = QRadioButton(mode)
            button.setToolTip(tip)
            button.setStatusTip(tip)
            self.modes[mode] = button
            self.mode_group.addButton(button)
            mode_row.addWidget(button, (len(self.modes) - 1) // 2, (len(self.modes) - 1) % 2)
        self.modes["budgeted"].setChecked(True)
        self.budgeted_box, self.paper_box = BudgetedForm(), PaperForm()
        # the forms' widgets, as the panel's own (sessions, scripts and tests set them)
        self.budget, self.restarts = self.budgeted_box.budget, self.budgeted_box.restarts
        self.preset, self.fields = self.paper_box.preset, self.paper_box.fields
        self.method, self.snapshot_text = self.paper_box.method, self.paper_box.snapshot_text
        self.paper_box.presetChosen.connect(lambda params, iterations: self.set_params(params, iterations or None))
        form = QFormLayout()
        form.addRow("mode", mode_row)
        form.addRow(self.budgeted_box)
        form.addRow(self.paper_box)
        self.iterations = QSpinBox()
        self.iterations.setRange(1, 100_000)
        self.iterations.setValue(100)
        self.iterations.setToolTip("steps of the search (budgeted: per start, each may stop earlier when it stalls)")
        self.target = QComboBox()
        self.target.addItems(TARGETS)
        self.target.setToolTip("p(x): push away from the clean output f(Ax) or from the truth x")
        self.domain = QComboBox()
        self.domain.addItems(DOMAINS)
        self.domain.setToolTip("perturb the image (r) or the measurements (r̃)")
        self.use_roi = QCheckBox("confine r to a region (box on the x view)")
        self.use_roi.toggled.connect(self._roi_toggled)
        for combo in (self.target, self.domain):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(6)
        pairs = QGridLayout()            # two settings per row keeps the panel short at 800 px
        for k, (label, widget) in enumerate((("iterations", self.iterations), ("p(x)", self.target),
                                             ("domain", self.domain))):
            pairs.addWidget(QLabel(label), k // 2, 2 * (k % 2))
            pairs.addWidget(widget, k // 2, 2 * (k % 2) + 1)
        form.addRow(pairs)
        form.addRow(self.use_roi)
        self.mode_group.buttonClicked.connect(lambda button: self._mode_changed())
        self.buttons: dict[str, QPushButton] = {}
        button_row = QGridLayout()
        for key, text, tip in (("run", "Run", "Run or resume the search (F5)"),  # two rows
                               ("pause", "Pause", "Pause after the current step"),
                               ("step", "Step", "One iteration (F10)"),
                               ("reset", "Reset", "Forget the search and start again from r₀"),
                               ("snapshot", "Snapshot", "Keep the current r as a snapshot"),
                               ("ceiling", "Ceiling", "Measure the network's linearised gain at x: the most "
                                                      "change ÷ size a tiny r can reach (Pause cancels)"),
                               ("curve", "Curve", "Budget curve: the worst-case change at ε = 0.5%, 1%, 2%, 5%, "
                                                  "each continued from the last (Pause cancels)")):
            button = QPushButton(text)
            button.setStatusTip(tip)
            button.setToolTip(tip)
            self.buttons[key] = button
            button_row.addWidget(button, (len(self.buttons) - 1) // 3, (len(self.buttons) - 1) % 3)
        self.buttons["run"].clicked.connect(self.run)
        self.buttons["pause"].clicked.connect(attack.pause)
        self.buttons["step"].clicked.connect(self.step)
        self.buttons["reset"].clicked.connect(attack.reset)
        self.buttons["snapshot"].clicked.connect(attack.take_snapshot)
        self.buttons["ceiling"].clicked.connect(self.measure_ceiling)
        self.buttons["curve"].clicked.connect(self.run_curve)
        self.progress = QLabel("not started")
        self.progress.setWordWrap(True)
        # a fixed height: the text changes every redraw, and a label that grows or shrinks by a
        # line re-lays out the whole panel (the plots resize and regenerate their axes: the
        # longest event-loop stall we measured during an attack)
        self.progress.setFixedHeight(3 * self.progress.fontMetrics().lineSpacing() + 4)
        self.progress.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.ceiling = QLabel("")
        self.ceiling.setWordWrap(True)
        self.ceiling.setFixedHeight(3 * self.ceiling.fontMetrics().lineSpacing() + 4)   # as above
        self.ceiling.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.ceiling.setStatusTip("change ÷ size of the current r against the network's linearised gain at x")
        self.problem = ProblemLabel()
        self.targeted = TargetControls(self, target)
        self.curve_plot = BudgetCurvePlot()
        self.curve_plot.hide()             # shown once a curve has points or runs
        self.curves = LiveCurves()
        self.objective_plot, self.percent_plot = self.curves.plots()      # the window themes them
        self.markers = self.curves.markers
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setStatusTip("Scrub the kept perturbations r₁ < r₂ < … (right end: the current r)")
        self.slider.valueChanged.connect(self._slider_moved)
        self.slider_label = QLabel("current r")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(button_row)
        layout.addWidget(self.progress)
        layout.addWidget(self.ceiling)
        layout.addWidget(self.problem)
        layout.addWidget(self.targeted.label)
        layout.addWidget(self.objective_plot, 1)
        layout.addWidget(self.percent_plot, 1)
        layout.addWidget(self.curve_plot, 1)
        layout.addWidget(self.slider)
        layout.addWidget(self.slider_label)
        self._roi_item = None
        self._warned = False
        attack.updated.connect(self.show_view)
        attack.stateChanged.connect(self._state_changed)
        attack.snapshotsChanged.connect(self._snapshots_changed)
        attack.failed.connect(self.problem.show_problem)
        attack.ceilingProgress.connect(self.ceiling.setText)
        attack.ceilingChanged.connect(self._ceiling_changed)
        attack.curveChanged.connect(self._curve_changed)
        attack.runner.busyChanged.connect(self._update_buttons)
        workbench.networkChanged.connect(self.refresh_presets)
        workbench.model.events.attack.connect(self._settings_changed)
        self.refresh_presets()
        self._mode_changed()
        self._state_changed("idle")

    # --- parameters --------------------------------------------------------------------------
    def refresh_presets(self) -> None:
        """The new network's presets in the paper form (the mode and the shared settings stay)."""
        net = self.workbench.net
        self.paper_box.refresh_presets(None if net is None else net.card)

    def mode(self) -> str:
        """'budgeted', 'paper', 'false feature' or 'missing feature'."""
        return next((mode for mode, button in self.modes.items() if button.isChecked()), "budgeted")

    def set_mode(self, mode: str) -> None:
        if mode == "budgeted" and self.targeted.is_targeted(self.mode()):
            return                      # the targeted modes keep their settings as budgeted ones
        self.modes[mode].setChecked(True)
        self._mode_changed()

    def _mode_changed(self) -> None:
        """Budgeted and targeted modes take ε (restarts only the budgeted); paper mode its numbers."""
        mode = self.mode()
        targeted = self.targeted.is_targeted(mode)
        self.budgeted_box.setVisible(mode != "paper")
        self.budgeted_box.show_restarts(not targeted)
        self.paper_box.setVisible(mode == "paper")
        if targeted:
            self.targeted.check()
        elif self.problem.text() == NO_DETAIL:
            self.problem.show_problem("")
        self._update_buttons()

    def _settings_changed(self, settings) -> None:
        """The model's attack settings changed (a session opened): show them, unless shown."""
        try:
            shown = (self.params(), self.iterations.value(), self.restarts.value())
        except StabviewError:
            shown = None
        if shown != (settings.params, settings.iterations, settings.restarts):
            self.set_params(settings.params, settings.iterations, settings.restarts)

    def set_params(self, params: AttackParams, iterations: int | None = None, restarts: int | None = None) -> None:
        self.paper_box.set_params(params)
        self.target.setCurrentText(params.target)
        self.domain.setCurrentText(params.domain)
        self.budget.set_budget(params.budget)
        self.set_mode(params.mode)
        if iterations is not None:
            self.iterations.setValue(iterations)
        if restarts is not None:
            self.restarts.setValue(restarts)

    def params(self) -> AttackParams:
        """The parameters as entered; raises StabviewError naming the bad field."""
        values = self.paper_box.values()
        budget = self.budget.budget()
        if budget is None:
            raise StabviewError("ε must be a number > 0 (in % of ‖x‖, e.g. 2)")
        return AttackParams(mode="paper" if self.mode() == "paper" else "budgeted", budget=budget, target=self.target.currentText(),
                            domain=self.domain.currentText(), method=self.method.currentText(),
                            seed=self.workbench.sampling.seed, **values)

    def snapshot_iterations(self) -> tuple[int, ...]:
        if self.mode() != "paper":
            return ()                # snapshots of the paper's path r₁ < r₂ < r₃ (Snapshot still keeps any r)
        return self.paper_box.snapshot_iterations(self.iterations.value())

    def roi_mask(self) -> np.ndarray | None:
        if not self.use_roi.isChecked() or self._roi_item is None:
            return None
        h, w = self.workbench.shape
        (x0, y0), (sx, sy) = self._roi_item.pos(), self._roi_item.size()
        mask = np.zeros((h, w), bool)
        r0, r1 = max(0, int(round(y0))), min(h, int(round(y0 + sy)))
        c0, c1 = max(0, int(round(x0))), min(w, int(round(x0 + sx)))
        mask[r0:r1, c0:c1] = True
        return mask

    def _roi_toggled(self, on: bool) -> None:
        box = self.viewers.boxes["x"]
        if on and self._roi_item is None:
            h, w = self.workbench.shape
            self._roi_item = pg.RectROI((w / 4, h / 4), (w / 2, h / 2), pen=pg.mkPen((255, 200, 0), width=2))
            box.addItem(self._roi_item)
        elif not on and self._roi_item is not None:
            box.removeItem(self._roi_item)
            self._roi_item = None

    def configure(self) -> bool:
        try:
            self.attack.configure(self.params(), self.iterations.value(), self.snapshot_iterations(),
                                  self.roi_mask(), self.restarts.value())
        except StabviewError as exc:
            self.problem.show_problem(str(exc))
            return False
        self.problem.show_problem("")
        return True

    # --- commands ------------------------------------------------------------------------------
    def run(self) -> bool:
        if self.targeted.is_targeted(self.mode()):
            return self.configure() and self.targeted.run()
        return self.configure() and self.attack.run()

    def step(self) -> bool:
        if self.targeted.is_targeted(self.mode()):
            self.problem.show_problem("a targeted search has no single steps: Run it (Pause ends it early)")
            return False
        return self.configure() and self.attack.step()

    def run_curve(self) -> bool:
        """The budget curve with the budgeted search's settings (whatever the mode shown)."""
        if not self.configure():
            return False
        self.curve_plot.show()
        return self.attack.run_curve()

    def _curve_changed(self, update) -> None:
        points, phase = update
        self.curve_plot.setVisible(bool(points) or self.attack.runner.busy)
        self.curve_plot.show_points(points)
        if phase:
            self.progress.setText(phase)

    # --- live display --------------------------------------------------------------------------
    def show_view(self, view) -> None:
        history = view.history
        if history:
            n = len(history)
            its = np.fromiter((h["iteration"] for h in history), float, n)
            q = np.fromiter((h["objective"] for h in history), float, n)
            r = 100 * np.fromiter((h["perturbation_rel"] for h in history), float, n)
            f = 100 * np.fromiter((h["network_change_rel"] for h in history), float, n)
            self.curves.show(its, q, r, f, self.attack.iterations)
            self._show_ceiling()
            self.progress.setText(progress_text(view, self.attack.iterations))

    # --- the ceiling ----------------------------------------------------------------------------
    def measure_ceiling(self) -> bool:
        if not self.configure():
            return False
        self.ceiling.setText("measuring the ceiling …")
        return self.attack.measure_ceiling()

    def _ceiling_changed(self, result: dict | None) -> None:
        if result is None:
            self.ceiling.setText("")
        elif result["cancelled"]:
            self.ceiling.setText("ceiling: cancelled")
        else:
            self._show_ceiling()

    def adequacy(self) -> dict | None:
        """The shown r's gain against the measured ceiling (see `attack_mode.adequacy`)."""
        view = self.attack.last_view
        if view is None or not view.history:
            return None
        return adequacy(current_numbers(view), self.attack.ceiling)

    def _show_ceiling(self) -> None:
        """The runner's measured ceiling beside the current r's gain (nothing when none is measured);
        red with advice when the search reached less than half of a converged ceiling."""
        if self.attack.ceiling is None:
            return
        figure = self.adequacy()
        warn = figure is not None and figure["warning"] and self.attack.state == "finished"
        if warn != self._warned:       # restyling re-polishes the label: only when it changes
            self._warned = warn
            self.ceiling.setStyleSheet(f"color: {error_colour(current_theme())};" if warn else "")
        if figure is None:
            self.ceiling.setText(f"linearised gain at x (ceiling): {self.attack.ceiling['gain'][0]:.2f}×")
        else:
            self.ceiling.setText(adequacy_text({**figure, "warning": warn}, self.mode() == "budgeted"))

    def _update_buttons(self, *args) -> None:
        """From the search's state and the attack thread's job (the thread also measures the
        ceiling and takes snapshots): one job at a time, and Pause cancels whichever runs."""
        state, busy = self.attack.state, self.attack.runner.busy
        idle_thread = state != "running" and not busy
        self.buttons["run"].setEnabled(idle_thread)
        self.buttons["step"].setEnabled(idle_thread and not self.targeted.is_targeted(self.mode()))
        self.buttons["pause"].setEnabled(not idle_thread)
        self.buttons["snapshot"].setEnabled(state != "idle")
        self.buttons["ceiling"].setEnabled(not busy)
        self.buttons["curve"].setEnabled(not busy)

    def _state_changed(self, state: str) -> None:
        self._update_buttons()
        search = self.attack.search
        if state in ("finished", "paused") and search is not None and search.stopped_by == "diverged":
            self.problem.show_problem(diverged_text(search.params))
        if state == "finished":
            self._show_ceiling()
        if state == "idle":
            self.progress.setText("not started")
            self.curves.clear()

    def _snapshots_changed(self) -> None:
        n = len(self.attack.snapshots)
        at_end = self.slider.value() == self.slider.maximum()
        self.slider.blockSignals(True)
        self.slider.setRange(0, n)
        if at_end:
            self.slider.setValue(n)
        self.slider.blockSignals(False)
        self._slider_moved(self.slider.value())

    def _slider_moved(self, value: int) -> None:
        snaps = self.attack.snapshots
        self.curves.mark(snaps[value]["iteration"] if value < len(snaps) else None)
        if value < len(snaps):
            self.slider_label.setText(snapshot_label(snaps[value], value))
            self.snapshotChosen.emit(value)
        else:
            self.slider_label.setText("current r" + (f" ({len(snaps)} kept)" if snaps else ""))
            self.snapshotChosen.emit(-1)
