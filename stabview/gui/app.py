"""Entry point of the desktop application: `stabview` (no command) or `stabview gui`.

Sets up the QApplication (high-DPI rounding, Fusion style, theme), offers to restore the
autosave when the last run did not exit cleanly, and opens the main window.
"""

from __future__ import annotations

import argparse
import os
import sys

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from .. import __version__
from ..runtime import set_threads
from ..experiment import autosave_path


def icon_path():
    from pathlib import Path
    return Path(__file__).resolve().parents[2] / "packaging" / "stabview.png"


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with stabview's names, icon, style and theme (reused if one exists)."""
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(["stabview", *(argv or [])])
    app.setApplicationName("stabview")
    app.setOrganizationName("stabview")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("stabview")
    if icon_path().exists():
        app.setWindowIcon(QIcon(str(icon_path())))
    pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)
    return app


def main(argv: list[str] | None = None) -> int:
    """Open the window; `--session FILE` opens a saved session, `--network`/`--image` pick others."""
    parser = argparse.ArgumentParser(prog="stabview gui", description="Open the stabview window.")
    parser.add_argument("--session", default=None, help="a saved session (.json) to open")
    parser.add_argument("--network", default=None, help="zoo name or model file (default: deepmri)")
    parser.add_argument("--image", default=None, help="built-in image name or image file (default: brain)")
    args = parser.parse_args(argv)
    app = create_application()
    from .main_window import MainWindow
    from .settings import Settings
    from .theme import apply_theme

    settings = Settings()
    set_threads(settings.threads)
    apply_theme(app, settings.theme)
    crashed = not settings.clean_exit and autosave_path().exists()
    window = MainWindow(settings, load_defaults=args.network is None and args.session is None)
    if args.network:
        window.workbench.load_network(args.network)
    if args.image:
        window.image_panel.open_image(args.image)
    window.show()
    smoke_ms = os.environ.get("STABVIEW_SMOKE_EXIT_MS")    # packaging smoke test: open, then close
    if smoke_ms:
        QTimer.singleShot(int(smoke_ms), window.close_without_asking)
    if args.session:
        window.open_session(args.session)
    elif crashed and QMessageBox.question(
            window, "Restore session", "stabview did not close cleanly last time. Restore the autosaved "
                                       "session?") == QMessageBox.StandardButton.Yes:
        window.open_session(str(autosave_path()))
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
