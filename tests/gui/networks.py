"""A small real network for the window's tests: a seeded Deep-MRI cascade on 32×32 images,
written to disk as a user's model file (safetensors state dict + model card), so the tests
load it exactly the way a user's own network is loaded."""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import save_file

from stabview.networks.architectures import build_network
from stabview.networks.card import ModelCard

SHAPE = (32, 32)


def small_card(name: str = "tiny-cascade", **changes) -> ModelCard:
    data = dict(name=name, modality="fourier", image_shape=list(SHAPE),
                mask={"kind": "cartesian", "rate": 0.33, "seed": 0, "options": {}}, rate=0.33,
                accepts_other_rates=True, input_convention="operator", output_convention="image",
                architecture="cascade", config={"n_blocks": 1, "n_convs": 2, "features": 4},
                psnr_network=30.0, psnr_input=24.0,
                attack_preset={"lam": 0.001, "momentum": 0.9, "lr": 0.5, "init_scale": 0.01,
                               "target": "f(Ax)", "iterations": 12},
                data="seeded weights for tests (untrained)")
    data.update(changes)
    return ModelCard.from_dict(data)


def write_small_network(folder: Path, name: str = "tiny-cascade", seed: int = 0) -> Path:
    """Write `NAME.safetensors` and `NAME.json` into `folder`; returns the model file's path."""
    card = small_card(name)
    torch.manual_seed(seed)
    net = build_network(card)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.safetensors"
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(path))
    card.save(folder / f"{name}.json")
    return path
