"""Errors of the zoo and of user models; all are `StabviewError`s with one-line, actionable messages."""

from __future__ import annotations

from ..errors import DtypeMismatch, NetworkOutputError, ShapeMismatch, StabviewError, UnknownName

__all__ = ["CardError", "ModalityMismatch", "NetworkOutputError", "UnsafeModelFile",
           "ModelFormatError", "ModelRuntimeError", "OnnxNodeError", "ShapeMismatch", "DtypeMismatch",
           "UnknownName"]


class CardError(StabviewError, ValueError):
    """A model card is missing, unreadable, or states something impossible."""


class ModalityMismatch(StabviewError, ValueError):
    """The network was trained for another modality (or fixed sampling) than the operator has."""


class UnsafeModelFile(StabviewError, ValueError):
    """A model file would execute code when loaded (a pickle): refused, never unpickled."""


class ModelFormatError(StabviewError, ValueError):
    """A model file's format is unknown, damaged, or does not fit its card."""


class ModelRuntimeError(StabviewError, RuntimeError):
    """A user's model raised an exception while running; the message keeps its type and first line."""


class OnnxNodeError(ModelRuntimeError):
    """One node of a translated ONNX graph failed; the message names the node and its operator."""
