"""Losses and optimiser steps of the zoo's training: plain MSE, magnitude MSE, DAGAN, AUTOMAP.

Each objective owns its optimiser(s) and returns the loss of one step; its state is saved in
checkpoints. Learning rates follow a cosine decay to 5% over the iteration budget; a network
may ask for per-layer rates with `param_groups(lr)` (AUTOMAP's dense layers learn slower).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..operators import LinearOperator


def cosine_lr(base: float, iteration: int, total: int) -> float:
    t = min(1.0, iteration / max(1, total))
    return base * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * t)))


def _as_target(x: torch.Tensor, op: LinearOperator) -> torch.Tensor:
    return x.to(torch.complex64) if op.complex_images else x


class Objective:
    """Minimise mean squared error between f(y, op) and the true image (complex for MRI)."""

    def __init__(self, net: nn.Module, lr: float, total: int):
        self.net, self.base_lr, self.total = net, lr, total
        groups = net.param_groups(lr) if hasattr(net, "param_groups") else [{"params": net.parameters(), "base_lr": lr}]
        self.optimiser = torch.optim.Adam(groups, lr=lr)

    def loss(self, out: torch.Tensor, x: torch.Tensor, y: torch.Tensor, op: LinearOperator) -> torch.Tensor:
        diff = out - _as_target(x, op)
        return (diff.real ** 2 + diff.imag ** 2).mean() if diff.is_complex() else (diff ** 2).mean()

    def step(self, x: torch.Tensor, y: torch.Tensor, op: LinearOperator, iteration: int) -> float:
        for group in self.optimiser.param_groups:
            group["lr"] = cosine_lr(group.get("base_lr", self.base_lr), iteration, self.total)
        self.optimiser.zero_grad(set_to_none=True)
        loss = self.loss(self.net(y, op), x, y, op)
        loss.backward()
        self.optimiser.step()
        return float(loss.detach())

    def state_dict(self) -> dict:
        return {"optimiser": self.optimiser.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.optimiser.load_state_dict(state["optimiser"])


class MagnitudeObjective(Objective):
    """MRI-VN: MSE of smoothed magnitudes |x|_ε = sqrt(Re² + Im² + ε), ε = 1e-12."""

    def loss(self, out, x, y, op):
        magnitude = torch.sqrt(out.real ** 2 + out.imag ** 2 + 1e-12)
        return ((magnitude - x.abs()) ** 2).mean()


class AutomapObjective(Objective):
    """AUTOMAP: squared error of magnitudes + 1e-4 · ℓ1 of the second conv layer's activations."""

    def loss(self, out, x, y, op):
        penalty = self.net.last_activations.abs().mean() if self.net.last_activations is not None else 0.0
        return ((out.abs() - x.abs()) ** 2).mean() + 1e-4 * penalty


class Discriminator(nn.Module):
    """Small DAGAN-style discriminator: strided 4×4 convs with leaky ReLU, one logit per image."""

    def __init__(self, base: int = 16):
        super().__init__()
        layers: list[nn.Module] = []
        cin = 1
        for w in (base, 2 * base, 4 * base, 8 * base):
            layers += [nn.Conv2d(cin, w, 4, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True)]
            cin = w
        layers += [nn.Conv2d(cin, 1, 3, padding=1), nn.AdaptiveAvgPool2d(1), nn.Flatten()]
        self.body = nn.Sequential(*layers)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.body(image[:, None])[:, 0]


class DaganObjective(Objective):
    """15·image MSE + 0.1·k-space MSE on the samples + 0.002·adversarial, alternating with D."""

    IMAGE, FREQUENCY, ADVERSARIAL = 15.0, 0.1, 0.002

    def __init__(self, net: nn.Module, lr: float, total: int):
        super().__init__(net, lr, total)
        self.discriminator = Discriminator()
        self.d_optimiser = torch.optim.Adam(self.discriminator.parameters(), lr=lr, betas=(0.5, 0.999))
        self.bce = nn.BCEWithLogitsLoss()

    def to(self, device) -> "DaganObjective":
        self.discriminator.to(device)
        return self

    def step(self, x, y, op, iteration):
        lr = cosine_lr(self.base_lr, iteration, self.total)
        for opt in (self.optimiser, self.d_optimiser):
            for group in opt.param_groups:
                group["lr"] = lr
        out = self.net(y, op)
        magnitude = out.real
        # discriminator step on detached outputs
        self.d_optimiser.zero_grad(set_to_none=True)
        real, fake = self.discriminator(x), self.discriminator(magnitude.detach())
        d_loss = self.bce(real, torch.ones_like(real)) + self.bce(fake, torch.zeros_like(fake))
        d_loss.backward()
        self.d_optimiser.step()
        # generator step
        self.optimiser.zero_grad(set_to_none=True)
        image = ((magnitude - x) ** 2).mean()
        kdiff = op.forward(out) - y
        frequency = (kdiff.real ** 2 + kdiff.imag ** 2).mean() / float(op.mask.float().mean())
        logits = self.discriminator(magnitude)
        adversarial = self.bce(logits, torch.ones_like(logits))
        loss = self.IMAGE * image + self.FREQUENCY * frequency + self.ADVERSARIAL * adversarial
        loss.backward()
        self.optimiser.step()
        return float(image.detach())

    def state_dict(self):
        return {**super().state_dict(), "discriminator": self.discriminator.state_dict(),
                "d_optimiser": self.d_optimiser.state_dict()}

    def load_state_dict(self, state):
        super().load_state_dict(state)
        self.discriminator.load_state_dict(state["discriminator"])
        self.d_optimiser.load_state_dict(state["d_optimiser"])


def make_objective(kind: str, net: nn.Module, lr: float, total: int, device: torch.device) -> Objective:
    cls = {"mse": Objective, "magnitude": MagnitudeObjective, "automap": AutomapObjective,
           "dagan": DaganObjective}[kind]
    objective = cls(net, lr, total)
    if isinstance(objective, DaganObjective):
        objective.to(device)
    return objective
