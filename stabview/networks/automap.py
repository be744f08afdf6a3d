"""AUTOMAP (Zhu et al.): a direct map from the sampled k-space values to the image.

The 2m real numbers [Re y_Ω, Im y_Ω] (samples on the one trained mask, row-major order) pass
through dense 2m → h (tanh) and h → n², the mean is subtracted, the result is reshaped to
n × n and refined by conv 5×5 × 64 (tanh), conv 5×5 × 64 (ReLU) and a 7×7 transposed conv to
one magnitude channel. It does not start from A* y, so it is tied to its trained mask: it
cannot be fed another mask or rate, and the more-samples test does not apply to it.
"""

from __future__ import annotations

import torch
from torch import nn

from ..operators import LinearOperator
from .base import ReconstructionNetwork
from .card import ModelCard


class Automap(ReconstructionNetwork):
    """AUTOMAP with hidden width `hidden` for the card's image shape and fixed mask."""

    def __init__(self, card: ModelCard, *, hidden: int = 1024, features: int = 64):
        super().__init__(card)
        h, w = card.image_shape
        self.n_samples = int(card.mask_spec.build(card.image_shape).sum())
        self.dense_in = nn.Linear(2 * self.n_samples, hidden)
        self.dense_out = nn.Linear(hidden, h * w)
        self.conv1 = nn.Conv2d(1, features, 5, padding=2)
        self.conv2 = nn.Conv2d(features, features, 5, padding=2)
        self.deconv = nn.ConvTranspose2d(features, 1, 7, padding=3)
        self.last_activations: torch.Tensor | None = None   # C2 output, for the training penalty

    @torch.no_grad()
    def init_from_fourier(self, mask: torch.Tensor, scale: float = 0.05) -> None:
        """Start the dense layers at a low-rank zero-filled inverse FFT, so training refines it.

        The first layer passes the h/2 sampled frequencies nearest the k-space centre through
        (scaled by `scale`, where tanh is nearly linear); the second maps them to the real part
        of their inverse Fourier transform. From a random start our CPU budget leaves AUTOMAP
        far below the zero-filled image; from here it learns past it.
        """
        from ..operators.fft import ifft2c  # noqa: PLC0415
        h, w = self.card.image_shape
        hidden = self.dense_in.out_features
        index = torch.nonzero(mask.flatten()).flatten()
        ky, kx = index // w - h // 2, index % w - w // 2
        low = torch.argsort((ky ** 2 + kx ** 2).float(), stable=True)[:hidden // 2]
        n, m = len(low), self.n_samples
        first = torch.zeros(hidden, 2 * m)
        first[torch.arange(n), low] = scale
        first[n + torch.arange(n), m + low] = scale
        unit = torch.zeros(n, h * w, dtype=torch.complex64)
        unit[torch.arange(n), index[low]] = 1
        real = ifft2c(unit.view(n, h, w)).real.reshape(n, -1)
        imag = ifft2c(1j * unit.view(n, h, w)).real.reshape(n, -1)
        second = torch.zeros(h * w, hidden)
        second[:, :2 * n] = torch.cat([real, imag]).T / scale
        self.dense_in.weight.copy_(first)
        self.dense_in.bias.zero_()
        self.dense_out.weight.copy_(second)
        self.dense_out.bias.zero_()

    def param_groups(self, lr: float, dense_factor: float = 0.1) -> list[dict]:
        """Optimiser groups: the dense layers learn `dense_factor` × slower than the convolutions."""
        dense = [*self.dense_in.parameters(), *self.dense_out.parameters()]
        rest = [*self.conv1.parameters(), *self.conv2.parameters(), *self.deconv.parameters()]
        return [{"params": dense, "lr": lr * dense_factor, "base_lr": lr * dense_factor},
                {"params": rest, "lr": lr, "base_lr": lr}]

    def samples(self, y: torch.Tensor, op: LinearOperator) -> torch.Tensor:
        """The (B, 2m) input vector: real then imaginary parts of y on the mask, row-major."""
        values = y[:, op.mask]
        return torch.cat([values.real, values.imag], 1)

    def reconstruct(self, y: torch.Tensor, op: LinearOperator) -> torch.Tensor:
        b = y.shape[0]
        h, w = self.card.image_shape
        z = self.dense_out(torch.tanh(self.dense_in(self.samples(y, op))))
        z = (z - z.mean(1, keepdim=True)).view(b, 1, h, w)
        c2 = torch.relu(self.conv2(torch.tanh(self.conv1(z))))
        self.last_activations = c2 if self.training else None
        return self.deconv(c2)[:, 0]
