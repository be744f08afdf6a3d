"""The main window: viewer grid in the middle, panels in docks, menus, status bar, autosave.

`MainWindow(settings, network=None, load_defaults=True)`: with `network` (a
`ReconstructionNetwork`) the window uses it directly; otherwise it loads the default network
(Deep MRI) from the zoo in the background when the zoo has it. The brain sample is loaded at
once, so one click on Run starts an attack.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QApplication, QDockWidget, QFileDialog, QFrame, QLabel, QMainWindow, QMessageBox,
                               QScrollArea, QVBoxLayout, QWidget)

from ..errors import StabviewError
from ..experiment import Session, autosave_path
from . import exporting, menus, session_io
from .autosave import BackgroundSaver
from .attack_runner import AttackRunner
from .comparison import Comparison
from .dialogs import GuideDialog, PreferencesDialog, show_about
from .levels import LevelsBar
from .panels.attack import AttackPanel
from .panels.details import DetailsPanel
from .panels.image import ImageDropTarget, ImagePanel
from .panels.network import NetworkPanel
from .panels.sampling import SamplingPanel
from .panels.samples import SamplesPanel
from .settings import Settings
from .theme import apply_theme, plot_colours
from .viewers import ViewerGrid
from .workbench import Workbench

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
        self.levels = LevelsBar(self.viewers)
        centre = QWidget()
        column = QVBoxLayout(centre)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.levels)
        column.addWidget(self.viewers, 1)
        self.setCentralWidget(centre)
        self.network_panel = NetworkPanel(self.workbench)
        self.image_panel = ImagePanel(self.workbench)
        self.sampling_panel = SamplingPanel(self.workbench)
        self.details_panel = DetailsPanel(self.workbench, self.viewers)
        self.attack_panel = AttackPanel(self.attack, self.workbench, self.viewers)
        self.samples_panel = SamplesPanel(self.workbench)
        self.attack_panel.snapshotChosen.connect(self.comparison.choose_snapshot)
        self.docks: dict[str, QDockWidget] = {}
        self._build_docks()
        self.actions = menus.build_menus(self)
        self.actions[f"theme_{self.settings.theme}"].setChecked(True)
        self.cursor_label = QLabel()
        self.statusBar().addPermanentWidget(self.cursor_label, 1)
        self.viewers.hovered.connect(self.cursor_label.setText)
        self.workbench.status.connect(self.show_message)
        self.attack.failed.connect(self.show_message)
        self.attack.stateChanged.connect(self._attack_state)
        self.workbench.networkChanged.connect(self._title)
        self.workbench.imageChanged.connect(self._image_changed)
        self.workbench.imageChanged.connect(self._dirty)
        self.attack.stateChanged.connect(self._dirty)
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
        if network is not None:
            self.workbench.set_network(network)
        elif load_defaults:
            self._load_default_network()

    # --- layout ----------------------------------------------------------------------------------
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
        self.statusBar().showMessage(text, 8000)

    def _title(self) -> None:
        net = self.workbench.net
        self.setWindowTitle(f"stabview — {net.card.name}" if net is not None else "stabview")

    def _image_changed(self) -> None:
        self.actions["undo"].setEnabled(self.workbench.canvas.can_undo)
        self.actions["redo"].setEnabled(self.workbench.canvas.can_redo)

    def _attack_state(self, state: str) -> None:
        running = state == "running"
        self.actions["run"].setEnabled(not running)
        self.actions["step"].setEnabled(not running)
        self.actions["pause"].setEnabled(running)
        self.actions["stop"].setEnabled(running)
        self.show_message({"running": "attack running …", "paused": "attack paused",
                           "finished": "attack finished", "idle": ""}[state])

    # --- files ---------------------------------------------------------------------------------------
    def open_dropped(self, path: str) -> None:
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

    def save_session_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save session", "session.json", SESSION_FILTER)
        if path:
            self.save_session(path)

    def save_session(self, path: str) -> str:
        saved = session_io.capture(self).save(path)
        self.settings.add_recent("session", str(saved))
        self.show_message(f"saved {saved}")
        return str(saved)

    def open_session_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open session", "", SESSION_FILTER)
        if path:
            self.open_session(path)

    def open_session(self, path: str) -> bool:
        try:
            session = Session.open(path)
        except StabviewError as exc:
            QMessageBox.warning(self, "Open session", str(exc))
            return False
        self.settings.add_recent("session", path)
        self.restoring = session_io.Restorer(self, session)
        self.restoring.start()
        return True

    def session_restored(self) -> None:
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
            self.show_message(f"autosave failed: {error}")
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
        try:
            started = exporting.export_report(self.attack, folder, self._exported, self.show_message)
        except StabviewError as exc:
            self.show_message(str(exc))
            return False
        if started:
            self.show_message(f"exporting into {folder} …")
        return started

    def _exported(self, paths) -> None:
        self.last_export = paths
        self.show_message("wrote " + ", ".join(os.path.basename(p) for p in paths))

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
        return [self.workbench.loader, self.attack.runner, self.comparison.preview, self.comparison.baseline.runner,
                self.details_panel.runner, self.samples_panel.runner, self.samples_panel.view_runner]

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
        self._unsaved = True
        self.autosave(wait=True)
        self.settings.save_layout(self.saveGeometry(), self.saveState())
        self.comparison.stop()
        for runner in self.runners():
            runner.shutdown()
        self._autosave.stop()
        self.settings.clean_exit = True
        event.accept()
