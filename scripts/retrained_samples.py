"""Test 3 (more samples) for the retrained networks of docs/results/tradeoff, beside the shipped ones.

The paper: Ell 50, Med 50 and DAGAN get worse when given more samples than they were trained
for, MRI-VN stagnates, Deep MRI improves. This runs `stabview samples` (network only: the
baseline does not depend on the network, its column is the shipped run's) on the same images as
the shipped networks' test in docs/results/NAME/samples, for each retrained network whose
weights are on this machine (a result already written is kept), and writes one table per zoo
network, from every committed result, into docs/results/README.md between START and END (after
the study tables, which scripts/zoo_report.py keeps). Every number comes from the result.json
files.

The retrained networks: the recipe reruns' final weights (`training-runs/NAME-recipe/final`,
kept on the machine that trained them), and checkpoints of the longer runs exported with
`stabview train NAME --resume CHECKPOINT --export --out docs/results/tradeoff/RUN/models/itN`.

    python scripts/retrained_samples.py [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from marked_section import replace_marked  # noqa: E402 - a sibling script

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "results"
README = RESULTS / "README.md"
START = "<!-- retrained test 3: made by scripts/retrained_samples.py -->"
END = "<!-- end of retrained test 3 -->"
IMAGES = {"dagan": "brain,brain:7", "deepmri": "brain,brain:7", "mrivn": "brain,brain:7",
          "ell50": "ellipses:9001,ellipses:9002", "med50": "brain:5,ellipses:9002"}   # as scripts/zoo_report.py
PAPER = {"dagan": "falls", "ell50": "falls", "med50": "falls", "mrivn": "stagnates", "deepmri": "rises"}
FLAT_DB = 0.5          # a change smaller than this from the trained rate to the highest counts as flat


def retrained() -> list[tuple[str, str, Path]]:
    """(run label, zoo name, model folder) for every retrained network found on this machine."""
    found = []
    for name in ("dagan", "med50", "mrivn"):
        folder = ROOT / "training-runs" / f"{name}-recipe" / "final"
        if (folder / "weights.safetensors").exists():
            found.append((f"{name}-recipe", name, folder))
    for run, name in (("deepmri-narrow", "deepmri"), ("ell50-long", "ell50")):
        for folder in sorted((RESULTS / "tradeoff" / run / "models").glob("it*"),
                             key=lambda p: int(p.name[2:])):
            if (folder / "weights.safetensors").exists():
                found.append((f"{run} at {folder.name[2:]}", name, folder))
    return found


def out_folder(label: str) -> Path:
    run, _, iteration = label.partition(" at ")
    return RESULTS / "tradeoff" / run / (f"samples-it{iteration}" if iteration else "samples")


def run_samples(label: str, name: str, model: Path, threads: int) -> None:
    out = out_folder(label)
    if (out / "result.json").exists():
        return
    argv = [sys.executable, "-m", "stabview", "samples", "--network", str(model / "weights.safetensors"),
            "--card", str(model / "card.json"), "--images", IMAGES[name], "--no-baseline",
            "--threads", str(threads), "--out", str(out)]
    print(" ".join(argv[2:]), flush=True)
    subprocess.run(argv, check=True, cwd=ROOT)


def by_rate(result: dict, series: str) -> dict[float, float]:
    """Mean PSNR of one series by rate (rounded to 0.001: runs may list the trained rate or not)."""
    return {round(rate, 3): value for rate, value in zip(result["rates"], result[series]["psnr_mean"])}


def cell(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def trend(psnr: dict[float, float], trained: float) -> str:
    """From the rate nearest the trained one to the highest: rises, falls or flat (and by how much)."""
    start = min(psnr, key=lambda rate: abs(rate - trained))
    change = psnr[max(psnr)] - psnr[start]
    word = "flat" if abs(change) < FLAT_DB else ("rises" if change > 0 else "falls")
    return f"{word} ({change:+.2f} dB)"


def measured() -> list[tuple[str, str, dict]]:
    """(run label, zoo name, result) for every committed result: tradeoff/RUN/samples[-itN]/result.json."""
    found = []
    for path in (RESULTS / "tradeoff").glob("*/samples*/result.json"):
        run, folder = path.parent.parent.name, path.parent.name
        iteration = folder[len("samples-it"):] if folder.startswith("samples-it") else ""
        label = f"{run} at {iteration}" if iteration else run
        key = (run.split("-")[0], run, int(iteration or 0))
        found.append((key, label, json.loads(path.read_text(encoding="utf-8"))))
    return [(label, key[0], result) for key, label, result in sorted(found, key=lambda item: item[0])]


def section() -> str:
    lines = ["## Test 3 for the retrained networks", "",
             "`python scripts/retrained_samples.py`: the retrained networks of `docs/results/tradeoff` "
             "(recipe reruns, and checkpoints of the longer runs) on the images of the shipped networks' "
             "test 3 above, network only; the baseline column is the shipped run's (it does not depend on "
             "the network). Mean PSNR in dB over the images. The last row: from the trained rate to the "
             f"highest, rises or falls (flat within {FLAT_DB} dB); the paper's finding beside each name.", ""]
    by_name: dict[str, list[tuple[str, dict]]] = {}
    for label, name, result in measured():
        by_name.setdefault(name, []).append((label, result))
    for name, results in by_name.items():
        shipped = json.loads((RESULTS / name / "samples" / "result.json").read_text(encoding="utf-8"))
        rates = sorted({round(rate, 3) for _, r in [("shipped", shipped)] + results for rate in r["rates"]})
        columns = [("shipped", by_rate(shipped, "network"))] + [(label, by_rate(r, "network")) for label, r in results]
        baseline = by_rate(shipped, "baseline")
        lines += [f"**{name}** (trained rate {shipped['trained_rate']:.3f}; paper: {PAPER[name]})", "",
                  "| rate | " + " | ".join(label for label, _ in columns) + " | baseline |",
                  "|---" * (len(columns) + 2) + "|"]
        for rate in rates:
            cells = [cell(series.get(rate)) for _, series in columns]
            lines.append(f"| {rate:.3f} | " + " | ".join(cells) + f" | {cell(baseline.get(rate))} |")
        trends = [trend(series, shipped["trained_rate"]) for _, series in columns]
        lines += ["| trend | " + " | ".join(trends) + " | |", ""]
    return "\n".join(lines).rstrip("\n")


def update() -> None:
    replace_marked(README, START, END, section())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    runs = retrained()
    for label, name, model in runs:
        run_samples(label, name, model, args.threads)
    update()
    print(f"wrote the retrained networks' test 3 into {README}")


if __name__ == "__main__":
    main()
