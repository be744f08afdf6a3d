"""MRI variational network (Hammernik et al.): unrolled gradient steps with learned regulariser.

u⁰ = H y = A* y, and for t = 0 … T−1
    u ← u − (Kᵗ)ᵀ Ψᵗ(Kᵗ u) − λᵗ A*(A u − y)
Kᵗ maps real/imag of u to `n_filters` channels with k×k filters kept zero-mean and unit-norm
(the re-parametrisation the paper uses against scale ambiguity), Ψᵗ applies one Gaussian-RBF
activation per channel (31 nodes, table-interpolated, see `rbf.py`) and λᵗ is learned. The
input is scaled by the RMS of |H y| (the paper's code scales each slice by 1/‖H y‖) and the
output scaled back, so the network works at any intensity; gradients flow through the scale.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..operators import LinearOperator
from .base import ReconstructionNetwork, from_channels, to_channels
from .card import ModelCard
from .rbf import GaussianRBF


class VariationalStage(nn.Module):
    """One step u − Kᵀ Ψ(K u) − λ A*(A u − y)."""

    def __init__(self, n_filters: int, kernel_size: int, n_nodes: int, i_max: float):
        super().__init__()
        self.kernel = nn.Parameter(torch.randn(n_filters, 2, kernel_size, kernel_size) / kernel_size)
        self.activation = GaussianRBF(n_filters, n_nodes, i_max)
        self.lam = nn.Parameter(torch.tensor(0.5))
        self.padding = kernel_size // 2

    def filters(self) -> torch.Tensor:
        k = self.kernel - self.kernel.mean(dim=(1, 2, 3), keepdim=True)
        return k / k.flatten(1).norm(dim=1).clamp_min(1e-8).view(-1, 1, 1, 1)

    def forward(self, u: torch.Tensor, y: torch.Tensor, op: LinearOperator) -> torch.Tensor:
        k = self.filters()
        response = F.conv2d(to_channels(u), k, padding=self.padding)
        regulariser = F.conv_transpose2d(self.activation(response), k, padding=self.padding)
        gradient = op.adjoint(op.forward(u) - y)
        return u - from_channels(regulariser) - self.lam * gradient


class VariationalNetwork(ReconstructionNetwork):
    """`n_stages` variational stages on multi-coil (or single-coil) Fourier data."""

    def __init__(self, card: ModelCard, *, n_stages: int = 10, n_filters: int = 24, kernel_size: int = 11,
                 n_nodes: int = 31, i_max: float = 1.0):
        super().__init__(card)
        self.stages = nn.ModuleList(VariationalStage(n_filters, kernel_size, n_nodes, i_max)
                                    for _ in range(n_stages))

    def reconstruct(self, y: torch.Tensor, op: LinearOperator) -> torch.Tensor:
        u = op.warm_start(y)
        scale = (u.real ** 2 + u.imag ** 2).flatten(1).mean(1).add(1e-12).sqrt().view(-1, 1, 1)
        u = u / scale
        y = y / scale.view(-1, *([1] * (y.dim() - 1)))
        for stage in self.stages:
            u = stage(u, y, op)
        return u * scale
