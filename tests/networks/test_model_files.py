"""Users' models: TorchScript and safetensors state dicts load; pickles are refused, never unpickled."""

import json
import os
import pickle

import pytest
import torch
from safetensors.torch import save_file

from stabview.networks import zoo
from stabview.networks.architectures import build_network
from stabview.networks.errors import CardError, ModelFormatError, NetworkOutputError, UnsafeModelFile
from stabview.networks.model_files import load_model_file, sniff
from stabview.training.recipes import RECIPES

CARD = {"name": "tiny", "modality": "fourier", "image_shape": [32, 32],
        "mask": {"kind": "cartesian", "rate": 0.4, "seed": 0, "options": {}}, "rate": 0.4,
        "accepts_other_rates": True, "input_convention": "warm_start_channels", "output_convention": "channels"}


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(2, 2, 3, padding=1)

    def forward(self, x):
        return x + self.conv(x)


def _write(tmp_path, model_name="tiny.pt", card=CARD, module=None):
    torch.jit.script(module or Tiny()).save(str(tmp_path / model_name))
    (tmp_path / "tiny.json").write_text(json.dumps(card))
    return tmp_path / model_name


def test_torchscript_model_loads_and_passes_gradients(tmp_path):
    net = zoo.load(_write(tmp_path))
    op = net.default_operator()
    y = op.forward(torch.rand(2, 32, 32).to(torch.complex64)).requires_grad_(True)
    out = net(y, op)
    assert out.shape == (2, 32, 32) and out.dtype == torch.complex64
    out.abs().sum().backward()
    assert y.grad.abs().sum() > 0
    assert net.card.name == "tiny"


def test_card_can_be_given_explicitly(tmp_path):
    path = _write(tmp_path)
    os.rename(tmp_path / "tiny.json", tmp_path / "elsewhere.json")
    with pytest.raises(CardError, match="no model card"):
        zoo.load(path)
    assert zoo.load(path, tmp_path / "elsewhere.json").card.name == "tiny"


def test_card_that_does_not_fit_the_model_is_reported_at_load(tmp_path):
    path = _write(tmp_path, card={**CARD, "output_convention": "magnitude"})
    with pytest.raises(ModelFormatError, match="does not fit its card|fails on"):
        zoo.load(path)
    three_channels = {**CARD}
    path = _write(tmp_path, card=three_channels, module=torch.nn.Conv2d(3, 2, 3, padding=1))
    with pytest.raises(ModelFormatError, match=r"\(1, 2, 32, 32\)"):
        zoo.load(path)


def test_model_returning_nan_raises(tmp_path):
    class Nan(torch.nn.Module):
        def forward(self, x):
            return x * float("nan")
    with pytest.raises(ModelFormatError, match="NaN"):
        zoo.load(_write(tmp_path, module=Nan()))


def test_state_dict_for_a_built_in_architecture(tmp_path):
    card = RECIPES["deepmri"].card_template().to_dict()
    card.update(name="my-cascade", config={"n_blocks": 2, "n_convs": 3, "features": 8})
    net = build_network(RECIPES["deepmri"].card_template().__class__.from_dict(card))
    save_file(net.state_dict(), str(tmp_path / "w.safetensors"))
    (tmp_path / "w.json").write_text(json.dumps(card))
    loaded = zoo.load(tmp_path / "w.safetensors")
    assert loaded.card.name == "my-cascade" and not loaded.training
    torch.save(net.state_dict(), tmp_path / "w.pt")           # plain tensors: fine with weights_only
    (tmp_path / "w.json").rename(tmp_path / "card.json")
    assert zoo.load(tmp_path / "w.pt").card.name == "my-cascade"
    wrong = {**card, "config": {"n_blocks": 3, "n_convs": 3, "features": 8}}
    (tmp_path / "card.json").write_text(json.dumps(wrong))
    with pytest.raises(ModelFormatError, match="missing"):
        zoo.load(tmp_path / "w.safetensors")


class _Exploit:
    def __reduce__(self):
        return (os.system, ("touch EXPLOITED",))


@pytest.mark.parametrize("writer", ["pickle", "torch-save"])
def test_malicious_pickle_is_refused_without_running_it(tmp_path, monkeypatch, writer):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "model.pt"
    if writer == "pickle":
        path.write_bytes(pickle.dumps(_Exploit()))
    else:
        torch.save({"weights": _Exploit()}, path)
    (tmp_path / "model.json").write_text(json.dumps(CARD))
    with pytest.raises(UnsafeModelFile, match="never unpickles"):
        zoo.load(path)
    assert not (tmp_path / "EXPLOITED").exists()


def test_whole_module_saved_with_torch_save_is_refused(tmp_path):
    torch.save(Tiny(), tmp_path / "tiny.pt")
    (tmp_path / "tiny.json").write_text(json.dumps(CARD))
    assert sniff(tmp_path / "tiny.pt") == "torch-zip"
    with pytest.raises(UnsafeModelFile, match="torch.jit"):
        load_model_file(tmp_path / "tiny.pt")


def test_unknown_files_and_names(tmp_path):
    (tmp_path / "noise.bin").write_bytes(b"hello world, not a model")
    (tmp_path / "noise.json").write_text(json.dumps(CARD))
    with pytest.raises((ModelFormatError, UnsafeModelFile)):
        zoo.load(tmp_path / "noise.bin")
    with pytest.raises(Exception, match="neither a zoo network"):
        zoo.load("no-such-network")


def test_wrong_output_shape_at_call_time(tmp_path):
    class Crop(torch.nn.Module):
        def forward(self, x):
            return x[..., : x.shape[-1] // 2]
    with pytest.raises(ModelFormatError, match="returned shape"):
        zoo.load(_write(tmp_path, module=Crop()))


def test_samples_vector_models_are_tied_to_their_mask(tmp_path):
    card = {**CARD, "input_convention": "samples_vector", "output_convention": "magnitude",
            "accepts_other_rates": False}
    m = int(RECIPES["deepmri"].mask.__class__.from_dict(card["mask"]).build((32, 32)).sum())

    class Dense(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(2 * m, 32 * 32)

        def forward(self, v):
            return self.fc(v).view(-1, 32, 32)
    net = zoo.load(_write(tmp_path, module=Dense(), card=card))
    from stabview.networks.errors import ModalityMismatch
    with pytest.raises(ModalityMismatch):
        net.check_compatible(net.default_operator().with_rate(0.6))
    assert NetworkOutputError  # imported for the error family
