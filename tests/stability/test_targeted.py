"""Targeted attacks: a faithful linear map cannot be made to show a null-space lesion; an inventing one can."""

import pytest
import torch

from stabview.data import load_image_or_builtin
from stabview.operators import FourierOperator
from stabview.stability.details import Detail
from stabview.stability.nullspace import NullSpaceProjector
from stabview.stability.targeted import TargetSettings, TargetedSearch, correlation, run_targeted

N = 48


def _low_rows_operator() -> FourierOperator:
    """Rows |k| ≤ 11 of 48 (a low-resolution scan); symmetric under k → −k, so P_N keeps real images real."""
    mask = torch.zeros(N, N, dtype=torch.bool)
    mask[N // 2 - 11:N // 2 + 12] = True
    return FourierOperator(mask)


def _zero_filled(y, op):
    return op.adjoint(y)


class Inventor(torch.nn.Module):
    """f(y) = A*y + G·P_N(s ⊙ A*y), s = (−1)^row: copies measured content, amplified, into the unmeasured band."""

    def __init__(self, op, gain: float = 20.0):
        super().__init__()
        rows = torch.arange(N).view(-1, 1).expand(N, N)
        self.register_buffer("sign", 1.0 - 2.0 * (rows % 2).float())
        self.gain = torch.nn.Parameter(torch.tensor(gain))
        self.projector = NullSpaceProjector(op)

    def forward(self, y, op):
        z = op.adjoint(y)
        return z + self.gain * self.projector.null_part(self.sign * z).to(z.dtype)


def _image() -> torch.Tensor:
    """A 32² brain slice in the lower right of a dark 48² field (the top left stays empty)."""
    x = torch.zeros(1, N, N)
    x[0, N - 32:, N - 32:] = load_image_or_builtin("brain", (32, 32))
    return x


@pytest.fixture(scope="module")
def setting():
    op = _low_rows_operator()
    x = _image()
    # a heart with a fine row pattern (|d| is the heart), placed where the image is dark, and
    # projected so that all its energy lies in the null space
    heart = Detail("symbol", "heart", (8.0, 8.0), 12, 0.5).render((N, N))
    rows = torch.arange(N).view(-1, 1)
    pattern = heart * (1.0 - 2.0 * (rows % 2).float())
    d = NullSpaceProjector(op).null_part(pattern[None].to(torch.complex64))[0]
    assert float(d.imag.abs().max()) < 1e-6 and float(d.norm() / pattern.norm()) > 0.8
    assert float(x[0, :16, :16].abs().max()) == 0     # the heart's place is dark in x
    return op, x, d.real.contiguous()


def test_the_zero_filled_map_cannot_show_a_null_space_detail(setting):
    op, x, d = setting
    outcome = run_targeted(_zero_filled, op, x, d, TargetSettings("add", budget=0.02, iterations=60))
    n = outcome.numbers
    # f(A(x + r)) − f(Ax) = P_R r is orthogonal to d, so the misfit never falls below ‖d‖
    assert n["target_residual_rel"] >= 1 - 1e-4
    assert n["verdicts"]["network"] == "lost" and not n["target_reached"]
    assert n["perturbation_rel"] <= 0.02 * (1 + 1e-5)


def test_a_network_that_invents_null_space_content_shows_the_detail_for_a_small_unlike_r(setting):
    op, x, d = setting
    outcome = run_targeted(Inventor(op), op, x, d, TargetSettings("add", budget=0.02, iterations=60),
                           baseline=_zero_filled)
    n = outcome.numbers
    assert n["verdicts"]["network"] == "recovered" and n["target_reached"]
    assert n["target_residual_rel"] < 0.2
    assert n["perturbation_rel"] <= 0.02 * (1 + 1e-5)
    assert n["r_over_d"] < 0.2                      # r is far smaller than the detail …
    assert abs(n["r_d_correlation"]) < 0.2          # … and unlike it
    assert n["verdicts"]["baseline"] == "lost"      # the same r does not put it into the faithful map
    assert n["along_d"]["target_residual_rel"] > 0.99   # nor does r ∝ d put it into this network


def test_the_zero_filled_map_keeps_a_measured_detail_that_the_budget_cannot_cancel():
    op = _low_rows_operator()
    x = _image()
    d = Detail("symbol", "heart", (32.0, 32.0), 16, 0.5).render((N, N))
    d = NullSpaceProjector(op).range_part(d[None].to(torch.complex64))[0].real.contiguous()
    budget = 0.02
    outcome = run_targeted(_zero_filled, op, x, d, TargetSettings("remove", budget=budget, iterations=40))
    n = outcome.numbers
    # removing d needs P_R r = −d, so ‖f(A(x+d+r)) − f(Ax)‖ ≥ ‖d‖ − ‖r‖
    floor = 1 - budget * float(x.norm()) / float(d.norm())
    assert n["target_residual_rel"] >= floor - 1e-4
    assert n["measures_without_r"]["network"]["verdict"] == "recovered"
    assert n["verdicts"]["network"] != "lost" and not n["target_reached"]


def test_the_search_is_deterministic_stays_in_the_ball_and_can_be_cancelled(setting):
    op, x, d = setting
    settings = TargetSettings("add", budget=0.01, iterations=8, seed=3)
    a = run_targeted(Inventor(op), op, x, d, settings)
    b = run_targeted(Inventor(op), op, x, d, settings)
    assert torch.equal(a.images["r"], b.images["r"])
    assert all(h.perturbation_rel <= 0.01 * (1 + 1e-5) for h in a.history)
    seen = []
    c = run_targeted(Inventor(op), op, x, d, settings, progress=lambda s, t: seen.append(s.iteration),
                     should_stop=lambda: len(seen) >= 3)
    assert seen == [1, 2, 3] and c.numbers["stopped_by"] == "cancelled" and c.numbers["iterations_run"] == 3


def test_a_stalled_search_stops_before_its_iterations(setting):
    op, x, d = setting
    search = TargetedSearch(_zero_filled, op, x, d, TargetSettings("add", iterations=500, stall_window=5))
    states = list(search.run())
    assert len(states) < 500 and search.stopped_by in ("stall", "step")


def test_correlation_is_one_for_a_multiple_and_zero_for_an_orthogonal_image():
    d = torch.zeros(4, 4)
    d[0, 0] = 1.0
    other = torch.zeros(4, 4)
    other[1, 1] = 2.0
    assert correlation(3 * d, d) == pytest.approx(1.0)
    assert correlation(other, d) == 0.0


def test_bad_settings_and_details_are_refused(setting):
    op, x, d = setting
    with pytest.raises(Exception, match="add"):
        TargetSettings("insert")
    with pytest.raises(Exception, match="budget"):
        TargetSettings(budget=0)
    with pytest.raises(Exception, match="empty"):
        TargetedSearch(_zero_filled, op, x, torch.zeros(N, N))
    with pytest.raises(Exception, match="real"):
        TargetedSearch(_zero_filled, op, x, torch.zeros(8, 8))
