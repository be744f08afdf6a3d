"""packaging/: the desktop entry, the icon, the bundle spec and build script, and the entry points."""

import configparser
import os
import stat
from pathlib import Path

import pytest
from PIL import Image

import stabview.__main__ as entry

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"


def test_desktop_entry_is_valid_and_starts_stabview():
    entry_file = configparser.ConfigParser(interpolation=None)
    entry_file.optionxform = str
    entry_file.read(PACKAGING / "stabview.desktop", encoding="utf-8")
    desktop = entry_file["Desktop Entry"]
    assert desktop["Type"] == "Application" and desktop["Name"] == "stabview"
    assert desktop["Exec"].split()[0] == "stabview" and desktop["Terminal"] == "false"
    assert desktop["Icon"] == "stabview" and (PACKAGING / "stabview.png").exists()
    assert desktop["Categories"].endswith(";")


def test_icon_is_a_square_png_drawn_by_the_script(tmp_path):
    from importlib.util import module_from_spec, spec_from_file_location
    spec = spec_from_file_location("make_icon", PACKAGING / "make_icon.py")
    module = module_from_spec(spec)
    spec.loader.exec_module(module)
    drawn = module.draw_icon(64)
    assert drawn.size == (64, 64) and drawn.mode == "RGBA"
    with Image.open(PACKAGING / "stabview.png") as shipped:
        assert shipped.size == (256, 256)


def test_bundle_spec_names_files_that_exist():
    text = (PACKAGING / "stabview.spec").read_text()
    compile(text, "stabview.spec", "exec")                       # valid Python
    assert "launch.py" in text and (PACKAGING / "launch.py").exists()
    for relative in ("resources/images", "resources/fonts", "docs/quick-guide.md", "packaging/stabview.png"):
        assert (ROOT / relative).exists(), relative
        assert '"' + relative.split("/")[-1] + '"' in text or relative.split("/")[-1] in text
    assert "collect_submodules(\"stabview\")" in text             # every CLI command is bundled


def test_build_script_is_executable_and_smoke_tests_the_bundle():
    script = PACKAGING / "build_bundle.sh"
    assert script.stat().st_mode & stat.S_IXUSR
    text = script.read_text()
    assert "PyInstaller" in text and "stabview.spec" in text
    assert "images" in text and "STABVIEW_SMOKE_EXIT_MS" in text


def test_pyinstaller_is_only_an_optional_extra():
    pyproject = (ROOT / "pyproject.toml").read_text()
    dependencies = pyproject.split("dependencies = [", 1)[1].split("]", 1)[0]
    assert "pyinstaller" not in dependencies.lower()
    assert 'bundle = ["pyinstaller' in pyproject


def test_no_command_opens_the_window_and_commands_still_work(monkeypatch, capsys):
    opened = []
    import stabview.gui.app as app
    monkeypatch.setattr(app, "main", lambda argv: opened.append(argv) or 0)
    assert entry.main([]) == 0 and opened == [[]]
    assert entry.main(["gui", "--image", "ct"]) == 0 and opened[-1] == ["--image", "ct"]
    assert entry.main(["images"]) == 0
    assert "brain" in capsys.readouterr().out


@pytest.mark.skipif(not (ROOT / "build" / "dist" / "stabview" / "stabview").exists(),
                    reason="bundle not built (bash packaging/build_bundle.sh)")
def test_a_built_bundle_runs_the_cli():
    import subprocess
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = subprocess.run([str(ROOT / "build" / "dist" / "stabview" / "stabview"), "images"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0 and "brain" in run.stdout
