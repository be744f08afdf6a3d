"""Built-in images by name, so every command and panel can start without a file.

Generated (drawn on request, any size without resampling): `shepp-logan`, `ellipses:SEED`.
Shipped (16-bit PNGs in resources/images/, listed in its images.json, sources and licences
in its PROVENANCE.md): `brain:0` … `brain:11` (slices of the MNI ICBM152 2009a T1 template in
three planes; `brain` is the default axial slice), `ct` (128² thorax CT), `mr` (64² head MR),
`mr-shoulder` and `mr-abdomen` (256² MR).

Every built-in image comes back as a float32 `(H, W)` tensor in [0, 1]; with `shape`, fitted by the
same rule as files (`fit_to_shape`: centre-crop to the aspect ratio, antialiased resize).
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import torch

from ..errors import UnknownName
from .image_files import load_image
from .phantoms import random_ellipses, shepp_logan
from .resizing import fit_to_shape
from .resources import resource_path

GENERATED_SIZE = 256
ELLIPSES = "ellipses"


@functools.lru_cache(maxsize=4)
def _manifest(folder: Path) -> dict:
    return json.loads((folder / "images.json").read_text(encoding="utf-8"))


def _shipped() -> tuple[Path, dict]:
    folder = resource_path("images", "images.json").parent
    return folder, _manifest(folder)


def list_builtin_images() -> list[tuple[str, str]]:
    """(name, description) of every built-in image, in the order a menu should show them.

    `ellipses:0` stands for the whole family: any `ellipses:SEED` with a whole-number seed works.
    """
    _, manifest = _shipped()
    by_name = {s["name"]: s for s in manifest["images"]}
    out = [
        ("shepp-logan", "Shepp-Logan head phantom (generated, any size)"),
        (f"{ELLIPSES}:0", "random ellipses, seed 0 (generated; any ellipses:SEED gives another image)"),
    ]
    for alias, target in manifest.get("aliases", {}).items():
        out.append((alias, f"{by_name[target]['description']} — the default ({target})"))
    out.extend((s["name"], s["description"]) for s in manifest["images"])
    return out


def _unknown(name: str, why: str = "") -> UnknownName:
    _, manifest = _shipped()
    names = [s["name"] for s in manifest["images"]]
    brains = [n for n in names if n.startswith("brain:")]
    others = [n for n in names if not n.startswith("brain:")]
    valid = ["shepp-logan", f"{ELLIPSES}:SEED (any whole number)", *manifest.get("aliases", {})]
    if brains:
        valid.append(f"{brains[0]} … {brains[-1]}")
    valid.extend(others)
    return UnknownName(f"{why or f'unknown built-in image {name!r}'}; built-in images are: {', '.join(valid)}")


def _ellipse_seed(name: str) -> int:
    text = name.split(":", 1)[1] if ":" in name else "0"
    try:
        seed = int(text)
    except ValueError:
        raise _unknown(name, f"ellipses seed must be a whole number, got {text!r}") from None
    if seed < 0:
        raise _unknown(name, f"ellipses seed must not be negative, got {seed}")
    return seed


def _generated(draw, shape) -> torch.Tensor:
    if shape is None:
        return torch.from_numpy(draw(GENERATED_SIZE))
    h, w = (int(s) for s in shape)
    # drawn square at the larger side, then only cropped: no resampling of the edges
    return fit_to_shape(torch.from_numpy(draw(max(h, w, 1))), (h, w))


def load_builtin_image(name: str, shape: tuple[int, int] | None = None) -> torch.Tensor:
    """The built-in image `name` as a float32 `(H, W)` tensor in [0, 1].

    Without `shape`: generated images are 256², shipped ones their stored size.
    Raises UnknownName, listing the valid names, for anything else.
    """
    key = str(name).strip().lower()
    if key == "shepp-logan":
        return _generated(shepp_logan, shape)
    if key == ELLIPSES or key.startswith(ELLIPSES + ":"):
        seed = _ellipse_seed(key)
        return _generated(lambda n: random_ellipses(n, seed), shape)
    folder, manifest = _shipped()
    key = manifest.get("aliases", {}).get(key, key)
    for entry in manifest["images"]:
        if entry["name"] == key:
            return load_image(folder / entry["file"], shape)
    raise _unknown(str(name))


def is_builtin_name(spec: str) -> bool:
    """Whether `spec` names a built-in image (as opposed to a file path)."""
    key = str(spec).strip().lower()
    if key == "shepp-logan" or key == ELLIPSES or key.startswith(ELLIPSES + ":"):
        return True
    _, manifest = _shipped()
    return key in manifest.get("aliases", {}) or any(s["name"] == key for s in manifest["images"])


def load_image_or_builtin(spec: str | os.PathLike, shape: tuple[int, int] | None = None, **kwargs) -> torch.Tensor:
    """A built-in image if `spec` names one, else the image file at `spec` (see `load_image`).

    This is what the CLI's and the GUI's "image" argument means: `brain:3` or `scan.dcm`. An
    existing file wins over a built-in image of the same name (a DICOM file called `ct`, say).
    """
    if isinstance(spec, str) and not os.path.exists(spec) and is_builtin_name(spec):
        return load_builtin_image(spec, shape)
    return load_image(spec, shape, **kwargs)
