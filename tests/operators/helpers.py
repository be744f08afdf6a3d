"""Shared checks for operator tests: the dot-product (adjoint) test."""

import torch


def dot_test_error(op, dtype, *, batch: int = 2, seed: int = 0) -> float:
    """|⟨Ax, y⟩ − ⟨x, A*y⟩| / |⟨Ax, y⟩| for random x and y of `dtype`."""
    g = torch.Generator().manual_seed(seed)
    real = torch.float64 if dtype in (torch.float64, torch.complex128) else torch.float32

    def rand(*shape):
        if dtype.is_complex:
            return torch.complex(torch.randn(*shape, generator=g, dtype=real),
                                 torch.randn(*shape, generator=g, dtype=real))
        return torch.randn(*shape, generator=g, dtype=real)

    x = rand(batch, *op.image_shape)
    y = rand(batch, *op.measurement_shape)
    lhs = torch.vdot(op.forward(x).flatten(), y.flatten())
    rhs = torch.vdot(x.flatten(), op.adjoint(y).flatten())
    return float((lhs - rhs).abs() / lhs.abs())
