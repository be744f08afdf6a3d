"""The comparison method: stable compressed-sensing reconstructions to set beside a network.

`reconstruct(op, y)` picks the method by operator type (paper, Methods):

- single-coil Fourier and Radon: reweighted shearlet + TGV² by split Bregman (`reweighted.py`),
- multi-coil Fourier: ℓ1-wavelet basis-pursuit denoising by SPGL1 (`l1_wavelet.py`).

The data are first scaled so the warm-start image (A*y or FBP) peaks at 1, the scale the
parameters in `presets.py` are set for, and the result is scaled back; the map y ↦ x̂ is
therefore positively homogeneous and independent of how the images were scaled.
"""

from __future__ import annotations

import torch

from ..errors import StabviewError
from ..operators import FourierOperator, LinearOperator, MultiCoilOperator
from .l1_wavelet import l1_wavelet
from .presets import (PAPER, PRESETS, L1WaveletParams, ParameterError, ShearletTgvParams, preset,
                      with_overrides)
from .presets import preset as preset_by_name
from .result import BaselineResult, ProgressCallback, StopCallback
from .reweighted import shearlet_tgv
from .shearlets import ShearletTransform, filter_count, shearlet_filters
from .tgv import gradient, gradient_adjoint, symmetric_gradient, symmetric_gradient_adjoint
from .wavelets import WaveletTransform


class UnsupportedOperator(StabviewError, TypeError):
    """An operator the comparison method has no preset for."""


def preset_name(op: LinearOperator) -> str:
    """'fourier', 'multicoil' or 'radon', from the operator's modality."""
    if isinstance(op, MultiCoilOperator) or op.modality == "multicoil":
        return "multicoil"
    if isinstance(op, FourierOperator) or op.modality == "fourier":
        return "fourier"
    if op.modality == "radon":
        return "radon"
    raise UnsupportedOperator(f"no comparison method for a '{op.modality or type(op).__name__}' "
                              "operator; use a Fourier, multi-coil or Radon operator")


def data_scale(op: LinearOperator, y: torch.Tensor) -> torch.Tensor:
    """Per batch item, the peak magnitude of the warm start H y (1 where it is zero)."""
    peak = op.warm_start(y).abs().flatten(1).amax(1)
    return torch.where(peak > 0, peak, torch.ones_like(peak))


def reconstruct(op: LinearOperator, y: torch.Tensor, preset: str | None = None, *,
                progress: ProgressCallback | None = None, should_stop: StopCallback | None = None,
                normalise: bool = True, **overrides) -> BaselineResult:
    """Reconstruct `(B, H, W)` images from measurements `y` with the comparison method.

    `preset`: a name from `presets.preset` ('fourier', 'radon', 'multicoil', 'fourier-tv',
    'paper-fourier', …); None picks by operator type. Keyword `overrides` replace parameters
    (e.g. `max_iterations=100`, `shearlets=False`). `progress(iteration, total, info)` is called
    every iteration; returning False, or `should_stop()` returning True, cancels (the result
    then has `stopped_by='cancelled'`).
    """
    params = with_overrides(PRESETS[preset_name(op)] if preset is None else preset_by_name(preset), overrides)
    y = op.check_measurement(y)
    if should_stop is not None and should_stop():
        # cancelled before it began (e.g. the next reconstruction of a cancelled sweep): the
        # solver's set-up alone took 0.3–0.9 s at 128² (measured), so none of it is done
        return BaselineResult(image=op.warm_start(y), method="not run", iterations=0, stopped_by="cancelled",
                              params={"preset": preset or preset_name(op)})
    scale = data_scale(op, y) if normalise else torch.ones(y.shape[0], device=y.device)
    y_unit = y / scale.view((-1,) + (1,) * (y.dim() - 1)).to(y.real.dtype)
    if isinstance(params, L1WaveletParams):
        result = l1_wavelet(op, y_unit, params, progress=progress, should_stop=should_stop)
    else:               # any operator with an adjoint, multi-coil included, through the PCG step
        result = shearlet_tgv(op, y_unit, params, progress=progress, should_stop=should_stop)
    result.image = result.image * scale.view(-1, 1, 1).to(result.image.real.dtype)
    result.params["data_scale"] = [float(s) for s in scale]
    return result


__all__ = ["reconstruct", "BaselineResult", "ShearletTgvParams", "L1WaveletParams", "PRESETS", "PAPER",
           "preset", "preset_name", "data_scale", "shearlet_tgv", "l1_wavelet", "ShearletTransform",
           "WaveletTransform", "shearlet_filters", "filter_count", "gradient", "gradient_adjoint",
           "symmetric_gradient", "symmetric_gradient_adjoint", "ParameterError", "UnsupportedOperator"]
