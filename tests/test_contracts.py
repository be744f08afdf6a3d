"""The house rules, checked statically on the source: Qt only in the window, and layers that
never import upward. Every import statement counts, also one inside a function."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "stabview"
QT_MODULES = ("PySide6", "pyqtgraph", "shiboken6")
#: lowest first; a module may import its own package and lower layers only
LAYERS = (
    ("errors",),
    ("runtime", "export", "operators", "data"),
    ("networks", "baselines"),
    ("stability",),
    ("experiment", "training"),
    ("study",),
    ("commands", "gui"),
    ("cli",),
    ("__main__",),
)
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def imported_modules(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in a file of the package at `root`,
    relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = ("stabview",) + path.parent.relative_to(root).parts
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[:len(package) - node.level + 1])
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            found.append((node.lineno, str(node.args[0].value)))
    return found


def top_package(module: str) -> str | None:
    """'operators' for 'stabview.operators.fft'; None outside stabview."""
    parts = module.split(".")
    return parts[1] if parts[0] == "stabview" and len(parts) > 1 else None


def qt_violations(package: Path) -> list[str]:
    """Imports of Qt outside `gui/`."""
    bad = []
    for path in sorted(package.rglob("*.py")):
        if "gui" in path.relative_to(package).parts[:1]:
            continue
        for line, module in imported_modules(path, package):
            if module.split(".")[0] in QT_MODULES:
                bad.append(f"{path.relative_to(package.parent)}:{line} imports {module}")
    return bad


def layer_violations(package: Path) -> list[str]:
    """Imports of a higher layer, or of an unknown top-level module."""
    bad = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package)
        own = rel.parts[0].removesuffix(".py")
        if own == "__init__":
            continue
        if own not in RANK:
            bad.append(f"{rel}: 'stabview.{own}' has no layer: add it to LAYERS")
            continue
        for line, module in imported_modules(path, package):
            target = top_package(module)
            if target is None or target == own or target == "__init__":
                continue
            if target not in RANK:
                continue          # 'from stabview import __version__' and the like
            if RANK[target] >= RANK[own]:
                bad.append(f"{rel}:{line} ({own}, layer {RANK[own]}) imports {module} (layer {RANK[target]})")
    return bad


def test_no_module_outside_the_window_imports_qt():
    assert qt_violations(PACKAGE) == []


def test_no_layer_imports_upward():
    assert layer_violations(PACKAGE) == []


def copy_of_package(tmp_path: Path) -> Path:
    import shutil
    copy = tmp_path / "stabview"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.mark.parametrize("line", ["import PySide6", "from PySide6.QtCore import QObject", "import pyqtgraph as pg",
                                  "importlib.import_module('shiboken6')"])
def test_the_qt_contract_catches_an_import_hidden_in_a_function(tmp_path, line):
    copy = copy_of_package(tmp_path)
    metrics = copy / "stability" / "metrics.py"
    metrics.write_text(metrics.read_text() + f"\n\ndef _sneaky():\n    import importlib\n    {line}\n")
    assert any("stability/metrics.py" in v for v in qt_violations(copy))


def test_the_layer_contract_catches_an_upward_import(tmp_path):
    copy = copy_of_package(tmp_path)
    fft = copy / "operators" / "fft.py"
    fft.write_text(fft.read_text() + "\n\ndef _upward():\n    from ..stability import metrics\n")
    assert any("operators/fft.py" in v and "stability" in v for v in layer_violations(copy))
