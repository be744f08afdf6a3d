"""ONNX element-wise, logical, matrix and reduction operators as torch functions."""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F

from .common import axes_from, dtype_of, text

_unary = {
    "Relu": F.relu, "Tanh": torch.tanh, "Sigmoid": torch.sigmoid, "Abs": torch.abs, "Sqrt": torch.sqrt,
    "Neg": torch.neg, "Exp": torch.exp, "Log": torch.log, "Reciprocal": torch.reciprocal,
    "Floor": torch.floor, "Ceil": torch.ceil, "Round": torch.round, "Sign": torch.sign, "Erf": torch.erf,
    "Sin": torch.sin, "Cos": torch.cos, "Tan": torch.tan, "Atan": torch.atan, "Softsign": F.softsign,
    "Softplus": F.softplus, "Mish": F.mish, "IsNaN": torch.isnan, "Not": torch.logical_not,
    "Identity": lambda x: x,
}


def _integer(t: torch.Tensor) -> bool:
    return not (t.is_floating_point() or t.is_complex())


def div(a, b, *, attrs):
    if _integer(a) and _integer(b):
        return torch.div(a, b, rounding_mode="trunc")
    return a / b


def power(a, b, *, attrs):
    out = torch.pow(a, b)
    return out.to(a.dtype) if out.dtype != a.dtype else out


def mod(a, b, *, attrs):
    return torch.fmod(a, b) if attrs.get("fmod", 0) else torch.remainder(a, b)


def clip(x, lo=None, hi=None, *, attrs):
    lo = lo if lo is not None else attrs.get("min")
    hi = hi if hi is not None else attrs.get("max")
    if isinstance(lo, torch.Tensor):
        lo = lo.reshape(()).to(x.dtype)
    if isinstance(hi, torch.Tensor):
        hi = hi.reshape(()).to(x.dtype)
    if lo is None and hi is None:
        return x
    return torch.clamp(x, lo, hi)


def cast(x, *, attrs):
    return x.to(dtype_of(attrs["to"], "Cast"))


def gemm(a, b, c=None, *, attrs):
    a = a.transpose(0, 1) if attrs.get("transA", 0) else a
    b = b.transpose(0, 1) if attrs.get("transB", 0) else b
    out = attrs.get("alpha", 1.0) * (a @ b)
    return out if c is None else out + attrs.get("beta", 1.0) * c


def gelu(x, *, attrs):
    return F.gelu(x, approximate="tanh" if text(attrs.get("approximate"), "none") == "tanh" else "none")


def hard_sigmoid(x, *, attrs):
    return torch.clamp(attrs.get("alpha", 0.2) * x + attrs.get("beta", 0.5), 0, 1)


def prelu(x, slope, *, attrs):
    return torch.where(x >= 0, x, x * slope)


def variadic(fn):
    def run(*xs, attrs):
        return functools.reduce(fn, xs)
    return run


def mean(*xs, attrs):
    return functools.reduce(torch.add, xs) / len(xs)


def einsum(*xs, attrs):
    return torch.einsum(text(attrs["equation"]).replace(" ", ""), *xs)


def _reduce(fn):
    """Reduce over axes given as the second input (ReduceSum from opset 13, the others from 18)
    or as the attribute (before); no axes means all, unless noop_with_empty_axes."""
    def run(x, axes=None, *, attrs):
        dims = axes_from([x, axes], 1, attrs)
        if not dims:
            if attrs.get("noop_with_empty_axes", 0):
                return x
            dims = list(range(x.dim()))
        dims = tuple(sorted(d % x.dim() for d in dims))
        return fn(x, dims, bool(attrs.get("keepdims", 1)))
    return run


def _prod(x, dims, keep):
    for d in sorted(dims, reverse=True):
        x = x.prod(d, keepdim=keep)
    return x


def _arg(fn):
    def run(x, *, attrs):
        axis = attrs.get("axis", 0) % x.dim()
        if attrs.get("select_last_index", 0):
            flipped = fn(x.flip(axis), axis, keepdim=bool(attrs.get("keepdims", 1)))
            return x.shape[axis] - 1 - flipped
        return fn(x, axis, keepdim=bool(attrs.get("keepdims", 1)))
    return run


OPS = {name: (lambda f: lambda x, *, attrs: f(x))(f) for name, f in _unary.items()}
OPS.update({
    "Add": lambda a, b, *, attrs: a + b, "Sub": lambda a, b, *, attrs: a - b,
    "Mul": lambda a, b, *, attrs: a * b, "Div": div, "Pow": power, "Mod": mod,
    "Min": variadic(torch.minimum), "Max": variadic(torch.maximum), "Sum": variadic(torch.add), "Mean": mean,
    "Equal": lambda a, b, *, attrs: torch.eq(a, b), "Less": lambda a, b, *, attrs: torch.lt(a, b),
    "LessOrEqual": lambda a, b, *, attrs: torch.le(a, b), "Greater": lambda a, b, *, attrs: torch.gt(a, b),
    "GreaterOrEqual": lambda a, b, *, attrs: torch.ge(a, b),
    "And": lambda a, b, *, attrs: torch.logical_and(a, b), "Or": lambda a, b, *, attrs: torch.logical_or(a, b),
    "Xor": lambda a, b, *, attrs: torch.logical_xor(a, b),
    "Where": lambda c, a, b, *, attrs: torch.where(c.bool(), a, b),
    "IsInf": lambda x, *, attrs: (torch.isposinf(x) & bool(attrs.get("detect_positive", 1)))
    | (torch.isneginf(x) & bool(attrs.get("detect_negative", 1))),
    "Clip": clip, "Cast": cast, "CastLike": lambda x, like, *, attrs: x.to(like.dtype),
    "MatMul": lambda a, b, *, attrs: torch.matmul(a, b), "Gemm": gemm, "Einsum": einsum,
    "LeakyRelu": lambda x, *, attrs: F.leaky_relu(x, attrs.get("alpha", 0.01)),
    "Elu": lambda x, *, attrs: F.elu(x, attrs.get("alpha", 1.0)),
    "Celu": lambda x, *, attrs: F.celu(x, attrs.get("alpha", 1.0)),
    "Selu": lambda x, *, attrs: attrs.get("gamma", 1.05070102214813232421875) * torch.where(
        x > 0, x, attrs.get("alpha", 1.67326319217681884765625) * torch.expm1(x)),
    "ThresholdedRelu": lambda x, *, attrs: torch.where(x > attrs.get("alpha", 1.0), x, torch.zeros_like(x)),
    "HardSigmoid": hard_sigmoid, "HardSwish": lambda x, *, attrs: F.hardswish(x), "PRelu": prelu,
    "Gelu": gelu, "Dropout": lambda x, *rest, attrs: x,
    "ReduceSum": _reduce(lambda x, d, k: x.sum(d, keepdim=k)),
    "ReduceMean": _reduce(lambda x, d, k: x.mean(d, keepdim=k)),
    "ReduceMax": _reduce(lambda x, d, k: x.amax(d, keepdim=k)),
    "ReduceMin": _reduce(lambda x, d, k: x.amin(d, keepdim=k)),
    "ReduceProd": _reduce(_prod),
    "ReduceL1": _reduce(lambda x, d, k: x.abs().sum(d, keepdim=k)),
    "ReduceL2": _reduce(lambda x, d, k: (x * x).sum(d, keepdim=k).sqrt()),
    "ReduceSumSquare": _reduce(lambda x, d, k: (x * x).sum(d, keepdim=k)),
    "ReduceLogSumExp": _reduce(lambda x, d, k: torch.logsumexp(x, d, keepdim=k)),
    "ArgMax": _arg(torch.argmax), "ArgMin": _arg(torch.argmin),
})
