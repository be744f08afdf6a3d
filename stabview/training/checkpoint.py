"""Training checkpoints: everything a run needs to continue bit-identically, in one file.

A checkpoint holds the weights, the objective's optimiser state(s), the data generator's state,
the global torch and numpy random states, the iteration, the training time so far, the run's
settings (name, seed, iteration total, batch, config overrides, augmentation, threads, smoke)
and the trade-off curve so far. It is written to a temporary file and renamed, so a stopped run
never leaves half a file, and read with `torch.load(weights_only=True)` only: tensors, numbers,
strings, lists and dicts — nothing that could run code.
"""

from __future__ import annotations

import json
import os
import pathlib

import numpy as np
import torch

from ..errors import StabviewError

FORMAT = "stabview-training-checkpoint/1"
FILENAME = "checkpoint.pt"


class CheckpointError(StabviewError, ValueError):
    """A training checkpoint is missing, unreadable, or does not fit the run asked for."""


def _numpy_state() -> dict:
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    return {"kind": kind, "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
            "has_gauss": int(has_gauss), "cached": float(cached)}


def _set_numpy_state(state: dict) -> None:
    np.random.set_state((state["kind"], state["keys"].numpy().astype(np.uint32), state["pos"],
                         state["has_gauss"], state["cached"]))


def save(path: pathlib.Path, *, model: dict, objective: dict, generator: torch.Generator, iteration: int,
         seconds: float, settings: dict, curve: list[dict]) -> pathlib.Path:
    """Write a checkpoint atomically (temporary file, then rename)."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"format": FORMAT, "model": {k: v.detach().cpu() for k, v in model.items()},
             "objective": objective, "generator": generator.get_state(), "torch_rng": torch.get_rng_state(),
             "numpy_rng": _numpy_state(), "iteration": int(iteration), "seconds": float(seconds),
             "settings": json.dumps(settings), "curve": json.dumps(curve)}
    partial = path.with_name(path.name + ".partial")
    torch.save(state, partial)
    os.replace(partial, path)
    return path


def load(path: pathlib.Path) -> dict:
    """Read a checkpoint (weights_only); settings and curve come back as Python objects."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise CheckpointError(f"no training checkpoint at {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure means: not a checkpoint we can read safely
        raise CheckpointError(f"{path} is not a readable training checkpoint (read with weights_only=True: "
                              f"{str(exc).splitlines()[0][:160]})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        found = state.get("format", "no format field") if isinstance(state, dict) else type(state).__name__
        raise CheckpointError(f"{path} is not a stabview training checkpoint of format {FORMAT} (found: {found})")
    state["settings"] = json.loads(state["settings"])
    state["curve"] = json.loads(state["curve"])
    return state


def restore_random_states(state: dict) -> None:
    """Set the global torch and numpy random states as they were when the checkpoint was written."""
    torch.set_rng_state(state["torch_rng"])
    _set_numpy_state(state["numpy_rng"])
