"""The table of ONNX operators stabview translates into torch, grouped by kind in the modules here."""

from . import elementwise as _elementwise
from . import nn as _nn
from . import shape as _shape

OPS = {**_elementwise.OPS, **_nn.OPS, **_shape.OPS}
MULTI_OUTPUT = _shape.MULTI_OUTPUT

__all__ = ["OPS", "MULTI_OUTPUT"]
