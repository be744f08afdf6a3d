"""Model cards: what a network was trained for, how it is called, and how well it did.

A card is plain JSON next to the weights. It names the modality and image shape, the sampling
mask (a `MaskSpec` dict) and trained rate, whether other rates are accepted (every network that
starts from H y does; AUTOMAP does not), the calling convention, the training data, command and
seed, and the held-out PSNR/SSIM of the network and of its linear input, measured by the
training script. The attack preset holds the paper's (or tuned) λ, γ, η, τ and p(x).
"""

from __future__ import annotations

import json
import math
import pathlib
from dataclasses import asdict, dataclass, field, fields

from ..data.formats import MAX_PIXELS
from ..operators.masks import MASK_KINDS, MaskSpec
from .errors import CardError

MODALITIES = ("fourier", "multicoil", "radon")
#: how a network is fed; the first three are what user models may declare
INPUT_CONVENTIONS = {
    "warm_start_channels": "H y as channels: (B, 2, H, W) real/imag for MRI, (B, 1, H, W) for CT",
    "warm_start_complex": "H y as a complex64 (B, H, W) tensor (TorchScript only; ONNX has no complex)",
    "warm_start_magnitude": "|H y| as a real (B, 1, H, W) tensor (magnitude-only networks)",
    "samples_vector": "the sampled values on the card's fixed mask as a real (B, 2m) vector "
                      "[Re y_Ω, Im y_Ω] in row-major mask order (AUTOMAP); no other mask is accepted",
    "operator": "built-in: the network is given y and the operator (data-consistency layers inside)",
}
OUTPUT_CONVENTIONS = {
    "channels": "(B, 2, H, W) real/imag for MRI, (B, 1, H, W) for CT",
    "complex": "a complex64 (B, H, W) tensor (TorchScript only)",
    "magnitude": "a real (B, H, W) or (B, 1, H, W) magnitude image, returned with zero phase for MRI",
    "image": "built-in: the (B, H, W) image in the modality's dtype",
}
#: order of the two channels of a complex image, in and out
CHANNEL_ORDERS = {"real_imag": "channel 0 real, channel 1 imaginary", "imag_real": "channel 0 imaginary, 1 real"}
#: what is done to the model's input before it runs (and undone on its output)
INPUT_NORMALISATIONS = {
    "none": "the input as it is",
    "per_image": "each image's input minus its mean, divided by its standard deviation (over all its channels "
                 "and pixels); the output is multiplied back by that deviation and the mean added (fastMRI U-Net)",
}
#: keys added after the first cards; left out of a card's JSON when they hold their default
OPTIONAL_DEFAULTS = {"channel_order": "real_imag", "input_normalisation": "none"}
METRIC_KEYS = ("psnr_network", "psnr_input", "ssim_network", "ssim_input")


@dataclass
class ModelCard:
    """Everything stabview needs to know about a network besides its weights."""

    name: str
    modality: str
    image_shape: tuple[int, int]
    mask: dict
    rate: float
    accepts_other_rates: bool
    input_convention: str
    output_convention: str
    architecture: str = "custom"
    config: dict = field(default_factory=dict)
    value_range: tuple[float, float] = (0.0, 1.0)
    channel_order: str = "real_imag"
    input_normalisation: str = "none"
    n_coils: int | None = None
    n_full: int | None = None
    data: str = ""
    command: str = ""
    seed: int | None = None
    psnr_network: float | None = None
    psnr_input: float | None = None
    ssim_network: float | None = None
    ssim_input: float | None = None
    attack_preset: dict | None = None
    training: dict = field(default_factory=dict)
    evaluation: dict = field(default_factory=dict)
    notes: str = ""

    def __post_init__(self):
        self.validate()

    @property
    def mask_spec(self) -> MaskSpec:
        return MaskSpec.from_dict(self.mask)

    @property
    def trained_rate(self) -> float:
        """The fraction of samples the network was trained with (alias of `rate`)."""
        return self.rate

    @property
    def is_mri(self) -> bool:
        return self.modality in ("fourier", "multicoil")

    def validate(self) -> "ModelCard":
        """Raise `CardError` for anything a card cannot mean; normalise types in place."""
        where = f"model card '{self.name}'"
        if not isinstance(self.name, str) or not self.name:
            raise CardError("a model card needs a non-empty 'name'")
        if self.modality not in MODALITIES:
            raise CardError(f"{where}: modality '{self.modality}' is not one of {', '.join(MODALITIES)}")
        try:
            shape = tuple(int(s) for s in self.image_shape)
        except (TypeError, ValueError):
            raise CardError(f"{where}: image_shape must be [H, W], got {self.image_shape!r}") from None
        if len(shape) != 2 or min(shape) < 8:
            raise CardError(f"{where}: image_shape must be [H, W] with H, W ≥ 8, got {list(shape)}")
        self.image_shape = shape
        if shape[0] * shape[1] > MAX_PIXELS:
            raise CardError(f"{where}: image_shape {shape[0]}×{shape[1]} has more than the "
                            f"{MAX_PIXELS / 1e6:.0f} megapixels stabview works with")
        if not isinstance(self.mask, dict) or not isinstance(self.mask.get("kind"), str) \
                or self.mask["kind"] not in MASK_KINDS:
            raise CardError(f"{where}: 'mask' must be a mask spec {{kind, rate, seed, options}} with kind "
                            f"one of {', '.join(MASK_KINDS)}, got {self.mask!r}")
        family = MASK_KINDS[self.mask["kind"]][1]
        if (family == "radon") != (self.modality == "radon"):
            raise CardError(f"{where}: mask kind '{self.mask['kind']}' is for {family} sampling, "
                            f"not for modality '{self.modality}'")
        try:
            self.mask = self.mask_spec.to_dict()
        except Exception as exc:  # noqa: BLE001 - any bad spec is a card error
            raise CardError(f"{where}: bad mask spec: {exc}") from None
        if not (isinstance(self.rate, (int, float)) and 0 < float(self.rate) <= 1):
            raise CardError(f"{where}: trained 'rate' must be in (0, 1], got {self.rate!r}")
        self.rate = float(self.rate)
        if not isinstance(self.input_convention, str) or self.input_convention not in INPUT_CONVENTIONS:
            raise CardError(f"{where}: input_convention '{self.input_convention}' is not one of "
                            f"{', '.join(INPUT_CONVENTIONS)}")
        if not isinstance(self.output_convention, str) or self.output_convention not in OUTPUT_CONVENTIONS:
            raise CardError(f"{where}: output_convention '{self.output_convention}' is not one of "
                            f"{', '.join(OUTPUT_CONVENTIONS)}")
        if self.channel_order not in CHANNEL_ORDERS:
            raise CardError(f"{where}: channel_order '{self.channel_order}' is not one of {', '.join(CHANNEL_ORDERS)}")
        if self.input_normalisation not in INPUT_NORMALISATIONS:
            raise CardError(f"{where}: input_normalisation '{self.input_normalisation}' is not one of "
                            f"{', '.join(INPUT_NORMALISATIONS)}")
        if self.input_normalisation != "none" and self.input_convention in ("samples_vector", "operator"):
            raise CardError(f"{where}: input_normalisation applies to image inputs, not to "
                            f"input_convention '{self.input_convention}'")
        if self.input_convention == "samples_vector" and self.accepts_other_rates:
            raise CardError(f"{where}: a network fed the samples on a fixed mask cannot accept other rates")
        if self.modality == "radon" and "complex" in (self.input_convention, self.output_convention):
            raise CardError(f"{where}: CT images are real; a complex convention makes no sense")
        if self.modality == "multicoil" and not (isinstance(self.n_coils, int) and self.n_coils >= 1):
            raise CardError(f"{where}: a multicoil card needs 'n_coils' (e.g. 15)")
        if self.modality == "radon" and not (isinstance(self.n_full, int) and self.n_full >= 1):
            raise CardError(f"{where}: a radon card needs 'n_full', the size of the full set of views")
        for key in METRIC_KEYS:
            value = getattr(self, key)
            if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value)):
                raise CardError(f"{where}: '{key}' must be a finite number or null, got {value!r}")
        for key, kind in (("config", dict), ("training", dict), ("evaluation", dict), ("attack_preset", (dict, type(None))),
                          ("architecture", str), ("data", str), ("command", str), ("notes", str)):
            if not isinstance(getattr(self, key), kind):
                raise CardError(f"{where}: '{key}' must be a JSON "
                                f"{'object' if kind in (dict, (dict, type(None))) else 'string'}, "
                                f"got {type(getattr(self, key)).__name__}")
        for key in ("n_coils", "n_full", "seed"):
            value = getattr(self, key)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise CardError(f"{where}: '{key}' must be a whole number or null, got {value!r}")
        try:
            low, high = (float(v) for v in self.value_range)
        except (TypeError, ValueError):
            raise CardError(f"{where}: value_range must be [low, high], got {self.value_range!r}") from None
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise CardError(f"{where}: value_range must be two finite numbers, low < high, got {self.value_range!r}")
        self.value_range = (low, high)
        if not isinstance(self.accepts_other_rates, bool):
            raise CardError(f"{where}: accepts_other_rates must be true or false, got {self.accepts_other_rates!r}")
        return self

    # --- (de)serialisation ------------------------------------------------------------------
    def to_dict(self) -> dict:
        out = asdict(self)
        out["image_shape"] = list(self.image_shape)
        out["value_range"] = list(self.value_range)
        for key, default in OPTIONAL_DEFAULTS.items():   # written only when used: older readers keep working
            if out[key] == default:
                del out[key]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "ModelCard":
        if not isinstance(data, dict):
            raise CardError(f"a model card is a JSON object, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise CardError(f"model card has unknown keys {unknown}; known keys: {sorted(known)}")
        required = ("name", "modality", "image_shape", "mask", "rate", "accepts_other_rates",
                    "input_convention", "output_convention")
        missing = [k for k in required if k not in data]
        if missing:
            raise CardError(f"model card '{data.get('name', '?')}' lacks {missing}")
        return cls(**data)

    @classmethod
    def load(cls, path: str | pathlib.Path) -> "ModelCard":
        path = pathlib.Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CardError(f"no model card at {path}: write one (see docs/own-network.md)") from None
        except IsADirectoryError:
            raise CardError(f"{path} is a folder, not a model card: give the card's JSON file") from None
        except OSError as exc:
            raise CardError(f"model card {path} cannot be read: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise CardError(f"model card {path} is not a text (UTF-8 JSON) file") from None
        except (json.JSONDecodeError, RecursionError) as exc:
            raise CardError(f"model card {path} is not valid JSON: {exc}") from None
        return cls.from_dict(data)

    def save(self, path: str | pathlib.Path) -> None:
        pathlib.Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
