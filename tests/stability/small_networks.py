"""Small real networks for engine tests: a residual CNN on the warm start, seeded weights."""

import torch


class ResidualCNN(torch.nn.Module):
    """f(y) = H y + CNN(H y) on real/imaginary channels; accepts any operator of any modality."""

    def __init__(self, channels: int = 8, seed: int = 0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.conv1 = torch.nn.Conv2d(2, channels, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(channels, 2, 3, padding=1)
        for p in self.parameters():
            with torch.no_grad():
                p.copy_(torch.randn(p.shape, generator=g) * 0.3)

    def forward(self, y, op):
        h = op.warm_start(y)
        complex_out = h.is_complex()
        parts = torch.stack([h.real, h.imag], 1) if complex_out else torch.stack([h, torch.zeros_like(h)], 1)
        parts = parts.float()
        out = parts + self.conv2(torch.relu(self.conv1(parts)))
        return torch.complex(out[:, 0], out[:, 1]) if complex_out else out[:, 0]


class BrokenNetwork(torch.nn.Module):
    """Returns NaN (or a wrong shape), as a badly exported model might."""

    def __init__(self, mode: str):
        super().__init__()
        self.mode = mode
        self.w = torch.nn.Parameter(torch.ones(()))

    def forward(self, y, op):
        h = op.warm_start(y) * self.w
        if self.mode == "nan":
            return h * float("nan")
        return h[:, :-1]
