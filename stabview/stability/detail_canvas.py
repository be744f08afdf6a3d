"""The details layer d as a Qt-free model: stamps and brush/eraser strokes with undo and redo.

The GUI never paints into an array it displays; it sends edits here and shows `image()`.
Every edit is an operation in a list; `image()` replays them onto zeros (cached), so undo is
"drop the last operation" and a saved session is the list itself, not pixels.

Composition rule: a stamp or brush stroke sets d to max(d, new) (overlapping strokes do not
add up past their intensity), an eraser stroke multiplies d by (1 − footprint). Listeners
(`subscribe`) are called after every change, so views follow the model (as in napari).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from ..errors import StabviewError
from .details import Detail

TOOLS = ("stamp", "brush", "eraser")


@dataclass(frozen=True)
class Stroke:
    """A brush or eraser stroke: a polyline of (row, col) points drawn with a round tip."""

    points: tuple[tuple[float, float], ...]
    radius: float
    intensity: float = 0.5
    erase: bool = False

    def footprint(self, shape: tuple[int, int]) -> np.ndarray:
        """Antialiased coverage in [0, 1] of the round tip swept along the polyline."""
        h, w = shape
        rows, cols = np.mgrid[0:h, 0:w].astype(np.float64)
        coverage = np.zeros(shape)
        pts = np.asarray(self.points, dtype=np.float64).reshape(-1, 2)
        segments = zip(pts, pts[1:]) if len(pts) > 1 else [(pts[0], pts[0])]
        for (r0, c0), (r1, c1) in segments:
            dr, dc = r1 - r0, c1 - c0
            length2 = dr * dr + dc * dc
            t = 0.0 if length2 == 0 else np.clip(((rows - r0) * dr + (cols - c0) * dc) / length2, 0, 1)
            dist = np.hypot(rows - (r0 + t * dr), cols - (c0 + t * dc))
            np.maximum(coverage, np.clip(self.radius + 0.5 - dist, 0.0, 1.0), out=coverage)
        return coverage

    def to_dict(self) -> dict:
        return {"points": [list(p) for p in self.points], "radius": self.radius,
                "intensity": self.intensity, "erase": self.erase}

    @classmethod
    def from_dict(cls, data: dict) -> "Stroke":
        return cls(tuple((float(r), float(c)) for r, c in data["points"]), float(data["radius"]),
                   float(data.get("intensity", 0.5)), bool(data.get("erase", False)))


Operation = Detail | Stroke


def _op_to_dict(op: Operation) -> dict:
    if isinstance(op, Detail):
        return {"type": "stamp", **op.to_dict()}
    return {"type": "stroke", **op.to_dict()}


def _op_from_dict(data: dict) -> Operation:
    data = dict(data)
    kind = data.pop("type", None)
    if kind == "stamp":
        return Detail.from_dict(data)
    if kind == "stroke":
        return Stroke.from_dict(data)
    raise StabviewError(f"unknown detail operation '{kind}' (expected 'stamp' or 'stroke')")


@dataclass
class DetailCanvas:
    """The detail image d on an `(H, W)` grid, built from undoable operations."""

    shape: tuple[int, int]
    operations: list = field(default_factory=list)
    _undone: list = field(default_factory=list, repr=False)
    _listeners: list = field(default_factory=list, repr=False)
    _cache: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self):
        self.shape = (int(self.shape[0]), int(self.shape[1]))
        if min(self.shape) < 1:
            raise StabviewError(f"a detail canvas needs a non-empty shape, got {self.shape}")

    # --- edits -----------------------------------------------------------------------------
    def stamp(self, detail: Detail) -> None:
        """Add a symbol or text stamp (rendered now, so a bad one fails before it is kept)."""
        detail.render(self.shape)
        self._push(detail)

    def stroke(self, points, radius: float, intensity: float = 0.5, *, erase: bool = False) -> None:
        """Add a brush (or eraser) stroke through `points` [(row, col), ...]."""
        points = tuple((float(r), float(c)) for r, c in points)
        if not points:
            raise StabviewError("a stroke needs at least one point")
        if radius <= 0:
            raise StabviewError(f"brush radius must be > 0 pixels, got {radius}")
        self._push(Stroke(points, float(radius), float(intensity), erase))

    def undo(self) -> bool:
        """Drop the last operation (kept for redo); False when there is nothing to undo."""
        if not self.operations:
            return False
        self._undone.append(self.operations.pop())
        self._changed()
        return True

    def redo(self) -> bool:
        """Re-apply the last undone operation; False when there is nothing to redo."""
        if not self._undone:
            return False
        self.operations.append(self._undone.pop())
        self._changed()
        return True

    def clear(self) -> None:
        """Remove everything; undoable as a whole (the operations move to the redo stack)."""
        if not self.operations:
            return
        self._undone.extend(reversed(self.operations))
        self.operations.clear()
        self._changed()

    def reset(self, shape: tuple[int, int] | None = None, operations=()) -> None:
        """Start over (new image): replace everything, forget undo/redo history."""
        if shape is not None:
            self.shape = (int(shape[0]), int(shape[1]))
        self.operations = list(operations)
        self._undone.clear()
        self._changed()

    @property
    def can_undo(self) -> bool:
        return bool(self.operations)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    @property
    def is_empty(self) -> bool:
        return not self.operations

    # --- the detail image ------------------------------------------------------------------
    def image(self) -> np.ndarray:
        """d as float32 `(H, W)` (a copy; the cache is never handed out)."""
        if self._cache is None:
            d = np.zeros(self.shape, dtype=np.float64)
            for op in self.operations:
                if isinstance(op, Detail):
                    np.maximum(d, op.render(self.shape).double().numpy(), out=d)
                elif op.erase:
                    d *= 1.0 - op.footprint(self.shape)
                else:
                    np.maximum(d, op.intensity * op.footprint(self.shape), out=d)
            self._cache = d.astype(np.float32)
        return self._cache.copy()

    def tensor(self) -> torch.Tensor:
        return torch.from_numpy(self.image())

    # --- observers and persistence ---------------------------------------------------------
    def subscribe(self, callback: Callable[["DetailCanvas"], None]) -> None:
        self._listeners.append(callback)

    def to_dict(self) -> dict:
        return {"shape": list(self.shape), "operations": [_op_to_dict(op) for op in self.operations]}

    @classmethod
    def from_dict(cls, data: dict) -> "DetailCanvas":
        canvas = cls(tuple(data["shape"]))
        canvas.operations = [_op_from_dict(op) for op in data.get("operations", [])]
        return canvas

    def _push(self, op: Operation) -> None:
        self.operations.append(op)
        self._undone.clear()
        self._changed()

    def _changed(self) -> None:
        self._cache = None
        for callback in list(self._listeners):
            callback(self)
