"""The main window: viewer grid in the middle, panels in docks, menus, status bar, autosave.

`MainWindow(settings, network=None, load_defaults=True)`: with `network` (a
`ReconstructionNetwork`) the window uses it directly; otherwise it loads the default network
(Deep MRI) from the zoo in the background when the zoo has it. The brain image loads in the
background too, so one click on Run starts an attack.

The window edits and observes one `ExperimentModel` (stabview/experiment/model.py): the panels
change it, the workbench builds what it says, and its history is Edit ▸ Undo / Redo, so nothing
is lost (a search put aside by a change comes back with its undo). Quitting or opening a session
with unsaved changes asks first (Save / Discard / Cancel); the title shows the session's name
with a star while it has unsaved changes.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QApplication, QDockWidget, QFrame, QHBoxLayout, QLabel, QMainWindow,
                               QMessageBox, QScrollArea, QVBoxLayout, QWidget)

from ..errors import StabviewError
from ..experiment import Experiment, ExperimentModel, ImageRef, NetworkRef, Sampling
from . import gui_thread_gc, menus, session_io
from .autosave import BackgroundSaver
from .attack_runner import AttackRunner
from .view_feed import ViewFeed
from .dialogs import GuideDialog, PreferencesDialog, show_about
from .jobs import Jobs
from .levels import LevelsBar
from .model_signals import ModelSignals
from .nullspace_overlay import NullSpaceOverlay
from .panels.attack import AttackPanel
from .panels.details import DetailsPanel
from .panels.image import ImageDropTarget, ImagePanel
from .panels.network import NetworkPanel
from .panels.sampling import SamplingPanel
from .panels.samples import SamplesPanel
from .settings import Settings
from .target_runner import TargetRunner
from .status import ERROR_MS, MESSAGE_MS, ErrorBanner, StatusArea
from .theme import apply_theme, plot_colours
from .viewers import ViewerGrid
from .window_files import WindowFiles
from .workbench import Workbench

DEFAULT_NETWORK = "deepmri"
DEFAULT_IMAGE = "brain"
AUTOSAVE_MS = 20_000


class MainWindow(WindowFiles, ImageDropTarget, QMainWindow):
    """See the module docstring; `confirm` is the one place that asks the user yes/no."""

    def __init__(self, settings: Settings | None = None, *, network=None, load_defaults: bool = True):
        super().__init__()
        gui_thread_gc.hold()                    # before any worker runs: see gui_thread_gc
        self._gc_held = True
        self.setWindowTitle("stabview")
        self.setObjectName("stabview-main")
        self.settings = settings or Settings()
        self.model = ExperimentModel(Experiment(NetworkRef(name=DEFAULT_NETWORK), ImageRef(DEFAULT_IMAGE),
                                                Sampling()))
        self.model_signals = ModelSignals(self.model, self)     # its events, as Qt signals
        self.session_path: str | None = None
        self.jobs = Jobs(self)                  # first: every part below takes its runners from it
        self.workbench = Workbench(self.settings, self.model, self.jobs, self)
        self.attack = AttackRunner(self.workbench, self)
        self.viewers = ViewerGrid()
        self.view_feed = ViewFeed(self.workbench, self.attack, self.viewers, self.jobs, self)
        self.levels = LevelsBar(self.viewers, self.view_feed)
        self.nullspace = NullSpaceOverlay(self.workbench, self.view_feed, self.viewers, self.jobs, self)
        self.target = TargetRunner(self.workbench, self.attack, self)
        self.target.shown.connect(self.view_feed.show_target)
        self.target.cleared.connect(self.view_feed.clear_target)
        self.banner = ErrorBanner()
        self.session_loader = self.jobs.runner("session")
        self.network_panel = NetworkPanel(self.workbench, self.jobs)
        self.image_panel = ImagePanel(self.workbench)
        self.sampling_panel = SamplingPanel(self.workbench)
        self.details_panel = DetailsPanel(self.workbench, self.viewers, self.jobs)
        self.attack_panel = AttackPanel(self.attack, self.workbench, self.viewers, self.target)
        self.samples_panel = SamplesPanel(self.workbench, self.jobs)
        self.attack_panel.snapshotChosen.connect(self.view_feed.choose_snapshot)
        self._build_centre()
        self.docks: dict[str, QDockWidget] = {}
        self._build_docks()
        self.actions = menus.build_menus(self)
        self.actions[f"theme_{self.settings.theme}"].setChecked(True)
        self._shortcuts = menus.ShortcutKeeper([self.actions[k] for k in menus.APPLICATION_WIDE], self)
        self._shortcuts.follow_focus(QApplication.instance())
        self.status = StatusArea(self)
        self.cursor_label = self.status.cursor
        quiet = (self.attack.runner, self.view_feed.preview, self.view_feed.baseline.runner)
        self.status.watch(self.jobs, quiet=[runner.name for runner in quiet])
        self.viewers.hovered.connect(self.cursor_label.setText)
        self.workbench.status.connect(self.show_message)
        self.workbench.problem.connect(self._problem)
        self.attack.failed.connect(lambda text: self.show_error("attack", text))
        self.target.failed.connect(lambda text: self.show_error("attack", text))
        self.nullspace.checkbox.toggled.connect(self.actions["nullspace"].setChecked)
        self.attack.stateChanged.connect(self._attack_state)
        self.target.busyChanged.connect(self._target_busy)
        self.workbench.networkChanged.connect(self._title)
        self.model_signals.history.connect(self._history_changed)
        self.model_signals.modified.connect(self._title)
        self.workbench.imageChanged.connect(self._dirty)
        self.attack.stateChanged.connect(self._dirty)
        self.attack.updated.connect(self._dirty)        # a running search's progress is autosaved too
        self.image_panel.open_dropped = self.open_dropped     # a model dropped on the panel opens as one
        self.details_panel.history_undo = self.undo
        self.details_panel.history_redo = self.redo
        self.attack_panel.buttons["reset"].clicked.disconnect()
        self.attack_panel.buttons["reset"].clicked.connect(self.reset_attack)
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
        self._history_changed()
        if network is not None:
            self.workbench.set_network(network)
        elif load_defaults:
            self._load_default_network()
        self.model.mark_saved()                 # a new window: nothing to save yet

    # --- layout ----------------------------------------------------------------------------------
    def _build_centre(self) -> None:
        """Banner, levels bar, the views, and the perturbation path (the snapshots' slider)."""
        centre = QWidget()
        column = QVBoxLayout(centre)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.banner)
        for widget in self.nullspace.widgets():
            self.levels.layout().addWidget(widget)
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

    @property
    def session_name(self) -> str:
        return os.path.basename(self.session_path) if self.session_path else "untitled"

    def _title(self, *args) -> None:
        """'name* — network — stabview' (the star while there are unsaved changes)."""
        net = self.workbench.net
        parts = [self.session_name + ("*" if self.model.modified else "")]
        if net is not None:
            parts.append(net.card.name)
        self.setWindowTitle(" — ".join(parts + ["stabview"]))

    def _modified(self, *args) -> None:
        self.model.mark_modified()

    def _history_changed(self, *args) -> None:
        model = self.model
        self.actions["undo"].setEnabled(model.can_undo())
        self.actions["redo"].setEnabled(model.can_redo())
        self.actions["undo"].setText(f"&Undo {model.undo_label()}".strip())
        self.actions["redo"].setText(f"&Redo {model.redo_label()}".strip())
        self.details_panel.set_undo_enabled(model.can_undo(), model.can_redo())

    def undo(self) -> bool:
        label = self.model.undo_label()
        if self.model.undo():
            self.show_message(f"undone: {label}")
            return True
        return False

    def redo(self) -> bool:
        label = self.model.redo_label()
        if self.model.redo():
            self.show_message(f"redone: {label}")
            return True
        return False

    def reset_attack(self) -> bool:
        """Attack ▸ Reset: forget the search, undoably (Edit ▸ Undo brings it back)."""
        if self.attack.search is None and "target" not in self.model.results:
            self.target.reset()
            self.attack.reset()
            return False
        self.model.record("reset the attack")       # takes the search and the targeted images away
        self.target.reset()
        return True

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
        text = {"running": "attack running …", "paused": "attack paused", "finished": "attack finished",
                "idle": ""}[state]
        self.status.message(text, 0 if running else MESSAGE_MS)    # while it runs, it says so

    def _target_busy(self, busy: bool) -> None:
        """A targeted search runs in the attack's thread: Pause / Stop end it, Run / Step wait."""
        running = busy or self.attack.state == "running"
        for key in ("run", "step"):
            self.actions[key].setEnabled(not running)
        for key in ("pause", "stop"):
            self.actions[key].setEnabled(running)

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
        return self.jobs.runners()

    def confirm(self, title: str, text: str) -> bool:
        """Ask yes/no (tests replace this method to answer without a dialog)."""
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def close_without_asking(self) -> None:
        """Cancel whatever runs and close (what answering 'yes' to the question does)."""
        self._force_close = True
        self.close()

    def closeEvent(self, event):
        busy = self.jobs.busy_names()
        question = f"Still running: {', '.join(busy)}. Stop and quit?"
        if busy and not self._force_close and not self.confirm("Quit stabview", question):
            event.ignore()
            return
        if not self._force_close and not self.may_discard():
            event.ignore()
            return
        self._shortcuts.stop()
        self._unsaved = True
        self.autosave(wait=True)
        self.settings.save_layout(self.saveGeometry(), self.saveState())
        self.view_feed.stop()
        self.target.stop()
        ended = self.jobs.shutdown()
        self._autosave.stop()
        self.settings.clean_exit = True
        if ended and self._gc_held:             # a thread still running must not collect
            self._gc_held = False
            gui_thread_gc.release()
        event.accept()
