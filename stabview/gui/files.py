"""What a file is, by its name and (for JSON) its first bytes: a model, a session or an image
(plain Python, no Qt: used for drops and for File ▸ Open Recent)."""

from __future__ import annotations

import json
from pathlib import Path

from ..data import SUFFIXES
from ..experiment.session import FORMAT

MODEL_SUFFIXES = (".pt", ".pth", ".onnx", ".safetensors", ".ts")


def file_kind(path: str) -> str:
    """'model', 'session', 'image' or '' (not something stabview opens)."""
    name = str(path).lower()
    if name.endswith(MODEL_SUFFIXES):
        return "model"
    if name.endswith(".json"):
        return "session" if is_session(path) else ""
    if any(name.endswith(s) for s in SUFFIXES):
        return "image"
    return ""


def is_session(path: str) -> bool:
    """A JSON file written by `Session.save` (its "format" says so)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("format") == FORMAT
