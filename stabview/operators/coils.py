"""Simulated receive-coil sensitivity maps for parallel MRI (no raw multi-coil data ships).

Coils sit evenly on a ring around the field of view, like the elements of a birdcage/head array;
each map falls off with distance d from its coil as d^(−falloff) and carries the phase of its
position. Maps are normalised so Σ_j |S_j|² = 1 at every pixel (hence inside the object), which
makes the coil-combined adjoint a proper SENSE-style combination.

The default (ring at 1.5 × the field-of-view radius, falloff 1: the field of a long wire) gives
smooth maps; `ring_radius` and `falloff` describe closer arrays with steeper profiles (falloff 3 is
the far field of a small loop). Measured with the ℓ1-wavelet comparison method, 15 coils, brain
128², 14.8% equispaced + 10 centre lines (docs/baselines.md, "Parallel MRI"): the PSNR gain over
the zero-filled image grows from +1.7 dB (default) to +3.3 dB (ring 1.05, falloff 3), while the
change under noise of 1% of ‖y‖ stays at 3.3–4.1% for every array; the default is unchanged.
"""

from __future__ import annotations

import math

import torch

from ..errors import ShapeMismatch


def birdcage_maps(shape: tuple[int, int], n_coils: int = 15, *, ring_radius: float = 1.5,
                  falloff: float = 1.0, dtype: torch.dtype = torch.complex64) -> torch.Tensor:
    """`(n_coils, H, W)` complex maps from coils on a ring of `ring_radius` × FOV radius, each
    with magnitude ∝ distance^(−falloff) before normalisation."""
    if n_coils < 1:
        raise ShapeMismatch(f"need at least one coil, got {n_coils}")
    if falloff <= 0 or ring_radius <= 0:
        raise ValueError(f"ring_radius and falloff must be > 0, got {ring_radius}, {falloff}")
    h, w = shape
    real = torch.float64
    y = torch.linspace(-1, 1, h, dtype=real)[:, None]
    x = torch.linspace(-1, 1, w, dtype=real)[None, :]
    maps = []
    for j in range(n_coils):
        phi = 2 * math.pi * j / n_coils
        dy, dx = y - ring_radius * math.sin(phi), x - ring_radius * math.cos(phi)
        dist = torch.sqrt(dx ** 2 + dy ** 2).clamp_min(1e-6)     # a coil on a pixel (ring < √2)
        phase = torch.atan2(dy, dx) + phi
        maps.append(torch.polar(dist ** -falloff, phase))
    maps = torch.stack(maps)
    return normalise_maps(maps).to(dtype)


def normalise_maps(maps: torch.Tensor, support: torch.Tensor | None = None) -> torch.Tensor:
    """Scale maps so Σ_j |S_j|² = 1 where `support` is True (everywhere by default), 0 outside."""
    if maps.dim() != 3:
        raise ShapeMismatch(f"coil maps are (C, H, W), got shape {tuple(maps.shape)}")
    rss = torch.sqrt((maps.abs() ** 2).sum(0, keepdim=True))
    out = torch.where(rss > 0, maps / rss.clamp_min(torch.finfo(rss.dtype).tiny), torch.zeros_like(maps))
    if support is not None:
        out = out * torch.as_tensor(support, dtype=torch.bool, device=maps.device)
    return out
