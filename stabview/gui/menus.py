"""Menus and actions of the main window: File, Edit, View, Attack, Help, with standard
shortcuts and status tips. Every action calls a method of the window or of a panel.

Run, Pause, Step, Stop, Export and Save work whatever has the focus: their shortcuts are
application-wide, and `ShortcutKeeper` stops a focused text field or spin box from claiming
their keys first (a line edit takes Ctrl+E for "end of line", for instance).
"""

from __future__ import annotations

import os

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence

#: actions whose shortcuts work whatever has the focus
APPLICATION_WIDE = ("run", "pause", "step", "stop", "export_figure", "save_session")


class ShortcutKeeper(QObject):
    """An event filter on the focused widget: a ShortcutOverride for one of `actions`' keys is not
    delivered to it, so the widget cannot take the key and the shortcut fires.

    It follows the focus rather than filtering the whole application: an application-wide Python
    filter runs for every event of every object, and each call must take the GIL from a worker
    thread (measured: ≈ 5700 calls while the default network loads, and the GUI thread's waits
    for the GIL were its longest stalls)."""

    def __init__(self, actions, parent: QObject | None = None):
        super().__init__(parent)
        self.actions = list(actions)
        self._watched = None
        self._app = None

    def follow_focus(self, app) -> None:
        """Filter the focused widget of `app` from now on, whichever it is."""
        self._app = app
        app.focusChanged.connect(self._focus_changed)
        self._focus_changed(None, app.focusWidget())

    def stop(self) -> None:
        if self._app is not None:
            self._app.focusChanged.disconnect(self._focus_changed)
            self._app = None
        self._focus_changed(None, None)

    def _focus_changed(self, _old, new) -> None:
        if self._watched is not None:
            try:
                self._watched.removeEventFilter(self)
            except RuntimeError:         # the widget is already gone
                pass
        self._watched = new
        if new is not None:
            new.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride:
            pressed = QKeySequence(event.keyCombination())
            for action in self.actions:
                if action.isEnabled() and any(pressed.matches(k) == QKeySequence.SequenceMatch.ExactMatch
                                              for k in action.shortcuts()):
                    event.ignore()
                    return True
        return False


def _action(window, text: str, slot, *, shortcut=None, tip: str = "", checkable: bool = False) -> QAction:
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.setStatusTip(tip)
    action.setToolTip(tip or text.replace("…", ""))
    action.setCheckable(checkable)
    (action.toggled if checkable else action.triggered).connect(slot)
    return action


def build_menus(window) -> dict[str, QAction]:
    """Create the menu bar; returns the actions by name (tests and toolbars use them)."""
    K = QKeySequence.StandardKey
    a = {
        "open_image": _action(window, "Open &image…", window.image_panel.open_image_dialog, shortcut=K.Open,
                              tip="Open a PNG, TIFF, NPY, DICOM or NIfTI image"),
        "open_model": _action(window, "Open &model…", window.network_panel.open_model_dialog, shortcut="Ctrl+Shift+O",
                              tip="Open your own network (TorchScript, ONNX or safetensors) with its card"),
        "save_session": _action(window, "&Save session", window.save_current, shortcut=K.Save,
                                tip="Save network, image, details, sampling, parameters and results"),
        "save_session_as": _action(window, "Save session &as…", window.save_session_dialog,
                                   shortcut="Ctrl+Shift+S", tip="Save the session into a new file"),
        "open_session": _action(window, "Open s&ession…", window.open_session_dialog, shortcut="Ctrl+Alt+O",
                                tip="Restore a saved session"),
        "open_study": _action(window, "Open s&tudy…", window.open_study_dialog,
                              tip="A study's cases in a table; choose one to see it here"),
        "export_figure": _action(window, "&Export figure (PNG, PDF)…", window.export_figure_dialog,
                                 shortcut="Ctrl+E", tip="Write the paper-style figure and result.json"),
        "export_arrays": _action(window, "Export &arrays…", window.export_arrays_dialog, shortcut="Ctrl+Shift+E",
                                 tip="Save every image shown as NPZ"),
        "quit": _action(window, "&Quit", window.close, shortcut=K.Quit, tip="Close stabview"),
        "undo": _action(window, "&Undo", window.undo, shortcut=K.Undo,
                        tip="Undo the last change: a detail, another network, image or sampling, a reset "
                            "(the attack it replaced comes back)"),
        "redo": _action(window, "&Redo", window.redo, shortcut="Ctrl+Shift+Z", tip="Redo the last undone change"),
        "preferences": _action(window, "&Preferences…", window.preferences_dialog, shortcut=K.Preferences,
                               tip="Device, torch threads and theme"),
        "reset_layout": _action(window, "Reset &layout", window.reset_layout, tip="Put every panel back"),
        "reset_zoom": _action(window, "Reset &zoom", window.viewers.reset_zoom, shortcut="Ctrl+0",
                              tip="Show the whole image in every view"),
        "magnifier": _action(window, "&Magnifier", window.set_magnifier, shortcut="M", checkable=True,
                             tip="Show an enlarged inset of the pixels under the cursor"),
        "nullspace": _action(window, "&Null-space overlay", window.nullspace.set_enabled, shortcut="N",
                             checkable=True, tip="Overlay, in red, the part of each reconstruction's error in the "
                                                 "null space of A (what the measurements cannot see)"),
        "run": _action(window, "&Run", window.attack_panel.run, shortcut="F5", tip="Run or resume the attack"),
        "pause": _action(window, "&Pause", window.attack.pause, shortcut="F6", tip="Pause the attack"),
        "step": _action(window, "S&tep", window.attack_panel.step, shortcut="F10", tip="One attack iteration"),
        "stop": _action(window, "&Stop", window.attack.stop, shortcut="Shift+F5", tip="Stop the attack"),
        "reset_attack": _action(window, "R&eset", window.reset_attack,
                                tip="Forget the search (Edit ▸ Undo brings it back)"),
        "snapshot": _action(window, "Sn&apshot", window.attack.take_snapshot, shortcut="Ctrl+K",
                            tip="Keep the current perturbation"),
        "ceiling": _action(window, "&Ceiling", window.attack_panel.measure_ceiling,
                           tip="Measure the network's linearised gain at x (Pause cancels)"),
        "curve": _action(window, "Budget &curve", window.attack_panel.run_curve,
                         tip="The worst-case change at ε = 0.5%, 1%, 2%, 5% (Pause cancels)"),
        "guide": _action(window, "&Quick guide", window.show_guide, shortcut=K.HelpContents,
                         tip="How to run the three tests"),
        "about": _action(window, "&About stabview", window.show_about, tip="Versions and licence"),
    }
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([a["open_image"], a["open_model"]])
    window.recent_menu = file_menu.addMenu("Open &Recent")
    window.recent_menu.aboutToShow.connect(window.fill_recent_menu)
    window.recent_menu.triggered.connect(window.open_recent)
    file_menu.addSeparator()
    file_menu.addActions([a["save_session"], a["save_session_as"], a["open_session"], a["open_study"]])
    file_menu.addSeparator()
    file_menu.addActions([a["export_figure"], a["export_arrays"]])
    file_menu.addSeparator()
    file_menu.addAction(a["quit"])
    edit = bar.addMenu("&Edit")
    edit.addActions([a["undo"], a["redo"]])
    edit.addSeparator()
    edit.addAction(a["preferences"])
    view = bar.addMenu("&View")
    panels = view.addMenu("&Panels")
    for dock in window.docks.values():
        panels.addAction(dock.toggleViewAction())
    view.addActions([a["reset_layout"], a["reset_zoom"], a["magnifier"], a["nullspace"]])
    themes = QActionGroup(window)
    for name, slot in (("light", window.use_light_theme), ("dark", window.use_dark_theme)):
        action = _action(window, f"{name.capitalize()} theme", slot, checkable=True,
                         tip=f"Switch to the {name} theme")
        themes.addAction(action)
        view.addAction(action)
        a[f"theme_{name}"] = action
    attack = bar.addMenu("&Attack")
    attack.addActions([a["run"], a["pause"], a["step"], a["stop"]])
    attack.addSeparator()
    attack.addActions([a["reset_attack"], a["snapshot"]])
    attack.addSeparator()
    attack.addActions([a["ceiling"], a["curve"]])
    help_menu = bar.addMenu("&Help")
    help_menu.addActions([a["guide"], a["about"]])
    for name in APPLICATION_WIDE:
        a[name].setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
    return a


def fill_recent(menu, settings) -> None:
    """(Re)build File ▸ Open Recent from the settings; each action's data is (kind, path)."""
    menu.clear()
    for kind in ("image", "model", "session"):
        for path in settings.recent(kind):
            action = menu.addAction(f"{kind}: {os.path.basename(path)}")
            action.setStatusTip(path)
            action.setData((kind, path))
    if menu.isEmpty():
        menu.addAction("(nothing yet)").setEnabled(False)
