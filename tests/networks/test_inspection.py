"""`stabview inspect` (and `stabview zoo FILE`): facts about a model file, checked against its card."""

import json
import warnings

import pytest
import torch
from safetensors.torch import save_file

from stabview import cli
from stabview.networks import zoo
from stabview.networks.architectures import build_network
from stabview.networks.card import ModelCard
from stabview.networks.inspection import inspect_network
from stabview.training.recipes import RECIPES

CARD = {"name": "tiny", "modality": "fourier", "image_shape": [32, 32],
        "mask": {"kind": "cartesian", "rate": 0.4, "seed": 0, "options": {}}, "rate": 0.4,
        "accepts_other_rates": True, "input_convention": "warm_start_channels", "output_convention": "channels"}


class Refiner(torch.nn.Module):
    def __init__(self, channels=2, gain=1.0):
        super().__init__()
        self.conv = torch.nn.Conv2d(channels, 2, 3, padding=1)
        self.norm = torch.nn.InstanceNorm2d(2)
        self.gain = gain

    def forward(self, x):
        return self.gain * (x[:, :2] + 0.1 * self.norm(self.conv(x)))


class FixedSize(torch.nn.Module):
    """Takes 32×32 images only (a reshape with a fixed size)."""

    def forward(self, x):
        return x + 0.01 * x.reshape(x.shape[0], 2, 32 * 32).mean(-1)[..., None, None]


def _torchscript(tmp_path, module, card=CARD, name="tiny"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.jit.script(module.eval()).save(str(tmp_path / f"{name}.pt"))
    (tmp_path / f"{name}.json").write_text(json.dumps(card))
    return tmp_path / f"{name}.pt"


def _onnx(tmp_path, module, card=CARD, name="tiny", channels=2):
    pytest.importorskip("onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module.eval(), (torch.randn(1, channels, 32, 32),), str(tmp_path / f"{name}.onnx"),
                          dynamo=False, input_names=["x"], dynamic_axes={"x": {0: "b"}})
    (tmp_path / f"{name}.json").write_text(json.dumps(card))
    return tmp_path / f"{name}.onnx"


def test_report_on_a_torchscript_file(tmp_path):
    report = inspect_network(_torchscript(tmp_path, Refiner()))
    assert report.ok and report.format == "torchscript"
    assert report.n_parameters == 2 * 2 * 9 + 2
    assert report.operators == {"Conv2d": 1, "InstanceNorm2d": 1}
    assert report.input_shape == (1, 2, 32, 32) and report.probe_seconds > 0
    assert report.card["image_shape"] == [32, 32]
    low, high = report.output_range
    assert 0 <= low < high < 2


def test_report_on_an_onnx_file_lists_its_operators(tmp_path):
    report = inspect_network(_onnx(tmp_path, Refiner()))
    assert report.ok and report.format == "onnx"
    assert report.operators["Conv"] == 1 and report.operators["InstanceNormalization"] == 1
    assert report.n_parameters == 2 * 2 * 9 + 2
    assert json.loads(json.dumps(report.to_dict()))["operators"] == report.operators


def test_report_on_a_safetensors_file(tmp_path):
    card = RECIPES["deepmri"].card_template().to_dict()
    card["image_shape"] = [32, 32]
    net = build_network(ModelCard.from_dict(card))
    save_file(net.state_dict(), str(tmp_path / "mine.safetensors"))
    (tmp_path / "mine.json").write_text(json.dumps(card))
    report = inspect_network(tmp_path / "mine.safetensors")
    assert report.format == "safetensors" and report.n_parameters == net.n_parameters
    assert report.operators["Conv2d"] >= 2 and report.input_kind == "measurements"


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in ("automap", "mrivn") else n
                                  for n in zoo.names()])
def test_report_on_every_zoo_network(name):
    report = inspect_network(name)
    assert report.ok, report.problems
    assert report.n_parameters == zoo.load(name).n_parameters
    assert report.probe_seconds > 0 and report.output_range[1] > 0


@pytest.mark.parametrize("writer", [_torchscript, _onnx])
def test_a_card_with_the_wrong_image_shape_names_the_field(tmp_path, writer):
    path = writer(tmp_path, FixedSize(), card={**CARD, "image_shape": [64, 64]})
    report = inspect_network(path)
    assert not report.ok
    assert "image_shape 64×64" in report.problems[0] and "accepts 32×32" in report.problems[0]


def test_a_card_with_the_wrong_channels_names_the_field(tmp_path):
    path = _torchscript(tmp_path, Refiner(channels=1), card={**CARD})
    report = inspect_network(path)
    assert "input_convention 'warm_start_channels'" in report.problems[0]
    assert "accepts 1" in report.problems[0] and "warm_start_magnitude" in report.problems[0]


def test_an_output_far_outside_the_value_range_is_a_problem(tmp_path):
    report = inspect_network(_torchscript(tmp_path, Refiner(gain=50.0)))
    assert report.output_range[1] > 10
    assert any("far outside" in p and "value_range" in p for p in report.problems)


def test_command_prints_the_report_and_exits_2_on_problems(tmp_path, capsys):
    good = _torchscript(tmp_path, FixedSize())
    assert cli.main(["inspect", str(good), "--threads", "1"]) == 0
    out = capsys.readouterr().out
    assert "torchscript" in out and "(1, 2, 32, 32)" in out and "problems     none" in out
    (tmp_path / "other.json").write_text(json.dumps({**CARD, "image_shape": [48, 48]}))
    assert cli.main(["inspect", str(good), "--card", str(tmp_path / "other.json"), "--json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and "image_shape 48×48" in report["problems"][0]


def test_zoo_with_a_file_prints_the_same_report(tmp_path, capsys):
    path = _torchscript(tmp_path, Refiner())
    assert cli.main(["zoo", str(path), "--json"]) == 0
    from_zoo = json.loads(capsys.readouterr().out)
    assert cli.main(["inspect", str(path), "--json"]) == 0
    from_inspect = json.loads(capsys.readouterr().out)
    for key in ("format", "operators", "n_parameters", "card", "input_shape", "output_range"):
        assert from_zoo[key] == from_inspect[key]


@pytest.mark.parametrize("content", [b"", b"not a model at all", b"\x08\x01garbage-protobuf"])
def test_bad_files_exit_2(tmp_path, capsys, content):
    path = tmp_path / "broken.onnx"
    path.write_bytes(content)
    (tmp_path / "broken.json").write_text(json.dumps(CARD))
    assert cli.main(["inspect", str(path)]) == 2
    err = capsys.readouterr().err
    assert "broken.onnx" in err and len(err.strip().splitlines()) == 1


def test_missing_file_and_pickle_exit_2(tmp_path, capsys):
    assert cli.main(["inspect", str(tmp_path / "nowhere.pt")]) == 2
    torch.save(Refiner(), tmp_path / "whole.pt")
    assert cli.main(["inspect", str(tmp_path / "whole.pt")]) == 2
    err = capsys.readouterr().err
    assert "never unpickles" in err and "weights_only" not in err and "\x1b" not in err


def test_a_model_file_without_a_card_still_gets_a_report(tmp_path):
    path = _torchscript(tmp_path, Refiner())
    (tmp_path / "tiny.json").unlink()
    report = inspect_network(path)
    assert report.card is None and report.n_parameters == 38
    assert "no model card" in report.problems[0]
