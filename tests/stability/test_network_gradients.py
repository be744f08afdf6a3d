"""A user's model that runs forward but fails backward is named as the cause (exit code 2 on the
command line); the same failure in a built-in network stays an error of ours."""

import pytest
import torch

from stabview.errors import StabviewError
from stabview.networks.base import ReconstructionNetwork, from_channels, to_channels
from stabview.networks.card import ModelCard
from stabview.networks.errors import ModelRuntimeError
from stabview.networks.external import ExternalNetwork
from stabview.stability.params import AttackParams
from stabview.stability.perturbation import PerturbationSearch
from stabview.stability.sensitivity import linear_gain
from stabview.stability.targeted import TargetedSearch, TargetSettings

CARD = {"name": "nograd", "modality": "fourier", "image_shape": [16, 16],
        "mask": {"kind": "cartesian", "rate": 0.5, "seed": 0, "options": {}}, "rate": 0.5,
        "accepts_other_rates": True, "input_convention": "warm_start_channels",
        "output_convention": "channels", "data": "untrained test network"}


class NoBackward(torch.autograd.Function):
    """The identity forward; its backward raises, as an unfinished custom layer might."""

    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        raise ValueError("backward of this layer is not written yet")


class Layer(torch.nn.Module):
    def forward(self, x):
        return NoBackward.apply(x)


class Detaching(torch.nn.Module):
    def forward(self, x):
        return x.detach() * 2


class BuiltIn(ReconstructionNetwork):
    """A built-in network with the same broken layer: a bug of ours, not the user's."""

    def reconstruct(self, y, op):
        return from_channels(NoBackward.apply(to_channels(op.warm_start(y))))


@pytest.fixture
def setup():
    card = ModelCard.from_dict(CARD)
    net = ExternalNetwork(card, Layer(), "layer.pt")
    op = net.default_operator()
    x = torch.rand(1, 16, 16, generator=torch.Generator().manual_seed(0)).to(torch.complex64)
    return card, net, op, x


@pytest.mark.parametrize("mode", ["budgeted", "paper"])
def test_a_user_model_failing_backward_stops_the_attack_naming_it(setup, mode):
    card, net, op, x = setup
    search = PerturbationSearch(net, op, x, AttackParams(mode=mode))   # the forward works
    with pytest.raises(ModelRuntimeError) as caught:
        search.step()
    message = str(caught.value)
    assert "'nograd' (layer.pt)" in message and "gradient" in message
    assert message.endswith("ValueError: backward of this layer is not written yet")


def test_the_ceiling_and_the_targeted_search_name_it_too(setup):
    card, net, op, x = setup
    with pytest.raises(ModelRuntimeError, match="layer.pt.*ValueError: backward of this layer"):
        linear_gain(net, op, x, iterations=2)
    detail = torch.zeros(16, 16)
    detail[6:10, 6:10] = 1
    with pytest.raises(ModelRuntimeError, match="layer.pt.*ValueError: backward of this layer"):
        TargetedSearch(net, op, x, detail, TargetSettings(iterations=2))


def test_an_output_detached_from_its_input_is_explained(setup):
    card, _, op, x = setup
    net = ExternalNetwork(card, Detaching(), "detaching.pt")
    with pytest.raises(ModelRuntimeError, match="not connected to its input by gradients"):
        PerturbationSearch(net, op, x).step()


def test_a_built_in_network_failing_backward_is_not_blamed_on_the_user(setup):
    card, _, op, x = setup
    with pytest.raises(ValueError, match="backward of this layer") as caught:
        PerturbationSearch(BuiltIn(card), op, x).step()
    assert not isinstance(caught.value, StabviewError)
