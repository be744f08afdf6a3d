"""The command line: help, the headless demo, and one-line errors instead of tracebacks."""

import json
import subprocess
import sys

import pytest

from stabview.cli import main


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for name in ("demo", "images"):
        assert name in out


def test_demo_reconstructs_and_writes_pngs(tmp_path, capsys):
    code = main(["demo", "--image", "shepp-logan", "--size", "64", "--rate", "0.3",
                 "--threads", "1", "--out", str(tmp_path)])
    assert code == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert 10 < result["psnr_linear"] < 40
    assert (tmp_path / "original.png").stat().st_size > 0
    assert json.loads((tmp_path / "result.json").read_text())["operator"]["modality"] == "fourier"


@pytest.mark.parametrize("argv,message", [
    (["demo", "--image", "no-such-sample", "--threads", "1"], "no-such-sample"),
    (["demo", "--image", "shepp-logan", "--rate", "1.5", "--threads", "1"], "rate"),
    (["demo", "--image", "shepp-logan", "--mask", "spiral", "--threads", "1"], "spiral"),
])
def test_bad_input_is_one_clear_line_and_nonzero_exit(argv, message):
    run = subprocess.run([sys.executable, "-m", "stabview", *argv], capture_output=True, text=True)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


def test_python_dash_m_runs():
    run = subprocess.run([sys.executable, "-m", "stabview", "--version"], capture_output=True, text=True)
    assert run.returncode == 0 and "stabview" in run.stdout
