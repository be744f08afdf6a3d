"""Test 3: does the reconstruction improve when more samples are taken?

For a list of rates (for Radon: fractions of the full set of views), nested masks of the
operator's kind Ω(ρ1) ⊂ Ω(ρ2) ⊂ … are drawn with `op.with_rate`, every image is measured and
reconstructed by each named reconstructor, and PSNR/SSIM against the truth are collected.
`sweep` is a generator of progress events so the CLI and the GUI can show and cancel it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ..errors import StabviewError
from . import metrics


class FixedSampling(StabviewError):
    """The network was trained for one fixed mask and cannot take other rates (e.g. AUTOMAP)."""


@dataclass
class SweepResult:
    """PSNR/SSIM per reconstructor, rate and image; means and spreads on demand."""

    rates: list[float]
    trained_rate: float | None
    psnr: dict[str, np.ndarray] = field(default_factory=dict)   # name → (n_rates, n_images)
    ssim: dict[str, np.ndarray] = field(default_factory=dict)

    def summary(self) -> dict:
        """Plain data for result.json: mean and standard deviation per rate."""
        out = {"rates": self.rates, "trained_rate": self.trained_rate}
        for name in self.psnr:
            out[name] = {
                "psnr_mean": np.nanmean(self.psnr[name], 1).tolist(),
                "psnr_std": np.nanstd(self.psnr[name], 1).tolist(),
                "ssim_mean": np.nanmean(self.ssim[name], 1).tolist(),
                "ssim_std": np.nanstd(self.ssim[name], 1).tolist(),
            }
        return out


def check_rates(rates) -> list[float]:
    rates = sorted(float(r) for r in rates)
    if not rates:
        raise StabviewError("give at least one rate for the more-samples test")
    if rates[0] <= 0 or rates[-1] > 1:
        raise StabviewError(f"rates must lie in (0, 1], got {rates}")
    return rates


def sweep(reconstructors: dict, op, images: torch.Tensor, rates, *, trained_rate: float | None = None,
          accepts_other_rates: bool = True, network_name: str = "the network"):
    """Yield (done, total, partial SweepResult) after each reconstruction; the last one is final.

    `images` is `(N, H, W)`; `reconstructors` maps names to callables (y, op) → `(B, H, W)`.
    """
    if not accepts_other_rates:
        raise FixedSampling(f"{network_name} was trained for one fixed sampling pattern and cannot take "
                            "other rates, so the more-samples test does not apply to it")
    rates = check_rates(rates)
    if op.spec is None:
        raise StabviewError("the more-samples test needs an operator built from a mask kind "
                            "(MaskSpec), so masks at other rates are drawn nested")
    images = op.check_image(images.to(op.device))
    result = SweepResult(rates, trained_rate)
    for name in reconstructors:
        result.psnr[name] = np.full((len(rates), len(images)), np.nan)
        result.ssim[name] = np.full((len(rates), len(images)), np.nan)
    total = len(rates) * len(images) * len(reconstructors)
    done = 0
    for i, rate in enumerate(rates):
        op_rate = op.with_rate(rate)
        for j in range(len(images)):
            x = images[j:j + 1]
            with torch.no_grad():
                y = op_rate.forward(x)
                for name, rec in reconstructors.items():
                    out = rec(y, op_rate)[0].cpu()
                    result.psnr[name][i, j] = metrics.psnr(out, x[0].cpu())
                    result.ssim[name][i, j] = metrics.ssim(out, x[0].cpu())
                    done += 1
                    yield done, total, result


def run_sweep(*args, progress=None, should_stop=None, **kwargs) -> SweepResult:
    """Run `sweep` to the end (or until `should_stop()`), calling `progress(done, total)`."""
    result = None
    for done, total, result in sweep(*args, **kwargs):
        if progress is not None:
            progress(done, total)
        if should_stop is not None and should_stop():
            break
    if result is None:
        raise StabviewError("the more-samples test had nothing to do")
    return result
