"""A session file: an experiment, its paused search, its results and the window's view choices.

Numbers and choices go to `NAME.json` (with a format version); arrays (the search's r, momentum
and snapshots, a region of interest) go to `NAME.npz` beside it, never pickled. Files are written
to a temporary name and then renamed, so a crash during an autosave leaves the previous one
intact. Files of format 1 (written before the experiment model existed) are migrated on opening.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from .. import __version__
from ..errors import StabviewError
from .experiment import Experiment

FORMAT = "stabview-session"
FORMAT_VERSION = 2
SEARCH_TENSORS = ("r", "v", "best_r", "best_direction", "evaluated_r", "roi")


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
    """One window's worth of work (see the module docstring).

    `search` is a `PerturbationSearch.state_dict()` (tensors included) or None; `results` maps a
    test ('attack', 'details', 'more_samples') to its result's dict; `view` holds choices that
    only the window has (the snapshot list text, the chosen preset, the attack's state).
    """

    experiment: Experiment
    search: dict | None = None
    results: dict = field(default_factory=dict)
    view: dict = field(default_factory=dict)
    arrays: dict = field(default_factory=dict, repr=False)   # other arrays, e.g. a mask image

    # --- writing ---------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        """Write `path` (.json) and its arrays beside it (.npz); returns the JSON path."""
        path = Path(path)
        if path.suffix.lower() != ".json":
            path = path.with_name(path.name + ".json")
        if path.parent.exists() and not path.parent.is_dir():
            raise SessionError(f"cannot save into {path.parent}: it is a file, not a folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {k: np.asarray(v) for k, v in self.arrays.items()}
        search = None if self.search is None else _split_search(self.search, arrays)
        npz = path.with_suffix(".npz")
        data = {"format": FORMAT, "version": FORMAT_VERSION, "stabview": __version__,
                "experiment": self.experiment.to_dict(), "search": search, "results": self.results,
                "view": self.view, "arrays_file": npz.name if arrays else None, "array_names": sorted(arrays)}
        if arrays:
            tmp_npz = npz.with_name(npz.name + ".tmp.npz")
            np.savez(tmp_npz, **arrays)
            os.replace(tmp_npz, npz)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(_json_safe(data), indent=1), encoding="utf-8")
        os.replace(tmp, path)
        return path

    # --- reading ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike) -> "Session":
        """Read a session written by `save` (arrays loaded without unpickling), migrating old formats."""
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
            raise SessionError(f"{path} has no valid format version (got {version!r})")
        if version > FORMAT_VERSION:
            raise SessionError(f"{path} was written by a newer stabview (session format {version}); "
                               f"this one reads format {FORMAT_VERSION}")
        arrays = _read_arrays(path, data)
        try:
            if version < 2:
                from .migration import from_format_1
                data, arrays = from_format_1(data, arrays)
            search = data.get("search")
            return cls(Experiment.from_dict(data["experiment"]),
                       None if search is None else _join_search(search, arrays),
                       dict(data.get("results") or {}), dict(data.get("view") or {}),
                       {k: v for k, v in arrays.items() if not k.startswith("search_")})
        except SessionError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, IndexError, StabviewError) as exc:
            raise SessionError(f"{path.name} is damaged or incomplete ({type(exc).__name__}: {exc})") from None

    def to_dict(self) -> dict:
        """The JSON part (without arrays), e.g. to compare two sessions."""
        arrays: dict = {}
        search = None if self.search is None else _split_search(self.search, arrays)
        return _json_safe({"experiment": self.experiment.to_dict(), "search": search,
                           "results": self.results, "view": self.view})


def _read_arrays(path: Path, data: dict) -> dict:
    """The session's arrays from its NPZ: never unpickled; sizes checked before anything is read."""
    from ..data.formats import MAX_VALUES
    from ..networks.messages import describe

    name = data.get("arrays_file")
    if not name:
        return {}
    if not isinstance(name, str) or Path(name).name != name:
        raise SessionError(f"{path}: 'arrays_file' must name a file beside the session, got {name!r}")
    npz = path.with_name(name)
    try:
        with np.load(npz, allow_pickle=False) as bundle:
            arrays, total = {}, 0
            for key in bundle.files:
                member = key + ".npy" if key + ".npy" in bundle.zip.namelist() else key
                with bundle.zip.open(member) as stream:
                    version = np.lib.format.read_magic(stream)
                    read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                            else np.lib.format.read_array_header_2_0)
                    shape, _, dtype = read(stream)
                total += math.prod(shape) * dtype.itemsize
                if total > MAX_VALUES * 8:
                    raise SessionError(f"the arrays of session {path.name} ({npz.name}) declare more than "
                                       f"{MAX_VALUES * 8:,} bytes; the file is damaged or not a session's")
                arrays[key] = bundle[key]
            return arrays
    except SessionError:
        raise
    except FileNotFoundError:
        raise SessionError(f"the arrays of session {path.name} are missing: no {npz.name} beside it") from None
    except Exception as exc:  # noqa: BLE001 - numpy's and zipfile's errors for a damaged archive
        raise SessionError(f"the arrays of session {path.name} ({npz.name}) cannot be read; the file may be "
                           f"damaged ({describe(exc)})") from None


def _split_search(search: dict, arrays: dict) -> dict:
    """The search's state with its tensors moved into `arrays` (as 'search_*' entries)."""
    plain = {k: v for k, v in search.items() if k not in SEARCH_TENSORS and k != "snapshots"}
    for key in SEARCH_TENSORS:
        if search.get(key) is not None:
            arrays[f"search_{key}"] = _to_numpy(search[key])
    plain["snapshots"] = []
    for k, snap in enumerate(search.get("snapshots", [])):
        arrays[f"search_snapshot{k}"] = _to_numpy(snap["r"])
        plain["snapshots"].append({"iteration": snap["iteration"], "perturbation_rel": snap["perturbation_rel"]})
    return plain


def _join_search(search: dict, arrays: dict) -> dict:
    """The inverse of `_split_search`: tensors back from the arrays."""
    state = dict(search)
    for key in SEARCH_TENSORS:
        name = f"search_{key}"
        state[key] = torch.from_numpy(np.array(arrays[name])) if name in arrays else None
    missing = [k for k in ("r", "v") if state[k] is None]
    if missing:
        raise SessionError(f"the saved search has no {' or '.join(missing)} array")
    state["snapshots"] = [{**snap, "r": torch.from_numpy(np.array(arrays[f"search_snapshot{k}"]))}
                          for k, snap in enumerate(search.get("snapshots", []))
                          if f"search_snapshot{k}" in arrays]
    return state


def _to_numpy(value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


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
