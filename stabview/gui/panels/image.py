"""Image panel: built-in images as thumbnails, "Open image…" and drag and drop of files."""

from __future__ import annotations

import functools
import os

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QListView, QListWidget, QListWidgetItem,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from ...data import SUFFIXES, list_builtin_images, load_builtin_image
from ...errors import StabviewError
from .common import ProblemLabel

THUMB = 56
IMAGE_FILTER = ("Images (" + " ".join(f"*{s}" for s in SUFFIXES) + ");;All files (*)")


@functools.lru_cache(maxsize=64)
def thumbnail(name: str) -> QPixmap:
    """A small greyscale picture of a built-in image (cached for the session)."""
    try:
        grey = (np.clip(load_builtin_image(name, (THUMB, THUMB)).abs().numpy(), 0, 1) * 255).astype(np.uint8)
    except StabviewError:
        grey = np.zeros((THUMB, THUMB), np.uint8)
    grey = np.ascontiguousarray(grey)
    return QPixmap.fromImage(QImage(grey.data, THUMB, THUMB, THUMB, QImage.Format.Format_Grayscale8).copy())


def accepted_files(mime) -> list[str]:
    """Local files in a drop whose names stabview can read."""
    paths = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()] if mime.hasUrls() else []
    return [p for p in paths if any(p.lower().endswith(s) for s in SUFFIXES) or os.path.isfile(p)]


class ImageDropTarget:
    """Mixin for widgets that open an image file dropped on them (`open_dropped(path)`)."""

    def dragEnterEvent(self, event):
        if accepted_files(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event):
        files = accepted_files(event.mimeData())
        if files:
            event.acceptProposedAction()
            self.open_dropped(files[0])


class ImagePanel(ImageDropTarget, QWidget):
    """Pick the image x: a sample, a file (PNG/TIFF/NPY/DICOM/NIfTI) or a dropped file."""

    def __init__(self, workbench, parent: QWidget | None = None):
        super().__init__(parent)
        self.workbench = workbench
        self.samples = QListWidget()
        self.samples.setViewMode(QListView.ViewMode.IconMode)
        self.samples.setIconSize(QSize(THUMB, THUMB))
        self.samples.setResizeMode(QListView.ResizeMode.Adjust)
        self.samples.setMovement(QListView.Movement.Static)
        self.samples.setSpacing(4)
        self.samples.setWordWrap(True)
        self.samples.setStatusTip("Built-in images: click one to use it")
        for name, description in list_builtin_images():
            item = QListWidgetItem(QIcon(thumbnail(name)), name)
            item.setToolTip(description)
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.samples.addItem(item)
        self.samples.itemClicked.connect(self._chosen)
        self.open_button = QPushButton("Open image…")
        self.open_button.setStatusTip("Open a PNG, TIFF, NPY, DICOM or NIfTI file (or drop one here)")
        self.open_button.clicked.connect(self.open_image_dialog)
        self.slice_box = QSpinBox()
        self.slice_box.setRange(-1, 9999)
        self.slice_box.setSpecialValueText("middle")
        self.slice_box.setValue(-1)
        self.slice_box.setToolTip("Slice of a 3-D file (NIfTI, multi-page TIFF, 3-D NPY)")
        self.slice_box.editingFinished.connect(self._slice_changed)
        self.current = QLabel()
        self.current.setWordWrap(True)
        self.problem = ProblemLabel()
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        row.addWidget(QLabel("slice"))
        row.addWidget(self.slice_box)
        layout = QVBoxLayout(self)
        layout.addWidget(self.samples, 1)
        layout.addLayout(row)
        layout.addWidget(self.current)
        layout.addWidget(self.problem)
        self.setAcceptDrops(True)
        workbench.problem.connect(self._problem)
        workbench.imageChanged.connect(self._image_changed)

    def _chosen(self, item: QListWidgetItem) -> None:
        self.workbench.set_image(item.data(Qt.ItemDataRole.UserRole))

    def open_image_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open image", "", IMAGE_FILTER)
        if path:
            self.open_image(path)

    def open_image(self, path: str) -> bool:
        """Open `path` in the background (True: loading started); a recent file once it opened."""
        index = self.slice_box.value()

        def done(ok: bool) -> None:
            if ok and os.path.exists(path):
                self.workbench.settings.add_recent("image", path)

        return self.workbench.set_image(path, None if index < 0 else index, on_done=done)

    def _slice_changed(self) -> None:
        spec = self.workbench.experiment.image.spec
        if os.path.exists(spec):
            self.open_image(spec)

    def _image_changed(self) -> None:
        spec = self.workbench.experiment.image.spec
        h, w = self.workbench.shape
        self.current.setText(f"image: <b>{os.path.basename(spec)}</b> ({h}×{w})")

    def _problem(self, panel: str, text: str) -> None:
        if panel == "image":
            self.problem.show_problem(text)

    # --- drag and drop -----------------------------------------------------------------------
    def open_dropped(self, path: str) -> None:
        self.open_image(path)
