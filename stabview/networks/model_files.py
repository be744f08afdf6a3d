"""Users' own networks: TorchScript, ONNX or a safetensors state dict, each with a model card.

Files are recognised by their bytes, not their names. Nothing is ever unpickled: a TorchScript
archive is read by TorchScript's own loader (its code is TorchScript, not Python), state dicts
come from safetensors or from `torch.load(weights_only=True)`, and any file that holds pickled
Python objects — a module saved whole with `torch.save(model)`, a plain pickle — is refused with
a message saying how to export it instead. Before a model is accepted it is run once at the
card's input shape, so a card that does not fit the model is reported at load time.
"""

from __future__ import annotations

import pathlib
import warnings
import zipfile

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from ..errors import StabviewError
from .architectures import ARCHITECTURES, build_network
from .base import ReconstructionNetwork
from .card import ModelCard
from .errors import CardError, ModelFormatError, UnsafeModelFile
from .external import CardMismatch, ExternalNetwork
from .messages import describe

__all__ = ["CardMismatch", "ExternalNetwork", "find_card", "load_model_file", "load_state_dict_file",
           "read_state_dict", "read_torchscript", "sniff"]

HOW_TO_EXPORT = ("export it with torch.jit.script/torch.jit.trace and torch.jit.save, or to ONNX, or save "
                 "model.state_dict() with safetensors for a built-in architecture (see docs/own-network.md)")


def sniff(path: pathlib.Path) -> str:
    """'torchscript', 'torch-zip' (torch.save), 'safetensors', 'onnx', 'pickle' or 'unknown'."""
    with open(path, "rb") as f:
        head = f.read(16)
    if head[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(path) as archive:
                entries = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
            return "unknown"
        if any(n.endswith("/constants.pkl") or "/code/" in n for n in entries):
            return "torchscript"
        return "torch-zip" if any(n.endswith("data.pkl") for n in entries) else "unknown"
    if len(head) >= 9 and head[8:9] == b"{" and 0 < int.from_bytes(head[:8], "little") < 1 << 28:
        return "safetensors"
    if head[:1] == b"\x80" or path.suffix.lower() in (".pkl", ".pickle", ".pt", ".pth", ".bin", ".ckpt"):
        return "pickle"
    if path.suffix.lower() == ".onnx" or head[:1] == b"\x08":
        return "onnx"
    return "unknown"


def find_card(path: pathlib.Path, card: ModelCard | str | pathlib.Path | None) -> ModelCard:
    """The card given, or `model.json` / `model.onnx.json` / `card.json` beside the model."""
    if isinstance(card, ModelCard):
        return card
    if card is not None:
        return ModelCard.load(card)
    for candidate in (path.with_suffix(".json"), path.parent / (path.name + ".json"), path.parent / "card.json"):
        if candidate.exists() and candidate != path:
            return ModelCard.load(candidate)
    raise CardError(f"no model card for {path.name}: write {path.with_suffix('.json').name} beside it "
                    f"(see docs/own-network.md) or pass the card's path")


def read_state_dict(path: pathlib.Path) -> dict[str, torch.Tensor]:
    """Tensors from a safetensors file, or from a torch file that holds only tensors."""
    kind = sniff(path)
    if kind == "safetensors":
        try:
            return load_file(str(path))
        except (SafetensorError, OSError, ValueError) as exc:
            raise ModelFormatError(f"{path.name} is not a readable safetensors file: {exc}") from None
    if kind in ("torch-zip", "pickle"):
        state = _weights_only_load(path)
        if isinstance(state, dict) and all(isinstance(v, torch.Tensor) for v in state.values()):
            return state
        raise ModelFormatError(f"{path.name} holds a {type(state).__name__}, not a state dict of tensors")
    raise ModelFormatError(f"{path.name} is not a state dict file (found: {kind})")


def _weights_only_load(path: pathlib.Path):
    try:
        with warnings.catch_warnings():     # e.g. "Detected pickle protocol 4": the outcome says it all
            warnings.simplefilter("ignore")
            return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - the safe loader refused it: unsafe objects, or a damaged file
        with open(path, "rb") as f:
            pickle_stream = f.read(1) == b"\x80"
        # unsafe: it names Python code (GLOBAL), or it is a pickle stream the safe loader refused;
        # anything else (a truncated or damaged archive) is a damaged file, not a dangerous one
        if not ("GLOBAL" in str(exc) or ("Weights only load failed" in str(exc) and pickle_stream)):
            raise ModelFormatError(f"{path.name} cannot be read as a torch file; it may be damaged or "
                                   f"truncated ({describe(exc)})") from None
        raise UnsafeModelFile(
            f"{path.name} holds pickled Python objects (e.g. a whole module saved with torch.save(model)); "
            f"stabview never unpickles, because loading a pickle can run arbitrary code: {HOW_TO_EXPORT}. "
            f"(safe loader said: {describe(exc)})") from None


def load_state_dict_file(net: torch.nn.Module, path: pathlib.Path) -> torch.nn.Module:
    """Load weights into `net`, cast to its dtypes; missing, extra or mis-shaped tensors are errors."""
    state = read_state_dict(pathlib.Path(path))
    own = net.state_dict()
    missing = sorted(set(own) - set(state))
    extra = sorted(set(state) - set(own))
    wrong = sorted(k for k in set(own) & set(state) if tuple(own[k].shape) != tuple(state[k].shape))
    if missing or extra or wrong:
        parts = [f"{label}: {', '.join(keys[:4])}{' …' if len(keys) > 4 else ''}"
                 for label, keys in (("missing", missing), ("unexpected", extra), ("wrong shape", wrong)) if keys]
        architecture = net.card.architecture if hasattr(net, "card") else type(net).__name__
        raise ModelFormatError(f"{path.name} does not fit architecture '{architecture}' with its card's "
                               f"config — {'; '.join(parts)}")
    net.load_state_dict({k: v.to(own[k].dtype) for k, v in state.items()})
    return net


def read_torchscript(path: pathlib.Path) -> torch.nn.Module:
    """The TorchScript archive at `path` (TorchScript's own loader: no Python code is unpickled)."""
    try:
        with warnings.catch_warnings():   # TorchScript is deprecated upstream but still the format asked for
            warnings.simplefilter("ignore", DeprecationWarning)
            return torch.jit.load(str(path), map_location="cpu")
    except Exception as exc:  # noqa: BLE001
        raise ModelFormatError(f"{path.name} is not a loadable TorchScript archive: {describe(exc)}") from None


def load_model_file(path: str | pathlib.Path, card: ModelCard | str | pathlib.Path | None = None, *,
                    device: torch.device | str = "cpu", probe: bool = True) -> ReconstructionNetwork:
    """A `ReconstructionNetwork` from a user's model file and its card; see the module docstring.

    `probe=False` skips that first run (the inspection report runs its own checks).
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise ModelFormatError(f"no model file at {path}")
    kind = sniff(path)
    if kind in ("pickle", "torch-zip"):
        read_state_dict(path)      # refuses pickled objects (UnsafeModelFile) before anything else
    the_card = find_card(path, card)
    if kind in ("safetensors", "pickle", "torch-zip"):
        if the_card.architecture not in ARCHITECTURES:
            raise CardError(f"{path.name} is a state dict, so its card must name a built-in architecture "
                            f"({', '.join(sorted(ARCHITECTURES))}) in 'architecture' with its 'config'; "
                            f"got '{the_card.architecture}'")
        if (the_card.channel_order, the_card.input_normalisation) != ("real_imag", "none"):
            raise CardError(f"model card '{the_card.name}': channel_order and input_normalisation apply to "
                            f"TorchScript and ONNX models; a built-in architecture has its own conventions")
        net = load_state_dict_file(build_network(the_card), path)
        return net.eval().to(device)
    if kind == "torchscript":
        module = read_torchscript(path)
    elif kind == "onnx":
        from .onnx_import import onnx_to_torch  # noqa: PLC0415 - needs the optional onnx package
        try:
            module = onnx_to_torch(path)
        except StabviewError:
            raise
        except Exception as exc:  # noqa: BLE001 - a damaged graph fails in onnx's or numpy's code
            raise ModelFormatError(f"{path.name} is not a usable ONNX model; it may be damaged "
                                   f"({describe(exc)})") from None
    else:
        raise ModelFormatError(f"{path.name}: unknown model format; {HOW_TO_EXPORT}")
    net = ExternalNetwork(the_card, module, path.name)
    net.eval()
    if probe:
        net.probe()
    return net.to(device)

