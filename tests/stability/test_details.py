"""Test 2: detail rendering and the recovered / blurred / lost verdict."""

import pytest
import torch

from stabview.errors import StabviewError
from stabview.operators import FourierOperator, MaskSpec
from stabview.stability.details import (DEFAULT_TEXT, SYMBOLS, Detail, measure_detail, render_glyphs,
                                        structural_test, verdict)


def test_each_symbol_renders_distinctly_where_asked():
    shapes = {}
    for name in SYMBOLS:
        d = Detail("symbol", name, (20, 40), 16, intensity=0.4).render((64, 64))
        assert d.shape == (64, 64) and float(d.max()) == pytest.approx(0.4, abs=0.01)
        rows, cols = torch.nonzero(d > 0.2, as_tuple=True)
        assert abs(rows.float().mean() - 20) < 3 and abs(cols.float().mean() - 40) < 3
        assert 8 <= int(rows.max() - rows.min()) <= 18
        shapes[name] = d > 0.2
    names = list(shapes)
    for a in range(4):
        for b in range(a + 1, 4):
            assert (shapes[names[a]] ^ shapes[names[b]]).sum() > 10


def test_text_renders_and_round_trips():
    detail = Detail("text", DEFAULT_TEXT, (32, 64), 10)
    d = detail.render((64, 128))
    cols = torch.nonzero(d > 0.2, as_tuple=True)[1]
    assert int(cols.max() - cols.min()) > 50, "text is wider than tall"
    assert Detail.from_dict(detail.to_dict()) == detail


def test_bad_details_are_refused():
    with pytest.raises(StabviewError, match="unknown symbol"):
        Detail("symbol", "star", (5, 5), 8).render((16, 16))
    with pytest.raises(StabviewError, match="size"):
        render_glyphs("A", (16, 16), (8, 8), 1)
    with pytest.raises(StabviewError, match="empty"):
        measure_detail(torch.zeros(8, 8), torch.zeros(8, 8), torch.zeros(8, 8))


def test_verdicts_follow_the_documented_thresholds():
    d = Detail("symbol", "heart", (16, 16), 14, 0.5).render((32, 32))
    base = torch.rand(32, 32) * 0.2
    perfect = measure_detail(base + d, base, d)
    assert perfect.correlation == pytest.approx(1.0) and perfect.contrast == pytest.approx(1.0)
    assert perfect.verdict == "recovered"
    blurred_d = torch.nn.functional.avg_pool2d(d[None, None], 5, 1, 2)[0, 0] * 0.6
    assert measure_detail(base + blurred_d, base, d).verdict == "blurred"
    assert measure_detail(base, base, d).verdict == "lost"
    assert verdict(0.69, 0.9) == "blurred" and verdict(0.9, 0.19) == "lost"


def test_full_sampling_recovers_and_heavy_undersampling_does_not():
    x = torch.rand(1, 64, 64) * 0.3
    d = Detail("symbol", "diamond", (30, 30), 10, 0.6).render((64, 64))
    zero_filled = {"zero-filled": lambda y, op: op.warm_start(y)}
    full = FourierOperator(torch.ones(64, 64, dtype=torch.bool))
    assert structural_test(zero_filled, full, x, d)["zero-filled"]["measure"].verdict == "recovered"
    sparse = FourierOperator.from_spec((64, 64), MaskSpec("cartesian", 0.08, options={"centre_lines": 4}))
    measure = structural_test(zero_filled, sparse, x, d)["zero-filled"]["measure"]
    assert measure.verdict != "recovered"
