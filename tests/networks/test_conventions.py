"""Input conventions users' networks have, stated in the card; and their errors, told honestly."""

import json
import warnings

import pytest
import torch

from stabview import cli
from stabview.networks.card import ModelCard
from stabview.networks.errors import CardError, ModelRuntimeError, UnsafeModelFile
from stabview.networks.model_files import load_model_file

CARD = {"name": "conv", "modality": "fourier", "image_shape": [32, 32],
        "mask": {"kind": "cartesian", "rate": 0.4, "seed": 0, "options": {}}, "rate": 0.4,
        "accepts_other_rates": True, "input_convention": "warm_start_channels", "output_convention": "channels"}


def _load(tmp_path, module, **card):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.jit.script(module).save(str(tmp_path / "m.pt"))
    (tmp_path / "m.json").write_text(json.dumps({**CARD, **card}))
    return load_model_file(tmp_path / "m.pt")


def _measurements(net, seed=0):
    torch.manual_seed(seed)
    op = net.default_operator()
    x = torch.rand(2, 32, 32) * torch.exp(1j * torch.rand(2, 32, 32))
    return op, op.forward(x.to(torch.complex64))


class MeanPlusVariance(torch.nn.Module):
    """Returns mean + variance of its input everywhere: 0 + 1 when the input is normalised."""

    def forward(self, x):
        dims = [1, 2, 3]
        return torch.zeros_like(x) + x.mean(dims, keepdim=True) + x.var(dims, keepdim=True)


def test_per_image_normalisation_is_applied_and_undone(tmp_path):
    net = _load(tmp_path, MeanPlusVariance(), input_normalisation="per_image")
    op, y = _measurements(net)
    channels = torch.view_as_real(op.warm_start(y)).permute(0, 3, 1, 2)
    mean = channels.mean((1, 2, 3))
    std = channels.std((1, 2, 3))
    expected = (1.0 * std + mean)[:, None, None] * (1 + 1j)      # normalised output 1 in both channels
    assert torch.allclose(net(y, op), expected.to(torch.complex64), rtol=1e-4, atol=1e-6)
    plain = _load(tmp_path, MeanPlusVariance())
    assert torch.allclose(plain(y, op), ((mean + std ** 2)[:, None, None] * (1 + 1j)).to(torch.complex64),
                          rtol=1e-4, atol=1e-6)


class Identity(torch.nn.Module):
    def forward(self, x):
        return x


def test_normalisation_of_an_identity_model_gives_back_the_warm_start(tmp_path):
    net = _load(tmp_path, Identity(), input_normalisation="per_image")
    op, y = _measurements(net)
    y.requires_grad_(True)
    out = net(y, op)
    assert torch.allclose(out, op.warm_start(y), atol=1e-5)
    out.abs().sum().backward()
    assert torch.isfinite(y.grad).all() and y.grad.abs().sum() > 0


class Double(torch.nn.Module):
    def forward(self, x):
        return 2 * x


def test_magnitude_only_input(tmp_path):
    net = _load(tmp_path, Double(), input_convention="warm_start_magnitude", output_convention="magnitude")
    op, y = _measurements(net)
    out = net(y, op)
    assert torch.allclose(out, (2 * op.warm_start(y).abs()).to(torch.complex64), atol=1e-6)
    assert float(out.imag.abs().max()) == 0.0


class ScaleFirstChannel(torch.nn.Module):
    def forward(self, x):
        return torch.cat([3 * x[:, :1], x[:, 1:]], 1)


@pytest.mark.parametrize("order, expected", [("real_imag", lambda z: 3 * z.real + 1j * z.imag),
                                             ("imag_real", lambda z: z.real + 3j * z.imag)])
def test_complex_as_two_channels_in_either_order(tmp_path, order, expected):
    net = _load(tmp_path, ScaleFirstChannel(), channel_order=order)
    op, y = _measurements(net)
    assert torch.allclose(net(y, op), expected(op.warm_start(y)).to(torch.complex64), atol=1e-6)


def test_old_cards_load_and_bad_values_are_refused():
    card = ModelCard.from_dict(CARD)
    assert (card.channel_order, card.input_normalisation) == ("real_imag", "none")
    with pytest.raises(CardError, match="channel_order 'real,imag'"):
        ModelCard.from_dict({**CARD, "channel_order": "real,imag"})
    with pytest.raises(CardError, match="input_normalisation 'zscore'"):
        ModelCard.from_dict({**CARD, "input_normalisation": "zscore"})
    with pytest.raises(CardError, match="samples_vector"):
        ModelCard.from_dict({**CARD, "input_convention": "samples_vector", "accepts_other_rates": False,
                             "input_normalisation": "per_image"})


class RaisesOnData(torch.nn.Module):
    """Runs at load time (no gradients) and raises once an attack differentiates through it."""

    def forward(self, x):
        if x.requires_grad:
            raise ValueError("this model only takes images scaled to [-1, 1]")
        return x


def test_an_exception_inside_the_model_keeps_its_type_and_first_line(tmp_path):
    net = _load(tmp_path, RaisesOnData())
    op, y = _measurements(net)
    y.requires_grad_(True)
    with pytest.raises(ModelRuntimeError) as caught:
        net(y, op)
    message = str(caught.value)
    assert "ValueError: this model only takes images scaled to [-1, 1]" in message
    assert "TorchScript interpreter" not in message and "\x1b" not in message and "\n" not in message


def test_the_command_line_shows_the_models_own_error_with_exit_code_2(tmp_path, capsys):
    _load(tmp_path, RaisesOnData())
    code = cli.main(["attack", "--network", str(tmp_path / "m.pt"), "--image", "shepp-logan", "--iterations", "1",
                     "--no-baseline", "--threads", "1", "--gain-iterations", "0", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    error = err.strip().splitlines()[-1]
    assert error.startswith("stabview attack: error: ")
    assert error.endswith("raised ValueError: this model only takes images scaled to [-1, 1]")
    assert "TorchScript" not in err


def test_a_whole_pickled_module_is_refused_without_torchs_bypass_advice(tmp_path):
    torch.save(Double(), tmp_path / "m.pt")
    (tmp_path / "m.json").write_text(json.dumps(CARD))
    with pytest.raises(UnsafeModelFile) as caught:
        load_model_file(tmp_path / "m.pt")
    message = str(caught.value)
    assert "Unsupported global" in message and "Double" in message
    assert "weights_only" not in message and "\x1b" not in message and "trust" not in message


def test_cards_write_the_new_keys_only_when_used():
    assert "channel_order" not in ModelCard.from_dict(CARD).to_dict()
    card = ModelCard.from_dict({**CARD, "channel_order": "imag_real", "input_normalisation": "per_image"})
    assert card.to_dict()["channel_order"] == "imag_real"
    assert ModelCard.from_dict(card.to_dict()) == card


class NormalisesInside(torch.nn.Module):
    """Divides by its input's deviation without a guard, as fastMRI's NormUnet does."""

    def forward(self, x):
        mean = x.mean([1, 2, 3], keepdim=True)
        std = x.std([1, 2, 3], keepdim=True)
        return (x - mean) / std * std + mean


def test_a_model_that_normalises_inside_passes_the_load_time_run(tmp_path):
    net = _load(tmp_path, NormalisesInside())
    op, y = _measurements(net)
    assert torch.allclose(net(y, op), op.warm_start(y), atol=1e-5)
