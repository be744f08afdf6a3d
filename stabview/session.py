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
from .errors import StabviewError, exception_cause

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
        except IsADirectoryError:
            raise SessionError(f"{path} is a folder, not a session file") from None
        except OSError as exc:
            raise SessionError(f"{path} cannot be read: {exc.strerror or exc}") from None
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise SessionError(f"{path} is not a stabview session (not valid JSON: {exc})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise SessionError(f"{path} is not a stabview session file")
        version = data.get("version", 0)
        if not isinstance(version, int) or isinstance(version, bool):
            raise SessionError(f"{path}: the session format version must be a whole number, got {version!r}")
        if version > FORMAT_VERSION:
            raise SessionError(f"{path} was written by a newer stabview (session format "
                               f"{version}); this one reads format {FORMAT_VERSION}")
        values = {}
        for f in fields(cls):
            if f.name in data and f.name != "arrays":
                kind = type(f.default_factory())
                if not isinstance(data[f.name], kind):
                    raise SessionError(f"{path}: '{f.name}' must be a JSON "
                                       f"{'object' if kind is dict else 'list'}, got {type(data[f.name]).__name__}")
                values[f.name] = data[f.name]
        session = cls(**values)
        arrays_file = data.get("arrays_file")
        if arrays_file:
            if not isinstance(arrays_file, str) or Path(arrays_file).name != arrays_file:
                raise SessionError(f"{path}: 'arrays_file' must name a file beside the session, got {arrays_file!r}")
            session.arrays = _read_arrays(path, path.with_name(arrays_file))
        return session

    def to_dict(self) -> dict:
        """The JSON part (without arrays), e.g. to compare two sessions."""
        out = asdict(self)
        out.pop("arrays")
        return _json_safe(out)


def _read_arrays(path: Path, npz: Path) -> dict:
    """The session's arrays from its NPZ: never unpickled; sizes checked before anything is read."""
    from .data.formats import MAX_VALUES

    try:
        with np.load(npz, allow_pickle=False) as bundle:
            arrays, total = {}, 0
            for name in bundle.files:
                member_name = name + ".npy" if name + ".npy" in bundle.zip.namelist() else name
                with bundle.zip.open(member_name) as member:
                    version = np.lib.format.read_magic(member)
                    read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                            else np.lib.format.read_array_header_2_0)
                    shape, _, dtype = read(member)
                total += math.prod(shape) * dtype.itemsize
                if total > MAX_VALUES * 8:
                    raise SessionError(f"the arrays of session {path.name} ({npz.name}) declare more than "
                                       f"{MAX_VALUES * 8:,} bytes; the file is damaged or not a session's")
                arrays[name] = bundle[name]
            return arrays
    except SessionError:
        raise
    except FileNotFoundError:
        raise SessionError(f"the arrays of session {path.name} are missing: no {npz.name} beside it") from None
    except Exception as exc:  # noqa: BLE001 - numpy's and zipfile's errors for a damaged archive
        raise SessionError(f"the arrays of session {path.name} ({npz.name}) cannot be read; the file may be "
                           f"damaged ({exception_cause(exc)[:200]})") from None


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
