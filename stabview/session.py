"""What the user has chosen and found, as plain data: save and open as JSON + NPZ, autosave.

A `Session` holds the network (zoo name, or model file and card), the image (sample name or
file, slice), the details layer (its operations), the sampling (modality, mask kind, rate,
seed), the attack settings, the snapshots and the results. Numbers and choices go to
`NAME.json`; arrays (perturbations, momentum, reconstructions) go to `NAME.npz` beside it,
never pickled. Files are written to a temporary name and then renamed, so a crash during an
autosave leaves the previous autosave intact.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np

from . import __version__
from .errors import StabviewError

FORMAT = "stabview-session"
FORMAT_VERSION = 1


class SessionError(StabviewError, ValueError):
    """A session file is missing, damaged, or from an unknown format version."""


def _json_safe(value):
    """NaN/inf → null, numpy scalars → Python, tuples → lists (JSON has no NaN)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass
class Session:
    """Plain data for one window's worth of work (see the module docstring)."""

    network: dict = field(default_factory=dict)     # {"name": ...} or {"path": ..., "card": ...}
    image: dict = field(default_factory=lambda: {"spec": "brain", "slice": None})
    details: dict = field(default_factory=dict)     # DetailCanvas.to_dict()
    sampling: dict = field(default_factory=dict)    # modality, kind, rate, seed, n_full, ...
    attack: dict = field(default_factory=dict)      # AttackParams fields + iterations, snapshot_at, roi
    snapshots: list = field(default_factory=list)   # [{iteration, perturbation_rel, array}]
    results: dict = field(default_factory=dict)     # history, numbers, sweep summary, detail verdicts
    arrays: dict = field(default_factory=dict, repr=False)   # name → np.ndarray (saved in the NPZ)

    # --- writing ---------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        """Write `path` (.json) and its arrays beside it (.npz); returns the JSON path."""
        path = Path(path)
        if path.suffix.lower() != ".json":
            path = path.with_name(path.name + ".json")
        path.parent.mkdir(parents=True, exist_ok=True)
        npz = path.with_suffix(".npz")
        data = {"format": FORMAT, "version": FORMAT_VERSION, "stabview": __version__,
                **{f.name: getattr(self, f.name) for f in fields(self) if f.name != "arrays"},
                "arrays_file": npz.name if self.arrays else None,
                "array_names": sorted(self.arrays)}
        if self.arrays:
            tmp_npz = npz.with_name(npz.name + ".tmp.npz")
            np.savez(tmp_npz, **{k: np.asarray(v) for k, v in self.arrays.items()})
            os.replace(tmp_npz, npz)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(_json_safe(data), indent=1), encoding="utf-8")
        os.replace(tmp, path)
        return path

    # --- reading ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike) -> "Session":
        """Read a session written by `save` (arrays loaded without unpickling)."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SessionError(f"no session file at {path}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SessionError(f"{path} is not a stabview session (not valid JSON: {exc})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise SessionError(f"{path} is not a stabview session file")
        if int(data.get("version", 0)) > FORMAT_VERSION:
            raise SessionError(f"{path} was written by a newer stabview (session format "
                               f"{data['version']}); this one reads format {FORMAT_VERSION}")
        session = cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data and f.name != "arrays"})
        if data.get("arrays_file"):
            npz = path.with_name(data["arrays_file"])
            try:
                with np.load(npz, allow_pickle=False) as bundle:
                    session.arrays = {k: bundle[k] for k in bundle.files}
            except (OSError, ValueError) as exc:
                raise SessionError(f"the arrays of session {path.name} ({npz.name}) cannot be read: "
                                   f"{exc}") from None
        return session

    def to_dict(self) -> dict:
        """The JSON part (without arrays), e.g. to compare two sessions."""
        out = asdict(self)
        out.pop("arrays")
        return _json_safe(out)


def state_dir() -> Path:
    """Where autosaves live: $STABVIEW_STATE_DIR, else $XDG_STATE_HOME/stabview, else ~/.local/state/stabview."""
    override = os.environ.get("STABVIEW_STATE_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "stabview"


def autosave_path() -> Path:
    """The one autosave file; the window rewrites it after every change worth keeping."""
    return state_dir() / "autosave.json"
