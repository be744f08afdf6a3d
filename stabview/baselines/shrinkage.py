"""Soft-thresholding with the Bregman update fused in, written for few passes over memory.

For one split term with t = K z + b (K z fresh, b the Bregman variable) split Bregman needs
d = shrink(t, θ), b_new = t − d and, for the next linear step, p = d − b_new. Since
t − shrink(t, θ) is t clipped to [−θ, θ] (elementwise) or t scaled onto the θ-ball (isotropic
groups), both follow from one clipped residual r = b_new:  p = t − 2 r.

Complex values: the elementwise version works on the real and imaginary parts separately
(the ℓ1 norm of ℂ^n read as ℝ^2n), which keeps every step a real, vectorised operation; the
shearlet term uses it. The group version takes the Euclidean norm over a component axis and
the real/imaginary parts together (isotropic TV/TGV).
"""

from __future__ import annotations

import torch


def real_view(t: torch.Tensor) -> torch.Tensor:
    """t itself if real, else its `(…, 2)` real view (shares memory)."""
    return torch.view_as_real(t) if t.is_complex() else t


def clip_split(t: torch.Tensor, upper: torch.Tensor, lower: torch.Tensor,
               bregman: torch.Tensor) -> torch.Tensor:
    """Elementwise: b_new = clip(t, lower, upper) into `bregman`, then t ← t − 2 b_new (= d − b_new).

    `t`, `bregman`, `upper` (= θ) and `lower` (= −θ) are real views of one shape (or broadcast).
    Returns t, overwritten.
    """
    torch.minimum(t, upper, out=bregman)
    torch.maximum(bregman, lower, out=bregman)
    return t.sub_(bregman, alpha=2.0)


def group_norm(field: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """Per-pixel Euclidean norm over `dim` (components), complex parts included."""
    if field.is_complex():
        # summing over the size-2 real/imaginary axis is a slow reduction; add the planes instead
        squares = torch.view_as_real(field).square().sum(dim)
        return squares[..., 0].add_(squares[..., 1]).sqrt_()
    return field.square().sum(dim).sqrt_()


def group_split(t: torch.Tensor, threshold: float, bregman: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """Isotropic: b_new = t · min(1, θ/|t|) into `bregman`, then t ← t − 2 b_new. Returns t."""
    norm = group_norm(t, dim)
    scale = torch.clamp(threshold / norm.clamp_min_(1e-30), max=1.0).unsqueeze(dim)
    tr, br = real_view(t), real_view(bregman)
    if t.is_complex():
        scale = scale.unsqueeze(-1)
    torch.mul(tr, scale, out=br)
    tr.sub_(br, alpha=2.0)
    return t
