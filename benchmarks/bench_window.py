"""The real window for the window benchmarks (gui.py, soak.py, cancel.py): a fresh state folder and
settings file, `threads` torch threads, the default network loading, questions answered yes."""

from __future__ import annotations

import os
import tempfile
import time


def open_window(threads: int):
    """(app, window): a shown `MainWindow` at 1280×800, offscreen unless a display is set."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["STABVIEW_STATE_DIR"] = tempfile.mkdtemp()
    import torch
    torch.set_num_threads(threads)
    from stabview.gui.app import create_application
    app = create_application()
    from stabview.gui.main_window import MainWindow
    from stabview.gui.settings import Settings

    settings = Settings(os.path.join(tempfile.mkdtemp(), "settings.ini"))
    settings.threads = threads
    window = MainWindow(settings, load_defaults=True)
    window.confirm = lambda title, text: True
    window.resize(1280, 800)
    window.show()
    return app, window


def wait(app, done, what: str, limit: float = 600.0, tick: float = 0.001) -> None:
    """Process events until `done()`; SystemExit naming `what` after `limit` seconds."""
    began = time.perf_counter()
    while not done():
        if time.perf_counter() - began > limit:
            raise SystemExit(f"gave up waiting for {what} after {limit:g} s")
        app.processEvents()
        time.sleep(tick)
