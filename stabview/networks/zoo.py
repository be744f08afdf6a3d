"""The built-in zoo (resources/networks/NAME/{weights.safetensors, card.json}) and one `load` for all.

`load(name)` builds a built-in network from its card and shipped weights; `load(path)` loads a
user's model file (TorchScript, ONNX, or a safetensors state dict of a built-in architecture)
with its card — see `loading.py`. Every result is a `ReconstructionNetwork` in eval mode, called
as `net(y, op)`.
"""

from __future__ import annotations

import os
import pathlib

import torch

from .architectures import build_network
from .base import ReconstructionNetwork
from .card import ModelCard
from .errors import CardError, UnknownName

#: the paper's six networks, in the order the zoo lists them
ORDER = ("automap", "dagan", "deepmri", "ell50", "med50", "mrivn")


def zoo_dir() -> pathlib.Path:
    """Where the shipped networks live (override with STABVIEW_ZOO for tests or installs)."""
    override = os.environ.get("STABVIEW_ZOO")
    if override:
        return pathlib.Path(override)
    from ..data.resources import resources_dir
    return resources_dir() / "networks"


def names() -> list[str]:
    """Names of the shipped networks (those with both a card and weights)."""
    root = zoo_dir()
    found = [p.name for p in root.iterdir() if (p / "card.json").exists() and (p / "weights.safetensors").exists()] \
        if root.exists() else []
    return sorted(found, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))


def card_of(name: str) -> ModelCard:
    """The card of shipped network `name`."""
    if name not in names():
        raise UnknownName(f"no network '{name}' in the zoo; shipped: {', '.join(names()) or 'none'} "
                          f"(or give the path of a model file)")
    return ModelCard.load(zoo_dir() / name / "card.json")


def cards() -> dict[str, ModelCard]:
    """Card of every shipped network, by name."""
    return {name: card_of(name) for name in names()}


def load(name_or_path: str | os.PathLike, card: "ModelCard | str | os.PathLike | None" = None, *,
         device: torch.device | str = "cpu") -> ReconstructionNetwork:
    """A zoo network by name, or a model file by path (its card next to it or given)."""
    text = str(name_or_path)
    if text in names():
        from .model_files import load_state_dict_file
        if card is not None:
            raise CardError(f"'{text}' is a zoo network with its own card; a card is given only with a model file")
        net = build_network(card_of(text))
        load_state_dict_file(net, zoo_dir() / text / "weights.safetensors")
        return net.eval().to(device)
    path = pathlib.Path(text)
    if path.exists():
        from .model_files import load_model_file
        return load_model_file(path, card, device=device)
    raise UnknownName(f"'{text}' is neither a zoo network ({', '.join(names()) or 'none shipped'}) "
                      f"nor an existing model file")
