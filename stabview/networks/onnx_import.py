"""ONNX → torch: run an ONNX graph with torch operations, so gradients flow through it.

The graph's initialisers become parameters (frozen or trained like any module's), its constants
buffers, and its nodes are evaluated in order by the torch functions of `onnx_ops` (the operator
table covers the layers of the common MRI/CT U-Nets, ResNets, unrolled networks and attention
blocks as torch's exporters write them at opsets 13–20). An operator outside the table is refused
at load time by name; a node that fails while running is reported by name and operator, never
blamed on the model card. Weights kept in a separate file (`model.onnx.data`, what torch's
default exporter writes) are read from beside the model; a missing one is named. Needs the
optional `onnx` package (protobuf parsing).
"""

from __future__ import annotations

import pathlib

import numpy as np
import torch
from torch import nn

from ..errors import StabviewError
from .errors import ModelFormatError, OnnxNodeError
from .messages import describe
from .onnx_ops import MULTI_OUTPUT, OPS

#: operator domains evaluated here (the standard one, under both of its names)
STANDARD_DOMAINS = ("", "ai.onnx")


def _attribute_values(node) -> dict:
    from onnx import helper  # noqa: PLC0415 - optional dependency
    attrs = {}
    for attribute in node.attribute:
        value = helper.get_attribute_value(attribute)
        if type(value).__name__ in ("RepeatedScalarContainer", "RepeatedCompositeContainer") or \
                isinstance(value, (list, tuple)):
            value = list(value)
        elif hasattr(value, "dims") and hasattr(value, "data_type"):      # a TensorProto
            from onnx import numpy_helper  # noqa: PLC0415
            value = numpy_helper.to_array(value)
        attrs[attribute.name] = value
    return attrs


def _constant_value(attrs: dict) -> torch.Tensor:
    """The tensor a Constant node holds, whichever of its attribute forms it uses."""
    for key, dtype in (("value", None), ("value_float", np.float32), ("value_floats", np.float32),
                       ("value_int", np.int64), ("value_ints", np.int64)):
        if key in attrs:
            return torch.from_numpy(np.array(attrs[key], dtype=dtype))
    raise ModelFormatError(f"ONNX Constant with attribute {sorted(attrs)} is not supported")


def _opset(model) -> int:
    for entry in model.opset_import:
        if entry.domain in STANDARD_DOMAINS:
            return int(entry.version)
    return 0


def _declared_shape(value_info) -> list:
    """A graph input's declared shape: ints for fixed sizes, names (or None) for free ones."""
    dims = value_info.type.tensor_type.shape.dim
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in dims]


class OnnxModule(nn.Module):
    """Evaluates one ONNX graph with torch; initialisers are parameters, the rest are node outputs."""

    def __init__(self, model):
        super().__init__()
        from onnx import numpy_helper  # noqa: PLC0415 - optional dependency
        if len(model.functions):
            from onnx import inliner  # noqa: PLC0415
            model = inliner.inline_local_functions(model)
        graph = model.graph
        self.opset = _opset(model)
        self.params = nn.ParameterDict()
        self.consts = nn.Module()
        self._names: dict[str, tuple[str, str]] = {}
        for i, init in enumerate(graph.initializer):
            tensor = torch.from_numpy(np.array(numpy_helper.to_array(init)))
            self._keep(f"t{i}", init.name, tensor)
        initialised = set(self._names)
        self.inputs = [v.name for v in graph.input if v.name not in initialised]
        self.input_shapes = [_declared_shape(v) for v in graph.input if v.name not in initialised]
        self.outputs = [v.name for v in graph.output]
        unknown = sorted({(n.domain + "::" if n.domain not in STANDARD_DOMAINS else "") + n.op_type
                          for n in graph.node
                          if (n.op_type not in OPS and n.op_type != "Constant") or n.domain not in STANDARD_DOMAINS})
        if unknown:
            raise ModelFormatError(f"the ONNX graph uses operators stabview cannot translate: {', '.join(unknown)} "
                                   f"(docs/own-network.md lists the {len(OPS) + 1} operators it translates)")
        self.nodes = []
        for i, node in enumerate(graph.node):
            attrs = _attribute_values(node)
            if node.op_type == "Constant":
                self._keep(f"c{i}", node.output[0], _constant_value(attrs))
                continue
            if node.op_type == "MaxPool" and len(node.output) > 1 and node.output[1]:
                raise ModelFormatError("the ONNX graph uses MaxPool's Indices output, which stabview "
                                       "cannot translate")
            attrs["_opset"] = self.opset
            label = node.name or f"#{i}"
            self.nodes.append((node.op_type, label, list(node.input), list(node.output), attrs))

    def _keep(self, key: str, name: str, tensor: torch.Tensor) -> None:
        if tensor.is_floating_point() and tensor.dtype != torch.float64:
            tensor = tensor.float()
        if key.startswith("t") and tensor.is_floating_point():
            self.params[key] = nn.Parameter(tensor)
            self._names[name] = ("params", key)
        else:
            self.consts.register_buffer(key, tensor, persistent=False)
            self._names[name] = ("consts", key)

    @property
    def operators(self) -> dict[str, int]:
        """How many nodes use each operator, most used first."""
        counts: dict[str, int] = {}
        for op_type, *_ in self.nodes:
            counts[op_type] = counts.get(op_type, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def forward(self, *xs: torch.Tensor):
        if len(xs) != len(self.inputs):
            raise ModelFormatError(f"the ONNX graph takes {len(self.inputs)} inputs, got {len(xs)}")
        env: dict[str, torch.Tensor] = dict(zip(self.inputs, xs))
        for name, (where, key) in self._names.items():
            env[name] = getattr(self.params if where == "params" else self.consts, key)
        for op_type, label, inputs, outputs, attrs in self.nodes:
            try:
                args = [env[n] if n else None for n in inputs]
                if op_type in MULTI_OUTPUT:
                    result = OPS[op_type](*args, attrs=attrs, n_outputs=len(outputs))
                else:
                    result = OPS[op_type](*args, attrs=attrs)
            except StabviewError as exc:
                raise OnnxNodeError(f"ONNX node '{label}' ({op_type}): {exc}") from exc
            except Exception as exc:  # noqa: BLE001 - any failure inside the graph is the node's
                shapes = ", ".join(str(tuple(a.shape)) for a in args if isinstance(a, torch.Tensor))
                raise OnnxNodeError(f"ONNX node '{label}' ({op_type}) failed on inputs of shape {shapes}: "
                                    f"{describe(exc)}") from exc
            results = result if isinstance(result, tuple) else (result,)
            for name, value in zip(outputs, results):
                if name:
                    env[name] = value
        out = [env[name] for name in self.outputs]
        return out[0] if len(out) == 1 else tuple(out)


def _load_external_data(model, path: pathlib.Path) -> None:
    """Read weights stored beside the model; name the file when it is missing or outside the folder."""
    from onnx import external_data_helper  # noqa: PLC0415
    folder = path.resolve().parent
    locations = []
    for tensor in external_data_helper._get_all_tensors(model):    # noqa: SLF001 - onnx's own walker
        if external_data_helper.uses_external_data(tensor):
            info = {entry.key: entry.value for entry in tensor.external_data}
            locations.append(info.get("location", ""))
    for location in sorted(set(locations)):
        target = (folder / location).resolve()
        if folder not in target.parents:
            raise ModelFormatError(f"{path.name} points to weights outside its folder ({location}); "
                                   f"stabview reads external weights only from beside the model")
        if not target.is_file():
            raise ModelFormatError(f"{path.name} keeps its weights in a separate file, {location}, which is not "
                                   f"in {folder}: copy {location} beside {path.name}")
    if locations:
        try:
            external_data_helper.load_external_data_for_model(model, str(folder))
        except Exception as exc:  # noqa: BLE001
            raise ModelFormatError(f"{path.name}: its weights file {locations[0]} is unreadable: "
                                   f"{describe(exc)}") from None


def read_onnx(path: pathlib.Path):
    """The ONNX model at `path` with its external weights, or a `ModelFormatError` in one line."""
    try:
        import onnx  # noqa: PLC0415
    except ImportError:
        raise ModelFormatError("reading ONNX files needs the optional 'onnx' package: pip install onnx "
                               "(or export the model to TorchScript instead)") from None
    path = pathlib.Path(path)
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # noqa: BLE001
        raise ModelFormatError(f"{path.name} is not a readable ONNX file ({describe(exc)})") from None
    if not len(model.graph.node):
        raise ModelFormatError(f"{path.name} is not a readable ONNX file (it holds no graph)")
    _load_external_data(model, path)
    return model


def onnx_to_torch(path: pathlib.Path) -> OnnxModule:
    """Translate the ONNX file at `path` into a torch module (needs the `onnx` package)."""
    module = OnnxModule(read_onnx(path))
    if len(module.inputs) != 1:
        raise ModelFormatError(f"the ONNX graph in {pathlib.Path(path).name} has {len(module.inputs)} inputs; "
                               f"stabview feeds exactly one")
    return module


def supported_operators() -> list[str]:
    """The ONNX operators stabview translates, sorted."""
    return sorted({*OPS, "Constant"})
