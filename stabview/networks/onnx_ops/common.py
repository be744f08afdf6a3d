"""Helpers shared by the ONNX operator tables: dtypes, attribute/input forms, unsupported options."""

from __future__ import annotations

import torch

from ..errors import ModelFormatError

#: ONNX TensorProto data types → torch dtypes (the ones image networks use)
DTYPES = {1: torch.float32, 2: torch.uint8, 3: torch.int8, 5: torch.int16, 6: torch.int32, 7: torch.int64,
          9: torch.bool, 10: torch.float16, 11: torch.float64, 16: torch.bfloat16}


def dtype_of(code: int, op: str) -> torch.dtype:
    try:
        return DTYPES[int(code)]
    except KeyError:
        raise ModelFormatError(f"ONNX {op}: data type {code} is not supported") from None


def ints(value) -> list[int]:
    """A tensor or sequence of integers as a list of Python ints."""
    if isinstance(value, torch.Tensor):
        return [int(v) for v in value.reshape(-1).tolist()]
    return [int(v) for v in value]


def text(value, default: str = "") -> str:
    """An attribute string (onnx gives bytes) as str."""
    if value is None:
        return default
    return value.decode() if isinstance(value, bytes) else str(value)


def axes_from(inputs: list, index: int, attrs: dict, key: str = "axes") -> list[int] | None:
    """Axes given as the input at `index` (newer opsets) or as the attribute (older ones); None if neither."""
    if len(inputs) > index and inputs[index] is not None:
        return ints(inputs[index])
    if key in attrs:
        return [int(a) for a in attrs[key]]
    return None


def unsupported(op: str, what: str) -> ModelFormatError:
    return ModelFormatError(f"ONNX {op}: {what} is not supported")


def same_pads(in_sizes, kernel, strides, dilations, mode: str) -> tuple[list[int], list[int]]:
    """Begin and end pads for auto_pad SAME_UPPER / SAME_LOWER (the extra pixel at the end or start)."""
    begin, end = [], []
    for size, k, s, d in zip(in_sizes, kernel, strides, dilations):
        out = -(-size // s)
        total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
        small = total // 2
        begin.append(total - small if mode == "SAME_LOWER" else small)
        end.append(small if mode == "SAME_LOWER" else total - small)
    return begin, end


def torch_pad_list(begin, end) -> list[int]:
    """ONNX per-axis begin/end pads (first axis first) → torch's F.pad list (last axis first)."""
    return [p for pair in zip(reversed(list(begin)), reversed(list(end))) for p in pair]
