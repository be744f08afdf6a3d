"""Write a trained network as `weights.safetensors` + `card.json` (fp16 when accuracy is unchanged).

The safetensors metadata records versions, thread count, seed, iterations and the data hash, so
a shipped file says how to reproduce it.
"""

from __future__ import annotations

import pathlib
import platform

import numpy as np
import torch
from safetensors.torch import save_file

from .. import __version__
from ..data.resources import resources_dir
from ..networks.card import ModelCard

#: fp16 storage is used only if it moves the mean held-out PSNR by less than this (dB)
FP16_TOLERANCE_DB = 0.01


def half_copy(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Floating tensors rounded to fp16 and back (what loading an fp16 file gives)."""
    return {k: v.half().float() if v.is_floating_point() else v for k, v in state.items()}


def metadata(card: ModelCard, extra: dict | None = None) -> dict[str, str]:
    meta = {"name": card.name, "architecture": card.architecture, "stabview": __version__,
            "torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version(),
            "seed": str(card.seed)}
    for key in ("iterations", "threads", "device", "data_sha256", "storage"):
        if key in card.training:
            meta[key] = str(card.training[key])
    meta.update({k: str(v) for k, v in (extra or {}).items()})
    return meta


def write(directory: pathlib.Path, state: dict[str, torch.Tensor], card: ModelCard, fp16: bool) -> pathlib.Path:
    """Save weights and card into `directory`; returns the weights path."""
    directory.mkdir(parents=True, exist_ok=True)
    tensors = {k: (v.detach().cpu().half() if fp16 and v.is_floating_point() else v.detach().cpu()).contiguous()
               for k, v in state.items()}
    path = directory / "weights.safetensors"
    save_file(tensors, str(path), metadata=metadata(card))
    card.save(directory / "card.json")
    return path


#: the MNI permission notice that must travel with anything derived from the template
MNI_NOTICE = resources_dir() / "datasets" / "NOTICE-MNI.txt"


def write_notice(directory: pathlib.Path) -> None:
    """Copy the MNI permission notice beside weights trained on the MNI-derived slices."""
    (directory / "NOTICE.txt").write_text(MNI_NOTICE.read_text(encoding="utf-8"), encoding="utf-8")
