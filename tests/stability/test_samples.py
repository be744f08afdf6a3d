"""Test 3: the more-samples sweep over nested masks."""

import numpy as np
import pytest
import torch

from stabview.errors import StabviewError
from stabview.operators import FourierOperator, MaskSpec
from stabview.stability.samples import FixedSampling, run_sweep, sweep


@pytest.fixture
def setup():
    g = torch.Generator().manual_seed(0)
    images = torch.rand(3, 32, 32, generator=g)
    op = FourierOperator.from_spec((32, 32), MaskSpec("cartesian", 0.3))
    return images, op


def test_zero_filled_psnr_rises_with_the_rate(setup):
    images, op = setup
    calls = []
    result = run_sweep({"zero-filled": lambda y, o: o.warm_start(y)}, op, images, [0.5, 0.2, 1.0],
                       trained_rate=0.3, progress=lambda d, t: calls.append((d, t)))
    assert result.rates == [0.2, 0.5, 1.0]
    psnr = result.psnr["zero-filled"]
    assert psnr.shape == (3, 3) and np.all(np.diff(psnr.mean(1)) > 0)
    assert (psnr[-1] > 100).all(), "full sampling is exact up to float32 rounding"
    assert calls[-1] == (9, 9)
    summary = result.summary()
    assert summary["trained_rate"] == 0.3 and len(summary["zero-filled"]["ssim_mean"]) == 3


def test_each_rate_uses_a_nested_mask_of_the_same_kind(setup):
    images, op = setup
    masks = []

    def spy(y, o):
        masks.append(o.mask.clone())
        assert o.spec.kind == "cartesian"
        return o.warm_start(y)

    run_sweep({"spy": spy}, op, images[:1], [0.2, 0.4, 0.6])
    assert torch.all(masks[1][masks[0]]) and torch.all(masks[2][masks[1]])


def test_cancel_and_refusals(setup):
    images, op = setup
    stop_after = iter(range(100))
    result = run_sweep({"zf": lambda y, o: o.warm_start(y)}, op, images, [0.2, 0.4],
                       should_stop=lambda: next(stop_after) >= 1)
    assert np.isnan(result.psnr["zf"]).sum() == 4, "stopped after two of six"
    with pytest.raises(FixedSampling, match="AUTOMAP"):
        next(sweep({"zf": None}, op, images, [0.2], accepts_other_rates=False, network_name="AUTOMAP"))
    with pytest.raises(StabviewError, match="rates"):
        run_sweep({"zf": None}, op, images, [0.0, 0.5])
    raw = FourierOperator(op.mask)
    with pytest.raises(StabviewError, match="MaskSpec"):
        run_sweep({"zf": None}, raw, images, [0.5])
