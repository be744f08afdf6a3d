"""The spec's per-test tables, checked: `target` (the targeted tests' detail and search) and
`nullspace` (the projection's solve). Each problem raises `SpecError` naming the field."""

from __future__ import annotations

import math

from .errors import SpecError

SYMBOL_NAMES = ("spade", "heart", "diamond", "club")


def target_table(value) -> dict:
    """The targeted tests' detail and search: symbol or text, size, position, intensity, iterations, step."""
    if not isinstance(value, dict):
        raise SpecError("target", 'must be a table like { symbol = "heart", intensity = 0.5 }')
    known = ("symbol", "text", "size", "position", "intensity", "iterations", "step")
    for key in value:
        if key not in known:
            raise SpecError(f"target.{key}", f"unknown setting; known: {', '.join(known)}")
    if "symbol" in value and "text" in value:
        raise SpecError("target", "give symbol or text, not both")
    if "symbol" in value and value["symbol"] not in SYMBOL_NAMES:
        raise SpecError("target.symbol", f"must be one of {', '.join(SYMBOL_NAMES)}, got {value['symbol']!r}")
    if "text" in value and (not isinstance(value["text"], str) or not value["text"].strip()):
        raise SpecError("target.text", f"must be a non-empty string, got {value['text']!r}")
    for key in ("size", "iterations"):
        if key in value:
            item = value[key]
            if isinstance(item, bool) or not isinstance(item, int) or item < 1:
                raise SpecError(f"target.{key}", f"must be a whole number ≥ 1, got {item!r}")
    if "position" in value:
        pos = value["position"]
        if (not isinstance(pos, list) or len(pos) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 for v in pos)):
            raise SpecError("target.position", f"must be [row, col] (pixels, ≥ 0), got {pos!r}")
        value = {**value, "position": [float(v) for v in pos]}
    if "intensity" in value:
        item = value["intensity"]
        if isinstance(item, bool) or not isinstance(item, (int, float)) or not math.isfinite(item) or item == 0:
            raise SpecError("target.intensity", f"must be a non-zero number, got {item!r}")
        value = {**value, "intensity": float(item)}
    if "step" in value:
        item = value["step"]
        if isinstance(item, bool) or not isinstance(item, (int, float)) or not 0 < item <= 1:
            raise SpecError("target.step", f"must lie in (0, 1] (a share of the ball's radius), got {item!r}")
        value = {**value, "step": float(item)}
    return dict(value)


def nullspace_table(value) -> dict:
    """The null-space projection's tolerance (0 < t < 1) and iteration cap."""
    if not isinstance(value, dict):
        raise SpecError("nullspace", "must be a table like { tolerance = 1e-6, max_iterations = 500 }")
    out = {}
    for key, item in value.items():
        if key == "tolerance":
            if isinstance(item, bool) or not isinstance(item, (int, float)) or not 0 < item < 1:
                raise SpecError("nullspace.tolerance", f"must lie in (0, 1), got {item!r}")
            out[key] = float(item)
        elif key == "max_iterations":
            if isinstance(item, bool) or not isinstance(item, int) or item < 1:
                raise SpecError("nullspace.max_iterations", f"must be a whole number ≥ 1, got {item!r}")
            out[key] = item
        else:
            raise SpecError(f"nullspace.{key}", "unknown setting; known: tolerance, max_iterations")
    return out
