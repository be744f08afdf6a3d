"""Preferences (device, torch threads, theme), About (versions) and the quick guide."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import PySide6
import torch
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QMessageBox, QSpinBox,
                               QTextBrowser, QVBoxLayout, QWidget)

from .. import __version__
from .settings import DEVICES, THEMES


class PreferencesDialog(QDialog):
    """Edits Settings; the caller applies the theme and threads after `accept`."""

    def __init__(self, settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.settings = settings
        self.device = QComboBox()
        self.device.addItems(DEVICES)
        self.device.setCurrentText(settings.device)
        if not torch.cuda.is_available():
            self.device.model().item(DEVICES.index("cuda")).setEnabled(False)
            self.device.setToolTip("torch sees no CUDA GPU on this machine")
        self.threads = QSpinBox()
        self.threads.setRange(1, max(1, os.cpu_count() or 1))
        self.threads.setValue(min(settings.threads, self.threads.maximum()))
        self.threads.setToolTip("torch threads for the worker (cores − 1 leaves one for the window)")
        self.theme = QComboBox()
        self.theme.addItems(THEMES)
        self.theme.setCurrentText(settings.theme)
        form = QFormLayout()
        form.addRow("device", self.device)
        form.addRow("torch threads", self.threads)
        form.addRow("theme", self.theme)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def accept(self) -> None:
        self.settings.device = self.device.currentText()
        self.settings.threads = self.threads.value()
        self.settings.theme = self.theme.currentText()
        self.settings.sync()
        super().accept()


def versions_text() -> str:
    return (f"stabview {__version__}<br>Python {platform.python_version()}<br>torch {torch.__version__} "
            f"({torch.get_num_threads()} threads)<br>numpy {np.__version__}<br>PySide6 {PySide6.__version__}"
            f"<br>pyqtgraph {pg.__version__}<br>{platform.platform()}")


def show_about(parent: QWidget) -> None:
    QMessageBox.about(parent, "About stabview",
                      "<b>stabview</b> tests deep-learning image-reconstruction networks (MRI, CT) for "
                      "instability: tiny worst-case perturbations, small structural details that vanish, "
                      "and quality that stops improving with more samples.<br><br>" + versions_text())


def guide_path() -> Path:
    return Path(__file__).resolve().parents[2] / "docs" / "quick-guide.md"


class GuideDialog(QDialog):
    """docs/quick-guide.md rendered as Markdown."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("stabview quick guide")
        self.resize(640, 560)
        browser = QTextBrowser()
        path = guide_path()
        browser.setMarkdown(path.read_text(encoding="utf-8") if path.exists() else
                            "The quick guide (docs/quick-guide.md) is not part of this installation.")
        layout = QVBoxLayout(self)
        layout.addWidget(browser)
