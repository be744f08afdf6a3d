"""Deep MRI cascade (Schlemper et al.): CNN blocks interleaved with data-consistency layers.

x⁰ = H y = A* y; for each block i: x ← x + CNNᵢ(x) (5 convs 3×3, ReLU, residual), then
DC_∞(x) replaces the sampled k-space of x by y. With A = P_Ω F and an orthonormal F,
DC_∞(x) = x − A*A x + A* y, written with the operator so any Cartesian mask or rate works
(the paper trained on random 33% masks; test 3 feeds it others).
"""

from __future__ import annotations

import torch
from torch import nn

from ..operators import LinearOperator
from .base import ReconstructionNetwork, from_channels, to_channels
from .card import ModelCard


class ConvBlock(nn.Module):
    """`n_convs` 3×3 convolutions on real/imag channels, ReLU between, added to the input."""

    def __init__(self, features: int = 32, n_convs: int = 5):
        super().__init__()
        widths = [2] + [features] * (n_convs - 1) + [2]
        layers: list[nn.Module] = []
        for i, (cin, cout) in enumerate(zip(widths[:-1], widths[1:])):
            layers.append(nn.Conv2d(cin, cout, 3, padding=1))
            if i < n_convs - 1:
                layers.append(nn.ReLU(inplace=True))
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + from_channels(self.body(to_channels(x)))


class DeepCascade(ReconstructionNetwork):
    """Cascade of `n_blocks` CNN blocks, each followed by a data-consistency layer with λ = ∞."""

    def __init__(self, card: ModelCard, *, n_blocks: int = 5, n_convs: int = 5, features: int = 32):
        super().__init__(card)
        self.blocks = nn.ModuleList(ConvBlock(features, n_convs) for _ in range(n_blocks))

    @staticmethod
    def data_consistency(x: torch.Tensor, zero_filled: torch.Tensor, op: LinearOperator) -> torch.Tensor:
        """Replace the sampled k-space of x by the measurements: x − A*A x + A* y."""
        return x - op.adjoint(op.forward(x)) + zero_filled

    def reconstruct(self, y: torch.Tensor, op: LinearOperator) -> torch.Tensor:
        zero_filled = op.warm_start(y)
        x = zero_filled
        for block in self.blocks:
            x = self.data_consistency(block(x), zero_filled, op)
        return x
