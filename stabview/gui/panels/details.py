"""Details panel: stamp ♠ ♥ ♦ ♣ or text, brush and eraser, undo/redo/clear, and test 2.

Clicks and strokes on the x view arrive here and become operations of the workbench's
`DetailCanvas`; the view then shows the model's image. The structural test runs in a worker.
"""

from __future__ import annotations

from PySide6.QtWidgets import (QButtonGroup, QDoubleSpinBox, QFormLayout, QGridLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QRadioButton, QSpinBox, QToolButton, QVBoxLayout, QWidget)

from ...errors import StabviewError
from ...stability.details import DEFAULT_TEXT, SYMBOLS, Detail, structural_test
from ...experiment import reconstructors
from ..workers import Job
from .common import ProblemLabel

TOOLS = (("", "Pan/zoom"), ("stamp", "Stamp"), ("brush", "Brush"), ("eraser", "Eraser"))


class DetailsPanel(QWidget):
    """Chooses the tool and the stamp; applies the viewer's clicks and strokes to the model."""

    def __init__(self, workbench, viewers, jobs, parent: QWidget | None = None):
        super().__init__(parent)
        self.workbench, self.viewers = workbench, viewers
        self.runner = jobs.runner("details", lambda: workbench.settings.threads)
        self.tools = QButtonGroup(self)
        tool_row = QHBoxLayout()
        for k, (key, text) in enumerate(TOOLS):
            button = QToolButton()
            button.setText(text)
            button.setCheckable(True)
            button.setProperty("tool", key)
            button.setStatusTip(f"{text}: " + ("drag to pan, wheel to zoom" if not key else
                                               "click or drag on the x view"))
            self.tools.addButton(button, k)
            tool_row.addWidget(button)
        self.tools.button(0).setChecked(True)
        self.tools.idToggled.connect(self._tool_changed)
        self.symbol_group = QButtonGroup(self)
        symbol_row = QGridLayout()
        for k, (name, glyph) in enumerate(SYMBOLS.items()):
            radio = QRadioButton(glyph)
            radio.setProperty("symbol", name)
            radio.setToolTip(name)
            self.symbol_group.addButton(radio, k)
            symbol_row.addWidget(radio, 0, k)
        self.text_radio = QRadioButton("text")
        self.symbol_group.addButton(self.text_radio, len(SYMBOLS))
        self.text = QLineEdit(DEFAULT_TEXT)
        symbol_row.addWidget(self.text_radio, 1, 0)
        symbol_row.addWidget(self.text, 1, 1, 1, 3)
        self.symbol_group.button(1).setChecked(True)      # ♥
        self.size = QSpinBox()
        self.size.setRange(3, 256)
        self.size.setValue(16)
        self.size.setStatusTip("Height of the stamp in pixels")
        self.intensity = QDoubleSpinBox()
        self.intensity.setRange(0.01, 2.0)
        self.intensity.setSingleStep(0.05)
        self.intensity.setValue(0.5)
        self.intensity.setStatusTip("Intensity added by the stamp or brush (images are in [0, 1])")
        self.radius = QDoubleSpinBox()
        self.radius.setRange(0.5, 32)
        self.radius.setValue(1.5)
        self.radius.setStatusTip("Brush and eraser radius in pixels")
        form = QFormLayout()
        form.addRow("size", self.size)
        form.addRow("intensity", self.intensity)
        form.addRow("brush radius", self.radius)
        self.undo_button, self.redo_button = QPushButton("Undo"), QPushButton("Redo")
        self.clear_button = QPushButton("Clear")
        self.undo_button.clicked.connect(self.undo)
        self.redo_button.clicked.connect(self.redo)
        self.clear_button.clicked.connect(self.clear)
        edit_row = QHBoxLayout()
        for b in (self.undo_button, self.redo_button, self.clear_button):
            edit_row.addWidget(b)
        self.test_button = QPushButton("Run details test")
        self.test_button.setStatusTip("Test 2: is the detail visible in f(A(x + d)) and in the baseline?")
        self.test_button.clicked.connect(self.run_test)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.problem = ProblemLabel()
        layout = QVBoxLayout(self)
        layout.addLayout(tool_row)
        layout.addLayout(symbol_row)
        layout.addLayout(form)
        layout.addLayout(edit_row)
        layout.addWidget(self.test_button)
        layout.addWidget(self.verdict)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        viewers.clicked.connect(self.stamp_at)
        viewers.stroked.connect(self.stroke)
        workbench.imageChanged.connect(self._update_buttons)
        workbench.model.events.results.connect(self._results_changed)
        self._update_buttons()

    # --- edits -------------------------------------------------------------------------------
    def current_detail(self, row: float, col: float) -> Detail:
        if self.text_radio.isChecked():
            return Detail("text", self.text.text() or DEFAULT_TEXT, (row, col), self.size.value(),
                          self.intensity.value())
        name = self.symbol_group.checkedButton().property("symbol")
        return Detail("symbol", name, (row, col), self.size.value(), self.intensity.value())

    def stamp_at(self, row: float, col: float) -> None:
        detail = self.current_detail(row, col)
        try:
            self.workbench.edit_details(f"stamp {detail.content}", lambda canvas: canvas.stamp(detail))
            self.problem.show_problem("")
        except StabviewError as exc:
            self.problem.show_problem(str(exc))

    def stroke(self, points) -> None:
        tool = self.viewers.tool
        if tool not in ("brush", "eraser"):
            return
        radius, intensity = self.radius.value(), self.intensity.value()
        try:
            self.workbench.edit_details(tool, lambda canvas: canvas.stroke(points, radius, intensity,
                                                                           erase=tool == "eraser"))
        except StabviewError as exc:
            self.problem.show_problem(str(exc))

    def clear(self) -> None:
        self.workbench.edit_details("clear the details", lambda canvas: canvas.clear())

    def undo(self) -> None:
        """The window's Edit ▸ Undo (one history for details, attacks, networks and images)."""
        self.history_undo()

    def redo(self) -> None:
        self.history_redo()

    def history_undo(self) -> None:      # replaced by the window with its own (it says what it undid)
        self.workbench.model.undo()

    def history_redo(self) -> None:
        self.workbench.model.redo()

    def set_tool(self, key: str) -> None:
        for button in self.tools.buttons():
            if button.property("tool") == key:
                button.setChecked(True)

    def _tool_changed(self, index: int, checked: bool) -> None:
        if checked:
            self.viewers.tool = self.tools.button(index).property("tool")

    def _update_buttons(self) -> None:
        self.clear_button.setEnabled(not self.workbench.canvas.is_empty)

    @property
    def results(self) -> dict:
        """Test 2's verdicts for the current details: {reconstructor: {verdict, correlation, contrast}}."""
        return dict(self.workbench.model.results.get("details", {}))

    def _results_changed(self, results: dict) -> None:
        if "details" in results:
            self.show_results(results["details"])
        else:
            self.verdict.setText("")

    def set_undo_enabled(self, undo: bool, redo: bool) -> None:
        self.undo_button.setEnabled(undo)
        self.redo_button.setEnabled(redo)

    # --- test 2 -------------------------------------------------------------------------------
    def run_test(self) -> bool:
        wb = self.workbench
        error = wb.compatibility_error() or ("" if not wb.canvas.is_empty else
                                             "stamp or draw a detail on the x view first")
        if error:
            self.problem.show_problem(error)
            return False
        net, op, x, d = wb.net, wb.op, wb.base_image[None].to(wb.device), wb.canvas.tensor()
        generation = wb.generation

        def work(job: Job):
            found = structural_test(reconstructors(net, op, should_stop=job.cancelled), op, x, d)
            if job.cancelled():                  # a baseline cut short: no verdict from it
                return None
            return {name: entry["measure"] for name, entry in found.items()}

        self.problem.show_problem("")
        self.verdict.setText("testing …")
        return self.runner.submit(Job(work, on_done=lambda measures: self._tested(measures, generation),
                                      on_error=self._failed, name="details test"))

    def _tested(self, measures: dict | None, generation: int) -> None:
        if measures is None or generation != self.workbench.generation:   # cancelled, or stale
            self.verdict.setText("")
            return
        self.workbench.model.set_result("details", {k: m.to_dict() for k, m in measures.items()})

    def show_results(self, results: dict) -> None:
        """Show verdicts per reconstructor: {name: {verdict, correlation, contrast}}."""
        lines = [f"<b>{name}</b>: {m['verdict']} (correlation {m['correlation']:.2f}, "
                 f"contrast {m['contrast']:.2f})" for name, m in results.items()]
        if "baseline" not in results:
            lines.append("baseline: not available in this installation")
        self.verdict.setText("<br>".join(lines))

    def _failed(self, message: str) -> None:
        self.verdict.setText("")
        self.problem.show_problem(message)
