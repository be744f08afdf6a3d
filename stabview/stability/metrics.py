"""Image-quality numbers shared by the engine, the baselines, the zoo cards and the GUI.

All metrics compare magnitudes (MRI images are complex; we show |x|). PSNR's peak is the
maximum magnitude of the reference, so a result does not depend on how a file was scaled.
SSIM follows the usual definition (7×7 uniform window, K1 = 0.01, K2 = 0.03, sample
covariance) with the data range set to the same peak; it matches
`skimage.metrics.structural_similarity(..., data_range=peak)`.
Inputs are `(H, W)` (a float comes back) or `(B, H, W)` (a `(B,)` tensor comes back).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..errors import ShapeMismatch


def _pair(estimate, reference) -> tuple[torch.Tensor, torch.Tensor, bool]:
    est, ref = torch.as_tensor(estimate), torch.as_tensor(reference)
    if est.shape != ref.shape:
        raise ShapeMismatch(f"cannot compare images of shape {tuple(est.shape)} and {tuple(ref.shape)}")
    single = est.dim() == 2
    if single:
        est, ref = est[None], ref[None]
    if est.dim() != 3:
        raise ShapeMismatch(f"metrics take (H, W) or (B, H, W) images, got {tuple(est.shape)}")
    return est.abs().double(), ref.abs().double(), single


def _out(values: torch.Tensor, single: bool):
    return float(values[0]) if single else values


def rel_l2(estimate, reference):
    """‖x̂ − x‖₂ / ‖x‖₂ on the complex (or real) values themselves, not magnitudes."""
    est, ref = torch.as_tensor(estimate), torch.as_tensor(reference)
    if est.shape != ref.shape:
        raise ShapeMismatch(f"cannot compare images of shape {tuple(est.shape)} and {tuple(ref.shape)}")
    single = est.dim() == 2
    est, ref = (est[None], ref[None]) if single else (est, ref)
    dtype = torch.complex128 if (est.is_complex() or ref.is_complex()) else torch.float64
    diff = (est.to(dtype) - ref.to(dtype)).flatten(1).norm(dim=1)
    norm = ref.to(dtype).flatten(1).norm(dim=1)
    return _out(diff / norm.clamp_min(1e-300), single)


def peak(reference) -> torch.Tensor:
    """The PSNR/SSIM peak: max |x| of each reference image."""
    ref = torch.as_tensor(reference).abs()
    return ref.flatten(-2).amax(-1)


def psnr(estimate, reference):
    """10 log10(peak² / MSE) on magnitudes, peak = max |reference| (dB; inf when identical)."""
    est, ref, single = _pair(estimate, reference)
    mse = ((est - ref) ** 2).flatten(1).mean(1)
    top = ref.flatten(1).amax(1)
    return _out(10 * torch.log10(top ** 2 / mse), single)


def ssim(estimate, reference, *, win_size: int = 7):
    """Mean structural similarity on magnitudes with data range = max |reference|."""
    est, ref, single = _pair(estimate, reference)
    if min(est.shape[-2:]) < win_size:
        raise ShapeMismatch(f"SSIM needs images of at least {win_size}×{win_size}")
    data_range = ref.flatten(1).amax(1)[:, None, None, None]
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    a, b = est[:, None], ref[:, None]

    def mean(t):
        return F.avg_pool2d(t, win_size, stride=1)

    n = win_size * win_size
    cov_norm = n / (n - 1)
    mu_a, mu_b = mean(a), mean(b)
    var_a = cov_norm * (mean(a * a) - mu_a ** 2)
    var_b = cov_norm * (mean(b * b) - mu_b ** 2)
    cov = cov_norm * (mean(a * b) - mu_a * mu_b)
    s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
    return _out(s.flatten(1).mean(1), single)
