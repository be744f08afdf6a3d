"""ONNX → torch: run an ONNX graph with torch operations, so gradients flow through it.

The graph's initialisers become parameters (frozen or trained like any module's) and its nodes
are evaluated in order by a small table of torch functions covering what image-reconstruction
networks use: convolutions, transposed convolutions, dense layers, pooling, batch norm, the
usual activations, arithmetic, concatenation and the shape operations exporters emit around
reshapes. Anything else is refused by name. Needs the optional `onnx` package (protobuf parsing).
"""

from __future__ import annotations

import pathlib

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .errors import ModelFormatError


def _pads(attrs: dict, n: int) -> tuple[list[int], list[int]]:
    pads = list(attrs.get("pads", [0] * (2 * n)))
    return pads[:n], pads[n:]


def _conv(x, w, b=None, *, attrs):
    n = w.dim() - 2
    begin, end = _pads(attrs, n)
    if attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET", b"VALID", "VALID"):
        k = w.shape[2:]
        begin = [(ki - 1) // 2 for ki in k]
        end = [ki - 1 - bi for ki, bi in zip(k, begin)]
    if begin != end:
        x = F.pad(x, [p for pair in zip(reversed(begin), reversed(end)) for p in pair])
        begin = [0] * n
    conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[n]
    return conv(x, w, b, stride=attrs.get("strides", 1), padding=begin, dilation=attrs.get("dilations", 1),
                groups=attrs.get("group", 1))


def _conv_transpose(x, w, b=None, *, attrs):
    n = w.dim() - 2
    begin, end = _pads(attrs, n)
    if begin != end:
        raise ModelFormatError("ConvTranspose with asymmetric pads is not supported")
    conv = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[n]
    return conv(x, w, b, stride=attrs.get("strides", 1), padding=begin,
                output_padding=attrs.get("output_padding", 0), groups=attrs.get("group", 1),
                dilation=attrs.get("dilations", 1))


def _pool(kind):
    def run(x, *, attrs):
        k = attrs["kernel_shape"]
        begin, end = _pads(attrs, len(k))
        if begin != end:
            x = F.pad(x, [p for pair in zip(reversed(begin), reversed(end)) for p in pair],
                      value=float("-inf") if kind == "max" else 0.0)
            begin = [0] * len(k)
        stride = attrs.get("strides", k)
        if kind == "max":
            return F.max_pool2d(x, k, stride, begin, ceil_mode=bool(attrs.get("ceil_mode", 0)))
        return F.avg_pool2d(x, k, stride, begin, ceil_mode=bool(attrs.get("ceil_mode", 0)),
                            count_include_pad=bool(attrs.get("count_include_pad", 0)))
    return run


def _gemm(a, b, c=None, *, attrs):
    a = a.t() if attrs.get("transA", 0) else a
    b = b.t() if attrs.get("transB", 0) else b
    out = attrs.get("alpha", 1.0) * (a @ b)
    return out if c is None else out + attrs.get("beta", 1.0) * c


def _reshape(x, shape, *, attrs):
    dims = [int(s) for s in shape.tolist()]
    dims = [x.shape[i] if d == 0 and not attrs.get("allowzero", 0) else d for i, d in enumerate(dims)]
    return x.reshape(dims)


def _axes(args, attrs):
    if len(args) > 1 and args[1] is not None:
        return [int(a) for a in args[1].tolist()]
    return list(attrs.get("axes", []))


def _unsqueeze(*args, attrs):
    x = args[0]
    for axis in sorted(a % (x.dim() + len(_axes(args, attrs))) for a in _axes(args, attrs)):
        x = x.unsqueeze(axis)
    return x


def _squeeze(*args, attrs):
    axes = _axes(args, attrs)
    x = args[0]
    return x.squeeze() if not axes else x.squeeze(tuple(a % x.dim() for a in axes))


def _slice(x, starts, ends, axes=None, steps=None, *, attrs):
    axes = range(len(starts)) if axes is None else axes.tolist()
    steps = [1] * len(starts) if steps is None else steps.tolist()
    index = [slice(None)] * x.dim()
    for s, e, a, st in zip(starts.tolist(), ends.tolist(), axes, steps):
        index[a] = slice(s, min(e, x.shape[a]) if e > 0 else e, st)
    return x[tuple(index)]


OPS = {
    "Conv": _conv, "ConvTranspose": _conv_transpose, "Gemm": _gemm,
    "MaxPool": _pool("max"), "AveragePool": _pool("avg"),
    "BatchNormalization": lambda x, s, b, m, v, *, attrs: F.batch_norm(x, m.detach(), v.detach(), s, b, False, 0.0,
                                                                       attrs.get("epsilon", 1e-5)),
    "Relu": lambda x, *, attrs: F.relu(x),
    "LeakyRelu": lambda x, *, attrs: F.leaky_relu(x, attrs.get("alpha", 0.01)),
    "Tanh": lambda x, *, attrs: torch.tanh(x), "Sigmoid": lambda x, *, attrs: torch.sigmoid(x),
    "Abs": lambda x, *, attrs: x.abs(), "Sqrt": lambda x, *, attrs: torch.sqrt(x),
    "Neg": lambda x, *, attrs: -x, "Identity": lambda x, *, attrs: x,
    "Add": lambda a, b, *, attrs: a + b, "Sub": lambda a, b, *, attrs: a - b,
    "Mul": lambda a, b, *, attrs: a * b, "Div": lambda a, b, *, attrs: a / b,
    "Pow": lambda a, b, *, attrs: a ** b,
    "Mod": lambda a, b, *, attrs: torch.fmod(a, b) if attrs.get("fmod", 0) else torch.remainder(a, b),
    "MatMul": lambda a, b, *, attrs: a @ b,
    "Clip": lambda x, lo=None, hi=None, *, attrs: torch.clamp(x, lo if lo is None else float(lo),
                                                              hi if hi is None else float(hi)),
    "Concat": lambda *xs, attrs: torch.cat(xs, attrs["axis"]),
    "Flatten": lambda x, *, attrs: x.reshape(int(np.prod(x.shape[:attrs.get("axis", 1)])), -1),
    "Reshape": _reshape, "Unsqueeze": _unsqueeze, "Squeeze": _squeeze, "Slice": _slice,
    "Transpose": lambda x, *, attrs: x.permute(attrs["perm"]) if "perm" in attrs else x.permute(
        *reversed(range(x.dim()))),
    "Shape": lambda x, *, attrs: torch.tensor(x.shape, dtype=torch.int64),
    "Gather": lambda x, i, *, attrs: torch.index_select(x, attrs.get("axis", 0), i.reshape(-1)).reshape(
        *x.shape[:attrs.get("axis", 0)], *i.shape, *x.shape[attrs.get("axis", 0) + 1:]),
    "Cast": lambda x, *, attrs: x.to(torch.int64) if attrs.get("to") == 7 else x.to(torch.float32),
    "ReduceMean": lambda x, axes=None, *, attrs: x.mean(
        dim=tuple(attrs.get("axes", axes.tolist() if axes is not None else range(x.dim()))),
        keepdim=bool(attrs.get("keepdims", 1))),
}


class OnnxModule(nn.Module):
    """Evaluates one ONNX graph with torch; initialisers are parameters, the rest are node outputs."""

    def __init__(self, model):
        super().__init__()
        from onnx import helper, numpy_helper  # noqa: PLC0415 - optional dependency
        graph = model.graph
        self.params = nn.ParameterDict()
        self._names: dict[str, str] = {}
        for i, init in enumerate(graph.initializer):
            array = numpy_helper.to_array(init)
            tensor = torch.from_numpy(np.array(array))
            key = f"t{i}"
            self._names[init.name] = key
            self.params[key] = nn.Parameter(tensor.float() if tensor.is_floating_point() else tensor,
                                            requires_grad=tensor.is_floating_point())
        initialised = set(self._names)
        self.inputs = [v.name for v in graph.input if v.name not in initialised]
        self.outputs = [v.name for v in graph.output]
        if len(self.inputs) != 1:
            raise ModelFormatError(f"the ONNX graph has {len(self.inputs)} inputs; stabview feeds exactly one")
        self.nodes = []
        unknown = sorted({n.op_type for n in graph.node if n.op_type not in OPS and n.op_type != "Constant"})
        if unknown:
            raise ModelFormatError(f"the ONNX graph uses operations stabview cannot translate: "
                                   f"{', '.join(unknown)} (supported: {', '.join(sorted(OPS))})")
        self.constants: dict[str, torch.Tensor] = {}
        for node in graph.node:
            attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
            if node.op_type == "Constant":
                self.constants[node.output[0]] = torch.from_numpy(np.array(numpy_helper.to_array(attrs["value"])))
                continue
            attrs = {k: (list(v) if isinstance(v, (list, tuple)) or type(v).__name__ == "RepeatedScalarContainer"
                         else v) for k, v in attrs.items()}
            self.nodes.append((node.op_type, list(node.input), list(node.output), attrs))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        env: dict[str, torch.Tensor] = {self.inputs[0]: x, **self.constants}
        env.update({name: self.params[key] for name, key in self._names.items()})
        for op_type, inputs, outputs, attrs in self.nodes:
            args = [env[n] if n else None for n in inputs]
            result = OPS[op_type](*args, attrs=attrs)
            env[outputs[0]] = result
        return env[self.outputs[0]]


def onnx_to_torch(path: pathlib.Path) -> nn.Module:
    """Translate the ONNX file at `path` into a torch module (needs the `onnx` package)."""
    try:
        import onnx  # noqa: PLC0415
    except ImportError:
        raise ModelFormatError("reading ONNX files needs the optional 'onnx' package: pip install onnx "
                               "(or export the model to TorchScript instead)") from None
    try:
        model = onnx.load(str(path))
    except Exception as exc:  # noqa: BLE001
        raise ModelFormatError(f"{pathlib.Path(path).name} is not a readable ONNX file: {exc}") from None
    return OnnxModule(model)
