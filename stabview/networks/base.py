"""`ReconstructionNetwork`: one calling convention, f(y, op) → x̂, for every network stabview tests.

Each network hides its own input convention (zero-filled channels, FBP, raw samples) inside
`reconstruct`, so the engine only ever calls `net(y, op)`. Everything stays differentiable from
the output back to y. Before anything runs, `check_compatible` reports modality, shape and
sampling mismatches; after every call the output is checked for shape, dtype and NaN/Inf.
"""

from __future__ import annotations

import torch

from ..operators import LinearOperator, build_operator
from .card import ModelCard
from .errors import DtypeMismatch, ModalityMismatch, NetworkOutputError, ShapeMismatch


def _shape_text(shape) -> str:
    return "×".join(str(int(s)) for s in shape)


def operator_for_card(card: ModelCard, device: torch.device | str = "cpu") -> LinearOperator:
    """The operator at the card's trained sampling (mask kind, rate, seed, coils or views)."""
    return build_operator(card.modality, tuple(card.image_shape), card.mask_spec, n_coils=card.n_coils or 15,
                          n_full=card.n_full or 1000, device=device)


def check_output(x_hat: torch.Tensor, op: LinearOperator, name: str) -> torch.Tensor:
    """Return `x_hat` as a (B, H, W) image of the operator's dtype, or raise `NetworkOutputError`."""
    if not isinstance(x_hat, torch.Tensor):
        raise NetworkOutputError(f"network '{name}' returned a {type(x_hat).__name__}, not a tensor")
    h, w = op.image_shape
    if x_hat.dim() == 4 and x_hat.shape[1] == 1:
        x_hat = x_hat[:, 0]
    if x_hat.dim() != 3 or tuple(x_hat.shape[-2:]) != (h, w):
        raise NetworkOutputError(f"network '{name}' returned shape {tuple(x_hat.shape)}, "
                                 f"expected (B, {h}, {w})")
    if op.complex_images:
        if not x_hat.is_complex():
            x_hat = x_hat.to(torch.float32).to(torch.complex64)
        elif x_hat.dtype != torch.complex64:
            x_hat = x_hat.to(torch.complex64)
    else:
        if x_hat.is_complex():
            raise NetworkOutputError(f"network '{name}' returned a complex image for real CT data")
        if x_hat.dtype != torch.float32:
            x_hat = x_hat.to(torch.float32)
    if not bool(torch.isfinite(x_hat.detach()).all()):
        raise NetworkOutputError(f"network '{name}' returned NaN or Inf values: check that the "
                                 f"measurements come from images in the card's value_range and that "
                                 f"the weights are intact")
    return x_hat


class ReconstructionNetwork(torch.nn.Module):
    """Base of every network: `forward(y, op)` → (B, H, W), with a model card and checks.

    Subclasses implement `reconstruct(y, op)`; `forward` adds the compatibility check before and
    the output check after, so a wrong operator or a NaN never reaches the engine silently.
    """

    def __init__(self, card: ModelCard):
        super().__init__()
        self.card = card

    # --- the convention every caller uses ----------------------------------------------------
    def forward(self, y: torch.Tensor, op: LinearOperator) -> torch.Tensor:
        self.check_compatible(op)
        y = op.check_measurement(y)
        return check_output(self.reconstruct(y, op), op, self.card.name)

    def reconstruct(self, y: torch.Tensor, op: LinearOperator) -> torch.Tensor:  # pragma: no cover
        raise NotImplementedError

    # --- what it was trained for ---------------------------------------------------------------
    def default_operator(self, device: torch.device | str = "cpu") -> LinearOperator:
        """The operator at the network's trained sampling."""
        return operator_for_card(self.card, device)

    def check_compatible(self, op: LinearOperator, x: torch.Tensor | None = None) -> None:
        """Raise before anything runs if `op` (and image `x`) cannot be fed to this network."""
        card = self.card
        if op.modality != card.modality:
            raise ModalityMismatch(f"network '{card.name}' was trained for {card.modality} sampling, "
                                   f"but the operator is {op.modality}: pick a {card.modality} operator "
                                   f"or another network")
        if tuple(op.image_shape) != tuple(card.image_shape):
            raise ShapeMismatch(f"the operator works on {_shape_text(op.image_shape)} images but network "
                                f"'{card.name}' expects {_shape_text(card.image_shape)}: resize the image "
                                f"or pick another network")
        if card.modality == "multicoil" and getattr(op, "n_coils", None) != card.n_coils:
            raise ShapeMismatch(f"the operator has {getattr(op, 'n_coils', '?')} coils but network "
                                f"'{card.name}' was trained for {card.n_coils}")
        if card.modality == "radon" and card.n_full is not None:
            n_full = int(op.mask.numel())
            if n_full != card.n_full:
                raise ShapeMismatch(f"the operator's full set has {n_full} views but network "
                                    f"'{card.name}' was trained on subsets of {card.n_full}")
        if not card.accepts_other_rates:
            trained = self._trained_mask(op.mask_shape).to(op.mask.device)
            if op.mask.shape != trained.shape or not bool(torch.equal(op.mask, trained)):
                raise ModalityMismatch(
                    f"network '{card.name}' takes the samples on its one trained mask "
                    f"({card.mask['kind']}, {card.rate:.0%}) and cannot use another mask or rate "
                    f"(so the more-samples test does not apply to it): use net.default_operator()")
        if x is not None:
            if not isinstance(x, torch.Tensor):
                raise DtypeMismatch(f"expected a torch tensor image, got {type(x).__name__}")
            if x.dim() != 3 or tuple(x.shape[-2:]) != tuple(card.image_shape):
                raise ShapeMismatch(f"image has shape {tuple(x.shape)} but network '{card.name}' expects "
                                    f"(B, {card.image_shape[0]}, {card.image_shape[1]}): resize the image "
                                    f"or pick another network")
            if x.is_complex() and card.modality == "radon":
                raise DtypeMismatch(f"network '{card.name}' reconstructs real CT images; got a complex image")

    def _trained_mask(self, shape: tuple[int, ...]) -> torch.Tensor:
        """The card's mask at `shape`, built once (Poisson-disc masks take ~0.3 s to draw)."""
        cache = self.__dict__.setdefault("_mask_cache", {})
        if shape not in cache:
            cache[shape] = self.card.mask_spec.build(shape)
        return cache[shape]

    @property
    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


def to_channels(x: torch.Tensor) -> torch.Tensor:
    """(B, H, W) complex → (B, 2, H, W) real/imag; real → (B, 1, H, W)."""
    if x.is_complex():
        return torch.view_as_real(x).permute(0, 3, 1, 2)
    return x[:, None]


def from_channels(x: torch.Tensor) -> torch.Tensor:
    """(B, 2, H, W) → complex (B, H, W); (B, 1, H, W) → real (B, H, W)."""
    if x.shape[1] == 2:
        return torch.complex(x[:, 0], x[:, 1])
    return x[:, 0]
