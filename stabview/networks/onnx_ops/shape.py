"""ONNX shape, indexing and tensor-building operators as torch functions.

Exporters compute shapes with these at run time (Shape → Gather → Concat → Reshape); the results
are small int64 tensors on the data's device. Indexing follows ONNX: negative indices count from
the end, Slice clamps its bounds and accepts negative steps.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .common import axes_from, ints, unsupported


def shape(x, *, attrs):
    dims = list(x.shape)[attrs.get("start", 0):attrs.get("end", None)]
    return torch.tensor(dims, dtype=torch.int64, device=x.device)


def reshape(x, target, *, attrs):
    dims = ints(target)
    if not attrs.get("allowzero", 0):
        dims = [x.shape[i] if d == 0 else d for i, d in enumerate(dims)]
    return x.reshape(dims)


def flatten(x, *, attrs):
    axis = attrs.get("axis", 1)
    axis = axis + x.dim() if axis < 0 else axis
    return x.reshape(int(np.prod(x.shape[:axis])), int(np.prod(x.shape[axis:])))


def unsqueeze(x, axes=None, *, attrs):
    dims = axes_from([x, axes], 1, attrs)
    rank = x.dim() + len(dims)
    for axis in sorted(a % rank for a in dims):
        x = x.unsqueeze(axis)
    return x


def squeeze(x, axes=None, *, attrs):
    dims = axes_from([x, axes], 1, attrs)
    if not dims:
        return x.squeeze()
    return x.squeeze(tuple(a % x.dim() for a in dims))


def transpose(x, *, attrs):
    perm = attrs.get("perm", list(reversed(range(x.dim()))))
    return x.permute(*perm)


def concat(*xs, attrs):
    return torch.cat(xs, attrs["axis"])


def _axis_range(start: int, end: int, step: int, n: int) -> tuple[int, int]:
    """ONNX Slice's clamping of start/end for an axis of length n."""
    start = start + n if start < 0 else start
    end = end + n if end < 0 else end
    if step > 0:
        return min(max(start, 0), n), min(max(end, 0), n)
    return min(max(start, 0), n - 1), min(max(end, -1), n - 1)


def slice_(x, starts=None, ends=None, axes=None, steps=None, *, attrs):
    starts = ints(starts) if starts is not None else list(attrs["starts"])
    ends = ints(ends) if ends is not None else list(attrs["ends"])
    axes = ints(axes) if axes is not None else list(attrs.get("axes", range(len(starts))))
    steps = ints(steps) if steps is not None else [1] * len(starts)
    index = [slice(None)] * x.dim()
    flips = []
    for s, e, a, st in zip(starts, ends, axes, steps):
        if st == 0:
            raise unsupported("Slice", "a step of 0")
        a %= x.dim()
        s, e = _axis_range(s, e, st, x.shape[a])
        if st > 0:
            index[a] = slice(s, max(e, s), st)
        else:
            flips.append((a, torch.arange(s, e, st, device=x.device)))
    x = x[tuple(index)]
    for a, positions in flips:
        x = x.index_select(a, positions)
    return x


def _positive(indices: torch.Tensor, n: int) -> torch.Tensor:
    return torch.where(indices < 0, indices + n, indices)


def gather(x, indices, *, attrs):
    axis = attrs.get("axis", 0) % x.dim()
    flat = _positive(indices.reshape(-1).long(), x.shape[axis])
    out = x.index_select(axis, flat)
    return out.reshape((*x.shape[:axis], *indices.shape, *x.shape[axis + 1:]))


def gather_elements(x, indices, *, attrs):
    axis = attrs.get("axis", 0) % x.dim()
    return torch.gather(x, axis, _positive(indices.long(), x.shape[axis]))


def scatter_nd(data, indices, updates, *, attrs):
    reduction = attrs.get("reduction", b"none")
    reduction = reduction.decode() if isinstance(reduction, bytes) else reduction
    if reduction not in ("none", "add"):
        raise unsupported("ScatterND", f"reduction '{reduction}'")
    position = tuple(indices.long().unbind(-1))
    return data.index_put(position, updates, accumulate=reduction == "add")


def expand(x, target, *, attrs):
    return x.expand(torch.broadcast_shapes(tuple(x.shape), tuple(ints(target))))


def tile(x, repeats, *, attrs):
    return x.repeat(*ints(repeats))


def range_(start, limit, delta, *, attrs):
    values = [v.item() for v in (start, limit, delta)]
    n = max(int(math.ceil((values[1] - values[0]) / values[2])), 0)
    steps = torch.arange(n, device=start.device, dtype=torch.float64 if start.is_floating_point() else torch.int64)
    return (values[0] + steps * values[2]).to(start.dtype)


def constant_of_shape(target, *, attrs):
    value = attrs.get("value")
    if value is None:
        return torch.zeros(ints(target), dtype=torch.float32, device=target.device)
    fill = torch.from_numpy(np.array(value)).reshape(-1)
    return torch.full(ints(target), fill[0].item(), dtype=fill.dtype, device=target.device)


def split(x, sizes=None, *, attrs, n_outputs):
    axis = attrs.get("axis", 0) % x.dim()
    n = x.shape[axis]
    if sizes is not None:
        parts = ints(sizes)
    elif "split" in attrs:
        parts = list(attrs["split"])
    else:
        count = int(attrs.get("num_outputs", n_outputs))
        chunk = -(-n // count)
        parts = [chunk] * (n // chunk) + ([n % chunk] if n % chunk else [])
    return tuple(torch.split(x, parts, axis))


def trilu(x, k=None, *, attrs):
    offset = int(k.item()) if k is not None else 0
    return torch.triu(x, offset) if attrs.get("upper", 1) else torch.tril(x, offset)


def cumsum(x, axis, *, attrs):
    dim = int(axis.item()) % x.dim()
    if attrs.get("reverse", 0):
        x = x.flip(dim)
    out = torch.cumsum(x, dim)
    if attrs.get("exclusive", 0):
        out = out - x
    return out.flip(dim) if attrs.get("reverse", 0) else out


OPS = {
    "Shape": shape, "Size": lambda x, *, attrs: torch.tensor(x.numel(), dtype=torch.int64, device=x.device),
    "Reshape": reshape, "Flatten": flatten, "Unsqueeze": unsqueeze, "Squeeze": squeeze,
    "Transpose": transpose, "Concat": concat, "Slice": slice_, "Gather": gather,
    "GatherElements": gather_elements, "ScatterND": scatter_nd, "Expand": expand, "Tile": tile,
    "Range": range_, "ConstantOfShape": constant_of_shape, "Split": split, "Trilu": trilu, "CumSum": cumsum,
}
#: operators that return several outputs and need to know how many the node has
MULTI_OUTPUT = {"Split"}
