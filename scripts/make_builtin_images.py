"""Regenerate the shipped built-in images in resources/images/ from the packages that carry them.

The app never needs nilearn or pydicom-data: this script turns their files into small 16-bit
greyscale PNGs plus `images.json` (names, descriptions, sources and hashes), once. Get the
source packages without installing them into the app's environment, e.g.

    pip download --no-deps nilearn==0.14.1 pydicom-data==1.0.0 -d /tmp/wheels
    python scripts/make_builtin_images.py --wheels /tmp/wheels          # write resources/images/
    python scripts/make_builtin_images.py --wheels /tmp/wheels --check  # compare with what is shipped

(or install both into a throwaway venv and leave out --wheels). CT_small.dcm and MR_small.dcm
come from pydicom's own test files, which ship with pydicom itself.

Processing, the same for every sample unless said otherwise:
- values in the source's units (DICOM: stored value × RescaleSlope + RescaleIntercept; the
  template: its stored 0–255 values), read with stabview's own readers;
- brain slices: the template reoriented to RAS+, a 192 mm × 192 mm window centred on the
  brain's bounding box in that plane (zero-padded where it leaves the volume, same window for
  every slice of a plane), displayed superior/anterior up and the subject's right on the right,
  resized 192 → 256 pixels;
- fitted with `stabview.data.fit_to_shape` (centre-crop to square, antialiased bilinear
  resize) to 256², or kept native when smaller (CT 128², MR 64²);
- scaled min → 0, max → 65535 and stored as 16-bit greyscale PNG.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import metadata, util
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from stabview.data.formats import read_dicom  # noqa: E402
from stabview.data.image_files import normalise_image  # noqa: E402
from stabview.data.resizing import fit_to_shape  # noqa: E402

NILEARN = ("nilearn", "0.14.1")
PYDICOM_DATA = ("pydicom-data", "1.0.0")
MNI_T1 = "nilearn/datasets/data/mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz"
MR2 = "data_store/data/MR2_UNCR.dcm"
SIEMENS_MR = "data_store/data/MR-SIEMENS-DICOM-WithOverlays.dcm"
SIZE = 256
BRAIN_WINDOW_MM = 192

#: (plane, RAS axis, position in mm); brain:K is the K-th row; `brain` is DEFAULT_BRAIN
BRAIN_SLICES = [
    ("axial", 2, -10), ("axial", 2, 0), ("axial", 2, 10), ("axial", 2, 20),
    ("axial", 2, 30), ("axial", 2, 45),
    ("coronal", 1, -60), ("coronal", 1, -20), ("coronal", 1, 20),
    ("sagittal", 0, 10), ("sagittal", 0, 30), ("sagittal", 0, 45),
]
DEFAULT_BRAIN = 2

#: Verbatim from dipy 1.12.1 (dipy/data/fetcher.py, `mni_notes`), which describes the same MNI
#: ICBM152 2009 templates; the nilearn wheel carries the template without its notice.
MNI_NOTICE = """\
Copyright (C) 1993-2004, Louis Collins McConnell Brain Imaging Centre,
Montreal Neurological Institute, McGill University. Permission to use,
copy, modify, and distribute this software and its documentation for any
purpose and without fee is hereby granted, provided that the above
copyright notice appear in all copies. The authors and McGill University
make no representations about the suitability of this software for any
purpose. It is provided "as is" without express or implied warranty. The
authors are not responsible for any data loss, equipment damage, property
loss, or injury to subjects or patients resulting from the use or misuse
of this software package."""

PYDICOM_LICENCE = "MIT (pydicom's LICENSE)"
PYDICOM_DATA_LICENCE = "MIT (pydicom-data's LICENSE)"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Package:
    """Files of one source package, read from its wheel or from an installed copy."""

    name: str
    version: str
    root: Path
    origin: str

    def file(self, member: str) -> Path:
        path = self.root / member
        if not path.exists():
            raise SystemExit(f"{self.name} {self.version} ({self.origin}) has no {member}")
        return path


def open_package(name: str, version: str, wheels: Path | None, scratch: Path) -> Package:
    module = "data_store" if name == "pydicom-data" else name
    if wheels is not None:
        pattern = f"{name.replace('-', '_')}-{version}-*.whl"
        found = sorted(wheels.glob(pattern))
        if not found:
            raise SystemExit(f"no {pattern} in {wheels}; run: pip download --no-deps {name}=={version} -d {wheels}")
        root = scratch / name
        with zipfile.ZipFile(found[0]) as wheel:
            wheel.extractall(root)
        return Package(name, version, root, f"wheel {found[0].name}, sha256 {sha256(found[0])}")
    spec = util.find_spec(module)  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{name} is not installed here; pass --wheels DIR (see this script's docstring)")
    installed = metadata.version(name)
    if installed != version:
        print(f"warning: {name} {installed} installed, samples were made from {version}", file=sys.stderr)
    return Package(name, installed, Path(list(spec.submodule_search_locations)[0]).parent, "installed copy")


def to_uint16(image: np.ndarray) -> np.ndarray:
    return np.round(normalise_image(image) * 65535.0).astype(np.uint16)


def brain_slices(t1_path: Path) -> list[tuple[str, np.ndarray]]:
    """The BRAIN_SLICES of the template, each as (description, 256² image)."""
    import nibabel as nib

    img = nib.as_closest_canonical(nib.load(t1_path))
    volume = np.asarray(img.dataobj, dtype=np.float64)
    inverse = np.linalg.inv(img.affine)
    brain = volume > 0
    half = BRAIN_WINDOW_MM // 2
    out = []
    for plane, axis, mm in BRAIN_SLICES:
        point = np.zeros(3)
        point[axis] = mm
        k = int(round((inverse @ np.append(point, 1.0))[axis]))
        section = np.take(volume, k, axis=axis)
        other = [a for a in range(3) if a != axis]
        window = np.zeros((BRAIN_WINDOW_MM, BRAIN_WINDOW_MM))
        starts = []
        for a in other:  # centre of the brain's extent along this in-plane axis
            idx = np.flatnonzero(brain.any(axis=tuple(b for b in range(3) if b != a)))
            starts.append((idx[0] + idx[-1] + 1) // 2 - half)
        src = [slice(max(s, 0), min(s + BRAIN_WINDOW_MM, section.shape[d])) for d, s in enumerate(starts)]
        dst = [slice(sl.start - s, sl.stop - s) for sl, s in zip(src, starts)]
        window[dst[0], dst[1]] = section[src[0], src[1]]
        display = np.flipud(window.T)  # second in-plane axis up, first to the right
        image = fit_to_shape(normalise_image(display), (SIZE, SIZE))
        where = {"axial": "z", "coronal": "y", "sagittal": "x"}[plane]
        out.append((f"{plane} slice {where} = {mm:+d} mm" if mm else f"{plane} slice {where} = 0 mm", image))
    return out


def dicom_image(path: Path, size: int | None) -> np.ndarray:
    image = normalise_image(read_dicom(path))
    return image if size is None or image.shape == (size, size) else fit_to_shape(image, (size, size))


def build(wheels: Path | None, scratch: Path) -> tuple[list[dict], dict[str, np.ndarray]]:
    import pydicom

    nilearn = open_package(*NILEARN, wheels, scratch)
    store = open_package(*PYDICOM_DATA, wheels, scratch)
    pydicom_files = Path(pydicom.__file__).parent / "data" / "test_files"
    pyd = ("pydicom", pydicom.__version__)
    entries, images = [], {}

    def add(name, file, modality, description, package, member, source_path, licence, processing, image):
        entries.append({
            "name": name, "file": file, "modality": modality, "description": description,
            "shape": list(image.shape),
            "source": {"package": package[0], "version": package[1], "file": member,
                       "sha256": sha256(source_path), "licence": licence},
            "processing": processing,
        })
        images[file] = to_uint16(image)

    t1 = nilearn.file(MNI_T1)
    for k, (where, image) in enumerate(brain_slices(t1)):
        add(f"brain:{k}", f"brain-{k:02d}.png", "mri",
            f"T1 brain, {where} (MNI ICBM152 2009a template)", NILEARN, MNI_T1, t1,
            "MNI permission notice (see PROVENANCE.md)",
            f"RAS+ slice, {BRAIN_WINDOW_MM} mm window centred on the brain, resized to {SIZE}²", image)
    ct = pydicom_files / "CT_small.dcm"
    add("ct", "ct.png", "ct", "CT thorax at the spine, 128² (pydicom test file CT_small.dcm)", pyd,
        "pydicom/data/test_files/CT_small.dcm", ct, PYDICOM_LICENCE,
        "Hounsfield units (RescaleSlope/Intercept), native 128²", dicom_image(ct, None))
    mr = pydicom_files / "MR_small.dcm"
    add("mr", "mr.png", "mri", "MR head, 64² (pydicom test file MR_small.dcm)", pyd,
        "pydicom/data/test_files/MR_small.dcm", mr, PYDICOM_LICENCE, "native 64²", dicom_image(mr, None))
    mr2 = store.file(MR2)
    add("mr-shoulder", "mr-shoulder.png", "mri", "MR shoulder, 1024² resized to 256² (pydicom-data MR2)",
        PYDICOM_DATA, MR2, mr2, PYDICOM_DATA_LICENCE,
        f"RescaleSlope/Intercept applied, 1024² resized to {SIZE}²", dicom_image(mr2, SIZE))
    siemens = store.file(SIEMENS_MR)
    add("mr-abdomen", "mr-abdomen.png", "mri",
        "MR abdomen (liver, kidneys), 484² resized to 256² (pydicom-data Siemens MR)",
        PYDICOM_DATA, SIEMENS_MR, siemens, PYDICOM_DATA_LICENCE,
        f"pixel data only (overlay plane not drawn), 484² resized to {SIZE}²", dicom_image(siemens, SIZE))
    return entries, images


def write_png(path: Path, pixels: np.ndarray, text: dict[str, str]) -> None:
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    for key, value in text.items():
        info.add_text(key, value)
    Image.fromarray(pixels).save(path, pnginfo=info, optimize=True)


TABLE_START = "<!-- table: written by scripts/make_builtin_images.py -->"
TABLE_END = "<!-- end of table -->"


def provenance_table(entries: list[dict], out: Path) -> str:
    rows = ["| sample | file | pixels | bytes | source package | file inside it | licence |",
            "|---|---|---|---|---|---|---|"]
    for e in entries:
        src = e["source"]
        size = (out / e["file"]).stat().st_size if (out / e["file"]).exists() else 0
        rows.append(f"| `{e['name']}` | `{e['file']}` | {e['shape'][0]}×{e['shape'][1]} | {size} | "
                    f"{src['package']} {src['version']} | `{src['file'].rsplit('/', 1)[-1]}` | {src['licence']} |")
    return "\n".join(rows)


def with_table(provenance: str, table: str) -> str:
    head, rest = provenance.split(TABLE_START, 1)
    _, tail = rest.split(TABLE_END, 1)
    return f"{head}{TABLE_START}\n{table}\n{TABLE_END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheels", type=Path, help="folder with the nilearn and pydicom-data wheels")
    parser.add_argument("--out", type=Path, default=REPO / "resources" / "samples")
    parser.add_argument("--check", action="store_true", help="compare with the files in --out, write nothing")
    args = parser.parse_args(argv)

    provenance = (args.out / "PROVENANCE.md").read_text(encoding="utf-8")
    if MNI_NOTICE not in provenance:
        raise SystemExit("PROVENANCE.md must carry the MNI permission notice verbatim")
    with tempfile.TemporaryDirectory() as tmp:
        entries, images = build(args.wheels, Path(tmp))
    manifest = {"format": 1, "aliases": {"brain": f"brain:{DEFAULT_BRAIN}"}, "images": entries}

    if args.check:
        from PIL import Image

        bad = [f for f, px in images.items()
               if not (args.out / f).exists() or not np.array_equal(np.array(Image.open(args.out / f)), px)]
        shipped = json.loads((args.out / "images.json").read_text(encoding="utf-8"))
        if shipped != manifest:
            bad.append("images.json")
        if with_table(provenance, provenance_table(entries, args.out)) != provenance:
            bad.append("PROVENANCE.md (table)")
        print("all samples match" if not bad else f"differ from the shipped files: {', '.join(bad)}")
        return 1 if bad else 0

    args.out.mkdir(parents=True, exist_ok=True)
    for entry in entries:
        text = {"Title": f"stabview sample {entry['name']}", "Description": entry["description"],
                "Source": f"{entry['source']['package']} {entry['source']['version']}: {entry['source']['file']}"}
        if entry["name"].startswith("brain"):
            text["Copyright"] = MNI_NOTICE
        write_png(args.out / entry["file"], images[entry["file"]], text)
    (args.out / "images.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (args.out / "PROVENANCE.md").write_text(with_table(provenance, provenance_table(entries, args.out)), encoding="utf-8")
    total = sum((args.out / f).stat().st_size for f in images)
    print(f"wrote {len(images)} samples to {args.out} ({total / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
