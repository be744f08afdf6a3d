"""Ctrl-C: a search stops and its results are written complete and marked 'cancelled', or nothing
is written at all; never a part of the files."""

import json
import os
import signal

import pytest

from stabview.cli import main
from stabview.commands.common import _interrupt_deferred, output_files

from .interrupt import interrupt_when
from .test_exit_codes import COMMANDS, models  # noqa: F401 - the same small user models


@pytest.mark.slow
def test_ctrl_c_during_a_targeted_search_writes_complete_results_marked_cancelled(tmp_path):
    out = tmp_path / "out"
    code, stderr = interrupt_when(
        ["target", "--mode", "add", "--network", "automap", "--image", "brain", "--iterations", "2000",
         "--step", "0.02", "--no-baseline", "--threads", "1", "--out", str(out)], marker="target [")
    assert code == 0, stderr
    assert "search stopped (Ctrl-C)" in stderr and "Traceback" not in stderr
    assert sorted(os.listdir(out)) == ["arrays.npz", "curves.png", "result.json", "target.png"]
    result = json.loads((out / "result.json").read_text())
    assert result["stopped_by"] == "cancelled"
    assert 1 <= result["iterations_run"] < 2000
    assert len(result["history"]) == result["iterations_run"]


def test_an_interrupt_while_writing_leaves_no_files_and_no_new_folder(tmp_path):
    out = tmp_path / "a" / "out"
    with pytest.raises(KeyboardInterrupt):
        with output_files(out) as folder:
            (folder / "result.json").write_text("{}")
            raise KeyboardInterrupt
    assert not (tmp_path / "a").exists()


def test_an_interrupt_while_writing_leaves_an_existing_folder_as_it_was(tmp_path):
    (tmp_path / "result.json").write_text("old")
    with pytest.raises(KeyboardInterrupt):
        with output_files(tmp_path) as folder:
            (folder / "result.json").write_text("new")
            (folder / "figure.png").write_bytes(b"half")
            raise KeyboardInterrupt
    assert os.listdir(tmp_path) == ["result.json"] and (tmp_path / "result.json").read_text() == "old"


def test_complete_files_are_moved_into_the_folder(tmp_path):
    with output_files(tmp_path / "out") as folder:
        (folder / "result.json").write_text("new")
        (folder / "arrays.npz").write_bytes(b"data")
    assert sorted(os.listdir(tmp_path / "out")) == ["arrays.npz", "result.json"]


def test_ctrl_c_while_the_files_are_moved_is_raised_after_the_last_one():
    reached, before = [], signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        with _interrupt_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            reached.append(True)
    assert reached == [True]
    assert signal.getsignal(signal.SIGINT) is before       # the handler it replaced is back


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_ctrl_c_while_a_command_writes_leaves_no_files(models, tmp_path, monkeypatch, command):
    import stabview.export
    import stabview.stability.figures

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    import importlib
    import pkgutil
    import sys

    import stabview
    # every module imported first: one imported during the command would bind the patched
    # function for good (monkeypatch restores only what it patched), and later tests would exit 130
    for info in pkgutil.walk_packages(stabview.__path__, "stabview."):
        if not info.name.startswith("stabview.gui") and not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    originals = (stabview.stability.figures.save_figure, stabview.export.save_png)
    for module in list(sys.modules.values()):      # every module that bound them by name
        for name in ("save_figure", "save_png"):
            if getattr(module, name, None) in originals:
                monkeypatch.setattr(module, name, interrupted)
    out = tmp_path / "new" / "out"
    assert main([*COMMANDS[command](models), "--threads", "1", "--out", str(out)]) == 130
    assert not (tmp_path / "new").exists()
