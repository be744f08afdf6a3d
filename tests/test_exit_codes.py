"""Exit code 2 with the cause in one line for whatever the user, their file or their model got
wrong; no `--out` folder is made before the inputs are checked."""

import json
import re
import subprocess
import sys

import pytest
import torch

from stabview.cli import main
from stabview.errors import one_line
from stabview.networks.messages import describe

CARD = {"name": "bright", "modality": "fourier", "image_shape": [32, 32],
        "mask": {"kind": "cartesian", "rate": 0.33, "seed": 0, "options": {}}, "rate": 0.33,
        "accepts_other_rates": True, "input_convention": "warm_start_channels",
        "output_convention": "channels", "data": "untrained test network"}


class FailsOnBrightInput(torch.nn.Module):
    """Passes the load-time probe (zeros) and raises on any real image: a user's model bug."""

    def forward(self, x):
        if float(x.abs().max()) > 0.01:
            raise ValueError("input too bright for this model")
        return x


class Identity(torch.nn.Module):
    def forward(self, x):
        return x


class NoDerivative(torch.nn.Module):
    """Runs forward; its backward fails (torch has no derivative of igamma in its first argument)."""

    def forward(self, x):
        a = x.abs() + 1.0
        return x + 0.0 * torch.igamma(a, a)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    torch.jit.script(FailsOnBrightInput()).save(str(folder / "bright.pt"))
    (folder / "bright.json").write_text(json.dumps(CARD))
    torch.jit.script(Identity()).save(str(folder / "identity.pt"))
    (folder / "identity.json").write_text(json.dumps({**CARD, "name": "identity"}))
    torch.jit.script(NoDerivative()).save(str(folder / "noderiv.pt"))
    (folder / "noderiv.json").write_text(json.dumps({**CARD, "name": "noderiv"}))
    return folder


def run_cli(*argv):
    return subprocess.run([sys.executable, "-m", "stabview", *argv], capture_output=True, text=True)


def assert_one_clean_line(stderr: str) -> str:
    """The error is the last line of stderr and the only one (progress lines may come before)."""
    lines = stderr.strip().splitlines()
    errors = [line for line in lines if ": error: " in line]
    assert errors == [lines[-1]], stderr
    assert "Traceback" not in stderr and "\x1b" not in stderr
    return lines[-1]


def test_a_users_model_that_raises_on_real_data_exits_2_naming_its_exception(models, tmp_path):
    run = run_cli("attack", "--network", str(models / "bright.pt"), "--image", "brain:3",
                  "--iterations", "2", "--no-baseline", "--threads", "1", "--out", str(tmp_path / "out"))
    assert run.returncode == 2, run.stderr
    line = assert_one_clean_line(run.stderr)
    assert "bright.pt" in line and "ValueError: input too bright for this model" in line
    assert "TorchScript" not in line
    assert not (tmp_path / "out").exists()


def test_a_users_model_that_fails_backward_exits_2_naming_it(models, tmp_path, capsys):
    argv = ["attack", "--network", str(models / "noderiv.pt"), "--image", "brain:3", "--iterations", "2",
            "--gain-iterations", "2", "--no-baseline", "--threads", "1", "--out", str(tmp_path / "out")]
    assert main(argv) == 2
    line = assert_one_clean_line(capsys.readouterr().err)
    assert "noderiv.pt" in line and "gradient" in line and "igamma" in line
    assert not (tmp_path / "out").exists()


def test_card_given_as_a_folder_exits_2(models, tmp_path):
    run = run_cli("details", "--network", str(models / "identity.pt"), "--card", str(tmp_path),
                  "--no-baseline", "--threads", "1")
    assert run.returncode == 2, run.stderr
    assert "folder" in assert_one_clean_line(run.stderr)


COMMANDS = {   # each command's cheapest valid arguments, given a model folder
    "attack": lambda m: ["attack", "--network", str(m / "identity.pt"), "--iterations", "1",
                         "--gain-iterations", "0", "--no-baseline"],
    "details": lambda m: ["details", "--network", str(m / "identity.pt"), "--no-baseline"],
    "samples": lambda m: ["samples", "--network", str(m / "identity.pt"), "--rates", "0.3", "--no-baseline"],
    "baseline": lambda m: ["baseline", "--size", "32", "--iterations", "1"],
    "demo": lambda m: ["demo", "--size", "32"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_out_given_as_an_existing_file_exits_2_and_leaves_it_alone(models, tmp_path, command, capsys):
    target = tmp_path / "result.txt"
    target.write_text("keep me")
    assert main([*COMMANDS[command](models), "--threads", "1", "--out", str(target)]) == 2
    assert "existing file" in capsys.readouterr().err
    assert target.read_text() == "keep me"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_output_folder_on_bad_input(models, tmp_path, command, capsys):
    out = tmp_path / "nested" / "out"
    argv = [*COMMANDS[command](models), "--image", str(tmp_path / "missing.png"), "--threads", "1",
            "--out", str(out)]
    assert main(argv) == 2
    assert "missing.png" in capsys.readouterr().err
    assert not (tmp_path / "nested").exists()


def test_good_input_still_creates_the_nested_output_folder(models, tmp_path):
    out = tmp_path / "a" / "b"
    assert main([*COMMANDS["demo"](models), "--threads", "1", "--out", str(out)]) == 0
    assert (out / "result.json").is_file()


def test_out_inside_a_file_exits_2(models, tmp_path, capsys):
    (tmp_path / "file").write_text("")
    assert main([*COMMANDS["demo"](models), "--threads", "1", "--out", str(tmp_path / "file" / "out")]) == 2
    assert "is a file" in capsys.readouterr().err


def test_torchscript_traceback_reduces_to_the_models_own_exception():
    scripted = torch.jit.script(FailsOnBrightInput())
    with pytest.raises(torch.jit.Error) as caught:
        scripted(torch.ones(1, 2, 4, 4))
    assert describe(caught.value) == "ValueError: input too bright for this model"


def test_plain_exceptions_are_described_by_type_and_first_line():
    assert describe(RuntimeError("first\nsecond")) == "RuntimeError: first"
    assert describe(KeyError()) == "KeyError"


def test_one_line_removes_terminal_escapes_and_joins_lines():
    text = "\x1b[31mred\x1b[0m error\n  on two lines\x07"
    assert one_line(text) == "red error on two lines"
    assert not re.search(r"[\x00-\x1f]", one_line(text))


@pytest.mark.parametrize("command,extra,word", [
    ("demo", ["--device", "gpu0"], "device"),
    ("demo", ["--size", "0"], "--size"),
    ("baseline", ["--size", "2"], "--size"),
    ("attack", ["--snapshots", "abc"], "--snapshots"),
    ("details", ["--size", "10000"], "larger than"),
    ("details", ["--intensity", "nan"], "intensity"),
])
def test_more_bad_flag_values_exit_2_naming_the_flag(models, command, extra, word, capsys):
    assert main([*COMMANDS[command](models), *extra, "--threads", "1"]) == 2
    assert word in capsys.readouterr().err
