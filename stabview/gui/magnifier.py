"""A zoom inset in the corner of the viewer grid: the pixels around the cursor, enlarged."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QWidget

RADIUS = 12      # pixels each side of the cursor
ZOOM = 6


class Magnifier(QLabel):
    """Shows a (2·RADIUS+1)² crop of the hovered image at ZOOM× with nearest-neighbour pixels."""

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        side = (2 * RADIUS + 1) * ZOOM
        self.setFixedSize(side + 4, side + 4)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet("QLabel { border: 2px solid #d9a400; background: black; }")
        self.setToolTip("Magnifier: the pixels under the cursor (View ▸ Magnifier)")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hide()

    def place(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.move(parent.width() - self.width() - 8, parent.height() - self.height() - 8)
            self.raise_()

    def show_region(self, data: np.ndarray, row: int, col: int, levels: tuple[float, float],
                    lut: np.ndarray | None) -> None:
        """Crop around (row, col), padding with black outside the image, and draw it."""
        padded = np.pad(data, RADIUS, mode="constant", constant_values=levels[0])
        crop = padded[row:row + 2 * RADIUS + 1, col:col + 2 * RADIUS + 1]
        low, high = levels
        scaled = np.clip((crop - low) / ((high - low) or 1.0), 0, 1)
        index = (scaled * 255).astype(np.uint8)
        rgb = np.stack([index] * 3, -1) if lut is None else lut[index].astype(np.uint8)
        rgb = np.repeat(np.repeat(rgb, ZOOM, 0), ZOOM, 1)
        centre = RADIUS * ZOOM
        rgb[centre:centre + ZOOM, centre:centre + ZOOM] = (rgb[centre:centre + ZOOM, centre:centre + ZOOM] // 2
                                                           + np.array([127, 100, 0], np.uint8))
        rgb = np.ascontiguousarray(rgb)
        h, w, _ = rgb.shape
        image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        self.setPixmap(QPixmap.fromImage(image))
