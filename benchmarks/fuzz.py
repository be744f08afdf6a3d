"""Fuzz every loader: a damaged file loads or is refused with stabview's own error, nothing else.

Valid seed files of each format (PNG 8/16-bit, TIFF, NPY, DICOM, NIfTI, model card, session
JSON + NPZ, TorchScript, ONNX) are mutated — truncated, bit-flipped, overwritten, given another
format's header, given huge declared dimensions, or damaged inside a zip member with valid
checksums so the loader gets past the archive — and each case is run through the loader a user's
file goes through (`data.load_image_or_builtin`, `ModelCard.load`, `Session.open`,
`networks.model_files.load_model_file`). Outcomes: `ok`, `refused` (a `StabviewError`), and the
failures this script exists to find: `bug` (any other exception), `timeout` (over 10 s, and
over 30 s when tried again: a busy machine can stall one case) and
`crash` (the worker process died). Cases run in worker processes under a memory limit, so a
crash or an attempt to allocate a huge declared size is caught and counted.

    python benchmarks/fuzz.py --cases 10000 --seed 0 --threads 1
"""

from __future__ import annotations

import argparse
import io
import json
import pathlib
import random
import re
import signal
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from collections import Counter, defaultdict

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))   # run from a checkout

import numpy as np  # noqa: E402

SHAPE = (32, 32)
CARD = {"name": "fuzz", "modality": "fourier", "image_shape": list(SHAPE),
        "mask": {"kind": "cartesian", "rate": 0.33, "seed": 0, "options": {}}, "rate": 0.33,
        "accepts_other_rates": True, "input_convention": "warm_start_channels", "output_convention": "channels"}
#: format → file name of its seed; the loader is chosen by the format's family
SEEDS = {"png": "image.png", "png16": "image16.png", "tiff": "stack.tif", "npy": "image.npy",
         "npy-complex": "kspace.npy", "dicom": "slice.dcm", "nifti": "volume.nii", "nifti-gz": "volume.nii.gz",
         "card": "card.json", "session-json": "session.json", "session-npz": "session.npz",
         "torchscript": "model.pt", "onnx": "model.onnx"}
MUTATIONS = ("truncate", "bitflip", "overwrite", "header", "huge", "structure")
MAGICS = [b"\x89PNG\r\n\x1a\n", b"II*\x00", b"MM\x00*", b"\x93NUMPY\x01\x00", b"PK\x03\x04", b"\x80\x04\x95",
          b"\x08\x07\x12\x07", b"{\"format\": 1}", b"\x00" * 132 + b"DICM", b"\\\x01\x00\x00", b"\x1f\x8b\x08"]
TIMEOUT_S = 10


class CaseTimeout(BaseException):
    """Raised by the alarm; a BaseException so that no loader's `except Exception` swallows it."""


# -- seeds --------------------------------------------------------------------------------------


def make_seeds(folder: pathlib.Path) -> None:
    """Write one valid file of every format (and the card the model files are loaded with)."""
    import nibabel as nib
    import tifffile
    import torch
    from PIL import Image

    from stabview.experiment import AttackSettings, Experiment, ImageRef, NetworkRef, Sampling, Session
    from stabview.stability.params import AttackParams

    ramp = (np.add.outer(np.arange(32), np.arange(32)) * 4).astype(np.uint8)
    Image.fromarray(ramp).save(folder / SEEDS["png"])
    Image.fromarray(ramp.astype(np.uint16) * 200).save(folder / SEEDS["png16"])
    tifffile.imwrite(folder / SEEDS["tiff"], np.stack([ramp.astype(np.uint16) * k for k in (1, 2, 3, 4)]),
                     photometric="minisblack")
    np.save(folder / SEEDS["npy"], ramp.astype(np.float32))
    np.save(folder / SEEDS["npy-complex"], (ramp + 1j * ramp.T).astype(np.complex64))
    write_dicom(folder / SEEDS["dicom"], ramp.astype(np.int16) - 100)
    volume = np.stack([ramp.astype(np.int16) + k for k in range(4)], axis=-1)
    nib.save(nib.Nifti1Image(volume, np.eye(4)), folder / SEEDS["nifti"])
    nib.save(nib.Nifti1Image(volume, np.eye(4)), folder / SEEDS["nifti-gz"])
    (folder / SEEDS["card"]).write_text(json.dumps(CARD, indent=1))
    experiment = Experiment(NetworkRef("deepmri"), ImageRef("brain:3"), Sampling("fourier", "cartesian", 0.25, 3),
                            ({"type": "stamp", "kind": "symbol", "content": "heart", "centre": [16, 16],
                              "size": 8, "intensity": 0.5},),
                            AttackSettings(AttackParams(budget=0.01), iterations=50, budgets=(0.005, 0.01)))
    search = {"params": experiment.attack.params.to_dict(), "iteration": 2, "stopped_by": None,
              "step_share": 0.25, "best_objective": 1.0, "best_iteration": 1,
              "stall": {"window": 10, "tolerance": 0.005, "best": [1.0, 2.0]}, "snapshot_at": [],
              "history": [{"iteration": 0, "objective": 1.0}],
              "snapshots": [{"iteration": 1, "perturbation_rel": 0.01, "r": torch.ones(SHAPE, dtype=torch.complex64)}],
              "r": torch.ones(SHAPE), "v": torch.zeros(SHAPE), "best_r": torch.ones(SHAPE),
              "best_direction": torch.ones(SHAPE), "evaluated_r": torch.ones(SHAPE), "roi": None}
    session = Session(experiment, search, {"details": {"network": {"verdict": "lost"}}}, {"snapshot_text": "2, 4"},
                      {"mask": np.ones(SHAPE, np.float32)})
    session.save(folder / SEEDS["session-json"])

    class Refiner(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(2, 2, 3, padding=1)

        def forward(self, x):
            return x + self.conv(torch.relu(x))

    torch.manual_seed(0)
    module = Refiner().eval()
    torch.jit.script(module).save(str(folder / SEEDS["torchscript"]))
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.zeros(1, 2, *SHAPE),), str(folder / SEEDS["onnx"]), dynamo=False,
                          input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "b"}, "y": {0: "b"}})
    (folder / "model-card.json").write_text(json.dumps(CARD))


def write_dicom(path: pathlib.Path, pixels: np.ndarray) -> None:
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID, ds.Modality = CTImageStorage, meta.MediaStorageSOPInstanceUID, "CT"
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    ds.RescaleSlope, ds.RescaleIntercept = "1", "-1024"
    ds.PixelData = pixels.astype(np.int16).tobytes()
    ds.save_as(path, enforce_file_format=True)


# -- mutations ----------------------------------------------------------------------------------


def flip_bits(data: bytes, rng: random.Random, n: int | None = None) -> bytes:
    out = bytearray(data)
    for _ in range(n or rng.choice((1, 1, 2, 4, 8, 32))):
        if out:
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def overwrite(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    if not out:
        return bytes(out)
    start = rng.randrange(len(out))
    fill = rng.choice((b"\x00", b"\xff", b"\x7f", bytes([rng.randrange(256)])))
    length = rng.choice((1, 2, 4, 8, 64, 512))
    chunk = fill * length if rng.random() < 0.5 else bytes(rng.randrange(256) for _ in range(length))
    out[start:start + length] = chunk
    return bytes(out)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[:rng.choice((0, 1, 4, 16, 64, rng.randrange(max(1, len(data)))))]


def wrong_header(data: bytes, rng: random.Random) -> bytes:
    magic = rng.choice(MAGICS)
    return magic + data[len(magic):] if rng.random() < 0.7 else magic + data


def huge_number(rng: random.Random) -> int:
    return rng.choice((2 ** 15 - 1, 2 ** 16 - 1, 65536, 10 ** 5, 2 ** 31 - 1, 2 ** 32 - 1, 10 ** 9, 46341))


def huge(fmt: str, data: bytes, rng: random.Random) -> bytes:
    """Declare huge dimensions in the format's own header (checksums kept valid where there are any)."""
    n = huge_number(rng)
    if fmt.startswith("png"):
        ihdr = bytearray(data[16:29])
        w, h = (n, n) if rng.random() < 0.5 else (rng.choice((n, 32)), rng.choice((n, 32)))
        ihdr[0:8] = struct.pack(">II", min(w, 2 ** 31 - 1), min(h, 2 ** 31 - 1))
        return data[:16] + bytes(ihdr) + struct.pack(">I", zlib.crc32(b"IHDR" + bytes(ihdr))) + data[33:]
    if fmt.startswith("npy"):
        end = data.index(b"\n") + 1
        header = data[10:end].decode("latin1")
        dims = ", ".join(str(rng.choice((n, 32))) for _ in range(rng.choice((1, 2, 3))))
        new = re.sub(r"'shape': \([^)]*\)", f"'shape': ({dims},)", header).rstrip("\n")
        new = new.ljust(len(header) - 1) + "\n"
        return data[:8] + struct.pack("<H", len(new)) + new.encode("latin1") + data[end:]
    if fmt.startswith("nifti"):
        raw = zlib.decompress(data, 31) if fmt == "nifti-gz" else data
        header = bytearray(raw)
        k = rng.randrange(1, 4)
        header[40 + 2 * k:42 + 2 * k] = struct.pack("<h", min(n, 32767) * rng.choice((1, -1)))
        return gzip_bytes(bytes(header)) if fmt == "nifti-gz" else bytes(header)
    if fmt == "dicom":
        out = bytearray(data)
        for tag in (b"\x28\x00\x10\x00", b"\x28\x00\x11\x00", b"\x28\x00\x08\x00"):  # Rows, Columns, Frames
            at = data.find(tag)
            if at >= 0 and rng.random() < 0.7:
                out[at + 8:at + 10] = struct.pack("<H", min(n, 65535))
        return bytes(out)
    if fmt == "tiff":
        out = bytearray(data)
        ifd = struct.unpack("<I", data[4:8])[0]
        count = struct.unpack("<H", data[ifd:ifd + 2])[0]
        for k in range(count):
            entry = ifd + 2 + 12 * k
            tag, kind = struct.unpack("<HH", data[entry:entry + 4])
            if tag in (256, 257, 277, 258) and rng.random() < 0.6:
                value = struct.pack("<H", min(n, 65535)) + b"\x00\x00" if kind == 3 else struct.pack("<I", n)
                out[entry + 8:entry + 12] = value
        return bytes(out)
    if fmt in ("card", "session-json"):
        doc = json.loads(data)
        if fmt == "card":
            doc["image_shape"] = [n, rng.choice((n, 32))]
        else:
            doc["arrays_file"] = doc.get("arrays_file")
            doc["snapshots"] = [{"iteration": n}] * rng.choice((1, 1000))
        return json.dumps(doc).encode()
    if fmt in ("session-npz", "torchscript"):
        return mutate_member(data, rng, lambda b: huge_npy(b, n, rng) if b.startswith(b"\x93NUMPY")
                             else flip_bits(b, rng))
    return overwrite(data, rng)


def huge_npy(data: bytes, n: int, rng: random.Random) -> bytes:
    return huge("npy", data, rng) if b"'shape'" in data[:200] else data


def gzip_bytes(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)
    return packer.compress(data) + packer.flush()


def mutate_member(data: bytes, rng: random.Random, change) -> bytes:
    """Rewrite a zip archive with one member changed; checksums are recomputed, so it opens."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        infos = source.infolist()
        target = rng.randrange(len(infos))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as out:
            for k, info in enumerate(infos):
                content = source.read(info)
                out.writestr(info.filename, change(content) if k == target else content)
    return buffer.getvalue()


def structure(fmt: str, data: bytes, rng: random.Random) -> bytes:
    """Format-aware damage: JSON values replaced by wrong types, zip members damaged, gz payload damaged."""
    if fmt in ("card", "session-json"):
        doc = json.loads(data)
        nasty = [None, -1, 0, 1e308, 10 ** 30, "", "x" * 300, [], {}, [[[]]], True, float("nan"), [1, 2, 3],
                 {"kind": "spiral"}, "NaN", -1e-300]
        for _ in range(rng.choice((1, 1, 2, 4))):
            node, key = pick_slot(doc, rng)
            if node is None:
                break
            if rng.random() < 0.2 and isinstance(node, dict):
                node.pop(key, None)
            else:
                node[key] = rng.choice(nasty)
        if rng.random() < 0.1:
            doc = rng.choice(nasty)
        return json.dumps(doc).encode()
    if fmt in ("session-npz", "torchscript"):
        return mutate_member(data, rng, lambda b: rng.choice((truncate, flip_bits, overwrite))(b, rng))
    if fmt == "nifti-gz":
        return gzip_bytes(flip_bits(zlib.decompress(data, 31), rng))
    return flip_bits(data, rng, 1)


def pick_slot(doc, rng: random.Random):
    """A random (container, key) inside a JSON document."""
    slots = []

    def walk(node, depth):
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        for key, value in items:
            slots.append((node, key))
            if depth < 4:
                walk(value, depth + 1)
    walk(doc, 0)
    return rng.choice(slots) if slots else (None, None)


def mutate(fmt: str, data: bytes, kind: str, rng: random.Random) -> bytes:
    if kind == "truncate":
        return truncate(data, rng)
    if kind == "bitflip":
        return flip_bits(data, rng)
    if kind == "overwrite":
        return overwrite(data, rng)
    if kind == "header":
        return wrong_header(data, rng)
    if kind == "huge":
        return huge(fmt, data, rng)
    return structure(fmt, data, rng)


# -- running cases -------------------------------------------------------------------------------


def load(fmt: str, path: pathlib.Path, seeds: pathlib.Path) -> None:
    """Run `path` through the loader a user's file of this format goes through."""
    if fmt in ("card",):
        from stabview.networks.card import ModelCard
        ModelCard.load(path)
    elif fmt.startswith("session"):
        from stabview.experiment import Session
        Session.open(path.with_suffix(".json"))
    elif fmt in ("torchscript", "onnx"):
        from stabview.networks.model_files import load_model_file
        load_model_file(path, seeds / "model-card.json")
    else:
        from stabview.data import load_image_or_builtin
        load_image_or_builtin(str(path), SHAPE)


def run_case(index: int, seed: int, seeds: pathlib.Path, work: pathlib.Path) -> dict:
    """Case `index` of the run seeded `seed`: its format, mutation and outcome."""
    from stabview.errors import StabviewError

    rng = random.Random(f"{seed}:{index}")
    fmt = rng.choice(sorted(SEEDS))
    kind = rng.choice(MUTATIONS)
    case = work / f"case-{fmt}"
    case.mkdir(exist_ok=True)
    for name in ("session.json", "session.npz"):             # a session is a pair of files
        if fmt.startswith("session"):
            (case / name).write_bytes((seeds / name).read_bytes())
    path = case / SEEDS[fmt]
    path.write_bytes(mutate(fmt, (seeds / SEEDS[fmt]).read_bytes(), kind, rng))
    row = {"index": index, "format": fmt, "mutation": kind}
    for limit in (TIMEOUT_S, 3 * TIMEOUT_S):     # a busy machine can stall one case: a timeout is retried once
        previous = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, limit)
        try:
            load(fmt, path, seeds)
            row["outcome"] = "ok"
        except StabviewError as exc:
            row["outcome"], row["error"] = "refused", type(exc).__name__
        except CaseTimeout:
            row["outcome"], row["error"] = "timeout", f"over {limit} s"
        except Exception as exc:  # noqa: BLE001 - what the fuzzer is looking for
            first = str(exc).splitlines()[0][:200] if str(exc).strip() else ""
            row["outcome"], row["error"] = "bug", f"{type(exc).__name__}: {first}"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        if row["outcome"] != "timeout":
            break
    return row


def _on_alarm(signum, frame):
    raise CaseTimeout()


def run_cases(start: int, count: int, seed: int, folder: pathlib.Path):
    """Yield each case's row; seeds are written into `folder` first."""
    seeds, work = folder / "seeds", folder / "work"
    seeds.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    if not (seeds / "model-card.json").exists():
        make_seeds(seeds)
    for index in range(start, start + count):
        yield run_case(index, seed, seeds, work)


def worker(args) -> None:
    """Run cases [start, start + count) and print one JSON line per case (the parent reads them)."""
    import resource

    import torch
    torch.set_num_threads(args.threads)
    soft = args.memory_gb << 30
    resource.setrlimit(resource.RLIMIT_AS, (soft, resource.RLIM_INFINITY))
    for row in run_cases(args.start, args.count, args.seed, pathlib.Path(args.folder)):
        print(json.dumps(row), flush=True)


def run_in_workers(cases: int, seed: int, folder: pathlib.Path, threads: int, memory_gb: int,
                   chunk: int = 1000) -> list[dict]:
    """All cases, in worker processes of `chunk` cases; a worker that dies marks its case `crash`."""
    rows: list[dict] = []
    start = 0
    while start < cases:
        count = min(chunk, cases - start)
        argv = [sys.executable, __file__, "--worker", "--start", str(start), "--count", str(count),
                "--seed", str(seed), "--folder", str(folder), "--threads", str(threads),
                "--memory-gb", str(memory_gb)]
        done = subprocess.run(argv, capture_output=True, text=True)
        got = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
        if not got and done.returncode == 1:          # the worker itself failed: not a case's outcome
            raise SystemExit(f"fuzz worker failed:\n{done.stderr[-2000:]}")
        rows += got
        start += len(got)
        if len(got) < count:                            # the worker died on case `start`
            rows.append({"index": start, "outcome": "crash", "format": "?", "mutation": "?",
                         "error": f"exit {done.returncode}: {done.stderr.strip().splitlines()[-1:]}"})
            start += 1
        print(f"  {start}/{cases} cases", file=sys.stderr, flush=True)
    return rows


def summarise(rows: list[dict]) -> str:
    table = defaultdict(Counter)
    for row in rows:
        table[row["format"]][row["outcome"]] += 1
    outcomes = ["ok", "refused", "bug", "timeout", "crash"]
    lines = [f"{'format':<14}{'cases':>7}" + "".join(f"{o:>9}" for o in outcomes)]
    for fmt in sorted(table):
        c = table[fmt]
        lines.append(f"{fmt:<14}{sum(c.values()):>7}" + "".join(f"{c[o]:>9}" for o in outcomes))
    total = Counter(row["outcome"] for row in rows)
    lines.append(f"{'all':<14}{len(rows):>7}" + "".join(f"{total[o]:>9}" for o in outcomes))
    errors = Counter(row["error"] for row in rows if row["outcome"] == "refused")
    lines.append("refused as: " + ", ".join(f"{name} {n}" for name, n in errors.most_common()))
    for row in rows:
        if row["outcome"] not in ("ok", "refused"):
            lines.append(f"  {row['outcome']}: case {row['index']} {row['format']}/{row['mutation']}: "
                         f"{row.get('error', '')}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--memory-gb", type=int, default=16, help="address-space limit of each worker")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--start", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--folder", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    print(f"torch threads: {args.threads}; {args.cases} cases, seed {args.seed}", flush=True)
    with tempfile.TemporaryDirectory(prefix="stabview-fuzz-") as folder:
        rows = run_in_workers(args.cases, args.seed, pathlib.Path(folder), args.threads, args.memory_gb)
    print(summarise(rows))


if __name__ == "__main__":
    main()
