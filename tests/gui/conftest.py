"""Fixtures for the window's tests: private settings (one torch thread), a small real network
loaded from a model file like a user's, and windows that are closed cleanly afterwards."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox

from stabview.gui import gui_thread_gc
from stabview.gui.settings import Settings
from stabview.networks import zoo

from .networks import write_small_network


MODAL_CALLS = {QMessageBox: ("question", "warning", "critical", "information", "about"),
               QFileDialog: ("getOpenFileName", "getSaveFileName", "getExistingDirectory"),
               QDialog: ("exec",)}


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch):
    """A modal dialog nobody answers waits forever (offscreen, there is nobody): it would hang
    the whole run with no message. Opening one fails the test at once, naming the call; tests
    that answer a dialog replace the call themselves."""
    for cls, names in MODAL_CALLS.items():
        for name in names:
            def refuse(*args, _call=f"{cls.__name__}.{name}", **kwargs):
                raise AssertionError(f"{_call} opened a modal dialog in a test: nobody would answer it")
            monkeypatch.setattr(cls, name, refuse if name == "exec" else staticmethod(refuse))


@pytest.fixture(autouse=True)
def gc_in_the_gui_thread():
    """As in the app: no cyclic collection in worker threads while a test's widgets live (a
    window holds this itself; tests of single widgets get it here). See gui.gui_thread_gc."""
    gui_thread_gc.hold()
    yield
    gui_thread_gc.release()


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("STABVIEW_STATE_DIR", str(tmp_path / "state"))
    s = Settings(str(tmp_path / "settings.ini"))
    s.threads = 1
    return s


@pytest.fixture(scope="session")
def model_file(tmp_path_factory):
    return write_small_network(tmp_path_factory.mktemp("models"))


@pytest.fixture
def small_net(model_file):
    return zoo.load(str(model_file))


@pytest.fixture
def make_window(qtbot, settings):
    from stabview.gui.main_window import MainWindow
    windows = []

    def make(network=None, load_defaults: bool = False, **kwargs):
        window = MainWindow(kwargs.pop("settings", settings), network=network, load_defaults=load_defaults)
        # a debounced preview can start just before a test closes the window: answer the
        # "stop and quit?" question with yes instead of blocking on a dialog (tests that
        # check the question replace this)
        window.confirm = lambda title, text: True
        window.ask_unsaved = lambda: "discard"      # tests that check the question replace this
        window.show()                  # closed by this fixture, not qtbot: runners must stop first
        windows.append(window)
        return window

    yield make
    for window in windows:
        if window.isVisible():
            window.close_without_asking()
        for runner in window.runners():
            runner.shutdown()
        # delete the C++ side now, while the Python side is whole: left to the garbage
        # collector, a half-collected pyqtgraph LabelItem can be asked for its size hint
        window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def window(make_window, model_file, qtbot):
    """A window with the small network opened from its file (as a user would) and f(Ax) shown."""
    w = make_window()
    w.network_panel.open_model(str(model_file))
    qtbot.waitUntil(lambda: w.workbench.net is not None and not w.workbench.image_loading
                    and w.viewers.image_of("network_clean") is not None, timeout=10000)
    return w


def wait_idle(qtbot, window, timeout=20000):
    qtbot.waitUntil(lambda: not any(r.busy for r in window.runners()), timeout=timeout)


def wait_image(qtbot, window, timeout=10000):
    """Until the image asked for last is loaded (images load in the background)."""
    qtbot.waitUntil(lambda: not window.workbench.image_loading, timeout=timeout)


def attack_for(window, qtbot, iterations=6, snapshots="2, 4"):
    """Run a short attack through the panel until it finishes."""
    panel = window.attack_panel
    panel.modes["paper"].click()
    panel.fields["lr"].set_value(0.05)
    panel.iterations.setValue(iterations)
    panel.snapshot_text.setText(snapshots)
    assert panel.run()
    qtbot.waitUntil(lambda: window.attack.state == "finished", timeout=20000)


def drop_files(window, *paths):
    """Drag real files onto the window and drop them, as a file manager does."""
    from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    window.dropEvent(drop)
    return drop
