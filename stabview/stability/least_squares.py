"""Least-squares image for a measurement-domain vector: argmin_r ‖A r − ỹ‖ (conjugate gradients).

Used to show a measurement-domain perturbation r̃ as the image-domain perturbation that best
explains it. For single-coil Fourier sampling A A* is a projection, so A* ỹ is already exact.
"""

from __future__ import annotations

import torch


def least_squares_image(op, y: torch.Tensor, *, iterations: int = 50, tol: float = 1e-6) -> torch.Tensor:
    """Minimum-norm least-squares solution by CG on A*A r = A* ỹ (batched, per image)."""
    b = op.adjoint(y)
    if op.modality == "fourier":
        return b
    r = torch.zeros_like(b)
    res = b.clone()
    p = res.clone()
    rs = res.flatten(1).abs().pow(2).sum(1)
    start = rs.clone()
    for _ in range(iterations):
        ap = op.adjoint(op.forward(p))
        denom = (p.conj() * ap).flatten(1).sum(1).real.clamp_min(1e-30)
        alpha = (rs / denom).view(-1, 1, 1)
        r = r + alpha * p
        res = res - alpha * ap
        rs_new = res.flatten(1).abs().pow(2).sum(1)
        if bool((rs_new <= tol ** 2 * start).all()):
            break
        p = res + (rs_new / rs.clamp_min(1e-30)).view(-1, 1, 1) * p
        rs = rs_new
    return r
