"""The status bar and the error banner: what runs, what was written, and what went wrong.

Messages go to the left of the status bar; the cursor read-out sits at the right with a fixed
width, so it never covers them. While any job runs a small progress bar shows (a fraction when
the job reports one). An error is also shown in a banner above the views, where the user is
looking, and the window brings the panel it belongs to forward (see MainWindow.show_error).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from .theme import current_theme, error_colour

#: what the status bar says while a job of this name runs (None: the job says it itself)
JOB_TEXT = {"load network": None, "load image": None, "open session": "opening the session",
            "preview": "reconstructing f(Ax)", "details test": "details test running",
            "sweep": "more-samples sweep running", "point": "reconstructing the chosen point",
            "ceiling": "measuring the ceiling (linearised gain)", "snapshot": "keeping a snapshot",
            "export": "exporting", "restore attack": "restoring the attack", "attack": None,
            "null space": "splitting the errors (null space)", "target (add)": "false-feature search running",
            "target (remove)": "missing-feature search running"}
#: jobs whose end is worth a message (the others are followed by what they show)
DONE_TEXT = {"details test": "details test finished", "sweep": "more-samples sweep finished",
             "ceiling": "ceiling measured", "snapshot": "snapshot kept", "restore attack": "attack restored",
             "target (add)": "false-feature search finished", "target (remove)": "missing-feature search finished"}
#: jobs whose failure no panel reports by itself: (panel, what failed)
FAILURES = {"details test": "details", "sweep": "samples", "point": "samples"}
MESSAGE_MS = 10_000
ERROR_MS = 20_000
CURSOR_WIDTH = 380


def job_text(name: str) -> str | None:
    if name.startswith("baseline"):
        return "solving the baseline"
    return JOB_TEXT.get(name, name)


class ErrorBanner(QFrame):
    """A red line above the views with the last error; it stays until dismissed or replaced."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("error-banner")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setToolTip("Dismiss")
        self.close_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 3, 4, 3)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.close_button)
        self.message = ""
        self.hide()

    def show_error(self, text: str) -> None:
        colour = error_colour(current_theme())
        self.setStyleSheet(f"#error-banner {{ border: 1px solid {colour}; border-radius: 3px; }}"
                           f" QLabel {{ color: {colour}; }}")
        self.message = text
        self.label.setText(text)
        self.show()

    def dismiss(self) -> None:
        self.message = ""
        self.hide()


class StatusArea(QObject):
    """Owns the status bar's widgets and turns job signals into messages."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        bar = window.statusBar()
        self.cursor = QLabel()
        self.cursor.setFixedWidth(CURSOR_WIDTH)
        self.cursor.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.progress = QProgressBar()
        self.progress.setFixedWidth(110)
        self.progress.setMaximumHeight(14)
        self.progress.setTextVisible(False)
        self.progress.hide()
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cursor)
        self.running: list[str] = []               # the names of the runners the bar shows
        self.failed: tuple[str, str, str] | None = None     # the last failure: runner, job, message
        self._quiet: set[str] = set()
        self._refresh = QTimer(self)
        self._refresh.setInterval(250)
        self._refresh.timeout.connect(self._update_progress)

    def message(self, text: str, ms: int = MESSAGE_MS) -> None:
        self.window.statusBar().showMessage(text, ms)

    def watch(self, jobs, *, quiet=()) -> None:
        """Messages for the jobs of every runner of `jobs` (a `Jobs`), and the bar while one works,
        except the `quiet` runners (the attack and the views' own reconstructions show their
        progress where they are drawn)."""
        self._quiet = set(quiet)
        jobs.jobStarted.connect(self._started)
        jobs.jobFinished.connect(self._finished)
        jobs.jobFailed.connect(self._failed)
        jobs.busyChanged.connect(self._busy)

    def _busy(self, runner: str, busy: bool) -> None:
        if runner in self._quiet:
            return
        if busy:
            self.running.append(runner)
        elif runner in self.running:
            self.running.remove(runner)
        if self.running:
            self._refresh.start()
            self._update_progress()
        else:
            self._refresh.stop()
            self.progress.hide()

    def _update_progress(self) -> None:
        """Indeterminate while anything runs (jobs report their own fractions in their panels)."""
        self.progress.setRange(0, 0)
        self.progress.setToolTip("running: " + ", ".join(self.running))
        self.progress.show()

    def _started(self, runner: str, name: str) -> None:
        text = job_text(name)
        if text:
            self.message(text + " …", 0)

    def _finished(self, runner: str, name: str) -> None:
        if name in DONE_TEXT:
            self.message(DONE_TEXT[name])
        elif job_text(name) and self.window.statusBar().currentMessage() == job_text(name) + " …":
            self.window.statusBar().clearMessage()

    def _failed(self, runner: str, name: str, message: str) -> None:
        self.failed = (runner, name, message)
        if name in FAILURES:
            self.window.show_error(FAILURES[name], message)
        elif job_text(name) and self.window.statusBar().currentMessage() == job_text(name) + " …":
            self.window.statusBar().clearMessage()
