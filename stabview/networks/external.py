"""A user's model (TorchScript or translated ONNX) behind the input/output convention of its card.

The card says what the model is fed (H y as channels in either order, as a complex tensor, as a
magnitude, or the samples on a fixed mask), whether each image is normalised first (and the
output un-normalised), and what it returns. An exception raised inside the model reaches the user
as `ModelRuntimeError` with the model's own exception type and first line. Before a model is
accepted it is run once on the measurements of a Shepp-Logan phantom at the card's shape (not on
zeros: networks that normalise inside would divide by a zero deviation); when that fails, other input shapes are
tried so the message can name the card field that disagrees and what the model accepts.
"""

from __future__ import annotations

import functools

import torch

from ..errors import StabviewError
from ..operators import LinearOperator
from .base import ReconstructionNetwork, check_output, from_channels, to_channels
from .card import ModelCard
from .errors import CardError, ModelFormatError, ModelRuntimeError, NetworkOutputError
from .messages import describe

#: added to the standard deviation of a normalised input (as fastMRI does), so a constant image stays finite
NORMALISATION_EPS = 1e-11
#: image sizes tried when the card's size fails, to say what the model accepts
TRIED_SIZES = (32, 64, 128, 256, 320)


class CardMismatch(ModelFormatError, CardError):
    """A model card states something the model does not accept (names the card field)."""


@functools.lru_cache(maxsize=4)
def _phantom(shape: tuple[int, int]) -> torch.Tensor:
    from ..data import load_builtin_image  # noqa: PLC0415 - data sits below networks; only needed here
    return load_builtin_image("shepp-logan", shape)


def probe_measurements(card: ModelCard, op: LinearOperator) -> torch.Tensor:
    """Measurements (batch of 1) of a Shepp-Logan phantom scaled to the card's value range."""
    low, high = card.value_range
    x = (low + (high - low) * _phantom(tuple(card.image_shape)))[None]
    return op.forward(x.to(torch.complex64) if op.complex_images else x)


def _shape_text(shape) -> str:
    return "(" + ", ".join(str(int(s)) for s in shape) + ")"


class ExternalNetwork(ReconstructionNetwork):
    """A user's module behind the card's conventions; `source` names the file in messages."""

    def __init__(self, card: ModelCard, module: torch.nn.Module, source: str):
        super().__init__(card)
        if card.input_convention == "operator" or card.output_convention == "image":
            raise CardError(f"model card '{card.name}': 'operator'/'image' conventions are for built-in "
                            f"networks; a model file takes warm_start_channels, warm_start_complex, "
                            f"warm_start_magnitude or samples_vector and returns channels, complex or magnitude")
        self.module = module
        self.source = source

    # --- conventions ------------------------------------------------------------------------------
    def _swap(self, x: torch.Tensor) -> torch.Tensor:
        """Real/imaginary channels in the card's order (the swap is its own inverse)."""
        if self.card.channel_order == "imag_real" and x.dim() == 4 and x.shape[1] == 2:
            return x.flip(1)
        return x

    def model_input(self, y: torch.Tensor, op: LinearOperator) -> torch.Tensor:
        """What the model is fed for measurements `y`, before normalisation."""
        convention = self.card.input_convention
        if convention == "samples_vector":
            values = y[:, op.mask]
            return torch.cat([values.real, values.imag], 1)
        x0 = op.warm_start(y)
        if convention == "warm_start_complex":
            return x0
        if convention == "warm_start_magnitude":
            return x0.abs()[:, None].contiguous()
        return self._swap(to_channels(x0)).contiguous()

    def _normalise(self, x: torch.Tensor):
        if self.card.input_normalisation != "per_image":
            return x, None
        dims = tuple(range(1, x.dim()))
        mean = x.mean(dims, keepdim=True)
        std = x.std(dims, keepdim=True) + NORMALISATION_EPS
        return (x - mean) / std, (mean.reshape(-1), std.reshape(-1))

    @staticmethod
    def _denormalise(out, stats):
        if stats is None or not isinstance(out, torch.Tensor):
            return out
        mean, std = (s.reshape(-1, *[1] * (out.dim() - 1)) for s in stats)
        return out * std + mean

    def run_module(self, inp: torch.Tensor):
        """The user's module on `inp`; its exceptions become `ModelRuntimeError` with their own type."""
        try:
            return self.module(inp)
        except StabviewError:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever the user's model raises is reported as it is
            raise ModelRuntimeError(f"network '{self.card.name}' ({self.source}) raised {describe(exc)}") from exc

    def reconstruct(self, y: torch.Tensor, op: LinearOperator) -> torch.Tensor:
        inp, stats = self._normalise(self.model_input(y, op))
        out = self.run_module(inp)
        if isinstance(out, (tuple, list)):
            out = out[0]
        out = self._denormalise(out, stats)
        if self.card.output_convention == "channels":
            want = 2 if self.card.is_mri else 1
            if not isinstance(out, torch.Tensor) or out.dim() != 4 or out.shape[1] != want:
                raise NetworkOutputError(f"network '{self.card.name}' should return (B, {want}, H, W) channels "
                                         f"but returned {tuple(getattr(out, 'shape', ()))}")
            out = from_channels(self._swap(out))
        return out

    # --- checking the card against the model ----------------------------------------------------
    def _runs_on(self, shape: tuple[int, ...], dtype: torch.dtype) -> bool:
        try:
            with torch.no_grad():
                generator = torch.Generator().manual_seed(0)
                self.run_module(torch.randn(shape, generator=generator).to(dtype))
            return True
        except Exception:  # noqa: BLE001 - any failure means: not this shape
            return False

    def declared_problem(self, shape: tuple[int, ...]) -> str | None:
        """A disagreement between `shape` and the fixed sizes an ONNX graph declares for its input."""
        declared = getattr(self.module, "input_shapes", [None])[0]
        if not declared or len(declared) != len(shape):
            return None
        fixed = [None] + [d if isinstance(d, int) and d > 0 else None for d in declared[1:]]   # any batch
        return self.explain(shape, tuple(d if d is not None else s for d, s in zip(fixed, shape)))

    def accepted_input(self, shape: tuple[int, ...], dtype: torch.dtype) -> tuple[int, ...] | None:
        """Another input shape the model runs on (other channel count, then other sizes), or None."""
        if len(shape) < 3 or self.card.input_convention == "samples_vector":
            return None
        candidates = []
        if len(shape) == 4:
            candidates += [(shape[0], c, *shape[2:]) for c in (1, 2, 3) if c != shape[1]]
        candidates += [(*shape[:-2], s, s) for s in TRIED_SIZES if (s, s) != tuple(shape[-2:])]
        for candidate in candidates:
            if self._runs_on(candidate, dtype):
                return candidate
        return None

    def explain(self, implied: tuple[int, ...], accepted: tuple[int, ...]) -> str | None:
        """Which card field makes `implied` differ from `accepted`, in words; None if they agree."""
        card = self.card
        if tuple(implied) == tuple(accepted):
            return None
        if len(implied) == 4 and implied[1] != accepted[1]:
            hint = ""
            if card.is_mri and accepted[1] == 1:
                hint = " (a one-channel MRI model takes 'warm_start_magnitude')"
            elif card.is_mri and accepted[1] == 2:
                hint = " (real and imaginary: 'warm_start_channels')"
            return (f"input_convention '{card.input_convention}' feeds {_shape_text(implied)}, {implied[1]} "
                    f"channel(s), but the model accepts {accepted[1]}: {_shape_text(accepted)}{hint}")
        if tuple(implied[-2:]) != tuple(accepted[-2:]):
            return (f"image_shape {card.image_shape[0]}×{card.image_shape[1]} feeds {_shape_text(implied)}, "
                    f"but the model accepts {accepted[-2]}×{accepted[-1]} images: {_shape_text(accepted)}")
        return f"the card implies inputs of shape {_shape_text(implied)}, the model accepts {_shape_text(accepted)}"

    def probe_input(self) -> tuple[torch.Tensor, LinearOperator, torch.Tensor]:
        """Probe measurements at the card's shape, their operator, and the model input they give."""
        op = self.default_operator()
        y = probe_measurements(self.card, op)
        return y, op, self.model_input(y, op)

    def probe(self) -> None:
        """Run once at the card's shape; a card that does not fit the model names its field."""
        y, op, inp = self.probe_input()
        shape = tuple(inp.shape)
        problem = self.declared_problem(shape)
        if problem:
            raise CardMismatch(f"{self.source} does not fit its card: {problem}")
        try:
            with torch.no_grad():
                out = self.reconstruct(op.check_measurement(y), op)
            if isinstance(out, torch.Tensor) and not bool(torch.isfinite(out).all()):
                raise ModelFormatError(f"{self.source} returns NaN or Inf values on a phantom's measurements "
                                       f"(model input {_shape_text(shape)}): check the weights are intact")
            check_output(out, op, self.card.name)
        except NetworkOutputError as exc:
            raise CardMismatch(f"{self.source} does not fit its card's output_convention "
                               f"'{self.card.output_convention}': {exc}") from None
        except ModelRuntimeError as exc:
            accepted = self.accepted_input(shape, inp.dtype)
            if accepted is not None:
                raise CardMismatch(f"{self.source} does not fit its card: "
                                   f"{self.explain(shape, accepted)}") from None
            raise type(exc)(f"{exc} (on a phantom's measurements: model input {_shape_text(shape)}, as its card "
                            f"implies)") from None
