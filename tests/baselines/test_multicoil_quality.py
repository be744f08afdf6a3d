"""15-coil MRI, ℓ1-wavelet BPDN (δ = 1% of ‖y‖): what it reaches, and the issue's targets it misses.

At 128² the "15% with 28 centre lines" pattern is impossible (15% is 19 lines), so the centre
block is scaled down proportionally: 10 centre lines + equispaced lines, 14.8%. The reference
is the coil-combined zero-filled image A*y (Σ|S_j|² = 1), as `stabview baseline` reports it.

With the default maps (ring at 1.5 × the FOV radius) neither target is met. A close array with
steep profiles (ring 1.05, falloff 3) meets the PSNR target, but the change under noise stays
above 3% for every array measured: with ‖e‖ = δ the constraint has to move by its own radius,
and how the ℓ1 solution does so does not depend on the maps (docs/baselines.md, "Parallel MRI").
"""

import pytest

from stabview.baselines import reconstruct
from stabview.operators import MaskSpec, MultiCoilOperator, birdcage_maps
from stabview.stability.metrics import psnr, rel_l2

from .conftest import noisy_copies

SHAPE = (128, 128)
ARRAYS = {"default": None, "close": dict(ring_radius=1.05, falloff=3.0)}


def _measure(x, maps):
    op = MultiCoilOperator.from_spec(SHAPE, MaskSpec("equispaced", 0.15, options={"centre_lines": 10}), maps)
    y = op.forward(x)
    clean = reconstruct(op, y)
    noisy = reconstruct(op, noisy_copies(y, range(10))).image
    changes = rel_l2(noisy, clean.image.expand_as(noisy))
    numbers = {"zero_filled": psnr(op.adjoint(y)[0], x[0]), "baseline": psnr(clean.image[0], x[0]),
               "change": float(changes.max()), "iterations": clean.iterations}
    print(numbers)
    return numbers


@pytest.fixture(scope="module")
def outcomes(sample):
    x = sample("brain")
    return {name: _measure(x, None if kw is None else birdcage_maps(SHAPE, 15, **kw))
            for name, kw in ARRAYS.items()}


def test_improves_on_the_coil_combined_zero_filled_image_and_stays_stable(outcomes):
    default = outcomes["default"]
    assert default["baseline"] >= default["zero_filled"] + 1.5
    assert default["change"] <= 0.04


def test_close_array_reaches_the_psnr_target(outcomes):
    close = outcomes["close"]
    assert close["baseline"] >= close["zero_filled"] + 3
    assert close["change"] <= 0.04


@pytest.mark.xfail(strict=True, reason="issue target not reached: default maps +1.7 dB over "
                                       "zero-filled (target +3) and 3.6% change under 1% noise "
                                       "(target 3%); no measured ℓ1-wavelet variant reaches both, "
                                       "see docs")
def test_issue_targets(outcomes):
    default = outcomes["default"]
    assert default["baseline"] >= default["zero_filled"] + 3
    assert default["change"] <= 0.03


@pytest.mark.xfail(strict=True, reason="issue target not reached with close coils either: +3.3 dB "
                                       "but 3.5% change under 1% noise (target 3%), see docs")
def test_issue_targets_with_close_array(outcomes):
    close = outcomes["close"]
    assert close["baseline"] >= close["zero_filled"] + 3
    assert close["change"] <= 0.03
