"""Stopping a search step or a power iteration part-way through the network's passes: the step is
dropped whole, so the search is left as it was and goes on bit for bit as if never stopped."""

import threading

import pytest
import torch

from stabview.operators import FourierOperator, MaskSpec
from stabview.stability.interruption import Interrupted, interruptible
from stabview.stability.params import AttackParams
from stabview.stability.perturbation import PerturbationSearch
from stabview.stability.sensitivity import linear_gain

from .small_networks import ResidualCNN

SHAPE = (32, 32)
PARAMS = [AttackParams(), AttackParams(mode="paper", lam=0.01, seed=2),
          AttackParams(mode="paper", lam=0.01, method="nesterov")]


@pytest.fixture
def setup():
    torch.manual_seed(0)
    op = FourierOperator.from_spec(SHAPE, MaskSpec("cartesian", 0.3))
    return ResidualCNN(), op, torch.rand(1, *SHAPE)


class StopAt:
    """should_stop() that says yes from its `at`-th call on (never, with at=None), and counts."""

    def __init__(self, at: int | None = None):
        self.at, self.calls = at, 0

    def __call__(self) -> bool:
        self.calls += 1
        return self.at is not None and self.calls >= self.at


def test_a_pass_is_checked_between_layers_forward_and_backward(setup):
    net, op, x = setup
    y = op.forward(x).requires_grad_(True)
    counted = StopAt()
    with interruptible(net, counted):
        out = net(y, op)
        forward_checks = counted.calls
        torch.autograd.grad(out.abs().pow(2).sum(), y)
    assert forward_checks >= 3 and counted.calls > forward_checks + 1     # checks in the backward too
    ran = []
    net.conv2.register_forward_hook(lambda *a: ran.append("conv2"))
    with pytest.raises(Interrupted), interruptible(net, StopAt(forward_checks - 1)):
        net(y, op)
    assert ran == []                                  # stopped before its last layer ran
    stop = StopAt(forward_checks + 2)
    with interruptible(net, stop):
        out = net(y, op)
        with pytest.raises(Interrupted):
            torch.autograd.grad(out.abs().pow(2).sum(), y)
    assert stop.calls == forward_checks + 2
    assert not net._forward_pre_hooks and not net.conv1._forward_pre_hooks   # hooks removed


def test_another_thread_using_the_network_is_not_stopped(setup):
    net, op, x = setup
    y = op.forward(x)
    stop_now = [False]
    outputs = []
    with pytest.raises(Interrupted):
        with interruptible(net, lambda: stop_now[0]):
            stop_now[0] = True
            worker = threading.Thread(target=lambda: outputs.append(net(y, op)))
            worker.start()
            worker.join()
            net(y, op)
    assert len(outputs) == 1 and torch.equal(outputs[0], net(y, op))


@pytest.mark.parametrize("params", PARAMS, ids=["budgeted", "paper", "nesterov"])
def test_an_interrupted_step_changes_nothing_and_the_search_goes_on_bit_for_bit(setup, params):
    net, op, x = setup
    straight = PerturbationSearch(net, op, x, params)
    for _ in range(4):
        straight.step()
    counted = StopAt()
    probe = PerturbationSearch(net, op, x, params)
    probe.step(counted)
    checks = counted.calls
    assert checks > 4
    for at in range(1, checks + 1):       # stopped at every check of the second step in turn
        search = PerturbationSearch(net, op, x, params)
        search.step()
        before = search.state_dict()
        assert search.step(StopAt(at)) is None
        after = search.state_dict()
        assert before.keys() == after.keys()
        for key, value in before.items():
            same = torch.equal(value, after[key]) if isinstance(value, torch.Tensor) else value == after[key]
            assert same, (at, key)
        resumed = PerturbationSearch.from_state(net, op, x, after)
        for s in (search, resumed):
            for _ in range(3):
                s.step()
            assert torch.equal(s.r, straight.r) and torch.equal(s.result_r, straight.result_r)
            assert [h.objective for h in s.history] == [h.objective for h in straight.history]


def test_run_stopped_during_a_step_says_cancelled_and_keeps_only_whole_steps(setup):
    net, op, x = setup
    search = PerturbationSearch(net, op, x)
    calls = StopAt()
    states = list(search.run(2, should_stop=calls))
    per_run = calls.calls
    search = PerturbationSearch(net, op, x)
    states = list(search.run(5, should_stop=StopAt(per_run + 3)))      # inside the third step
    assert len(states) == 2 and search.iteration == 2 and search.stopped_by == "cancelled"


@pytest.mark.parametrize("params", PARAMS[:2], ids=["budgeted", "paper"])
def test_the_reported_output_comes_from_its_step_without_a_forward_pass(setup, params):
    net, op, x = setup
    search = PerturbationSearch(net, op, x, params)
    for _ in range(5):
        search.step()
    forwards = []
    handle = net.register_forward_pre_hook(lambda *a: forwards.append(1))
    kept = search.reconstruct()
    assert forwards == []
    fresh = search.reconstruct(search.result_r.clone())      # not the evaluated tensor: computed
    handle.remove()
    assert forwards == [1] and torch.equal(kept, fresh)
    resumed = PerturbationSearch.from_state(net, op, x, search.state_dict())
    assert torch.equal(resumed.reconstruct(), fresh)


def test_power_iteration_stopped_part_way_keeps_its_last_whole_iteration(setup):
    net, op, x = setup
    whole = linear_gain(net, op, x, iterations=2, tol=0)
    counted = StopAt()
    linear_gain(net, op, x, iterations=3, tol=0, should_stop=counted)
    per_iteration = (counted.calls - 1) // 3        # one check before each iteration, one at the end
    stopped = linear_gain(net, op, x, iterations=10, tol=0, should_stop=StopAt(2 * per_iteration + 3))
    assert stopped.iterations == 2 and not stopped.converged
    assert stopped.gain == whole.gain and torch.equal(stopped.direction, whole.direction)
