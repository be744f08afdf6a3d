"""Test 1, the worst-case perturbation search (Algorithms 1 and 2)."""

import pytest
import torch

from stabview.errors import StabviewError
from stabview.operators import FourierOperator, MaskSpec, MultiCoilOperator
from stabview.stability.params import AttackParams, BadParameter, paper_preset
from stabview.stability.perturbation import PerturbationSearch
from stabview.stability.validation import NetworkOutputError

from .small_networks import BrokenNetwork, ResidualCNN

SHAPE = (32, 32)


@pytest.fixture
def setup():
    torch.manual_seed(0)
    op = FourierOperator.from_spec(SHAPE, MaskSpec("cartesian", 0.3))
    x = torch.rand(1, *SHAPE)
    return ResidualCNN(), op, x


def autograd_direction(net, op, x, r, params, target):
    """∇_r Q by autograd through the whole graph, Q = ½‖f(y + A r) − p‖² − λ/2‖r‖²."""
    r = r.clone().requires_grad_(True)
    y = op.forward(x)
    out = net(y + op.forward(r), op)
    q = 0.5 * (out - target).abs().pow(2).sum() - 0.5 * params.lam * r.abs().pow(2).sum()
    (grad,) = torch.autograd.grad(q, r)
    return grad


@pytest.mark.parametrize("complex_r", [False, True])
def test_adjoint_gradient_path_equals_autograd(setup, complex_r):
    net, op, x = setup
    params = AttackParams(mode="paper", lam=0.05, complex_perturbation=complex_r, init_scale=0.1)
    search = PerturbationSearch(net, op, x, params)
    _, _, direction = search._evaluate(search.r)
    expected = autograd_direction(net, op, search.x, search.r, params, search.clean)
    assert torch.allclose(direction, expected, rtol=1e-4, atol=1e-5)


def test_multicoil_gradient_equals_autograd():
    torch.manual_seed(1)
    op = MultiCoilOperator.from_spec(SHAPE, MaskSpec("equispaced", 0.3, options={"centre_lines": 4}), n_coils=4)
    net, x = ResidualCNN(), torch.rand(1, *SHAPE)
    params = AttackParams(mode="paper", lam=0.1, init_scale=0.1)
    search = PerturbationSearch(net, op, x, params)
    _, _, direction = search._evaluate(search.r)
    expected = autograd_direction(net, op, search.x, search.r, params, search.clean)
    assert torch.allclose(direction, expected, rtol=1e-4, atol=1e-5)


def test_ascent_increases_the_network_change(setup):
    net, op, x = setup
    search = PerturbationSearch(net, op, x, AttackParams(mode="paper", lam=0.01, lr=0.01, init_scale=0.01))
    states = list(search.run(15))
    assert [s.iteration for s in states] == list(range(15))
    assert states[-1].objective > states[0].objective
    assert states[-1].network_change_rel > 2 * states[0].network_change_rel
    assert states[-1].perturbation_rel > 0


def test_initial_perturbation_is_tau_times_uniform(setup):
    net, op, x = setup
    search = PerturbationSearch(net, op, x, AttackParams(mode="paper", init_scale=0.25, seed=3))
    assert search.r.min() >= 0 and search.r.max() <= 0.25
    assert 0.1 < float(search.r.mean()) < 0.15, "non-zero mean, as in the paper"
    assert torch.equal(search.v, torch.zeros_like(search.r))


def test_same_seed_same_trajectory_and_pause_resume_changes_nothing(setup):
    net, op, x = setup
    params = AttackParams(mode="paper", lam=0.01, seed=5)
    straight = PerturbationSearch(net, op, x, params)
    list(straight.run(8))
    paused = PerturbationSearch(net, op, x, params)
    list(paused.run(3))
    list(paused.run(5))
    assert torch.equal(straight.r, paused.r)
    assert [s.objective for s in straight.history] == [s.objective for s in paused.history]
    other = PerturbationSearch(net, op, x, params.with_(seed=6))
    list(other.run(8))
    assert not torch.equal(other.r, straight.r)


def test_snapshots_are_kept_at_the_chosen_iterations(setup):
    net, op, x = setup
    search = PerturbationSearch(net, op, x, AttackParams(mode="paper", lam=0.01), snapshot_at=(2, 5))
    list(search.run(7))
    manual = search.snapshot()
    assert [s.iteration for s in search.snapshots] == [2, 5, 6]     # the last evaluated r is reported
    assert search.snapshots[0].perturbation_rel < search.snapshots[1].perturbation_rel < manual.perturbation_rel
    assert manual.perturbation_rel == search.history[-1].perturbation_rel
    assert search.snapshots[0].r is not search.r


def test_budgeted_mode_keeps_r_inside_the_ball_and_reports_its_best(setup):
    net, op, x = setup
    search = PerturbationSearch(net, op, x, AttackParams(budget=0.02))
    states = list(search.run(10))
    assert all(s.perturbation_rel <= 0.02 + 1e-6 for s in states)
    assert search.result_state.network_change_rel == max(s.network_change_rel for s in states)
    assert search.result_state.network_change_rel > states[0].network_change_rel


def test_region_of_interest_confines_r(setup):
    net, op, x = setup
    roi = torch.zeros(SHAPE, dtype=torch.bool)
    roi[8:16, 8:16] = True
    for params in (AttackParams(mode="paper", lam=0.01), AttackParams()):
        search = PerturbationSearch(net, op, x, params, roi=roi)
        list(search.run(4))
        assert torch.all(search.r[:, ~roi] == 0) and torch.any(search.r[:, roi] != 0)
    with pytest.raises(StabviewError, match="empty"):
        PerturbationSearch(net, op, x, roi=torch.zeros(SHAPE, dtype=torch.bool))


def test_measurement_domain_stays_on_the_mask_and_has_an_image_equivalent(setup):
    net, op, x = setup
    search = PerturbationSearch(net, op, x, AttackParams(mode="paper", domain="measurement", lam=0.01))
    list(search.run(4))
    assert search.r.shape == search.y.shape and search.r.is_complex()
    assert torch.all(search.r[:, ~op.mask] == 0)
    image_r = search.image_perturbation()
    assert torch.allclose(op.forward(image_r), search.result_r, atol=1e-5)
    budgeted = PerturbationSearch(net, op, x, AttackParams(domain="measurement", budget=0.05))
    states = list(budgeted.run(4))
    assert torch.all(budgeted.r[:, ~op.mask] == 0)
    assert all(s.perturbation_rel <= 0.05 + 1e-6 for s in states)       # ‖e‖ ≤ ε‖y‖


def test_nesterov_also_ascends(setup):
    net, op, x = setup
    search = PerturbationSearch(net, op, x, AttackParams(mode="paper", method="nesterov", lam=0.01))
    states = list(search.run(10))
    assert states[-1].objective > states[0].objective


def test_weights_are_frozen_during_and_restored_after(setup):
    net, op, x = setup
    search = PerturbationSearch(net, op, x)
    seen = []
    net.register_forward_hook(lambda m, i, o: seen.append(any(p.requires_grad for p in m.parameters())))
    search.step()
    assert seen and not any(seen)
    assert all(p.requires_grad for p in net.parameters()) and net.training


def test_should_stop_ends_the_run_early(setup):
    net, op, x = setup
    search = PerturbationSearch(net, op, x)
    states = list(search.run(100, should_stop=lambda: search.iteration >= 3))
    assert len(states) == 3


@pytest.mark.parametrize("mode,match", [("nan", "NaN"), ("shape", "shape")])
def test_garbage_from_the_network_is_a_clear_error(setup, mode, match):
    _, op, x = setup
    with pytest.raises(NetworkOutputError, match=match):
        PerturbationSearch(BrokenNetwork(mode), op, x)


def test_parameters_are_validated():
    with pytest.raises(BadParameter, match="momentum"):
        AttackParams(momentum=1.5)
    with pytest.raises(BadParameter, match="lr"):
        AttackParams(lr=0)
    with pytest.raises(BadParameter, match="target"):
        AttackParams(target="y")
    with pytest.raises(BadParameter, match="unknown"):
        AttackParams().with_(gamma=0.9)
    with pytest.raises(BadParameter, match="budget"):
        AttackParams(budget=0)
    with pytest.raises(BadParameter, match="mode"):
        AttackParams(mode="fast")
    with pytest.raises(StabviewError, match="FBP"):
        PerturbationSearch(ResidualCNN(), FourierOperator(torch.ones(8, 8, dtype=torch.bool)),
                           torch.rand(1, 8, 8), AttackParams(gradient="fbp"))
    assert paper_preset("deepmri").lam == 0.001 and paper_preset("med50").lam == 20
    assert AttackParams.from_dict(paper_preset("mrivn").to_dict()) == paper_preset("mrivn")
