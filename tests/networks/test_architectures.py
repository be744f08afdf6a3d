"""Every zoo architecture runs forward and backward on CPU at its trained shape, and gradients reach y."""

import pytest
import torch

from stabview.networks.architectures import build_network
from stabview.networks.base import ReconstructionNetwork
from stabview.training.recipes import RECIPES

NAMES = sorted(RECIPES)


@pytest.fixture(scope="module", params=NAMES)
def net_and_op(request):
    card = RECIPES[request.param].card_template()
    torch.manual_seed(0)
    net = build_network(card).eval()
    return net, net.default_operator()


def test_forward_backward_at_trained_shape(net_and_op):
    net, op = net_and_op
    assert isinstance(net, ReconstructionNetwork)
    x = torch.rand(1, *op.image_shape)
    y = op.forward(x.to(torch.complex64) if op.complex_images else x).detach().requires_grad_(True)
    out = net(y, op)
    assert out.shape == (1, *op.image_shape)
    assert out.dtype == (torch.complex64 if op.complex_images else torch.float32)
    out.abs().pow(2).sum().backward()
    assert torch.isfinite(y.grad).all() and y.grad.abs().sum() > 0
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in net.parameters())


def test_frozen_weights_still_pass_gradients_to_y(net_and_op):
    net, op = net_and_op
    net.requires_grad_(False)
    try:
        x = torch.rand(1, *op.image_shape)
        y = op.forward(x.to(torch.complex64) if op.complex_images else x).detach().requires_grad_(True)
        net(y, op).abs().sum().backward()
        assert y.grad.abs().sum() > 0
    finally:
        net.requires_grad_(True)


@pytest.mark.parametrize("name", [n for n in NAMES if RECIPES[n].accepts_other_rates])
def test_h_based_networks_take_other_rates(name):
    card = RECIPES[name].card_template()
    net = build_network(card).eval()
    op = net.default_operator().with_rate(min(0.9, card.rate * 2))
    net.check_compatible(op)
    x = torch.rand(1, *op.image_shape)
    with torch.no_grad():
        out = net(op.forward(x.to(torch.complex64) if op.complex_images else x), op)
    assert out.shape == (1, *op.image_shape)


def test_cascade_output_is_consistent_with_the_data():
    """λ = ∞ data consistency: the output's k-space equals y on the mask."""
    net = build_network(RECIPES["deepmri"].card_template()).eval()
    op = net.default_operator()
    y = op.forward(torch.rand(1, 128, 128).to(torch.complex64))
    with torch.no_grad():
        out = net(y, op)
    assert torch.allclose(op.forward(out), y, atol=1e-4)


def test_rbf_interpolation_matches_the_gaussian_sum():
    from stabview.networks.rbf import GaussianRBF
    torch.manual_seed(0)
    rbf = GaussianRBF(4, 31, 2.0)
    with torch.no_grad():
        rbf.weights.normal_()
    z = 1.5 * torch.randn(1, 4, 16, 16)
    scale = rbf.exact(z).abs().max()
    assert (rbf(z) - rbf.exact(z)).abs().max() < 1e-3 * scale


def test_automap_fourier_initialisation_is_a_low_pass_zero_filled_inverse():
    """After `init_from_fourier` the dense part equals Re F*(y on the h/2 lowest sampled frequencies)."""
    from stabview.operators.fft import ifft2c
    card = RECIPES["automap"].card_template()
    net = build_network(card)
    op = net.default_operator()
    net.init_from_fourier(op.mask)
    x = 0.02 * torch.rand(1, 64, 64)          # small, so tanh acts linearly even on the DC sample
    y = op.forward(x.to(torch.complex64))
    with torch.no_grad():
        z = net.dense_out(torch.tanh(net.dense_in(net.samples(y, op)))).view(1, 64, 64)
    index = torch.nonzero(op.mask.flatten()).flatten()
    radius = (index // 64 - 32) ** 2 + (index % 64 - 32) ** 2
    keep = torch.zeros(64 * 64, dtype=torch.bool)
    keep[index[torch.argsort(radius.float(), stable=True)[:net.dense_in.out_features // 2]]] = True
    expected = ifft2c(y * keep.view(64, 64)).real
    assert torch.allclose(z, expected, atol=2e-3 * expected.abs().max())
