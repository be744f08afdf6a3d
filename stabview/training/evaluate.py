"""Held-out PSNR/SSIM of a network and of its linear input (zero-filled A* y or FBP) at its trained sampling.

The numbers written into a card come from here, and the zoo test recomputes them on a few
held-out images with the same code.
"""

from __future__ import annotations

import torch

from ..networks.base import ReconstructionNetwork
from ..operators import LinearOperator
from ..stability.metrics import psnr, ssim


@torch.no_grad()
def evaluate(net: ReconstructionNetwork, op: LinearOperator, images: torch.Tensor,
             batch_size: int = 8) -> dict:
    """Per-image and mean PSNR/SSIM of f(A x) and of H(A x) against x, for (N, H, W) images."""
    was_training = net.training
    net.eval()
    device = op.device
    rows = {"psnr_network": [], "psnr_input": [], "ssim_network": [], "ssim_input": []}
    for start in range(0, len(images), batch_size):
        x = images[start:start + batch_size].to(device)
        y = op.forward(x.to(torch.complex64) if op.complex_images else x)
        out, linear = net(y, op), op.warm_start(y)
        for key, est in (("network", out), ("input", linear)):
            rows[f"psnr_{key}"] += psnr(est.cpu(), x.cpu()).tolist()
            rows[f"ssim_{key}"] += ssim(est.cpu(), x.cpu()).tolist()
    net.train(was_training)
    summary = {key: float(sum(vals) / len(vals)) for key, vals in rows.items()}
    return {**summary, "per_image": {key: [round(v, 4) for v in vals] for key, vals in rows.items()},
            "images": len(images)}
