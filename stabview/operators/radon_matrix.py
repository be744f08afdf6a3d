"""The Radon transform as a sparse matrix: pixel-driven, linear interpolation onto the detector.

Each pixel centre projects to a detector coordinate (see `radon_geometry`) and splits its
value between the two nearest bins by linear interpolation. The transpose is therefore the
linear-interpolation back-projection of `skimage.transform.iradon` (and MATLAB's `iradon`),
up to the detector's ends; the forward agrees with skimage's rotate-and-sum `radon` to about
half a percent on a phantom (its ray sums of a bilinear image have nearly the same footprint).

Both A (rows: view × bin) and Aᵀ (rows: pixel) are stored as CSR with 32-bit indices, for the
folded base angles only, built on demand in vectorised torch, and cached by geometry, angles,
dtype and device under a byte budget, so re-building an operator (`with_rate`, `to`) is cheap.
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass

import torch

from .radon_geometry import Folding, RadonGeometry

#: the cache drops its least recently used matrices beyond this many bytes (those still held
#: by an operator stay alive until the operator goes)
CACHE_BYTES = 1 << 30

#: (grid pixel, angle) pairs computed at once while building (bounds the build's temporaries)
_BUILD_CHUNK = 1 << 22

_cache: OrderedDict = OrderedDict()
_lock = threading.Lock()


@dataclass
class RadonMatrices:
    """A and Aᵀ over the base angles, and how the views used are read off them."""

    forward: torch.Tensor        # CSR (n_base·n_detectors, grid pixels)
    transpose: torch.Tensor      # CSR (grid pixels, n_base·n_detectors)
    gather: torch.Tensor         # (grid pixels · n_variants,) image index per pixel and variant
    spread: torch.Tensor         # (n_variants · image pixels,) the inverse of `gather`
    view_base: torch.Tensor      # (n_views,) base angle of each view used
    view_variant: torch.Tensor   # (n_views,) variant of each view used
    n_base: int
    n_variants: int

    @property
    def nbytes(self) -> int:
        return sum(_csr_bytes(m) for m in (self.forward, self.transpose))


def _csr_bytes(m: torch.Tensor) -> int:
    parts = (m.crow_indices(), m.col_indices(), m.values())
    return sum(p.numel() * p.element_size() for p in parts)


def _csr(crow, col, val, size) -> torch.Tensor:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)   # "sparse CSR support is in beta"
        return torch.sparse_csr_tensor(crow, col, val, size=size, check_invariants=False)


def build_matrices(geometry: RadonGeometry, base: tuple[int, ...], dtype: torch.dtype,
                   device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """A and Aᵀ for the base angles p·π/(2·n_full) on the extended grid.

    Aᵀ has exactly two entries per (pixel, angle): the bins either side of the projected
    centre (weight 0 for a bin the tent misses at the detector's ends). A is obtained from it by
    a stable sort per chunk of angles, which keeps column indices ascending within each row.
    """
    gh, gw = geometry.grid_shape
    n_pix, n_det, n_base = gh * gw, geometry.n_detectors, len(base)
    nnz = 2 * n_pix * n_base
    index_dtype = torch.int32 if nnz < 2 ** 31 - 1 else torch.int64

    grid = torch.arange(n_pix, device=device)
    u = (grid % gw - gw // 2).to(torch.float64).view(-1, 1)     # column offset of each pixel
    v = (grid // gw - gh // 2).to(torch.float64).view(-1, 1)    # row offset (downwards)
    centre = float(n_det // 2)
    phi = torch.tensor([geometry.base_angle(p) for p in base], dtype=torch.float64, device=device)

    t_col = torch.empty(n_pix, n_base, 2, dtype=index_dtype, device=device)
    t_val = torch.empty(n_pix, n_base, 2, dtype=dtype, device=device)
    f_crow = torch.empty(n_base * n_det + 1, dtype=torch.int64, device=device)
    f_crow[0] = 0
    f_col = torch.empty(nnz, dtype=index_dtype, device=device)
    f_val = torch.empty(nnz, dtype=dtype, device=device)

    # a chunk's row keys fit in int16 when they can, which torch sorts by radix (several × faster)
    step = max(1, _BUILD_CHUNK // n_pix)
    key_dtype = torch.int16 if n_det < 2 ** 14 else torch.int32
    if key_dtype == torch.int16:
        step = max(1, min(step, (2 ** 15 - 1) // n_det))
    step = min(step, n_base)
    pair = torch.tensor([0, 1], dtype=key_dtype, device=device)
    # a chunk's entries are laid out (pixel, angle, side); pixel_of[e] is the pixel of entry e
    pixel_of = grid.to(index_dtype).repeat_interleave(2 * step)
    for a0 in range(0, n_base, step):
        a1 = min(n_base, a0 + step)
        na, e0, e1 = a1 - a0, 2 * n_pix * a0, 2 * n_pix * a1
        if na != step:
            pixel_of = grid.to(index_dtype).repeat_interleave(2 * na)
        pos = centre + u * torch.cos(phi[a0:a1]) - v * torch.sin(phi[a0:a1])    # (pixel, angle)
        low = torch.floor(pos).clamp_(0, n_det - 2)
        offset = pos.sub_(low)
        # the tent max(0, 1 − |pos − bin|) on bins low and low + 1 (zero beyond the detector)
        weight = torch.empty(n_pix, na, 2, dtype=dtype, device=device)
        weight[..., 0] = (1 - offset.abs()).clamp_(min=0)
        weight[..., 1] = (1 - (1 - offset).abs()).clamp_(min=0)
        first = (n_det * torch.arange(na, device=device, dtype=key_dtype)).view(1, -1, 1)
        key = low.to(key_dtype).unsqueeze(-1) + first + pair                # (pixel, angle, 2)
        t_col[:, a0:a1].copy_(key).add_(a0 * n_det)
        t_val[:, a0:a1].copy_(weight)

        # A's rows for these angles: a stable sort by row keeps pixels ascending within a row
        key_sorted, order = torch.sort(key.view(-1), stable=True)
        bounds = torch.arange(1, na * n_det + 1, device=device, dtype=key_dtype)
        f_crow[a0 * n_det + 1: a1 * n_det + 1] = torch.searchsorted(key_sorted, bounds) + e0
        torch.index_select(pixel_of, 0, order, out=f_col[e0:e1])
        torch.index_select(weight.view(-1), 0, order, out=f_val[e0:e1])
        del pos, low, offset, weight, key, key_sorted, order

    forward = _csr(f_crow.to(index_dtype), f_col, f_val, (n_base * n_det, n_pix))
    t_crow = torch.arange(0, nnz + 1, 2 * n_base, device=device, dtype=index_dtype)
    transpose = _csr(t_crow, t_col.reshape(-1), t_val.reshape(-1), (n_pix, n_base * n_det))
    return forward, transpose


def radon_matrices(geometry: RadonGeometry, folding: Folding, dtype: torch.dtype,
                   device: torch.device) -> RadonMatrices:
    """The (cached) matrices and read-off indices for one geometry, set of views, dtype, device."""
    device = torch.device(device)
    key = (geometry, folding.base, dtype, str(device))
    with _lock:
        pair = _cache.get(key)
        if pair is None:
            pair = build_matrices(geometry, folding.base, dtype, device)
            _cache[key] = pair
        _cache.move_to_end(key)
        _trim()
    return RadonMatrices(
        forward=pair[0], transpose=pair[1],
        gather=geometry.gather_index(folding.variants, device),
        spread=geometry.spread_index(folding.variants, device),
        view_base=torch.tensor(folding.view_base, dtype=torch.int64, device=device),
        view_variant=torch.tensor(folding.view_variant, dtype=torch.int64, device=device),
        n_base=len(folding.base), n_variants=len(folding.variants))


def _trim() -> None:
    total = sum(_csr_bytes(a) + _csr_bytes(b) for a, b in _cache.values())
    while len(_cache) > 1 and total > CACHE_BYTES:
        _, (a, b) = _cache.popitem(last=False)
        total -= _csr_bytes(a) + _csr_bytes(b)


def clear_cache() -> None:
    """Forget every cached matrix (operators keep the ones they hold)."""
    with _lock:
        _cache.clear()


def cached_bytes() -> int:
    """Bytes held by the cache now."""
    with _lock:
        return sum(_csr_bytes(a) + _csr_bytes(b) for a, b in _cache.values())


# --- applying them ---------------------------------------------------------------------------
def _take_rows(t: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """t[index] for a (rows, B) tensor; a single column is gathered as a vector (4× faster)."""
    if t.shape[1] == 1:
        return t.reshape(-1).index_select(0, index).unsqueeze(1)
    return t.index_select(0, index)


def _product(matrix: torch.Tensor, dense: torch.Tensor) -> torch.Tensor:
    """matrix @ dense; a single column goes through the matrix-vector kernel (2× faster)."""
    if dense.shape[1] == 1:
        return (matrix @ dense.reshape(-1)).unsqueeze(1)
    return matrix @ dense


def project(m: RadonMatrices, x: torch.Tensor) -> torch.Tensor:
    """Sinograms (B, n_views, n_detectors) of images (B, H, W): the image's variants are stacked
    as columns, so one sparse product serves every view of a symmetric family."""
    b = x.shape[0]
    flat = torch.cat([x.reshape(b, -1), x.new_zeros(b, 1)], dim=1).t()
    stacked = _take_rows(flat, m.gather).reshape(-1, m.n_variants * b)
    y = _product(m.forward, stacked).reshape(m.n_base, -1, m.n_variants, b)
    return y[m.view_base, :, m.view_variant, :].permute(2, 0, 1).contiguous()


def back_project(m: RadonMatrices, y: torch.Tensor, image_shape: tuple[int, int]) -> torch.Tensor:
    """Aᵀ y for sinograms (B, n_views, n_detectors): the exact transpose of `project`."""
    b, _, n_det = y.shape
    folded = y.new_zeros(m.n_base, n_det, m.n_variants, b)
    folded[m.view_base, :, m.view_variant, :] = y.permute(1, 2, 0)
    stacked = _product(m.transpose, folded.reshape(m.n_base * n_det, m.n_variants * b)).reshape(-1, b)
    image = _take_rows(stacked, m.spread).reshape(m.n_variants, -1, b).sum(dim=0)
    return image.t().reshape(b, *image_shape)


class Project(torch.autograd.Function):
    """y = A x whose gradient is Aᵀ (the stored transpose, not autograd through sparse ops)."""

    @staticmethod
    def forward(ctx, x, m, image_shape):
        ctx.m, ctx.image_shape = m, image_shape
        return project(m, x)

    @staticmethod
    def backward(ctx, grad):
        return BackProject.apply(grad, ctx.m, ctx.image_shape), None, None


class BackProject(torch.autograd.Function):
    """x = Aᵀ y whose gradient is A."""

    @staticmethod
    def forward(ctx, y, m, image_shape):
        ctx.m, ctx.image_shape = m, image_shape
        return back_project(m, y, image_shape)

    @staticmethod
    def backward(ctx, grad):
        return Project.apply(grad, ctx.m, ctx.image_shape), None, None
