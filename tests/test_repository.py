"""House rules that keep the repository honest: one test command, Qt only in the GUI."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```bash\n(.+?)\n```", text)


def test_readme_opens_with_exactly_two_setup_commands():
    head = (ROOT / "README.md").read_text().split("---")[0]
    commands = re.findall(r"```bash\n(.+?)\n```", head)
    assert len(commands) == 2
    install_and_run, install_and_test = commands
    assert "constraints.txt" in install_and_run and "stabview" in install_and_run
    assert "constraints.txt" in install_and_test and "pytest" in install_and_test


def test_ci_runs_the_readme_test_command_verbatim_offscreen():
    ci = (ROOT / ".ci" / "run").read_text()
    assert readme_commands()[1] in ci.splitlines()
    assert "QT_QPA_PLATFORM=offscreen" in ci


def test_constraints_pin_the_cpu_torch_and_exclude_the_bad_pyside():
    pins = dict(line.split("==") for line in (ROOT / "constraints.txt").read_text().split() if "==" in line)
    assert pins["torch"] == "2.13.0"
    assert pins["PySide6_Essentials"] != "6.12.0"
    assert "!=6.12.0" in (ROOT / "pyproject.toml").read_text()


def test_core_imports_without_qt():
    """Block PySide6/pyqtgraph and import every non-GUI module: the core must not need Qt."""
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for p in (ROOT / "stabview").rglob("*.py")
        if "gui" not in p.relative_to(ROOT).parts and p.name != "__main__.py")
    code = (
        "import sys, importlib\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph'):\n"
        "            raise ImportError('Qt is blocked in the core: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m.replace('/', '.').removesuffix('.__init__'))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]


def test_every_resources_folder_travels_in_a_wheel():
    """pyproject's data-files must list each folder of resources/ that holds files (a wheel
    installs them under <prefix>/share/stabview/, where data.resources looks)."""
    import tomllib
    listed = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["data-files"]
    folders = {str(d.relative_to(ROOT)) for d in (ROOT / "resources").rglob("*")
               if d.is_dir() and any(f.is_file() for f in d.iterdir())}
    assert {f"share/stabview/{d}": [f"{d}/*"] for d in folders} == listed


def test_resources_are_found_in_a_wheel_install(tmp_path, monkeypatch):
    """Without a checkout beside the package, the copy under <prefix>/share/stabview is used."""
    import sys

    from stabview.data import resources
    installed = tmp_path / "share" / "stabview" / "resources"
    installed.mkdir(parents=True)
    monkeypatch.delenv(resources.ENV_VAR, raising=False)
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    assert resources.resources_dir() == ROOT / "resources"       # a checkout wins
    monkeypatch.setattr(resources, "__file__", str(tmp_path / "site" / "stabview" / "data" / "resources.py"))
    assert resources.resources_dir() == installed
