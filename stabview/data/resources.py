"""Where the shipped files live: the `resources/` folder beside the `stabview` package.

In a source checkout and in an editable install the package's `__file__` lies in the checkout,
so `resources/` is found next to it; a wheel installs a copy under `<prefix>/share/stabview/`
(pyproject's data-files). A build that puts the folder elsewhere sets the environment variable
`STABVIEW_RESOURCES` to it. Nothing here downloads anything.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..errors import StabviewError

ENV_VAR = "STABVIEW_RESOURCES"


def resources_dir() -> Path:
    """Where the `resources/` folder should be, whether or not it exists: `$STABVIEW_RESOURCES`,
    else the one beside the package (a checkout or an editable install), else the copy a wheel
    installs under `<prefix>/share/stabview/`. The one place that knows, for code that checks on
    its own."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser()
    beside = Path(__file__).resolve().parents[2] / "resources"
    installed = Path(sys.prefix) / "share" / "stabview" / "resources"
    return installed if not beside.is_dir() and installed.is_dir() else beside


def resources_root() -> Path:
    """The `resources/` folder `resources_dir` names, with a clear error when it is missing."""
    root = resources_dir()
    if os.environ.get(ENV_VAR):
        where = f"${ENV_VAR} points to {root}"
    else:
        where = f"expected beside the stabview package at {root}"
    if not root.is_dir():
        raise StabviewError(
            f"stabview's resources folder is missing ({where}); reinstall stabview from a full "
            f"checkout or set {ENV_VAR} to the folder that holds images/ and the weights"
        )
    return root


def resource_path(*parts: str, must_exist: bool = True) -> Path:
    """Path of a shipped file, e.g. `resource_path("images", "ct.png")`.

    With `must_exist` (the default) a missing file is reported by name, so a partial install
    fails with a message instead of a bare FileNotFoundError deep inside a reader.
    """
    path = resources_root().joinpath(*parts)
    if must_exist and not path.exists():
        raise StabviewError(
            f"shipped file resources/{'/'.join(parts)} is missing from {resources_root()}; "
            "reinstall stabview or regenerate the built-in images with scripts/make_builtin_images.py"
        )
    return path
