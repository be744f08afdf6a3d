"""Build resources/datasets/mni_slices.npz: 128² brain slices (T1 and pseudo-CT) for training the zoo.

Source: the MNI ICBM152 2009a symmetric template (T1, grey- and white-matter maps) that ships
inside the nilearn wheel. nilearn is needed only here, never by stabview: install it into a
throwaway environment (`python -m venv /tmp/nl && /tmp/nl/bin/pip install --no-deps nilearn`)
and point `--nilearn-site` at that environment's site-packages. Reading uses nibabel (a stabview
dependency), so run this script with stabview's own Python.

What the file holds (all uint8, 0–255, one row per slice):
  t1    (N, 128, 128)  T1 template slice, the 1 mm slice padded to a square and resized
  ct    (N, 128, 128)  pseudo-CT of the same slice: linear attenuation μ ∝ HU + 1000 over
                       [-1000, 1000] HU, built from the GM/WM maps (brain ~20–45 HU, CSF 5 HU)
                       plus a synthetic skull (bone 700–1400 HU) and scalp (40 HU) grown
                       around the skull-stripped brain — NOT a real CT
  plane (N,)  0 axial, 1 coronal, 2 sagittal
  position (N,) the slice's position along its axis as a fraction of the brain's extent
The template is exactly left-right symmetric, so sagittal slices come from one hemisphere only
(the other would duplicate them). Slices with less than 8% brain are skipped. The volume is
cropped to the head (brain, skull, scalp) first, so anatomy fills most of each frame.
"""

from __future__ import annotations

import argparse
import hashlib
import pathlib
import sys

import nibabel as nib
import numpy as np
from scipy import ndimage
from skimage.transform import resize

SIZE = 128
#: volume axis → plane code (axis 0 runs left-right, 1 back-front, 2 foot-head)
PLANE_OF_AXIS = {0: 2, 1: 1, 2: 0}
TEMPLATE = "mni_icbm152_{}_tal_nlin_sym_09a_converted.nii.gz"


def _find_data_dir(site: pathlib.Path) -> pathlib.Path:
    data = site / "nilearn" / "datasets" / "data"
    if not (data / TEMPLATE.format("t1")).exists():
        sys.exit(f"no MNI template under {data}: is nilearn installed in {site}?")
    return data


def _load(data: pathlib.Path, which: str) -> np.ndarray:
    vol = np.asarray(nib.load(str(data / TEMPLATE.format(which))).dataobj, dtype=np.float32)
    return vol / vol.max()


def pseudo_ct(t1: np.ndarray, gm: np.ndarray, wm: np.ndarray, seed: int = 0) -> np.ndarray:
    """HU volume: brain tissue from GM/WM fractions, a synthetic skull and scalp around it."""
    brain = ndimage.binary_closing(t1 > 0.02, iterations=2)
    brain = ndimage.binary_fill_holes(brain)
    outside = ndimage.distance_transform_edt(~brain)
    rng = np.random.default_rng(seed)
    # bone density varies smoothly (diploë); thickness 5–7 mm
    texture = ndimage.gaussian_filter(rng.standard_normal(t1.shape).astype(np.float32), 6)
    texture /= np.abs(texture).max()
    thickness = 6.0 + 1.0 * texture
    skull = (outside > 1.0) & (outside <= 1.0 + thickness)
    scalp = (outside > 1.0 + thickness) & (outside <= 5.0 + thickness)
    hu = np.full(t1.shape, -1000.0, np.float32)
    csf = np.clip(1.0 - gm - wm, 0.0, 1.0)
    hu[brain] = (40.0 * gm + 25.0 * wm + 5.0 * csf)[brain]
    hu[outside <= 1.0] = np.maximum(hu[outside <= 1.0], 5.0)           # CSF rim under the skull
    depth = np.abs((outside - 1.0) / thickness - 0.5) * 2.0             # 0 mid-bone, 1 at surfaces
    hu[skull] = (700.0 + 700.0 * depth + 150.0 * texture)[skull]
    hu[scalp] = 40.0
    return hu


def _square(slice_: np.ndarray) -> np.ndarray:
    h, w = slice_.shape
    n = max(h, w)
    out = np.zeros((n, n), slice_.dtype)
    out[(n - h) // 2:(n - h) // 2 + h, (n - w) // 2:(n - w) // 2 + w] = slice_
    return resize(out, (SIZE, SIZE), order=1, anti_aliasing=True, preserve_range=True)


def build(site: pathlib.Path, out: pathlib.Path) -> None:
    data = _find_data_dir(site)
    t1, gm, wm = (_load(data, k) for k in ("t1", "gm", "wm"))
    mu = np.clip((pseudo_ct(t1, gm, wm) + 1000.0) / 2000.0, 0.0, 1.0)
    # crop to the head (brain + skull + scalp) so anatomy fills the frame
    head = np.argwhere(mu > 0.01)
    lo, hi = head.min(0) - 2, head.max(0) + 3
    box = tuple(slice(max(0, a), b) for a, b in zip(lo, hi))
    t1, mu = t1[box], mu[box]
    rows = {"t1": [], "ct": [], "plane": [], "position": []}
    brain = t1 > 0.02
    for plane in range(3):
        extent = np.flatnonzero(brain.any(axis=tuple(a for a in range(3) if a != plane)))
        lo, hi = extent[0], extent[-1]
        stop = hi + 1 if plane != 0 else t1.shape[0] // 2 + 1      # axis 0 is left-right
        for i in range(lo, stop):
            sl = [slice(None)] * 3
            sl[plane] = i
            # rotate so that anterior/superior is up
            img = np.rot90(t1[tuple(sl)])
            if (img > 0.02).mean() < 0.08:
                continue
            rows["t1"].append(_square(img))
            rows["ct"].append(_square(np.rot90(mu[tuple(sl)])))
            rows["plane"].append(PLANE_OF_AXIS[plane])
            rows["position"].append((i - lo) / max(1, hi - lo))
    t1s = np.stack(rows["t1"])
    cts = np.stack(rows["ct"])
    t1s = np.clip(t1s / t1s.reshape(len(t1s), -1).max(1)[:, None, None], 0, 1)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, t1=np.round(t1s * 255).astype(np.uint8),
                        ct=np.round(np.clip(cts, 0, 1) * 255).astype(np.uint8),
                        plane=np.asarray(rows["plane"], np.int8),
                        position=np.asarray(rows["position"], np.float32))
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    print(f"wrote {out}: {len(t1s)} slices, {out.stat().st_size / 1e6:.2f} MB, sha256 {digest}")
    print("the MNI permission notice for it is resources/datasets/NOTICE-MNI.txt")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nilearn-site", type=pathlib.Path, required=True,
                        help="site-packages directory of an environment with nilearn installed")
    parser.add_argument("--out", type=pathlib.Path,
                        default=pathlib.Path(__file__).resolve().parents[1] / "resources/datasets/mni_slices.npz")
    args = parser.parse_args(argv)
    build(args.nilearn_site, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
