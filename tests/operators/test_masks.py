"""Sampling masks: exact rates, reproducible under a seed, nested across rates."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from stabview.errors import MaskError, UnknownName
from stabview.operators import MASK_KINDS, MaskSpec, make_mask
from stabview.operators.masks import every_kth_angles_mask

KSPACE_KINDS = [k for k, (_, family, _) in MASK_KINDS.items() if family == "fourier"]
LINE_KINDS = ["gaussian-lines", "cartesian", "equispaced"]
SHAPES = {"gaussian-lines": (128, 96), "cartesian": (128, 96), "equispaced": (128, 96),
          "poisson-disc": (48, 48), "radial": (64, 80)}
rates = st.floats(min_value=0.05, max_value=1.0)
seeds = st.integers(min_value=0, max_value=10_000)


@pytest.mark.parametrize("kind", KSPACE_KINDS)
@settings(max_examples=15, deadline=None)
@given(rate=rates, seed=seeds)
def test_realised_rate_is_within_one_percent(kind, rate, seed):
    mask = make_mask(kind, SHAPES[kind], rate, seed=seed)
    assert mask.dtype == torch.bool and tuple(mask.shape) == SHAPES[kind]
    assert abs(mask.float().mean().item() - rate) <= 0.01


@pytest.mark.parametrize("kind", KSPACE_KINDS + ["golden-angles"])
@settings(max_examples=15, deadline=None)
@given(r1=rates, r2=rates, seed=seeds)
def test_lower_rate_is_a_subset_of_higher_rate(kind, r1, r2, seed):
    lo, hi = sorted((r1, r2))
    shape = SHAPES.get(kind, (1000,))
    small, big = make_mask(kind, shape, lo, seed=seed), make_mask(kind, shape, hi, seed=seed)
    assert torch.all(big[small])


@settings(max_examples=30, deadline=None)
@given(n=st.sampled_from([5, 10, 20, 25, 40, 50, 100, 125, 200, 250, 500]),
       factor=st.sampled_from([1, 2, 4, 5]), seed=seeds)
def test_uniform_angles_are_nested_along_divisor_chains(n, factor, seed):
    if n * factor > 1000:
        return
    small = make_mask("uniform-angles", (1000,), n / 1000, seed=seed)
    big = make_mask("uniform-angles", (1000,), n * factor / 1000, seed=seed)
    assert small.sum() == n and torch.all(big[small])


def test_uniform_fifty_of_thousand_is_every_twentieth_view():
    mask = make_mask("uniform-angles", (1000,), 0.05)
    assert torch.equal(mask, torch.from_numpy(every_kth_angles_mask(1000, 20)))


@pytest.mark.parametrize("kind", list(MASK_KINDS))
def test_same_seed_same_mask_other_seed_other_mask(kind):
    shape = SHAPES.get(kind, (1000,))
    a = make_mask(kind, shape, 0.3, seed=3)
    assert torch.equal(a, make_mask(kind, shape, 0.3, seed=3))
    if kind not in ("equispaced",):   # equispaced is determined by its centre block up to ties
        assert not torch.equal(a, make_mask(kind, shape, 0.3, seed=4))


@pytest.mark.parametrize("kind", LINE_KINDS)
def test_line_masks_are_full_lines_with_the_centre_sampled(kind):
    mask = make_mask(kind, (128, 64), 0.3).numpy()
    rows = mask.any(1)
    assert np.array_equal(mask, np.repeat(rows[:, None], 64, 1)), "a line is a full row of k-space"
    assert mask[64].all(), "the k-space centre line is sampled"


def test_equispaced_keeps_its_centre_block_and_spreads_the_rest():
    mask = make_mask("equispaced", (256, 256), 0.15).numpy().any(1)
    assert mask[128 - 14:128 + 14].all(), "28 centre lines"
    outside = np.flatnonzero(mask[:114])
    gaps = np.diff(outside)
    assert gaps.max() <= 2 * gaps.min() + 1


def test_variable_density_prefers_the_centre():
    masks = np.stack([make_mask("gaussian-lines", (128, 8), 0.25, seed=s).numpy()[:, 0] for s in range(50)])
    freq = masks.mean(0)
    assert freq[48:80].mean() > 2 * np.r_[freq[:16], freq[-16:]].mean()


def test_poisson_disc_has_a_calibration_block_and_spacing():
    mask = make_mask("poisson-disc", (64, 64), 0.3, calibration=8).numpy()
    assert mask[28:36, 28:36].all()
    edge = mask[:16, :16]
    assert edge.sum() < mask[24:40, 24:40].sum(), "denser near the centre"


def test_mask_spec_round_trips_and_rejects_bad_requests():
    spec = MaskSpec("equispaced", 0.2, seed=2, options={"centre_lines": 10})
    assert MaskSpec.from_dict(spec.to_dict()) == spec
    assert spec.at_rate(0.4).rate == 0.4 and spec.at_rate(0.4).options == {"centre_lines": 10}
    for bad in (0, -0.1, 1.5, float("nan")):
        with pytest.raises(MaskError, match="rate"):
            MaskSpec("cartesian", bad)
    with pytest.raises(UnknownName, match="unknown mask kind 'spiral'"):
        MaskSpec("spiral", 0.3)
    with pytest.raises(MaskError, match="option"):
        make_mask("radial", (16, 16), 0.3, centre_lines=4)
    with pytest.raises(MaskError):
        make_mask("uniform-angles", (16, 16), 0.3)
