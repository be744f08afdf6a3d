"""The grid of linked image views: x, x + r, |r|, network and baseline outputs, differences.

One `pg.GraphicsLayoutWidget` holds nine view boxes whose pan and zoom are linked. The views of
images share one window (min/max) and colormap; |r| and the difference images are rescaled on
their own (they are orders of magnitude smaller). Mouse edits on the x view are *reported*
(`clicked`, `stroked`) and applied by the details model; nothing here writes into an array.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from .magnifier import Magnifier

#: key, title; three rows: inputs, network, baseline
VIEWS = (
    ("x", "x (+ details)"), ("x_plus_r", "x + r"), ("r", "|r| (rescaled)"),
    ("network_clean", "f(Ax)"), ("network", "f(A(x + r))"), ("network_diff", "network change"),
    ("baseline_clean", "baseline(Ax)"), ("baseline", "baseline(A(x + r))"), ("baseline_diff", "baseline change"),
)
TIPS = {"network_diff": "|f(A(x + r))| − |f(Ax)|: what the perturbation changed in the network's output",
        "baseline_diff": "|baseline(A(x + r))| − |baseline(Ax)|: what it changed in the baseline's output",
        "r": "|r|, rescaled to its own maximum (r is tiny next to x)"}
SHARED_WINDOW = {"x", "x_plus_r", "network_clean", "network", "baseline_clean", "baseline"}
SIGNED = {"network_diff", "baseline_diff"}
COLORMAPS = ("grey", "viridis", "inferno", "magma", "cividis")


def lookup_table(name: str) -> np.ndarray | None:
    """256-entry RGB table for a colormap name (None: plain grey, pyqtgraph's fast path)."""
    if name == "grey":
        return None
    return pg.colormap.get(name).getLookupTable(nPts=256)


class CanvasImage(pg.ImageItem):
    """An ImageItem that reports clicks and drags in pixel coordinates while a tool is active."""

    def __init__(self, grid: "ViewerGrid"):
        super().__init__(axisOrder="row-major")
        self.grid = grid
        self._points: list[tuple[float, float]] = []

    def mouseClickEvent(self, ev):
        if self.grid.tool and ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            p = ev.pos()
            if self.grid.tool == "stamp":
                self.grid.clicked.emit(float(p.y()), float(p.x()))
            else:
                self.grid.stroked.emit([(float(p.y()), float(p.x()))])
        else:
            super().mouseClickEvent(ev)

    def mouseDragEvent(self, ev):
        if self.grid.tool not in ("brush", "eraser") or ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        p = ev.pos()
        if ev.isStart():
            self._points = []
        self._points.append((float(p.y()), float(p.x())))
        self.grid.preview_stroke(self._points)
        if ev.isFinish():
            points, self._points = self._points, []
            self.grid.preview_stroke([])
            self.grid.stroked.emit(points)


class ViewerGrid(QWidget):
    """Nine linked views; `set_image(key, array)` shows an `(H, W)` array (complex → magnitude)."""

    hovered = Signal(str)               # status-bar text
    clicked = Signal(float, float)      # row, col on the x view (stamp tool)
    stroked = Signal(object)            # [(row, col), ...] on the x view (brush/eraser tools)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.tool = ""                  # '', 'stamp', 'brush', 'eraser'
        self._shape: tuple[int, ...] = ()
        self.levels = (0.0, 1.0)
        self.colormap = "grey"
        self.arrays: dict[str, np.ndarray | None] = {}
        self.layout_widget = pg.GraphicsLayoutWidget()
        self.layout_widget.ci.setSpacing(2)
        self.boxes: dict[str, pg.ViewBox] = {}
        self.items: dict[str, pg.ImageItem] = {}
        self.titles: dict[str, pg.LabelItem] = {}
        self.notes: dict[str, pg.TextItem] = {}
        self._user_zoomed = False
        for k, (key, title) in enumerate(VIEWS):
            row, col = divmod(k, 3)
            label = self.layout_widget.addLabel(title, row=2 * row, col=col, size="9pt")
            label.setMaximumHeight(18)
            label.setMinimumWidth(0)
            label.setToolTip(TIPS.get(key, title))
            self.titles[key] = label
            box = self.layout_widget.addViewBox(row=2 * row + 1, col=col, lockAspect=True, invertY=True,
                                                enableMenu=False)
            grid = self.layout_widget.ci.layout
            grid.setRowStretchFactor(2 * row, 0)
            grid.setRowStretchFactor(2 * row + 1, 1)
            grid.setColumnStretchFactor(col, 1)
            item = CanvasImage(self) if key == "x" else pg.ImageItem(axisOrder="row-major")
            box.addItem(item)
            note = pg.TextItem("", anchor=(0.5, 0.5), color=(150, 150, 150))
            box.addItem(note, ignoreBounds=True)
            box.disableAutoRange()           # fitting and linking are done here (see _sync)
            box.sigRangeChangedManually.connect(self._sync)
            self.boxes[key], self.items[key], self.notes[key] = box, item, note
        self._stroke = pg.PlotCurveItem(pen=pg.mkPen((255, 200, 0), width=2))
        self.boxes["x"].addItem(self._stroke, ignoreBounds=True)
        self.magnifier = Magnifier(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.layout_widget)
        self.layout_widget.scene().sigMouseMoved.connect(self._mouse_moved)

    # --- content ---------------------------------------------------------------------------
    def set_image(self, key: str, array: np.ndarray | None, note: str = "") -> None:
        """Show `array` in view `key`, or clear it and show `note` (e.g. 'running …')."""
        item, box = self.items[key], self.boxes[key]
        if array is None:
            self.arrays[key] = None
            item.clear()
            self.notes[key].setText(note)
            self.notes[key].setPos(*self._centre())
            return
        data = np.abs(array) if np.iscomplexobj(array) else np.asarray(array, dtype=np.float32)
        data = np.ascontiguousarray(data, dtype=np.float32)
        self.arrays[key] = data
        self.notes[key].setText(note)
        item.setImage(data, levels=self._levels_for(key, data), lut=lookup_table(self.colormap),
                      autoLevels=False)
        if data.shape != self._shape:      # a new grid: fit it (until the user pans or zooms)
            self._shape = data.shape
            self.reset_zoom()

    def image_of(self, key: str) -> np.ndarray | None:
        return self.arrays.get(key)

    def _centre(self) -> tuple[float, float]:
        for data in self.arrays.values():
            if data is not None:
                return data.shape[1] / 2, data.shape[0] / 2
        return 64.0, 64.0

    def _levels_for(self, key: str, data: np.ndarray) -> tuple[float, float]:
        if key in SHARED_WINDOW:
            return self.levels
        if key in SIGNED:
            bound = float(np.abs(data).max()) or 1.0
            return -bound, bound
        return 0.0, float(data.max()) or 1.0

    # --- shared window and colormap ----------------------------------------------------------
    def set_window(self, low: float, high: float) -> None:
        if high <= low:
            high = low + 1e-6
        self.levels = (float(low), float(high))
        for key in SHARED_WINDOW:
            if self.arrays.get(key) is not None:
                self.items[key].setLevels(self.levels)

    def set_colormap(self, name: str) -> None:
        self.colormap = name if name in COLORMAPS else "grey"
        lut = lookup_table(self.colormap)
        for key, item in self.items.items():
            if self.arrays.get(key) is not None:
                item.setLookupTable(lut)

    def set_background(self, colour: str) -> None:
        self.layout_widget.setBackground(colour)

    def reset_zoom(self) -> None:
        """Fit the image in every view; the fit follows resizes until the user pans or zooms."""
        self._user_zoomed = False
        self._fit()

    def _fit(self) -> None:
        if not self._shape:
            return
        h, w = self._shape[:2]
        for box in self.boxes.values():
            box.setRange(QRectF(0, 0, w, h), padding=0)

    def _sync(self, *args) -> None:
        """Pan/zoom together: the view the user moved gives its visible rectangle to the others.

        (pyqtgraph's own X/Y links fight with locked aspect ratios when the boxes differ in shape.)
        """
        source = self.sender()
        self._user_zoomed = True
        rect = source.viewRect()
        for box in self.boxes.values():
            if box is not source:
                box.setRange(rect, padding=0)

    # --- mouse -------------------------------------------------------------------------------
    def preview_stroke(self, points: list[tuple[float, float]]) -> None:
        if points:
            rows, cols = zip(*points)
            self._stroke.setData(np.array(cols), np.array(rows))
        else:
            self._stroke.setData([], [])

    def _mouse_moved(self, pos: QPointF) -> None:
        for key, box in self.boxes.items():
            if not box.sceneBoundingRect().contains(pos):
                continue
            data = self.arrays.get(key)
            if data is None:
                return
            point = box.mapSceneToView(pos)
            row, col = int(np.floor(point.y())), int(np.floor(point.x()))
            if 0 <= row < data.shape[0] and 0 <= col < data.shape[1]:
                title = dict(VIEWS)[key]
                self.hovered.emit(f"{title}   row {row}, col {col}   value {data[row, col]:.4g}")
                if self.magnifier.isVisible():
                    self.magnifier.show_region(data, row, col, self._levels_for(key, data),
                                               lookup_table(self.colormap))
            return

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self.magnifier.place()
        if not self._user_zoomed:
            QTimer.singleShot(0, self._fit)      # after the layout has given the boxes their size
