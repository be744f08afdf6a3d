"""A study spec: what to test, read from TOML (`tomllib`) and checked field by field.

```toml
networks = ["deepmri", "ell50", { model = "unet.pt", card = "unet.json" }]
images = ["brain:0", "scans/*.png", { nifti = "head.nii.gz", slices = [40, 60], step = 2 },
          { dicom = "ct_series/" }]
rates = [0.25]              # optional sampling overrides (default: each network's trained one)
budgets = [0.005, 0.01, "2%"]
restarts = 2
iterations = 100
tests = ["attack", "noise"]  # also "nullspace", "target-add", "target-remove"
seed = 0
keep_arrays = 5             # arrays (r, outputs) kept for the worst cases per network
gain_iterations = 20        # power iterations for the linearised gain (search adequacy; 0: skip)
baseline = true             # compare with the compressed-sensing baseline
baseline_iterations = 300   # optional cap on its iterations
attack = { step = 0.25, stall_window = 10, stall_tolerance = 0.005 }   # optional: the budgeted search
target = { symbol = "heart", intensity = 0.5 }   # optional: the detail d of the targeted tests
nullspace = { tolerance = 1e-6, max_iterations = 500 }   # optional: the projection's solve
```

The targeted tests ("target-add": make the network show d although x lacks it; "target-remove":
make it lose d from x + d) run per budget and restart like the attack; "nullspace" (the error
split into measured and null-space parts) runs once per image and sampling (no budget: 0).

Relative paths are read from the spec's folder. Every problem raises `SpecError` naming the field.
Images are resolved here (globs expanded, DICOM folders listed, slice ranges counted); the
product with networks, budgets and restarts is left to `cases.py`, which expands it lazily.
"""

from __future__ import annotations

import glob
import hashlib
import math
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..stability.params import AttackParams, BadParameter
from .errors import SpecError
from .spec_tables import nullspace_table, target_table

#: tests a study can run, and those it refuses with the command that does them instead
TESTS = ("attack", "noise", "nullspace", "target-add", "target-remove")
#: tests that run once per budget and restart; the others once per image and sampling
BUDGETED_TESTS = ("attack", "noise", "target-add", "target-remove")
UNSUPPORTED_TESTS = {
    "details": "test 2 (details) is not run by studies yet; use `stabview details` per image",
    "samples": "test 3 (more samples) is not run by studies yet; use `stabview samples`",
}
KNOWN_FIELDS = {"networks", "images", "rates", "budgets", "restarts", "iterations", "tests", "seed",
                "keep_arrays", "gain_iterations", "baseline", "baseline_iterations", "attack", "target",
                "nullspace"}
ATTACK_FIELDS = {"step": float, "stall_window": int, "stall_tolerance": float}


@dataclass(frozen=True)
class NetworkRef:
    """A network as a case needs it: a label, where to load it from, and the hash of its files."""

    label: str
    source: str            # zoo name or absolute model path
    card: str | None       # absolute card path for a model file, None otherwise
    file_hash: str         # sha256 of the weights (or model file) and the card

    def to_dict(self) -> dict:
        return {"label": self.label, "source": self.source, "card": self.card, "file_hash": self.file_hash}


@dataclass(frozen=True)
class ImageRef:
    """One image: `ref` as written in the spec (names it in ids and tables), `path` to load."""

    ref: str               # "brain:3", "scans/a.png", "head.nii.gz#42"
    path: str              # sample name or absolute file path
    slice_index: int | None = None
    axis: int = 2

    def to_dict(self) -> dict:
        return {"ref": self.ref, "path": self.path, "slice_index": self.slice_index, "axis": self.axis}


@dataclass(frozen=True)
class StudySpec:
    """A checked spec; `text` is the TOML it came from (kept in the study's table)."""

    networks: tuple[NetworkRef, ...]
    images: tuple[ImageRef, ...]
    budgets: tuple[float, ...]
    rates: tuple[float | None, ...] = (None,)
    restarts: int = 1
    iterations: int = 100
    tests: tuple[str, ...] = ("attack",)
    seed: int = 0
    keep_arrays: int = 5
    gain_iterations: int = 20
    baseline: bool = True
    baseline_iterations: int | None = None
    attack: dict = field(default_factory=dict)
    target: dict = field(default_factory=dict)
    nullspace: dict = field(default_factory=dict)
    text: str = ""

    def settings(self) -> dict:
        """The settings every case shares (they enter each case's id)."""
        return {"iterations": self.iterations, "gain_iterations": self.gain_iterations,
                "baseline": self.baseline, "baseline_iterations": self.baseline_iterations,
                "attack": dict(sorted(self.attack.items()))}

    def test_settings(self, test: str) -> dict:
        """Settings of one test beyond the shared ones (they enter the ids of that test's cases).

        Targeted tests: the detail (kind, content, size and centre — None: decided by the image's
        shape as `stabview target` does —, intensity) and the search (iterations, step); nullspace:
        the projection's tolerance and iteration cap. The attack and noise tests have none.
        """
        if test.startswith("target-"):
            t = self.target
            return {"mode": test.split("-", 1)[1],
                    "detail": {"kind": "text" if "text" in t else "symbol",
                               "content": t.get("text", t.get("symbol", "heart")),
                               "size": t.get("size"), "centre": t.get("position"),
                               "intensity": t.get("intensity", 0.5)},
                    "iterations": t.get("iterations", self.iterations), "step": t.get("step", 0.1)}
        if test == "nullspace":
            return {"tolerance": self.nullspace.get("tolerance", 1e-6),
                    "max_iterations": self.nullspace.get("max_iterations", 500)}
        return {}


def load_spec(path: str | os.PathLike) -> StudySpec:
    """Read and check the spec at `path`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError("spec", f"cannot read {path}: {exc.strerror or exc}") from None
    return parse_spec(text, path.resolve().parent)


def parse_spec(text: str, base: str | os.PathLike = ".") -> StudySpec:
    """Check a spec's TOML text; relative paths are taken from folder `base`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError("spec", f"not valid TOML ({exc})") from None
    unknown = sorted(set(data) - KNOWN_FIELDS)
    if unknown:
        raise SpecError(unknown[0], f"unknown field; a spec has {', '.join(sorted(KNOWN_FIELDS))}")
    base = Path(base)
    for required in ("networks", "images", "budgets"):
        if required not in data:
            raise SpecError(required, "missing (it is required)")
    return StudySpec(
        networks=_networks(data["networks"], base),
        images=_images(data["images"], base),
        budgets=_budgets(data["budgets"]),
        rates=_rates(data.get("rates")),
        restarts=_whole(data, "restarts", 1, minimum=1),
        iterations=_whole(data, "iterations", 100, minimum=1),
        tests=_tests(data.get("tests", ["attack"])),
        seed=_whole(data, "seed", 0, minimum=0),
        keep_arrays=_whole(data, "keep_arrays", 5, minimum=0),
        gain_iterations=_whole(data, "gain_iterations", 20, minimum=0),
        baseline=_boolean(data, "baseline", True),
        baseline_iterations=(None if "baseline_iterations" not in data
                             else _whole(data, "baseline_iterations", None, minimum=1)),
        attack=_attack(data.get("attack", {})),
        target=target_table(data.get("target", {})),
        nullspace=nullspace_table(data.get("nullspace", {})),
        text=text,
    )


# --- fields --------------------------------------------------------------------------------------
def _list(value, name: str) -> list:
    if not isinstance(value, list) or not value:
        raise SpecError(name, "must be a non-empty list")
    return value


def _whole(data: dict, name: str, default, *, minimum: int) -> int:
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(name, f"must be a whole number, got {value!r}")
    if value < minimum:
        raise SpecError(name, f"must be at least {minimum}, got {value}")
    return value


def _boolean(data: dict, name: str, default: bool) -> bool:
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise SpecError(name, f"must be true or false, got {value!r}")
    return value


def _fraction(value, name: str) -> float:
    """0.02 or "2%" → 0.02, in (0, 1]."""
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            value = float(value.strip()[:-1]) / 100
        except ValueError:
            raise SpecError(name, f"{value!r} is not a percentage") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecError(name, f"must be numbers like 0.02 or \"2%\", got {value!r}")
    value = float(value)
    if not (math.isfinite(value) and 0 < value <= 1):
        raise SpecError(name, f"must lie in (0, 1] (a share of ‖x‖), got {value:g}")
    return value


def _budgets(value) -> tuple[float, ...]:
    budgets = [_fraction(v, "budgets") for v in _list(value, "budgets")]
    if len(set(budgets)) != len(budgets):
        raise SpecError("budgets", f"lists a budget twice: {budgets}")
    return tuple(budgets)


def _rates(value) -> tuple[float | None, ...]:
    if value is None:
        return (None,)
    rates = [_fraction(v, "rates") for v in _list(value, "rates")]
    if len(set(rates)) != len(rates):
        raise SpecError("rates", f"lists a rate twice: {rates}")
    return tuple(rates)


def _tests(value) -> tuple[str, ...]:
    tests = _list(value, "tests")
    for test in tests:
        if test in UNSUPPORTED_TESTS:
            raise SpecError("tests", UNSUPPORTED_TESTS[test])
        if test not in TESTS:
            raise SpecError("tests", f"unknown test {test!r}; a study runs {', '.join(TESTS)}")
    if len(set(tests)) != len(tests):
        raise SpecError("tests", f"lists a test twice: {tests}")
    return tuple(tests)


def _attack(value) -> dict:
    if not isinstance(value, dict):
        raise SpecError("attack", "must be a table like { step = 0.25, stall_window = 10 }")
    out = {}
    for key, item in value.items():
        if key not in ATTACK_FIELDS:
            raise SpecError(f"attack.{key}", f"unknown setting; known: {', '.join(ATTACK_FIELDS)}")
        if isinstance(item, bool) or not isinstance(item, (int, float)) or not math.isfinite(item):
            raise SpecError(f"attack.{key}", f"must be a number, got {item!r}")
        out[key] = ATTACK_FIELDS[key](item)
    try:
        AttackParams(**out)
    except BadParameter as exc:
        raise SpecError(f"attack.{next(iter(out))}" if len(out) == 1 else "attack", str(exc)) from None
    return out


# --- networks ------------------------------------------------------------------------------------
def file_sha256(*paths: str | os.PathLike) -> str:
    """sha256 over the bytes of the files, in order (1 MiB blocks)."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _networks(value, base: Path) -> tuple[NetworkRef, ...]:
    from ..networks import zoo
    refs = []
    for i, entry in enumerate(_list(value, "networks")):
        name = f"networks[{i}]"
        if isinstance(entry, str) and entry in zoo.names():
            folder = zoo.zoo_dir() / entry
            refs.append(NetworkRef(entry, entry, None,
                                   file_sha256(folder / "weights.safetensors", folder / "card.json")))
            continue
        if isinstance(entry, str):
            model, card = entry, None
        elif isinstance(entry, dict) and isinstance(entry.get("model"), str):
            extra = sorted(set(entry) - {"model", "card"})
            if extra:
                raise SpecError(f"{name}.{extra[0]}", "unknown key; a model entry has model and card")
            model, card = entry["model"], entry.get("card")
        else:
            raise SpecError(name, f"must be a zoo name ({', '.join(zoo.names())}), a model file, "
                                  f"or {{ model = \"file\", card = \"card.json\" }}; got {entry!r}")
        path = (base / model).resolve()
        if not path.is_file():
            raise SpecError(name, f"{model!r} is neither a zoo network ({', '.join(zoo.names())}) "
                                  f"nor a model file (looked at {path})")
        card_path = (base / card).resolve() if card else _card_beside(path)
        if card_path is None or not card_path.is_file():
            raise SpecError(name, f"no model card for {model}: give card = \"….json\" "
                                  f"(looked for {path.with_suffix('.json')})")
        refs.append(NetworkRef(path.stem, str(path), str(card_path), file_sha256(path, card_path)))
    labels = [r.label for r in refs]
    if len(set(r.file_hash for r in refs)) != len(refs):
        raise SpecError("networks", "lists the same network twice")
    return tuple(NetworkRef(f"{r.label}-{r.file_hash[:6]}" if labels.count(r.label) > 1 else r.label,
                            r.source, r.card, r.file_hash) for r in refs)


def _card_beside(path: Path) -> Path | None:
    for candidate in (path.with_suffix(".json"), path.with_name(path.name + ".json"),
                      path.parent / "card.json"):
        if candidate.is_file():
            return candidate
    return None


# --- images --------------------------------------------------------------------------------------
def _images(value, base: Path) -> tuple[ImageRef, ...]:
    refs: list[ImageRef] = []
    for i, entry in enumerate(_list(value, "images")):
        name = f"images[{i}]"
        if isinstance(entry, str):
            refs.extend(_named_or_glob(entry, base, name))
        elif isinstance(entry, dict) and "nifti" in entry:
            refs.extend(_volume(entry, base, name))
        elif isinstance(entry, dict) and "dicom" in entry:
            refs.extend(_dicom_folder(entry, base, name))
        else:
            raise SpecError(name, "must be a sample name, a file or glob, { nifti = \"…\", slices = "
                                  f"[first, last] }} or {{ dicom = \"folder\" }}; got {entry!r}")
    seen = set()
    for ref in refs:
        if ref.ref in seen:
            raise SpecError("images", f"{ref.ref} is listed twice")
        seen.add(ref.ref)
    return tuple(refs)


def _named_or_glob(text: str, base: Path, name: str) -> list[ImageRef]:
    from ..data import is_builtin_name
    if not (base / text).exists() and is_builtin_name(text):
        return [ImageRef(text, text)]
    matches = sorted(glob.glob(str(base / text), recursive=True))
    files = [m for m in matches if os.path.isfile(m)]
    if not files:
        raise SpecError(name, f"{text!r} is neither a built-in sample (see `stabview images`) nor "
                              f"a file or glob that matches a file (looked in {base})")
    return [ImageRef(_shown(Path(f), base), str(Path(f).resolve())) for f in files]


def _shown(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def _volume(entry: dict, base: Path, name: str) -> list[ImageRef]:
    extra = sorted(set(entry) - {"nifti", "slices", "step", "axis"})
    if extra:
        raise SpecError(f"{name}.{extra[0]}", "unknown key; a volume has nifti, slices, step, axis")
    path = (base / str(entry["nifti"])).resolve()
    if not path.is_file():
        raise SpecError(f"{name}.nifti", f"no such file: {path}")
    slices = entry.get("slices")
    if (not isinstance(slices, list) or len(slices) != 2
            or not all(isinstance(s, int) and not isinstance(s, bool) for s in slices)
            or not 0 <= slices[0] <= slices[1]):
        raise SpecError(f"{name}.slices", f"must be [first, last] whole numbers (last included), got {slices!r}")
    step = entry.get("step", 1)
    axis = entry.get("axis", 2)
    if isinstance(step, bool) or not isinstance(step, int) or step < 1:
        raise SpecError(f"{name}.step", f"must be a whole number ≥ 1, got {step!r}")
    if axis not in (0, 1, 2):
        raise SpecError(f"{name}.axis", f"must be 0, 1 or 2, got {axis!r}")
    depth = _volume_depth(path, axis, f"{name}.nifti")
    if slices[1] >= depth:
        raise SpecError(f"{name}.slices", f"the volume has {depth} slices along axis {axis} "
                                          f"(0…{depth - 1}); got last = {slices[1]}")
    shown = _shown(path, base)
    suffix = "" if axis == 2 else f"@axis{axis}"
    return [ImageRef(f"{shown}#{k}{suffix}", str(path), k, axis)
            for k in range(slices[0], slices[1] + 1, step)]


def _volume_depth(path: Path, axis: int, name: str) -> int:
    import nibabel
    try:
        shape = nibabel.load(str(path)).shape
    except Exception as exc:  # nibabel raises many kinds for damaged files
        raise SpecError(name, f"{path} cannot be read as NIfTI ({type(exc).__name__}: {exc})") from None
    if len(shape) < 3:
        raise SpecError(name, f"{path} is a 2-D image (shape {shape}); list it as a file instead")
    return int(shape[axis])


def _dicom_folder(entry: dict, base: Path, name: str) -> list[ImageRef]:
    from ..data.image_files import file_format
    from ..errors import ImageLoadError
    extra = sorted(set(entry) - {"dicom"})
    if extra:
        raise SpecError(f"{name}.{extra[0]}", "unknown key; a DICOM folder entry has only dicom")
    folder = (base / str(entry["dicom"])).resolve()
    if not folder.is_dir():
        raise SpecError(f"{name}.dicom", f"no such folder: {folder}")
    files = []
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        try:
            if file_format(path) == "DICOM":
                files.append(path)
        except ImageLoadError:
            continue    # other files in the folder (notes, DICOMDIR indexes without the marker)
    if not files:
        raise SpecError(f"{name}.dicom", f"{folder} holds no DICOM files")
    return [ImageRef(_shown(p, base), str(p)) for p in files]
