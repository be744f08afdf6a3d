"""Second-order total generalised variation TGV²_α and its finite-difference operators.

    TGV²_α(z) = min_v  α1 ‖∇z − v‖₁ + α2 ‖E v‖₁

with ∇ forward differences and E v = ½(∇v + ∇vᵀ) built from backward differences, both with
periodic boundaries. Periodic differences are convolutions, so their Fourier symbols are
exact and the single-coil solver can invert its linear system per frequency (MRI k-space is
periodic anyway). The ℓ1 norms are isotropic: per pixel the Euclidean norm of the gradient and
the Frobenius norm of the symmetric matrix Ev.

Layouts: images `(B, H, W)`; vector fields `(B, 2, H, W)` as (x, y) = (along W, along H);
symmetric fields `(B, 3, H, W)` as (e_xx, e_yy, √2·e_xy), so the Frobenius norm is the plain
Euclidean norm of the three components and adjoints use the plain inner product.
"""

from __future__ import annotations

import math

import torch

ROOT_HALF = math.sqrt(0.5)


def _fwd(u: torch.Tensor, dim: int) -> torch.Tensor:
    return torch.roll(u, -1, dim) - u


def _bwd(u: torch.Tensor, dim: int) -> torch.Tensor:
    return u - torch.roll(u, 1, dim)


def gradient(z: torch.Tensor) -> torch.Tensor:
    """∇z with forward differences: `(B, H, W)` → `(B, 2, H, W)`."""
    return torch.stack((_fwd(z, -1), _fwd(z, -2)), dim=-3)


def gradient_adjoint(g: torch.Tensor) -> torch.Tensor:
    """∇* g = −div g (backward differences): `(B, 2, H, W)` → `(B, H, W)`."""
    gx, gy = g.unbind(-3)
    return -(_bwd(gx, -1) + _bwd(gy, -2))


def symmetric_gradient(v: torch.Tensor) -> torch.Tensor:
    """E v with backward differences: `(B, 2, H, W)` → `(B, 3, H, W)` = (e_xx, e_yy, √2 e_xy)."""
    vx, vy = v.unbind(-3)
    mixed = ROOT_HALF * (_bwd(vx, -2) + _bwd(vy, -1))
    return torch.stack((_bwd(vx, -1), _bwd(vy, -2), mixed), dim=-3)


def symmetric_gradient_adjoint(e: torch.Tensor) -> torch.Tensor:
    """E* e: `(B, 3, H, W)` → `(B, 2, H, W)` (forward differences, negated)."""
    exx, eyy, mixed = e.unbind(-3)
    vx = -(_fwd(exx, -1) + ROOT_HALF * _fwd(mixed, -2))
    vy = -(_fwd(eyy, -2) + ROOT_HALF * _fwd(mixed, -1))
    return torch.stack((vx, vy), dim=-3)


def pointwise_norm(field: torch.Tensor) -> torch.Tensor:
    """Per-pixel Euclidean norm over the component axis (-3), complex values allowed."""
    if field.is_complex():
        field = torch.view_as_real(field)
        return field.square().sum((-4, -1)).sqrt()
    return field.square().sum(-3).sqrt()


def tgv_terms(z: torch.Tensor, v: torch.Tensor | None, alpha: tuple[float, float]) -> torch.Tensor:
    """α1 ‖∇z − v‖₁ + α2 ‖E v‖₁ per batch item, for a given v (v = None means v = 0: TV)."""
    a1, a2 = alpha
    g = gradient(z)
    if v is None:
        return a1 * pointwise_norm(g).sum((-2, -1))
    return a1 * pointwise_norm(g - v).sum((-2, -1)) + a2 * pointwise_norm(symmetric_gradient(v)).sum((-2, -1))


def difference_symbols(shape: tuple[int, int], *, device=None, dtype=torch.complex128):
    """Fourier multipliers on the unshifted DFT grid, each `(H, W)`.

    Returns (fx, fy, bx, by): forward differences along x/y multiply fft2(u) by f, backward by b.
    """
    h, w = shape
    kx = torch.exp(2j * math.pi * torch.fft.fftfreq(w, dtype=torch.float64))[None, :].expand(h, w)
    ky = torch.exp(2j * math.pi * torch.fft.fftfreq(h, dtype=torch.float64))[:, None].expand(h, w)
    fx, fy = kx - 1, ky - 1
    bx, by = 1 - kx.conj(), 1 - ky.conj()
    return tuple(t.to(device=device, dtype=dtype) for t in (fx, fy, bx, by))
