"""Registry of built-in architectures: a card's 'architecture' and 'config' build the module."""

from __future__ import annotations

import importlib

from .base import ReconstructionNetwork
from .card import ModelCard
from .errors import CardError

#: architecture name → (module, class); modules are imported only when that architecture is built
ARCHITECTURES = {"cascade": ("cascade", "DeepCascade"), "fbpconvnet": ("unet", "FBPConvNet"),
                 "dagan": ("unet", "DaganGenerator"), "variational": ("variational", "VariationalNetwork"),
                 "automap": ("automap", "Automap")}


def architecture_names() -> list[str]:
    return sorted(ARCHITECTURES)


def architecture_class(name: str) -> type:
    module, cls = ARCHITECTURES[name]
    return getattr(importlib.import_module(f".{module}", __package__), cls)


def build_network(card: ModelCard) -> ReconstructionNetwork:
    """An untrained network of the card's built-in architecture and config."""
    if card.architecture not in ARCHITECTURES:
        raise CardError(f"model card '{card.name}' names architecture '{card.architecture}', which is not "
                        f"built in ({', '.join(architecture_names())}); load a TorchScript or ONNX file instead")
    try:
        return architecture_class(card.architecture)(card, **card.config)
    except TypeError as exc:
        raise CardError(f"model card '{card.name}': bad config for '{card.architecture}': {exc}") from None
