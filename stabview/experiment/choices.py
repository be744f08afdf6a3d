"""What a user chooses, as typed, immutable data: the network, the image and the sampling.

Each choice is a frozen dataclass with a plain-dict form for JSON, so the window, the commands
and a study's workers (other processes, other machines) pass the same values around.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import torch

from ..errors import StabviewError
from ..operators import FAMILY, MASK_KINDS, MaskSpec, build_operator


class ChoiceError(StabviewError, ValueError):
    """A choice that cannot be built: the message names the field and what would work."""


def file_sha256(path: str | os.PathLike) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class NetworkRef:
    """A zoo network by `name`, or a model file at `path` with its `card` (None: beside it).

    `sha256` pins a model file's content: `load` refuses a file that changed since.
    """

    name: str | None = None
    path: str | None = None
    card: str | None = None
    sha256: str | None = None

    def __post_init__(self):
        if (self.name is None) == (self.path is None):
            raise ChoiceError("a network is either a zoo name or a model file path, not both or neither")

    @classmethod
    def parse(cls, text: str, card: str | None = None) -> "NetworkRef":
        """A zoo name unless `text` is an existing file (then its path, absolute, and hash)."""
        if os.path.exists(str(text)):
            path = os.path.abspath(str(text))
            card_path = os.path.abspath(card) if card else None
            return cls(path=path, card=card_path, sha256=file_sha256(path) if os.path.isfile(path) else None)
        if card is not None:
            raise ChoiceError(f"--card is for a model file, but '{text}' is not a file: give the model's path")
        return cls(name=str(text))

    @property
    def label(self) -> str:
        """A short name for titles: the zoo name, or the model file's name."""
        return self.name if self.name is not None else Path(self.path).name

    def load(self, device: torch.device | str = "cpu"):
        """The network, on `device`, after checking the file is the one that was chosen."""
        from ..networks import zoo
        if self.name is not None:
            return zoo.load(self.name).to(device)
        if self.sha256 is not None and os.path.isfile(self.path) and file_sha256(self.path) != self.sha256:
            raise ChoiceError(f"the model file {self.path} changed since it was chosen (its sha256 differs): "
                              "open it again to use the new content")
        net = zoo.load(self.path, card=self.card) if self.card else zoo.load(self.path)
        return net.to(device)

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict) -> "NetworkRef":
        return cls(**{k: data.get(k) for k in ("name", "path", "card", "sha256")})


@dataclass(frozen=True)
class ImageRef:
    """A built-in image by name (`brain`, `brain:3`, `ellipses:7`) or an image file, and its slice."""

    spec: str = "brain"
    slice: int | None = None

    @property
    def label(self) -> str:
        name = Path(self.spec).name if os.path.sep in self.spec else self.spec
        return name if self.slice is None else f"{name} [{self.slice}]"

    def load(self, shape: tuple[int, int]) -> torch.Tensor:
        """The image `(H, W)` at `shape` (see `data.load_image_or_builtin`)."""
        from ..data import load_image_or_builtin
        kwargs = {} if self.slice is None else {"slice_index": int(self.slice)}
        return load_image_or_builtin(self.spec, shape, **kwargs)

    def to_dict(self) -> dict:
        return {"spec": self.spec, "slice": self.slice}

    @classmethod
    def from_dict(cls, data: dict) -> "ImageRef":
        return cls(str(data.get("spec", "brain")), None if data.get("slice") is None else int(data["slice"]))


def kinds_for(modality: str) -> list[str]:
    """Mask kinds that make sense for a modality (k-space kinds for MRI, view kinds for CT)."""
    return [k for k, (_, family, _) in MASK_KINDS.items() if family == FAMILY[modality]]


@dataclass(frozen=True)
class Sampling:
    """The measurement: modality, mask kind, rate (or share of `n_full` views), seed, coils."""

    modality: str = "fourier"
    kind: str = "cartesian"
    rate: float = 0.33
    seed: int = 0
    options: dict = field(default_factory=dict)
    n_full: int = 1000
    n_coils: int = 15

    def __post_init__(self):
        if self.modality not in FAMILY:
            raise ChoiceError(f"sampling modality must be one of {', '.join(FAMILY)}, got '{self.modality}'")
        if self.kind not in MASK_KINDS:
            raise ChoiceError(f"mask kind must be one of {', '.join(MASK_KINDS)}, got '{self.kind}'")

    @classmethod
    def trained(cls, card) -> "Sampling":
        """The sampling a network's card says it was trained with."""
        spec = card.mask_spec
        return cls(card.modality, spec.kind, float(spec.rate), int(spec.seed), dict(spec.options),
                   int(card.n_full or 1000), int(card.n_coils or 15))

    def with_(self, **changes) -> "Sampling":
        """A copy with changes; a new modality picks its first mask kind if the old one does not fit."""
        out = replace(self, **changes)
        if "modality" in changes and "kind" not in changes and out.kind not in kinds_for(out.modality):
            out = replace(out, kind=kinds_for(out.modality)[0], options={})
        return out

    def operator(self, shape: tuple[int, int], device: torch.device | str = "cpu"):
        """The operator for this sampling on `shape` images (`operators.build_operator`)."""
        spec = MaskSpec(self.kind, float(self.rate), int(self.seed), dict(self.options))
        return build_operator(self.modality, shape, spec, n_coils=self.n_coils, n_full=self.n_full, device=device)

    def to_dict(self) -> dict:
        return {**asdict(self), "options": dict(self.options)}

    @classmethod
    def from_dict(cls, data: dict) -> "Sampling":
        known = ("modality", "kind", "rate", "seed", "options", "n_full", "n_coils")
        return cls(**{k: data[k] for k in known if k in data and data[k] is not None})
