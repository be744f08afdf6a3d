"""The linearised gain: power iteration reaches the known top singular value of linear networks,
and bounds what the attack achieves on a nonlinear one."""

import pytest
import torch

from stabview.operators import FourierOperator, MaskSpec
from stabview.stability.params import AttackParams
from stabview.stability.perturbation import PerturbationSearch
from stabview.stability.sensitivity import linear_gain

from .small_networks import ResidualCNN


class PixelScaling(torch.nn.Module):
    """f(y) = D ⊙ A*y: with full sampling J = D, so σ = max |D| exactly."""

    def __init__(self, scale: torch.Tensor):
        super().__init__()
        self.scale = torch.nn.Parameter(scale)

    def forward(self, y, op):
        return self.scale * op.adjoint(y)


def full_fourier(shape=(32, 32)):
    return FourierOperator.from_spec(shape, MaskSpec("cartesian", 1.0))


def test_power_iteration_finds_the_top_singular_value_of_a_linear_network():
    torch.manual_seed(0)
    scale = 1 + torch.rand(32, 32)
    scale[5, 7] = 9.0
    x = torch.rand(2, 32, 32)
    result = linear_gain(PixelScaling(scale), full_fourier(), x, iterations=200, tol=1e-7)
    assert result.converged
    assert result.sigma == pytest.approx([9.0, 9.0], rel=1e-4)
    # the gain is relative: σ‖x‖/‖Dx‖
    expected = [float(9.0 * x[b].norm() / (scale * x[b]).norm()) for b in range(2)]
    assert result.gain == pytest.approx(expected, rel=1e-4)
    top = result.direction[0].abs()
    assert top[5, 7] == pytest.approx(1.0, abs=1e-3)          # the singular vector is that pixel


def test_a_faithful_reconstruction_has_gain_one():
    x = torch.rand(1, 32, 32)
    result = linear_gain(PixelScaling(torch.ones(32, 32)), full_fourier(), x, iterations=5)
    assert result.converged and result.gain == pytest.approx([1.0], rel=1e-4)


def test_the_attack_stays_below_the_linearised_ceiling_for_tiny_perturbations():
    torch.manual_seed(0)
    op = FourierOperator.from_spec((32, 32), MaskSpec("cartesian", 0.5, 0))
    net, x = ResidualCNN(), torch.rand(1, 32, 32)
    ceiling = linear_gain(net, op, x, iterations=100, tol=1e-5)
    search = PerturbationSearch(net, op, x, AttackParams(mode="paper", lam=0, lr=1e-3, momentum=0.9, init_scale=1e-4))
    for _ in range(5):
        state = search.step()
    achieved = state.network_change_rel / state.perturbation_rel
    assert 0 < achieved <= ceiling.gain[0] * 1.05


def test_should_stop_ends_early_unconverged():
    x = torch.rand(1, 32, 32)
    scale = 1 + torch.rand(32, 32)
    calls = []
    result = linear_gain(PixelScaling(scale), full_fourier(), x, iterations=50, tol=0,
                         should_stop=lambda: len(calls) >= 3, progress=lambda *a: calls.append(a))
    assert result.iterations == 3 and not result.converged
    assert [c[0] for c in calls] == [1, 2, 3] and calls[-1][2] == result.gain
