"""One colour scale for what is compared, and the numbers printed on the views (no Qt here).

The network's and the baseline's difference images are shown on one symmetric scale by default,
so a calm baseline looks calm beside a busy network. Two comparisons are offered:

- "change": |f(A(x + r))| − |f(Ax)|, with Δ = ‖f(A(x + r)) − f(Ax)‖ / ‖f(Ax)‖ (what the
  export's result.json calls network_change_rel / baseline_change_rel);
- "error":  |f(A(x + r))| − |x|,    with Δ = ‖f(A(x + r)) − x‖ / ‖x‖.

Δ is computed on the complex values, as `stability.metrics.rel_l2` does, so the window's
numbers are the export's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MODES = ("change", "error")
MODE_TEXT = {"change": "change vs f(Ax)", "error": "error vs x"}
NAMES = ("network", "baseline")


def _norm(a: np.ndarray) -> float:
    """‖a‖₂ in float64 with plain ufuncs: np.linalg.norm goes through BLAS, whose thread pool
    spins against the attack's worker in the GUI thread (measured: 15 ms per 128² norm)."""
    if np.iscomplexobj(a):
        return float(np.sqrt(np.square(a.real, dtype=np.float64).sum() + np.square(a.imag, dtype=np.float64).sum()))
    return float(np.sqrt(np.square(a, dtype=np.float64).sum()))


def relative_change(new: np.ndarray, reference: np.ndarray) -> float:
    """‖new − reference‖₂ / ‖reference‖₂ in float64 (complex values kept as they are)."""
    new = np.asarray(new)
    reference = np.asarray(reference)
    dtype = np.complex128 if (np.iscomplexobj(new) or np.iscomplexobj(reference)) else np.float64
    diff = _norm(new.astype(dtype) - reference.astype(dtype))
    return diff / max(_norm(reference.astype(dtype)), 1e-30)


def difference_image(new: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """|new| − |reference| as float32: what a viewer can show of a complex change."""
    return (np.abs(new) - np.abs(reference)).astype(np.float32)


STEPS = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_bound(value: float) -> float:
    """The smallest 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10ᵏ at or above `value`: colour bars
    read in round numbers and change rarely while an attack runs (each change of a bar's range
    regenerates its axis, the costliest part of a repaint)."""
    if not np.isfinite(value) or value <= 0:
        return 1.0
    decade = 10.0 ** np.floor(np.log10(value))
    return float(next(step * decade for step in STEPS if step * decade >= value * (1 - 1e-9)))


def symmetric_bound(*arrays) -> float:
    """`nice_bound` of the largest |value| over the arrays given (1.0 when there is nothing)."""
    return nice_bound(max((float(np.abs(a).max()) for a in arrays if a is not None and a.size), default=0.0))


@dataclass
class DifferenceScale:
    """What the difference views compare and whether they share one scale; the last results."""

    mode: str = "change"
    shared: bool = True
    differences: dict = field(default_factory=dict)      # name → |new| − |reference| (float32)
    numbers: dict = field(default_factory=dict)          # name → Δ (fraction), for the shown images
    levels: dict = field(default_factory=dict)           # name → (low, high) of its difference view

    def reference_key(self, name: str) -> str:
        """Which image `name`'s perturbed output is compared with in this mode."""
        return f"{name}_clean" if self.mode == "change" else "x"

    def update(self, images: dict) -> None:
        """Recompute differences, Δ and levels from the images on screen (missing ones: none)."""
        self.differences, self.numbers = {}, {}
        for name in NAMES:
            new, reference = images.get(name), images.get(self.reference_key(name))
            if new is None or reference is None or np.shape(new) != np.shape(reference):
                continue
            self.differences[name] = difference_image(new, reference)
            self.numbers[name] = relative_change(new, reference)
        if self.shared:
            bound = symmetric_bound(*self.differences.values())
            self.levels = {name: (-bound, bound) for name in self.differences}
        else:
            self.levels = {name: (-symmetric_bound(d), symmetric_bound(d)) for name, d in self.differences.items()}


@dataclass
class PerturbationScale:
    """|r| on its own scale: image units, and its size as a share of ‖x‖."""

    maximum: float = 0.0          # max |r| in image units
    relative: float = 0.0         # ‖r‖ / ‖x‖

    @classmethod
    def of(cls, r: np.ndarray, x: np.ndarray) -> "PerturbationScale":
        r = np.asarray(r)
        return cls(float(np.abs(r).max()) if r.size else 0.0, relative_change(np.asarray(x) + r, x))

    @property
    def levels(self) -> tuple[float, float]:
        return 0.0, nice_bound(self.maximum)

