"""Mismatches between card, operator and image are reported before anything runs; bad outputs raise."""

import pytest
import torch

from stabview.errors import ShapeMismatch, StabviewError
from stabview.networks.architectures import build_network
from stabview.networks.base import ReconstructionNetwork
from stabview.networks.errors import ModalityMismatch, NetworkOutputError
from stabview.operators import FourierOperator, MaskSpec, MultiCoilOperator
from stabview.training.recipes import RECIPES


def _net(name):
    return build_network(RECIPES[name].card_template()).eval()


def test_wrong_image_size_is_a_shape_mismatch():
    net = _net("deepmri")
    op = FourierOperator.from_spec((64, 64), MaskSpec("cartesian", 0.33))
    with pytest.raises(ShapeMismatch, match="64×64.*128×128"):
        net.check_compatible(op)
    with pytest.raises(ShapeMismatch, match="resize"):
        net.check_compatible(net.default_operator(), torch.zeros(1, 64, 64))


def test_wrong_modality_is_reported():
    net = _net("deepmri")
    op = MultiCoilOperator.from_spec((128, 128), MaskSpec("cartesian", 0.33), n_coils=4)
    with pytest.raises(ModalityMismatch, match="fourier"):
        net(torch.zeros(1, 4, 128, 128, dtype=torch.complex64), op)


def test_automap_refuses_other_rates_clearly():
    net = _net("automap")
    op = net.default_operator().with_rate(0.8)
    with pytest.raises(ModalityMismatch, match="cannot use another mask or rate"):
        net.check_compatible(op)
    assert not net.card.accepts_other_rates


def test_errors_are_stabview_errors():
    assert issubclass(ModalityMismatch, StabviewError) and issubclass(NetworkOutputError, StabviewError)


class _Bad(ReconstructionNetwork):
    def __init__(self, card, result):
        super().__init__(card)
        self.result = result

    def reconstruct(self, y, op):
        return self.result(y)


@pytest.mark.parametrize("result, message", [
    (lambda y: torch.full((y.shape[0], 128, 128), float("nan")), "NaN or Inf"),
    (lambda y: torch.zeros(y.shape[0], 64, 64), "returned shape"),
    (lambda y: "not a tensor", "not a tensor"),
])
def test_bad_outputs_raise_clear_errors(result, message):
    net = _Bad(RECIPES["deepmri"].card_template(), result)
    op = net.default_operator()
    with pytest.raises(NetworkOutputError, match=message):
        net(torch.zeros(1, 128, 128, dtype=torch.complex64), op)
