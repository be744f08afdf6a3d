"""ONNX layers as torch functions: convolutions, pooling, normalisations, resizing and padding.

Each function takes the node's inputs (None for an omitted optional one) and `attrs`, the node's
attributes plus `_opset`, the graph's opset. Attribute and input forms of the same option (they
moved between opsets) are both accepted.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .common import ints, same_pads, text, torch_pad_list, unsupported


def _spatial_pads(x, attrs, kernel, strides, dilations):
    n = len(kernel)
    mode = text(attrs.get("auto_pad"), "NOTSET")
    if mode in ("SAME_UPPER", "SAME_LOWER"):
        return same_pads(x.shape[2:], kernel, strides, dilations, mode)
    if mode == "VALID":
        return [0] * n, [0] * n
    pads = list(attrs.get("pads", [0] * (2 * n)))
    return pads[:n], pads[n:]


def conv(x, w, b=None, *, attrs):
    n = w.dim() - 2
    kernel = list(w.shape[2:])
    strides = list(attrs.get("strides", [1] * n))
    dilations = list(attrs.get("dilations", [1] * n))
    begin, end = _spatial_pads(x, attrs, kernel, strides, dilations)
    if begin != end:
        x = F.pad(x, torch_pad_list(begin, end))
        begin = [0] * n
    fn = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[n]
    return fn(x, w, b, stride=strides, padding=begin, dilation=dilations, groups=attrs.get("group", 1))


def conv_transpose(x, w, b=None, *, attrs):
    n = w.dim() - 2
    if "output_shape" in attrs:
        raise unsupported("ConvTranspose", "the 'output_shape' attribute")
    if text(attrs.get("auto_pad"), "NOTSET") not in ("NOTSET", "VALID"):
        raise unsupported("ConvTranspose", f"auto_pad={text(attrs.get('auto_pad'))}")
    pads = list(attrs.get("pads", [0] * (2 * n)))
    begin, end = pads[:n], pads[n:]
    fn = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[n]
    out = fn(x, w, b, stride=attrs.get("strides", 1), padding=0,
             output_padding=attrs.get("output_padding", 0), groups=attrs.get("group", 1),
             dilation=attrs.get("dilations", 1))
    index = [slice(None), slice(None)] + [slice(bi, out.shape[2 + i] - ei) for i, (bi, ei) in enumerate(zip(begin, end))]
    return out[tuple(index)]


def _pool(kind):
    def run(x, *, attrs):
        kernel = list(attrs["kernel_shape"])
        n = len(kernel)
        strides = list(attrs.get("strides", [1] * n))
        dilations = list(attrs.get("dilations", [1] * n))
        begin, end = _spatial_pads(x, attrs, kernel, strides, dilations)
        ceil = bool(attrs.get("ceil_mode", 0))
        if kind == "max":
            if begin != end or any(b > k // 2 for b, k in zip(begin, kernel)):
                x = F.pad(x, torch_pad_list(begin, end), value=float("-inf"))
                begin = [0] * n
            fn = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[n]
            return fn(x, kernel, strides, begin, dilations, ceil_mode=ceil)
        if any(d != 1 for d in dilations):
            raise unsupported("AveragePool", "dilations")
        fn = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}[n]
        if not any(begin) and not any(end):
            return fn(x, kernel, strides, 0, ceil_mode=ceil, count_include_pad=False)
        padded = F.pad(x, torch_pad_list(begin, end))
        total = fn(padded, kernel, strides, 0, ceil_mode=ceil, count_include_pad=True)
        if attrs.get("count_include_pad", 0):
            return total
        ones = F.pad(torch.ones_like(x[:1, :1]), torch_pad_list(begin, end))
        return total / fn(ones, kernel, strides, 0, ceil_mode=ceil, count_include_pad=True)
    return run


def global_pool(kind):
    def run(x, *, attrs):
        dims = tuple(range(2, x.dim()))
        return x.mean(dims, keepdim=True) if kind == "avg" else x.amax(dims, keepdim=True)
    return run


def batch_norm(x, scale, bias, mean, var, *, attrs):
    if attrs.get("training_mode", 0):
        raise unsupported("BatchNormalization", "training_mode=1")
    return F.batch_norm(x, mean.detach(), var.detach(), scale, bias, False, 0.0, attrs.get("epsilon", 1e-5))


def instance_norm(x, scale, bias, *, attrs):
    return F.instance_norm(x, weight=scale, bias=bias, eps=attrs.get("epsilon", 1e-5))


def layer_norm(x, scale, bias=None, *, attrs):
    axis = attrs.get("axis", -1) % x.dim()
    dims = tuple(range(axis, x.dim()))
    mean = x.mean(dims, keepdim=True)
    inv_std = torch.rsqrt(((x - mean) ** 2).mean(dims, keepdim=True) + attrs.get("epsilon", 1e-5))
    y = (x - mean) * inv_std * scale
    return (y if bias is None else y + bias), mean, inv_std


def group_norm(x, scale, bias, *, attrs):
    groups = int(attrs["num_groups"])
    channels = x.shape[1]
    if scale.numel() == groups and groups != channels:       # opset 18: one scale per group
        scale = scale.repeat_interleave(channels // groups)
        bias = bias.repeat_interleave(channels // groups)
    return F.group_norm(x, groups, scale, bias, eps=attrs.get("epsilon", 1e-5))


def softmax_like(fn):
    def run(x, *, attrs):
        if attrs["_opset"] >= 13:
            return fn(x, attrs.get("axis", -1))
        axis = attrs.get("axis", 1) % x.dim()      # before opset 13: over all axes from `axis` on
        flat = x.reshape(*x.shape[:axis], -1)
        return fn(flat, -1).reshape(x.shape)
    return run


# --- padding ------------------------------------------------------------------------------------
def _source_index(n: int, begin: int, end: int, mode: str, device) -> torch.Tensor:
    j = torch.arange(-begin, n + end, device=device)
    if mode == "edge":
        return j.clamp(0, n - 1)
    if mode == "wrap":
        return j.remainder(n)
    if n == 1:
        return torch.zeros_like(j)
    r = j.remainder(2 * (n - 1))
    return torch.where(r >= n, 2 * (n - 1) - r, r)


_TORCH_PAD_MODES = {"reflect": "reflect", "edge": "replicate", "wrap": "circular"}


def _native_pad(x, begin: dict, end: dict, mode: str):
    """torch's own padding when it computes the same thing (spatial axes only, pads it allows)."""
    padded = [a for a in range(x.dim()) if begin.get(a, 0) or end.get(a, 0)]
    if not padded or x.dim() not in (3, 4, 5) or min(padded) < 2 or x.dim() - 2 > 3:
        return None
    spatial = range(2, x.dim())
    before = [begin.get(a, 0) for a in spatial]
    after = [end.get(a, 0) for a in spatial]
    sizes = [x.shape[a] for a in spatial]
    if min(before + after) < 0 or any(max(b, e) > (n - 1 if mode == "reflect" else n)
                                      for b, e, n in zip(before, after, sizes)):
        return None
    return F.pad(x, torch_pad_list(before, after), mode=_TORCH_PAD_MODES[mode])


def pad(x, pads=None, value=None, axes=None, *, attrs):
    mode = text(attrs.get("mode"), "constant")
    pads = ints(pads) if pads is not None else list(attrs.get("pads", attrs.get("paddings", [])))
    axes = ints(axes) if axes is not None else list(range(x.dim()))
    axes = [a % x.dim() for a in axes]
    begin = dict(zip(axes, pads[:len(axes)]))
    end = dict(zip(axes, pads[len(axes):]))
    if mode == "constant":
        fill = float(value.detach().reshape(-1)[0]) if value is not None and value.numel() else attrs.get("value", 0.0)
        return F.pad(x, torch_pad_list([begin.get(a, 0) for a in range(x.dim())],
                                       [end.get(a, 0) for a in range(x.dim())]), value=fill)
    if mode not in ("reflect", "edge", "wrap"):
        raise unsupported("Pad", f"mode '{mode}'")
    fast = _native_pad(x, begin, end, mode)
    if fast is not None:
        return fast
    for axis in axes:
        if begin[axis] or end[axis]:
            x = x.index_select(axis, _source_index(x.shape[axis], begin[axis], end[axis], mode, x.device))
    return x


# --- resizing -----------------------------------------------------------------------------------
def _source_coordinate(out: torch.Tensor, n_in: int, scale: float, mode: str) -> torch.Tensor:
    """Input coordinate of each output index; the output length here is n_in·scale, unrounded,
    as in onnx's reference implementation."""
    length = n_in * scale
    if mode == "half_pixel":
        return (out + 0.5) / scale - 0.5
    if mode == "pytorch_half_pixel":
        return (out + 0.5) / scale - 0.5 if length > 1 else torch.zeros_like(out)
    if mode == "align_corners":
        return out * ((n_in - 1) / (length - 1)) if length != 1 else torch.zeros_like(out)
    if mode == "asymmetric":
        return out / scale
    if mode == "half_pixel_symmetric":
        adjust = int(length) / length
        centre = n_in / 2 * (1 - adjust)
        return centre + (out + 0.5) / scale - 0.5
    raise unsupported("Resize", f"coordinate_transformation_mode '{mode}'")


def _nearest(coordinate: torch.Tensor, rule: str) -> torch.Tensor:
    if rule == "floor":
        return torch.floor(coordinate)
    if rule == "ceil":
        return torch.ceil(coordinate)
    if rule == "round_prefer_ceil":
        return torch.floor(coordinate + 0.5)
    if rule == "round_prefer_floor":
        return torch.ceil(coordinate - 0.5)
    raise unsupported("Resize", f"nearest_mode '{rule}'")


def _cubic_weights(t: torch.Tensor, a: float) -> torch.Tensor:
    """Weights of the 4 neighbours at offsets -1, 0, 1, 2 for fractional positions t (N,)."""
    d = torch.stack([t + 1, t, 1 - t, 2 - t], -1).abs()
    near = ((a + 2) * d - (a + 3)) * d * d + 1
    far = ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
    return torch.where(d <= 1, near, torch.where(d < 2, far, torch.zeros_like(d)))


def _resize_axis(x, axis, n_out, scale, attrs):
    n_in = x.shape[axis]
    mode = text(attrs.get("mode"), "nearest")
    transform = text(attrs.get("coordinate_transformation_mode"), "half_pixel")
    out = torch.arange(n_out, dtype=torch.float64, device=x.device)
    src = _source_coordinate(out, n_in, scale, transform)
    shape = [1] * x.dim()
    shape[axis] = n_out
    if mode == "nearest":
        index = _nearest(src, text(attrs.get("nearest_mode"), "round_prefer_floor")).long().clamp(0, n_in - 1)
        return x.index_select(axis, index)
    if mode == "linear":
        src = src.clamp(0, n_in - 1)
        low = torch.floor(src).long()
        high = (low + 1).clamp(max=n_in - 1)
        w = (src - low).to(x.dtype).reshape(shape)
        return x.index_select(axis, low) * (1 - w) + x.index_select(axis, high) * w
    if mode == "cubic":
        low = torch.floor(src).long()
        weights = _cubic_weights(src - low, float(attrs.get("cubic_coeff_a", -0.75)))
        taps = low[:, None] + torch.arange(-1, 3, device=x.device)
        if attrs.get("exclude_outside", 0):
            weights = weights * ((taps >= 0) & (taps < n_in))
            weights = weights / weights.sum(-1, keepdim=True)
        taps = taps.clamp(0, n_in - 1)
        result = 0
        for k in range(4):
            result = result + x.index_select(axis, taps[:, k]) * weights[:, k].to(x.dtype).reshape(shape)
        return result
    raise unsupported("Resize", f"mode '{mode}'")


def resize(x, roi=None, scales=None, sizes=None, *, attrs):
    if text(attrs.get("coordinate_transformation_mode")) == "tf_crop_and_resize":
        raise unsupported("Resize", "coordinate_transformation_mode 'tf_crop_and_resize'")
    axes = [a % x.dim() for a in attrs.get("axes", range(x.dim()))]
    if sizes is not None and sizes.numel():
        sizes = ints(sizes)
        if text(attrs.get("keep_aspect_ratio_policy"), "stretch") != "stretch":
            raise unsupported("Resize", "keep_aspect_ratio_policy other than 'stretch'")
        targets = {a: (s, s / x.shape[a]) for a, s in zip(axes, sizes)}
    elif scales is not None and scales.numel():
        targets = {a: (int(math.floor(x.shape[a] * float(s))), float(s))
                   for a, s in zip(axes, scales.reshape(-1).tolist())}
    else:
        raise unsupported("Resize", "a node without scales or sizes")
    if attrs.get("antialias", 0) and any(scale < 1 for _, scale in targets.values()):
        raise unsupported("Resize", "antialiased downsampling")
    fast = _native_resize(x, targets, attrs)
    if fast is not None:
        return fast
    for axis, (n_out, scale) in targets.items():
        if n_out != x.shape[axis] or scale != 1:
            x = _resize_axis(x, axis, n_out, scale, attrs)
    return x


def _native_resize(x, targets: dict, attrs: dict):
    """torch's interpolate when it computes the same thing: 4-D, spatial scales only, and a mode
    whose coordinate rule torch shares (its scale_factor path maps coordinates with 1/scale)."""
    if x.dim() != 4 or any(targets.get(a, (x.shape[a], 1.0)) != (x.shape[a], 1.0) for a in (0, 1)):
        return None
    (h, sh), (w, sw) = (targets.get(a, (x.shape[a], 1.0)) for a in (2, 3))
    if h != math.floor(x.shape[2] * sh) or w != math.floor(x.shape[3] * sw) or min(h, w) < 2:
        return None
    mode = text(attrs.get("mode"), "nearest")
    transform = text(attrs.get("coordinate_transformation_mode"), "half_pixel")
    rule = text(attrs.get("nearest_mode"), "round_prefer_floor")
    if mode == "linear" and transform in ("half_pixel", "pytorch_half_pixel"):
        kind = "bilinear"
    elif mode == "nearest" and transform == "asymmetric" and rule == "floor":
        kind = "nearest"
    elif mode == "nearest" and transform == "half_pixel" and rule == "round_prefer_ceil":
        kind = "nearest-exact"
    else:
        return None
    return F.interpolate(x, scale_factor=(sh, sw), mode=kind, recompute_scale_factor=False,
                         **({"align_corners": False} if kind == "bilinear" else {}))


def upsample(x, scales=None, *, attrs):
    """Upsample (opsets 7-9): a Resize with asymmetric coordinates and floor rounding."""
    scales = scales if scales is not None else torch.tensor(attrs["scales"])
    return resize(x, None, scales, None,
                  attrs={**attrs, "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"})


OPS = {
    "Conv": conv, "ConvTranspose": conv_transpose,
    "MaxPool": _pool("max"), "AveragePool": _pool("avg"),
    "GlobalAveragePool": global_pool("avg"), "GlobalMaxPool": global_pool("max"),
    "BatchNormalization": batch_norm, "InstanceNormalization": instance_norm,
    "LayerNormalization": layer_norm, "GroupNormalization": group_norm,
    "Softmax": softmax_like(torch.softmax), "LogSoftmax": softmax_like(torch.log_softmax),
    "Pad": pad, "Resize": resize, "Upsample": upsample,
}
