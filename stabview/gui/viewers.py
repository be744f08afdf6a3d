"""The grid of linked image views: x, x + r, |r|, network and baseline outputs, differences.

One `pg.GraphicsLayoutWidget` holds nine equal view boxes in a 3 × 3 grid whose pan and zoom
are linked, and a colour bar beside each row's last view. The views of images share one window
(min/max) and colormap; |r| and the two difference images get the levels the view feed gives
them (the differences one shared, symmetric scale by default, on a diverging colormap) and a
caption with their numbers. Mouse edits on the x view are *reported* (`clicked`, `stroked`) and
applied by the details model; nothing here writes into an array.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pyqtgraph.functions as fn
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QVBoxLayout, QWidget

from .magnifier import Magnifier

# Images are (H, W) arrays indexed [row, col] everywhere in stabview.
pg.setConfigOptions(imageAxisOrder="row-major")

#: key, title; three rows: inputs, network, baseline
VIEWS = (
    ("x", "x (+ details)"), ("x_plus_r", "x + r"), ("r", "|r|"),
    ("network_clean", "f(Ax)"), ("network", "f(A(x + r))"), ("network_diff", "network change"),
    ("baseline_clean", "baseline(Ax)"), ("baseline", "baseline(A(x + r))"), ("baseline_diff", "baseline change"),
)
TIPS = {"network_diff": "|f(A(x + r))| − |f(Ax)| (or − |x|): what the perturbation changed in the network's "
                        "output, on the same scale as the baseline's",
        "baseline_diff": "|baseline(A(x + r))| − |baseline(Ax)| (or − |x|): what it changed in the baseline's "
                         "output, on the same scale as the network's",
        "r": "|r| on its own scale, in image units (r is tiny next to x)"}
SHARED_WINDOW = {"x", "x_plus_r", "network_clean", "network", "baseline_clean", "baseline"}
SIGNED = {"network_diff", "baseline_diff"}
#: views with a colour bar beside them (the last column of each row)
BARS = ("r", "network_diff", "baseline_diff")
COLORMAPS = ("grey", "viridis", "inferno", "magma", "cividis")
DIVERGING = "CET-D1"        # blue – white – red: the sign of a change reads at a glance
BAR_LABELS = {"r": "|r| (image units)", "network_diff": "difference", "baseline_diff": "difference"}
BAR_WIDTH = 82             # the colour bars' column, in pixels


def lookup_table(name: str) -> np.ndarray | None:
    """256-entry RGB table for a colormap name (None: plain grey, pyqtgraph's fast path)."""
    if name == "grey":
        return None
    return pg.colormap.get(name).getLookupTable(nPts=256)


def colour_map(name: str) -> pg.ColorMap:
    if name == "grey":
        return pg.ColorMap([0.0, 1.0], [(0, 0, 0), (255, 255, 255)])
    return pg.colormap.get(name)


class TitleItem(pg.LabelItem):
    """A view's title that never widens its column (long captions are clipped, not obeyed) and
    never re-lays out the grid when its text changes (the numbers change with every redraw
    during an attack; a layout pass per redraw repaints all nine views)."""

    def setText(self, text, **args):
        self.text = text
        self.opts.update(args)
        colour = fn.mkColor(self.opts["color"] if self.opts["color"] is not None
                            else pg.getConfigOption("foreground"))
        style = [f"color: {colour.name(QColor.NameFormat.HexArgb)}"]
        if "size" in self.opts:
            style.append(f"font-size: {self.opts['size']}")
        self.item.setHtml(f"<span style='{'; '.join(style)}'>{text}</span>")
        self.resizeEvent(None)

    def updateMin(self):
        hint = (0.0, float(self.itemRect().height()))
        if self._sizeHint.get(Qt.SizeHint.MinimumSize) == hint:
            return
        self.setMinimumWidth(0)
        self.setMinimumHeight(hint[1])
        self._sizeHint = {Qt.SizeHint.MinimumSize: hint, Qt.SizeHint.PreferredSize: hint,
                          Qt.SizeHint.MaximumSize: (-1, -1), Qt.SizeHint.MinimumDescent: (0, 0)}
        self.updateGeometry()


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
        self.view_levels: dict[str, tuple[float, float]] = {}     # levels given for BARS views
        self.captions: dict[str, str] = {}                        # numbers after each title
        self.layout_widget = pg.GraphicsLayoutWidget()
        self.layout_widget.ci.setSpacing(2)
        self.boxes: dict[str, pg.ViewBox] = {}
        self.items: dict[str, pg.ImageItem] = {}
        self.titles: dict[str, pg.LabelItem] = {}
        self.notes: dict[str, pg.TextItem] = {}
        self.bars: dict[str, pg.ColorBarItem] = {}
        self._user_zoomed = False
        grid = self.layout_widget.ci.layout
        for k, (key, title) in enumerate(VIEWS):
            row, col = divmod(k, 3)
            label = TitleItem(title, size="9pt")
            self.layout_widget.addItem(label, row=2 * row, col=col)
            label.setMaximumHeight(18)
            label.setToolTip(TIPS.get(key, title))
            self.titles[key] = label
            box = self.layout_widget.addViewBox(row=2 * row + 1, col=col, lockAspect=True, invertY=True,
                                                enableMenu=False)
            box.setMinimumSize(40, 40)
            grid.setRowStretchFactor(2 * row, 0)
            grid.setRowStretchFactor(2 * row + 1, 1)
            grid.setColumnStretchFactor(col, 1)
            grid.setColumnPreferredWidth(col, 100)     # equal columns: nothing inside asks for more
            item = CanvasImage(self) if key == "x" else pg.ImageItem(axisOrder="row-major")
            box.addItem(item)
            note = pg.TextItem("", anchor=(0.5, 0.5), color=(150, 150, 150))
            box.addItem(note, ignoreBounds=True)
            box.disableAutoRange()           # fitting and linking are done here (see _sync)
            box.sigRangeChangedManually.connect(self._sync)
            self.boxes[key], self.items[key], self.notes[key] = box, item, note
        for row, key in enumerate(BARS):
            bar = pg.ColorBarItem(values=(0.0, 1.0), width=14, interactive=False, colorMapMenu=False,
                                  colorMap=colour_map(DIVERGING if key in SIGNED else self.colormap))
            bar.setToolTip(TIPS[key])
            for side in ("left", "top", "bottom"):      # one axis to paint per bar, not four
                bar.hideAxis(side)
            axis = bar.getAxis("right")
            axis.setWidth(62)
            axis.enableAutoSIPrefix(False)          # plain values (0.04), not "40 (×0.001)"
            axis.setLabel(BAR_LABELS[key])
            bar.hide()                               # shown with its view's image
            self.layout_widget.addItem(bar, row=2 * row + 1, col=3)
            self.bars[key] = bar
        grid.setColumnFixedWidth(3, BAR_WIDTH)
        grid.setColumnStretchFactor(3, 0)
        self._stroke = pg.PlotCurveItem(pen=pg.mkPen((255, 200, 0), width=2))
        self.boxes["x"].addItem(self._stroke, ignoreBounds=True)
        self.magnifier = Magnifier(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.layout_widget)
        self.layout_widget.scene().sigMouseMoved.connect(self._mouse_moved)

    # --- content ---------------------------------------------------------------------------
    def set_image(self, key: str, array: np.ndarray | None, note: str = "",
                  levels: tuple[float, float] | None = None) -> None:
        """Show `array` in view `key` (on `levels` if given), or clear it and show `note`."""
        item = self.items[key]
        if array is None:
            self.arrays[key] = None
            item.clear()
            self.notes[key].setText(note)
            self.notes[key].setPos(*self._centre())
            self.set_caption(key, "")
            if key in self.bars:
                self.bars[key].hide()
            return
        data = np.abs(array) if np.iscomplexobj(array) else np.asarray(array, dtype=np.float32)
        data = np.ascontiguousarray(data, dtype=np.float32)
        self.arrays[key] = data
        self.notes[key].setText(note)
        if levels is not None:
            self.view_levels[key] = (float(levels[0]), float(levels[1]))
        else:
            self.view_levels.pop(key, None)
        item.setImage(data, levels=self._levels_for(key, data), lut=self._lut(key), autoLevels=False)
        if key in self.bars:
            self.bars[key].setLevels(self._levels_for(key, data))
            self.bars[key].show()
        if data.shape != self._shape:      # a new grid: fit it (until the user pans or zooms)
            self._shape = data.shape
            self.reset_zoom()

    def set_view_levels(self, key: str, levels: tuple[float, float]) -> None:
        """New levels for a view with a colour bar (the image stays)."""
        self.view_levels[key] = (float(levels[0]), float(levels[1]))
        if self.arrays.get(key) is not None:
            self.items[key].setLevels(self.view_levels[key])
        if key in self.bars:
            self.bars[key].setLevels(self.view_levels[key])

    def shown_levels(self, key: str) -> tuple[float, float]:
        """The levels view `key` is drawn with (what its colour bar shows, too)."""
        return tuple(float(v) for v in self.items[key].getLevels())

    def set_caption(self, key: str, text: str) -> None:
        """Numbers after a view's title, e.g. 'Δ 27.2%'."""
        if self.captions.get(key, "") == text:
            return
        self.captions[key] = text
        title = dict(VIEWS)[key]
        self.titles[key].setText(f"{title}   <b>{text}</b>" if text else title)

    def _lut(self, key: str) -> np.ndarray | None:
        return lookup_table(DIVERGING) if key in SIGNED else lookup_table(self.colormap)

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
        if key in self.view_levels:
            return self.view_levels[key]
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
        for key, item in self.items.items():
            if self.arrays.get(key) is not None and key not in SIGNED:
                item.setLookupTable(self._lut(key))
        self.bars["r"].setColorMap(colour_map(self.colormap))

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

    def view_sizes(self) -> dict[str, tuple[float, float, float, float]]:
        """Each view box's rectangle in the scene (x, y, width, height), to check the grid."""
        out = {}
        for key, box in self.boxes.items():
            r = box.sceneBoundingRect()
            out[key] = (r.x(), r.y(), r.width(), r.height())
        return out

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
                    self.magnifier.show_region(data, row, col, self._levels_for(key, data), self._lut(key))
            return

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self.magnifier.place()
        if not self._user_zoomed:
            QTimer.singleShot(0, self._fit)      # after the layout has given the boxes their size
