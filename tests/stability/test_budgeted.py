"""The default test 1 search: budgeted, started from the ceiling and random points, every start
screened and only the leader run on, a single budget searched directly and by continuation, budget
curves; and the paper's search, which now stops and says so when it diverges."""

import numpy as np
import pytest
import torch

from stabview.errors import NetworkOutputError
from stabview.operators import FourierOperator, MaskSpec
from stabview.stability.attack import run_attack
from stabview.stability.params import AttackParams
from stabview.stability.perturbation import PerturbationSearch
from stabview.stability.worst_case import search_worst_case

from .small_networks import ResidualCNN

SHAPE = (16, 16)


class LinearNetwork(torch.nn.Module):
    """f(y) = D ⊙ A*y with a fixed random complex D that amplifies one pixel 6×, as a network
    that over-reacts in one place would: linear, so its worst case is an SVD away."""

    def __init__(self, seed: int = 0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        scale = torch.complex(1 + torch.rand(SHAPE, generator=g), torch.rand(SHAPE, generator=g))
        scale[6, 7] *= 6
        self.scale = torch.nn.Parameter(scale)

    def forward(self, y, op):
        return self.scale * op.adjoint(y)


def jacobian(net, op) -> np.ndarray:
    """The real matrix of r ↦ f(A r) (real r, complex output as real and imaginary rows)."""
    n = SHAPE[0] * SHAPE[1]
    basis = torch.eye(n, dtype=torch.float32).reshape(n, *SHAPE)
    with torch.no_grad():
        out = net(op.forward(basis.to(torch.complex64)), op).reshape(n, -1)
    return torch.cat([out.real, out.imag], 1).double().numpy().T


@pytest.fixture
def linear():
    op = FourierOperator.from_spec(SHAPE, MaskSpec("cartesian", 0.5, seed=0))
    net = LinearNetwork()
    x = torch.rand(1, *SHAPE, generator=torch.Generator().manual_seed(2))
    return net, op, x


def test_the_default_search_finds_the_known_worst_direction_of_a_linear_network(linear):
    net, op, x = linear
    u, s, vt = np.linalg.svd(jacobian(net, op))
    v1, sigma1 = vt[0].reshape(SHAPE), s[0]
    outcome = run_attack(net, op, x, AttackParams(), 100)
    r = outcome.snapshots[-1]["r"].real.double().numpy()
    cosine = abs(float((r * v1).sum())) / np.linalg.norm(r)
    assert cosine >= 0.99
    with torch.no_grad():
        clean = net(op.forward(x), op)
    exact_gain = sigma1 * float(x.norm()) / float(clean.norm())
    n = outcome.numbers
    assert n["achieved_gain"] == pytest.approx(exact_gain, rel=0.01)
    assert n["perturbation_rel"] == pytest.approx(0.02, rel=1e-4)          # on the ball's surface
    assert n["adequacy"] == pytest.approx(1.0, abs=0.02) and not n["adequacy_warning"]
    starts = [(s["start"], s["budget"]) for s in n["restarts"]]
    randoms = [f"random (seed {k})" for k in range(5)]
    assert starts[:6] == [("ceiling", 0.02)] + [(name, 0.02) for name in randoms]     # directly at ε
    assert [s for s, _ in starts[6:11]] == randoms                                    # from ε/4 ...
    assert [b for _, b in starts[6:11]] == pytest.approx([0.005] * 5)
    assert starts[11:] == [("continued from 0.005", 0.02)]                            # ... grown to ε


def test_a_random_start_alone_reaches_the_worst_direction_too(linear):
    net, op, x = linear
    outcome = run_attack(net, op, x, AttackParams(), 300, gain_iterations=0, restarts=1)
    _, s, _ = np.linalg.svd(jacobian(net, op))
    with torch.no_grad():
        clean = net(op.forward(x), op)
    exact_gain = s[0] * float(x.norm()) / float(clean.norm())
    assert outcome.numbers["achieved_gain"] == pytest.approx(exact_gain, rel=0.02)
    assert "linear_gain" not in outcome.numbers


def test_every_reported_number_is_of_a_recorded_state():
    op = FourierOperator.from_spec((32, 32), MaskSpec("cartesian", 0.3))
    x = torch.rand(1, 32, 32, generator=torch.Generator().manual_seed(0))
    outcome = run_attack(ResidualCNN(), op, x, AttackParams(), 15, restarts=1, gain_iterations=0)
    best = max(outcome.history, key=lambda h: h["objective"])
    assert outcome.numbers["network_change_rel"] == pytest.approx(best["network_change_rel"], rel=1e-5)
    assert outcome.numbers["perturbation_rel"] == pytest.approx(best["perturbation_rel"], rel=1e-5)


def test_budget_curves_continue_from_budget_to_budget():
    op = FourierOperator.from_spec((32, 32), MaskSpec("cartesian", 0.3))
    x = torch.rand(1, 32, 32, generator=torch.Generator().manual_seed(0))
    budgets = [0.005, 0.01, 0.02]
    outcome = run_attack(ResidualCNN(), op, x, AttackParams(), 20, budgets=budgets, restarts=2,
                         baseline=lambda y, op: op.warm_start(y), gain_iterations=10, noise_draws=3)
    curve = outcome.curve
    assert [p["budget"] for p in curve] == budgets
    assert [p["perturbation_rel"] for p in curve] == pytest.approx(budgets, rel=1e-4)
    changes = [p["network_change_rel"] for p in curve]
    assert changes == sorted(changes)
    for p in curve:
        assert p["network_change_rel_random"] <= p["network_change_rel_random_max"] < p["network_change_rel"]
        assert p["change_ratio"] == pytest.approx(p["network_change_rel"] / p["baseline_change_rel"])
    starts = [s["start"] for s in outcome.numbers["restarts"]]
    assert starts[:3] == ["ceiling", "random (seed 0)", "random (seed 1)"]
    assert starts[3:] == ["continued from 0.005", "continued from 0.01"]
    assert [s["label"] for s in outcome.snapshots] == ["ε = 0.005", "ε = 0.01", "ε = 0.02"]


def _small_case():
    op = FourierOperator.from_spec((32, 32), MaskSpec("cartesian", 0.3))
    return ResidualCNN(), op, torch.rand(1, 32, 32, generator=torch.Generator().manual_seed(0))


def test_every_start_is_screened_and_only_the_leader_runs_on():
    net, op, x = _small_case()
    found = search_worst_case(net, op, x, AttackParams(), 20, restarts=4, screen_steps=3, continuation=(),
                              ceiling_iterations=0)
    # each start alone, for the screening's 3 steps: the one with the highest objective leads
    after_three = []
    for seed in range(4):
        alone = PerturbationSearch(net, op, x, AttackParams(seed=seed))
        list(alone.run(3))
        after_three.append(alone.result_state.objective)
    leader = int(np.argmax(after_three))
    records = found.starts
    assert [r.start for r in records] == [f"random (seed {k})" for k in range(4)]
    assert [r.stopped_by == "screened" for r in records] == [k != leader for k in range(4)]
    assert all(r.iterations == 3 for k, r in enumerate(records) if k != leader)
    assert records[leader].iterations > 3
    assert found.best.params.seed == leader and found.best.result_state.objective >= max(after_three)


def test_the_ceilings_start_always_runs_on_beside_the_leading_random_start():
    net, op, x = _small_case()
    found = search_worst_case(net, op, x, AttackParams(), 12, restarts=3, screen_steps=2, continuation=(),
                              ceiling_iterations=5)
    records = found.starts
    assert [r.start for r in records] == ["ceiling"] + [f"random (seed {k})" for k in range(3)]
    assert records[0].stopped_by != "screened" and records[0].iterations > 2
    assert sum(r.stopped_by != "screened" for r in records[1:]) == 1


def test_without_screening_every_start_runs_to_its_end():
    net, op, x = _small_case()
    found = search_worst_case(net, op, x, AttackParams(), 12, restarts=3, screen_steps=0, continuation=(),
                              ceiling_iterations=0)
    assert [r.stopped_by for r in found.starts] == ["iterations"] * 3
    assert [r.iterations for r in found.starts] == [12] * 3


def test_a_single_budget_is_searched_directly_and_by_continuation_and_the_higher_is_reported():
    net, op, x = _small_case()
    found = search_worst_case(net, op, x, AttackParams(budget=0.02), 15, restarts=2, screen_steps=2,
                              continuation=(0.25, 0.5), ceiling_iterations=0)
    records = [(r.start, r.budget) for r in found.starts]
    assert [s for s, _ in records] == ["random (seed 0)", "random (seed 1)"] * 2 + [
        "continued from 0.005", "continued from 0.01"]
    assert [b for _, b in records] == pytest.approx([0.02, 0.02, 0.005, 0.005, 0.01, 0.02])
    ends = [r for r in found.starts if r.budget == pytest.approx(0.02) and r.stopped_by != "screened"]
    assert len(ends) == 2 and len(found.searches) == 1
    reported = found.best.result_state
    assert reported.network_change_rel == max(r.network_change_rel for r in ends)
    assert reported.perturbation_rel == pytest.approx(0.02, rel=1e-4)
    # the continuation ends where its last budget's search started: the ramp's best r, grown to ε
    ramp = search_worst_case(net, op, x, AttackParams(budget=0.02), 15, restarts=2, screen_steps=2,
                             budgets=[0.005, 0.01, 0.02], ceiling_iterations=0)
    assert ramp.best.result_state.network_change_rel == pytest.approx(ends[1].network_change_rel, rel=1e-6)


class Exploding(torch.nn.Module):
    """Linear with gain 50: the paper's ascent with a large η runs away on it."""

    def forward(self, y, op):
        return 50 * op.adjoint(y)


def test_the_papers_search_stops_when_it_diverges_and_keeps_its_last_finite_r():
    op = FourierOperator.from_spec((16, 16), MaskSpec("cartesian", 0.5))
    x = torch.rand(1, 16, 16)
    params = AttackParams(mode="paper", lam=0.0, lr=1.0, init_scale=0.001)
    outcome = run_attack(Exploding(), op, x, params, 200, gain_iterations=0)
    n = outcome.numbers
    assert n["stopped_by"] == "diverged" and n["iterations_run"] < 200
    assert 0 < n["perturbation_rel"] <= params.divergence_limit
    assert np.isfinite(n["network_change_rel"])
    assert outcome.history[-1]["perturbation_rel"] == pytest.approx(n["perturbation_rel"], rel=1e-5)


class NanBeyond(torch.nn.Module):
    """Returns NaN once its input is far from the data: garbage only outside the range of use."""

    def forward(self, y, op):
        out = op.adjoint(y)
        return out * float("nan") if float(y.detach().abs().max()) > 1e3 else out


def test_a_nan_is_the_networks_fault_only_when_its_input_was_in_range():
    op = FourierOperator.from_spec((16, 16), MaskSpec("cartesian", 0.5))
    x = torch.rand(1, 16, 16)
    paper = run_attack(NanBeyond(), op, x, AttackParams(mode="paper", lam=0.0, lr=1e4, init_scale=0.5,
                                                        divergence_limit=1e9), 50, gain_iterations=0)
    assert paper.numbers["stopped_by"] == "diverged"
    with pytest.raises(NetworkOutputError, match="NaN"):
        PerturbationSearch(NanBeyond(), op, x * 1e5)          # already NaN on f(Ax): the network's


@pytest.mark.parametrize("params", [AttackParams(), AttackParams(mode="paper", lam=0.01, seed=3)])
def test_pause_save_reopen_resume_is_bit_identical(params, tmp_path):
    op = FourierOperator.from_spec((32, 32), MaskSpec("cartesian", 0.3))
    net, x = ResidualCNN(), torch.rand(1, 32, 32, generator=torch.Generator().manual_seed(1))
    straight = PerturbationSearch(net, op, x, params, snapshot_at=(2,))
    list(straight.run(9))
    paused = PerturbationSearch(net, op, x, params, snapshot_at=(2,))
    list(paused.run(4))
    state = paused.state_dict()
    arrays = {k: v.numpy() for k, v in state.items() if isinstance(v, torch.Tensor)}
    np.savez(tmp_path / "search.npz", **arrays)            # through a file, as a session does
    with np.load(tmp_path / "search.npz") as saved:
        reopened_state = {**state, **{k: torch.from_numpy(saved[k]) for k in saved.files}}
    resumed = PerturbationSearch.from_state(net, op, x, reopened_state)
    list(resumed.run(5))
    assert torch.equal(resumed.r, straight.r) and torch.equal(resumed.result_r, straight.result_r)
    assert [s.to_dict() for s in resumed.history] == [s.to_dict() for s in straight.history]
    assert [s.iteration for s in resumed.snapshots] == [s.iteration for s in straight.snapshots]


def test_the_plan_stepped_with_pauses_inside_steps_ends_where_one_run_ends_bit_for_bit():
    from stabview.stability.worst_case import WorstCasePlan
    net, op, x = _small_case()
    whole = search_worst_case(net, op, x, AttackParams(budget=0.02), 8, restarts=2, screen_steps=2,
                              continuation=(0.5,), ceiling_iterations=0)
    plan = WorstCasePlan(net, op, x, AttackParams(budget=0.02), 8, restarts=2, screen_steps=2, continuation=(0.5,))
    calls, interrupted, phases = [0], 0, set()

    def now_and_then() -> bool:            # Pauses that land inside steps
        calls[0] += 1
        return calls[0] in (3, 40, 41, 90, 150)

    plan.should_stop = now_and_then
    while not plan.finished:
        progress = plan.step()
        if progress is None and not plan.finished:
            interrupted += 1               # nothing changed: the next call retries the step
        elif progress is not None:
            phases.add(progress.phase)
    assert calls[0] > 150 and interrupted == 5 and {"screening 1/2", "budget 0.01, screening 1/2", "budget 0.02, start 1/1"} <= phases
    assert [(r.start, r.budget, r.iterations, r.stopped_by) for r in plan.result.starts] == \
        [(r.start, r.budget, r.iterations, r.stopped_by) for r in whole.starts]
    assert torch.equal(plan.result.best.result_r, whole.best.result_r)
    assert not plan.result.cancelled


def test_a_cancelled_plan_keeps_its_best_start_so_far():
    from stabview.stability.worst_case import WorstCasePlan
    net, op, x = _small_case()
    plan = WorstCasePlan(net, op, x, AttackParams(budget=0.02), 8, restarts=2, screen_steps=2, continuation=())
    for _ in range(5):
        plan.step()
    plan.cancel()
    assert plan.finished and plan.result.cancelled
    assert plan.result.best.result_state is not None and plan.result.best.iteration >= 1
    assert plan.step() is None
