"""Shared helpers for the comparison-method tests: built-in images and noisy measurements."""

import pytest
import torch

from stabview.data import load_builtin_image


@pytest.fixture(scope="session")
def sample():
    """`sample(name, size)` → `(1, size, size)` float32 image in [0, 1] (cached)."""
    cache = {}

    def get(name: str, size: int = 128) -> torch.Tensor:
        if (name, size) not in cache:
            cache[(name, size)] = load_builtin_image(name, (size, size))[None]
        return cache[(name, size)]
    return get


def noisy_copies(y: torch.Tensor, seeds, level: float = 0.01) -> torch.Tensor:
    """`(len(seeds), …)`: y[0] + e with ‖e‖ = level·‖y‖, e Gaussian on the sampled entries."""
    out = []
    real = torch.view_as_real(y[0]) if y.is_complex() else y[0]
    for seed in seeds:
        g = torch.Generator().manual_seed(seed)
        if y.is_complex():
            e = torch.complex(torch.randn(y.shape[1:], generator=g), torch.randn(y.shape[1:], generator=g))
            e = e * (y[0] != 0)                     # noise only where something was measured
            e_norm = torch.view_as_real(e).norm()
        else:
            e = torch.randn(y.shape[1:], generator=g)
            e_norm = e.norm()
        out.append(y[0] + e * (level * real.norm() / e_norm))
    return torch.stack(out)
