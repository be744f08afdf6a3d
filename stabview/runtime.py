"""Process-wide torch settings: thread count and device choice, set once and explicitly."""

from __future__ import annotations

import os

import torch

from .errors import StabviewError


def default_threads() -> int:
    """Cores minus one (at least one): leaves a core for the GUI thread and the OS."""
    return max(1, (os.cpu_count() or 2) - 1)


def set_threads(n: int | None = None) -> int:
    """Set torch's intra-op thread count (default: `default_threads()`) and return it."""
    n = default_threads() if n is None else int(n)
    if n < 1:
        raise StabviewError(f"torch threads must be at least 1, got {n}")
    torch.set_num_threads(n)
    return n


def resolve_device(name: str | torch.device | None) -> torch.device:
    """Turn 'cpu', 'cuda', 'cuda:1' or None (CPU) into a device, failing clearly if absent."""
    if name is None:
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError, TypeError):
        raise StabviewError(f"unknown device '{name}': use cpu, cuda or cuda:N") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise StabviewError("--device cuda was asked for, but torch sees no CUDA GPU on this machine")
    return device
