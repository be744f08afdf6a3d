"""U-Nets shared by three zoo members: FBPConvNet (Ell 50, Med 50) and the DAGAN generator.

Two styles after the paper's SI. 'fbpconvnet' (Jin et al.): per level two 3×3 conv + BN + ReLU,
2×2 max-pooling down, 3×3 transposed conv up, concatenated skips, a 1×1 output conv and a global
residual on the FBP. 'dagan' (Yang et al.): one 4×4 stride-2 conv + BN + leaky ReLU (0.2) per
level down, 4×4 stride-2 transposed conv + BN + ReLU up, concatenated skips, tanh, and a global
residual on the zero-filled magnitude. Widths shrink from the papers' (base 64) to fit our CPUs.
"""

from __future__ import annotations

import torch
from torch import nn

from ..operators import LinearOperator
from .base import ReconstructionNetwork, to_channels
from .card import ModelCard


def _conv_bn_relu(cin: int, cout: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class FBPConvUNet(nn.Module):
    """FBPConvNet-style U-Net on (B, C, H, W); H and W must be divisible by 2**depth."""

    def __init__(self, in_ch: int = 1, out_ch: int = 1, base: int = 16, depth: int = 4):
        super().__init__()
        widths = [base * 2 ** i for i in range(depth + 1)]
        self.down = nn.ModuleList()
        cin = in_ch
        for w in widths[:-1]:
            self.down.append(nn.Sequential(*_conv_bn_relu(cin, w), *_conv_bn_relu(w, w)))
            cin = w
        self.bottom = nn.Sequential(*_conv_bn_relu(widths[-2], widths[-1]), *_conv_bn_relu(widths[-1], widths[-1]))
        self.up = nn.ModuleList()
        self.merge = nn.ModuleList()
        for w_low, w in zip(widths[::-1][:-1], widths[::-1][1:]):
            self.up.append(nn.Sequential(nn.ConvTranspose2d(w_low, w, 3, stride=2, padding=1, output_padding=1,
                                                            bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True)))
            self.merge.append(nn.Sequential(*_conv_bn_relu(2 * w, w), *_conv_bn_relu(w, w)))
        self.out = nn.Conv2d(widths[0], out_ch, 1)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for level in self.down:
            x = level(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottom(x)
        for up, merge, skip in zip(self.up, self.merge, reversed(skips)):
            x = merge(torch.cat([up(x), skip], 1))
        return self.out(x)


class DaganUNet(nn.Module):
    """DAGAN generator body: strided 4×4 convs down, transposed 4×4 convs up, concatenated skips."""

    def __init__(self, in_ch: int = 2, out_ch: int = 1, base: int = 16, depth: int = 7, max_mult: int = 8):
        super().__init__()
        widths = [base * min(2 ** i, max_mult) for i in range(depth)]
        self.down = nn.ModuleList()
        cin = in_ch
        for i, w in enumerate(widths):
            layers: list[nn.Module] = [nn.Conv2d(cin, w, 4, stride=2, padding=1, bias=i in (0, depth - 1))]
            if 0 < i < depth - 1:         # no BN on the input layer nor on the 1×1 bottleneck
                layers.append(nn.BatchNorm2d(w))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            self.down.append(nn.Sequential(*layers))
            cin = w
        self.up = nn.ModuleList()
        for i in reversed(range(depth)):
            w_out = widths[i - 1] if i > 0 else base
            w_in = widths[i] if i == depth - 1 else 2 * widths[i]
            self.up.append(nn.Sequential(nn.ConvTranspose2d(w_in, w_out, 4, stride=2, padding=1, bias=False),
                                         nn.BatchNorm2d(w_out), nn.ReLU(inplace=True)))
        self.out = nn.Conv2d(base + in_ch, out_ch, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = [x]
        h = x
        for level in self.down:
            h = level(h)
            skips.append(h)
        skips.pop()                        # the bottleneck itself is not a skip
        for up in self.up:
            h = torch.cat([up(h), skips.pop()], 1)
        return self.out(h)


class FBPConvNet(ReconstructionNetwork):
    """Ell 50 / Med 50: x̂ = x̃ + U(x̃) with x̃ = FBP(y) = H y (real CT images)."""

    def __init__(self, card: ModelCard, *, base: int = 16, depth: int = 4):
        super().__init__(card)
        self.unet = FBPConvUNet(1, 1, base, depth)

    def reconstruct(self, y: torch.Tensor, op: LinearOperator) -> torch.Tensor:
        x0 = op.warm_start(y)
        return x0 + self.unet(x0[:, None])[:, 0]


class DaganGenerator(ReconstructionNetwork):
    """DAGAN: x̂ = |x̃| + tanh(G(x̃)) on the zero-filled x̃ = A* y (real/imag channels in).

    The output is a magnitude image returned with zero phase. The original's final clipping to
    [−1, 1] is left out: it would zero the gradients the instability test needs.
    """

    def __init__(self, card: ModelCard, *, base: int = 16, depth: int = 7):
        super().__init__(card)
        self.generator = DaganUNet(2, 1, base, depth)

    def reconstruct(self, y: torch.Tensor, op: LinearOperator) -> torch.Tensor:
        x0 = op.warm_start(y)
        magnitude = torch.sqrt(x0.real ** 2 + x0.imag ** 2 + 1e-12)   # smooth at 0, unlike |·|
        out = magnitude + torch.tanh(self.generator(to_channels(x0))[:, 0])
        return out.to(torch.complex64)
