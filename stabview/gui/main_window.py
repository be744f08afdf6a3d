"""The main window: viewer grid in the middle, panels in docks, menus, status bar, autosave.

`MainWindow(settings, network=None, load_defaults=True)`: with `network` (a
`ReconstructionNetwork`) the window uses it directly; otherwise it loads the default network
(Deep MRI) from the zoo in the background when the zoo has it. The brain sample loads in the
background too, so one click on Run starts an attack.

Nothing is lost: changes that replace work are undoable (keeper.py), and quitting or opening a
session with unsaved changes asks first (Save / Discard / Cancel); the title shows the session's
name with a star while it has unsaved changes.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QApplication, QDockWidget, QFileDialog, QFrame, QHBoxLayout, QLabel, QMainWindow,
                               QMessageBox, QScrollArea, QVBoxLayout, QWidget)

from ..errors import StabviewError
from ..session import Session, autosave_path
from . import exporting, menus, session_io
from .autosave import BackgroundSaver
from .attack_runner import AttackRunner
from .comparison import Comparison
from .dialogs import GuideDialog, PreferencesDialog, show_about
from .files import file_kind
from .history import Document
from .keeper import Keeper
from .levels import LevelsBar
from .panels.attack import AttackPanel
from .panels.details import DetailsPanel
from .panels.image import ImageDropTarget, ImagePanel
from .panels.network import NetworkPanel
from .panels.sampling import SamplingPanel
from .panels.samples import SamplesPanel
from .settings import Settings
from .status import ERROR_MS, ErrorBanner, StatusArea
from .theme import apply_theme, plot_colours
from .viewers import ViewerGrid
from .workbench import Workbench
from .workers import Job, JobRunner

DEFAULT_NETWORK = "deepmri"
DEFAULT_IMAGE = "brain"
AUTOSAVE_MS = 20_000
SESSION_FILTER = "stabview session (*.json)"


class MainWindow(ImageDropTarget, QMainWindow):
    """See the module docstring; `confirm` is the one place that asks the user yes/no."""

    def __init__(self, settings: Settings | None = None, *, network=None, load_defaults: bool = True):
        super().__init__()
        self.setWindowTitle("stabview")
        self.setObjectName("stabview-main")
        self.settings = settings or Settings()
        self.workbench = Workbench(self.settings, self)
        self.attack = AttackRunner(self.workbench, self)
        self.viewers = ViewerGrid()
        self.comparison = Comparison(self.workbench, self.attack, self.viewers, self)
        self.levels = LevelsBar(self.viewers, self.comparison)
        self.banner = ErrorBanner()
        self.document = Document()
        self.keeper = Keeper(self.workbench, self.attack, self._history_changed, self._modified)
        self.session_loader = JobRunner("session", lambda: 1, self)
        self.network_panel = NetworkPanel(self.workbench)
        self.image_panel = ImagePanel(self.workbench)
        self.sampling_panel = SamplingPanel(self.workbench)
        self.details_panel = DetailsPanel(self.workbench, self.viewers)
        self.attack_panel = AttackPanel(self.attack, self.workbench, self.viewers)
        self.samples_panel = SamplesPanel(self.workbench)
        self.attack_panel.snapshotChosen.connect(self.comparison.choose_snapshot)
        self._build_centre()
        self.docks: dict[str, QDockWidget] = {}
        self._build_docks()
        self.actions = menus.build_menus(self)
        self.actions[f"theme_{self.settings.theme}"].setChecked(True)
        self._shortcuts = menus.ShortcutKeeper([self.actions[k] for k in menus.APPLICATION_WIDE], self)
        QApplication.instance().installEventFilter(self._shortcuts)
        self.status = StatusArea(self)
        self.cursor_label = self.status.cursor
        for runner in self.runners():
            self.status.watch(runner)
        self.viewers.hovered.connect(self.cursor_label.setText)
        self.workbench.status.connect(self.show_message)
        self.workbench.problem.connect(self._problem)
        self.attack.failed.connect(lambda text: self.show_error("attack", text))
        self.attack.stateChanged.connect(self._attack_state)
        self.workbench.networkChanged.connect(self._title)
        self.workbench.imageChanged.connect(self._history_changed)
        self.workbench.imageChanged.connect(self._dirty)
        self.attack.stateChanged.connect(self._dirty)
        self.details_panel.history_undo = self.undo
        self.details_panel.history_redo = self.redo
        self.attack_panel.buttons["reset"].clicked.disconnect()
        self.attack_panel.buttons["reset"].clicked.connect(self.keeper.reset_attack)
        for runner in (self.details_panel.runner, self.samples_panel.runner):
            runner.jobFinished.connect(self._modified)
        self._export_waiting: str | None = None
        self._resume_after_export = False
        self.setAcceptDrops(True)
        self.resize(1280, 800)
        self._default_state = self.saveState()
        geometry, state = self.settings.layout()
        if geometry is not None:
            self.restoreGeometry(geometry)
        self._sized = state is not None and bool(self.restoreState(state))
        self._apply_plot_theme()
        self._unsaved = False
        self._force_close = False
        self.restoring: session_io.Restorer | None = None
        self.last_export: list[str] = []
        self._saver = BackgroundSaver()
        self._autosave = QTimer(self)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.autosave)
        self._autosave.start()
        self.settings.clean_exit = False
        self.workbench.set_image(DEFAULT_IMAGE)
        self.levels.set_window(0.0, 1.0)
        self._title()
        if network is not None:
            self.workbench.set_network(network)
        elif load_defaults:
            self._load_default_network()

    # --- layout ----------------------------------------------------------------------------------
    def _build_centre(self) -> None:
        """Banner, levels bar, the views, and the perturbation path (the snapshots' slider)."""
        centre = QWidget()
        column = QVBoxLayout(centre)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.banner)
        column.addWidget(self.levels)
        column.addWidget(self.viewers, 1)
        path = QHBoxLayout()
        path.setContentsMargins(6, 0, 6, 2)
        title = QLabel("perturbation path")
        title.setToolTip(self.attack_panel.slider.statusTip())
        path.addWidget(title)
        path.addWidget(self.attack_panel.slider, 1)
        self.attack_panel.slider_label.setMinimumWidth(160)
        path.addWidget(self.attack_panel.slider_label)
        for widget in self.levels.difference_controls():
            path.addWidget(widget)
        column.addLayout(path)
        self.setCentralWidget(centre)

    def _build_docks(self) -> None:
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        right = Qt.DockWidgetArea.RightDockWidgetArea
        specs = (("network", "Network", self.network_panel, left), ("image", "Image", self.image_panel, left),
                 ("sampling", "Sampling", self.sampling_panel, left),
                 ("attack", "Attack", self.attack_panel, right), ("details", "Details", self.details_panel, right),
                 ("samples", "More samples", self.samples_panel, right))
        for key, title, panel, area in specs:
            dock = QDockWidget(title, self)
            dock.setObjectName(f"dock-{key}")
            scroll = QScrollArea()             # panels scroll rather than force a big window
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            scroll.setWidget(panel)
            scroll.setMinimumWidth(min(panel.minimumSizeHint().width() + 16, 380))
            dock.setWidget(scroll)
            dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                             | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                             | QDockWidget.DockWidgetFeature.DockWidgetClosable)
            self.addDockWidget(area, dock)
            self.docks[key] = dock
        self.tabifyDockWidget(self.docks["network"], self.docks["image"])
        self.tabifyDockWidget(self.docks["image"], self.docks["sampling"])
        self.docks["network"].raise_()
        self.tabifyDockWidget(self.docks["attack"], self.docks["details"])
        self.tabifyDockWidget(self.docks["details"], self.docks["samples"])
        self.docks["attack"].raise_()

    def showEvent(self, event):
        super().showEvent(event)
        if not getattr(self, "_sized", False):      # dock sizes only take once the window has a size
            self._sized = True
            self.resizeDocks([self.docks["network"], self.docks["attack"]], [290, 370], Qt.Orientation.Horizontal)

    def reset_layout(self) -> None:
        self.restoreState(self._default_state)
        for dock in self.docks.values():
            dock.show()

    def show_panel(self, key: str) -> None:
        self.docks[key].show()
        self.docks[key].raise_()

    # --- defaults ----------------------------------------------------------------------------------
    def _load_default_network(self) -> None:
        from ..networks import zoo
        try:
            names = zoo.names()
        except (OSError, StabviewError):
            names = []
        if DEFAULT_NETWORK in names:
            self.workbench.load_network(DEFAULT_NETWORK)
        else:
            self.workbench.problem.emit("network", f"the default network '{DEFAULT_NETWORK}' is not shipped "
                                                   "in this installation: choose another or open a model file")

    # --- status --------------------------------------------------------------------------------------
    def show_message(self, text: str) -> None:
        self.status.message(text)

    def show_error(self, panel: str | None, text: str) -> None:
        """An error where the user is looking: the status bar, the banner above the views, and
        the panel it belongs to brought forward."""
        if not text:
            return
        self.status.message(text, ERROR_MS)
        self.banner.show_error(text)
        if panel in self.docks:
            self.show_panel(panel)

    def _problem(self, panel: str, text: str) -> None:
        if text:
            self.show_error(panel, text)

    def _title(self, *args) -> None:
        net = self.workbench.net
        self.setWindowTitle(self.document.title(net.card.name if net is not None else None))

    def _modified(self, *args) -> None:
        if not self.document.modified:
            self.document.modified = True
            self._title()

    def _history_changed(self, *args) -> None:
        history = self.keeper.history
        self.actions["undo"].setEnabled(history.can_undo)
        self.actions["redo"].setEnabled(history.can_redo)
        undo = history.undo_stack[-1].label if history.can_undo else ""
        redo = history.redo_stack[-1].label if history.can_redo else ""
        self.actions["undo"].setText(f"&Undo {undo}".strip())
        self.actions["redo"].setText(f"&Redo {redo}".strip())
        self.details_panel.set_undo_enabled(history.can_undo, history.can_redo)

    def undo(self) -> bool:
        label = self.keeper.history.undo_stack[-1].label if self.keeper.history.can_undo else ""
        if self.keeper.undo():
            self.show_message(f"undone: {label}")
            return True
        return False

    def redo(self) -> bool:
        label = self.keeper.history.redo_stack[-1].label if self.keeper.history.can_redo else ""
        if self.keeper.redo():
            self.show_message(f"redone: {label}")
            return True
        return False

    def _attack_state(self, state: str) -> None:
        running = state == "running"
        self.actions["run"].setEnabled(not running)
        self.actions["step"].setEnabled(not running)
        self.actions["pause"].setEnabled(running)
        self.actions["stop"].setEnabled(running)
        if state != "idle":
            self._modified()
        if self._export_waiting and not running:
            folder, self._export_waiting = self._export_waiting, None
            self._resume_after_export = state == "paused"
            self.export_figure(folder)
            return
        self.show_message({"running": "attack running …", "paused": "attack paused",
                           "finished": "attack finished", "idle": ""}[state])

    # --- files ---------------------------------------------------------------------------------------
    def open_dropped(self, path: str) -> None:
        """A dropped model file opens as a network, a session file as a session, else an image."""
        kind = file_kind(path)
        if kind == "model":
            self.network_panel.open_model(path)
        elif kind == "session":
            self.open_session(path)
        elif path.lower().endswith(".json"):
            self.show_error("image", f"{os.path.basename(path)} is not a stabview session (a model card "
                                     "opens with its model file: drop the model)")
        else:                        # an image, or a file the image readers will judge
            self.image_panel.open_image(path)

    def fill_recent_menu(self) -> None:
        menus.fill_recent(self.recent_menu, self.settings)

    def open_recent(self, action) -> None:
        data = action.data()
        if not data:
            return
        kind, path = data
        if kind == "image":
            self.image_panel.open_image(path)
        elif kind == "model":
            self.network_panel.open_model(path)
        else:
            self.open_session(path)

    def save_current(self) -> bool:
        """File ▸ Save: into the session's file, or ask for one the first time."""
        if self.document.path:
            return bool(self.save_session(self.document.path))
        return self.save_session_dialog()

    def save_session_dialog(self) -> bool:
        path, _ = QFileDialog.getSaveFileName(self, "Save session", self.document.path or "session.json",
                                              SESSION_FILTER)
        return bool(path) and bool(self.save_session(path))

    def save_session(self, path: str) -> str:
        """Write the session (JSON + NPZ); '' and an error shown when it cannot be written."""
        try:
            saved = session_io.capture(self).save(path)
        except (OSError, StabviewError) as exc:
            self.show_error(None, f"the session could not be saved: {exc}")
            return ""
        self.settings.add_recent("session", str(saved))
        self.document.saved(str(saved))
        self._title()
        self.show_message(f"saved {saved}")
        return str(saved)

    def ask_unsaved(self) -> str:
        """'save', 'discard' or 'cancel' (tests replace this method to answer without a dialog)."""
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self, "Unsaved changes", f"Save the changes to {self.document.name}?",
            buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save)
        return {buttons.Save: "save", buttons.Discard: "discard"}.get(answer, "cancel")

    def may_discard(self) -> bool:
        """True when the current work may be replaced: saved, or the user said so."""
        if not self.document.modified:
            return True
        answer = self.ask_unsaved()
        if answer == "save":
            return self.save_current()
        return answer == "discard"

    def open_session_dialog(self) -> None:
        if not self.may_discard():
            return
        path, _ = QFileDialog.getOpenFileName(self, "Open session", "", SESSION_FILTER)
        if path:
            self.open_session(path, asked=True)

    def open_session(self, path: str, *, asked: bool = False) -> bool:
        """Read the session in the background, then restore it; False when nothing started."""
        if not asked and not self.may_discard():
            return False

        def work(job: Job) -> Session:
            return Session.open(path)

        def opened(session: Session) -> None:
            self.settings.add_recent("session", path)
            self.restoring = session_io.Restorer(self, session)
            self.restoring.path = path
            self.restoring.start()

        self.show_message(f"opening {os.path.basename(path)} …")
        return self.session_loader.submit(Job(work, on_done=opened, on_error=lambda text: self.show_error(None, text),
                                              name="open session"))

    def session_restored(self) -> None:
        self.keeper.clear()
        self._history_changed()
        path = getattr(self.restoring, "path", None)
        if path and os.path.abspath(path) != os.path.abspath(str(autosave_path())):
            self.document.saved(path)
        else:
            self.document.modified = True         # an autosave: not saved anywhere yet
        self._title()
        self.show_message("session restored")

    def autosave(self, wait: bool = False) -> None:
        """Write the autosave file if anything changed since the last one (in a thread; `wait`
        blocks until it is on disk, for closing: a tick's write still going is finished first, so
        the last state is not refused as 'busy')."""
        if wait:
            self._saver.wait()
        error = self._saver.take_error()
        if error:
            self._unsaved = True
            self.show_error(None, f"autosave failed: {error}")
        if self._unsaved and self._saver.save(session_io.capture(self), autosave_path()):
            self._unsaved = False
        if wait:
            self._saver.wait()
            if self._saver.take_error():
                self._unsaved = True

    def _dirty(self, *args) -> None:
        self._unsaved = True

    def export_figure_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export figure and result.json into")
        if folder:
            self.export_figure(folder)

    def export_figure(self, folder: str) -> bool:
        """Write the report; while the attack runs it pauses, the current state is exported, and
        the attack resumes."""
        if self.attack.state == "running" and self.attack.runner.busy:
            self._export_waiting = folder
            self.attack.pause()
            self.show_message(f"pausing the attack to export its current state into {folder} …")
            return True
        try:
            started = exporting.export_report(self.attack, folder, self._exported, self._export_failed)
        except StabviewError as exc:
            self._resume_after_export = False
            self.show_error("attack", str(exc))
            return False
        if started:
            iteration = self.attack.search.iteration
            self.show_message(f"exporting the attack at iteration {iteration} into {folder} …"
                              + (" (it resumes afterwards)" if self._resume_after_export else ""))
        return started

    def _exported(self, paths) -> None:
        self.last_export = paths
        text = "wrote " + ", ".join(os.path.basename(p) for p in paths)
        if self._resume_after_export:
            self._resume_after_export = False
            self.attack.run()
            text += f" (the state at iteration {self.attack.search.iteration}); the attack resumed"
        self.show_message(text)

    def _export_failed(self, message: str) -> None:
        self._resume_after_export = False
        self.show_error("attack", f"export failed: {message}")

    def export_arrays_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export arrays", "arrays.npz", "NumPy arrays (*.npz)")
        if path:
            saved = exporting.export_arrays(path, self.viewers, self.workbench)
            self.show_message(f"wrote {saved}")

    # --- preferences, theme, help ------------------------------------------------------------------
    def preferences_dialog(self) -> None:
        dialog = PreferencesDialog(self.settings, self)
        if dialog.exec():
            self.set_theme(self.settings.theme)
            self.workbench.apply_device()

    def set_theme(self, name: str) -> None:
        self.settings.theme = name
        apply_theme(QApplication.instance(), name)
        self.actions[f"theme_{name}"].setChecked(True)
        self._apply_plot_theme()

    def use_light_theme(self, checked: bool) -> None:
        if checked and self.settings.theme != "light":
            self.set_theme("light")

    def use_dark_theme(self, checked: bool) -> None:
        if checked and self.settings.theme != "dark":
            self.set_theme("dark")

    def _apply_plot_theme(self) -> None:
        background, foreground = plot_colours(self.settings.theme)
        self.viewers.set_background(background)
        self.sampling_panel.preview.setBackground(background)
        for plot in (self.attack_panel.objective_plot, self.attack_panel.percent_plot, self.samples_panel.plot):
            plot.setBackground(background)
            for axis in ("left", "bottom"):
                plot.getAxis(axis).setPen(foreground)
                plot.getAxis(axis).setTextPen(foreground)
            legend = plot.plotItem.legend
            if legend is not None:
                legend.setLabelTextColor(foreground)
                for _, label in legend.items:
                    label.setText(label.text, color=foreground)

    def set_magnifier(self, on: bool) -> None:
        self.viewers.magnifier.setVisible(on)
        self.viewers.magnifier.place()

    def show_guide(self) -> None:
        GuideDialog(self).exec()

    def show_about(self) -> None:
        show_about(self)

    # --- closing -----------------------------------------------------------------------------------
    def runners(self):
        return [self.workbench.loader, self.workbench.image_loader, self.session_loader, self.attack.runner,
                self.comparison.preview, self.comparison.baseline.runner, self.details_panel.runner,
                self.samples_panel.runner, self.samples_panel.view_runner]

    def confirm(self, title: str, text: str) -> bool:
        """Ask yes/no (tests replace this method to answer without a dialog)."""
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def close_without_asking(self) -> None:
        """Cancel whatever runs and close (what answering 'yes' to the question does)."""
        self._force_close = True
        self.close()

    def closeEvent(self, event):
        busy = [r.name for r in self.runners() if r.busy]
        question = f"Still running: {', '.join(busy)}. Stop and quit?"
        if busy and not self._force_close and not self.confirm("Quit stabview", question):
            event.ignore()
            return
        if not self._force_close and not self.may_discard():
            event.ignore()
            return
        QApplication.instance().removeEventFilter(self._shortcuts)
        self._unsaved = True
        self.autosave(wait=True)
        self.settings.save_layout(self.saveGeometry(), self.saveState())
        self.comparison.stop()
        for runner in self.runners():
            runner.shutdown()
        self._autosave.stop()
        self.settings.clean_exit = True
        event.accept()
