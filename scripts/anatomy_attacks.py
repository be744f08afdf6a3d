"""The default budgeted attack (ε = 2%) on the Fourier networks, in distribution and across anatomies.

The paper's Deep MRI was trained on cardiac images and shown on a brain; our Fourier networks
were trained on brain slices (MNI template). This runs `stabview attack --network NAME --image
IMAGE` with every default (ε = 2%, ceiling start + 5 random starts, screening, continuation) on
the shipped real MR images of other anatomies, into docs/results/tradeoff/anatomies/NAME-IMAGE/
(a result already written is kept), and writes the table between START and END in
docs/results/tradeoff/README.md. The in-distribution column is the zoo report's own default
attack on `brain` (docs/results/NAME/attack/result.json). Every number comes from those files.

    python scripts/anatomy_attacks.py [--threads 1]
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
OUT = RESULTS / "tradeoff" / "anatomies"
README = RESULTS / "tradeoff" / "README.md"
START = "<!-- anatomies: made by scripts/anatomy_attacks.py -->"
END = "<!-- end of anatomies -->"
NETWORKS = ("automap", "dagan", "deepmri")
IMAGES = ("mr", "mr-shoulder", "mr-abdomen")


def run_attack(name: str, image: str, threads: int) -> None:
    out = OUT / f"{name}-{image}"
    if (out / "result.json").exists():
        return
    argv = [sys.executable, "-m", "stabview", "attack", "--network", name, "--image", image,
            "--threads", str(threads), "--out", str(out)]
    print(" ".join(argv[2:]), flush=True)
    subprocess.run(argv, check=True, cwd=ROOT)


def cell(path: Path) -> str:
    if not path.exists():
        return "—"
    r = json.loads(path.read_text(encoding="utf-8"))
    return (f"{r['change_ratio']:.2f}× ({100 * r['network_change_rel']:.2f}% vs "
            f"{100 * r['baseline_change_rel']:.2f}%)")


def section() -> str:
    lines = ["| network | `brain` (training distribution) | " + " | ".join(f"`{i}`" for i in IMAGES) + " |",
             "|---" * (len(IMAGES) + 2) + "|"]
    for name in NETWORKS:
        cells = [cell(RESULTS / name / "attack" / "result.json")]
        cells += [cell(OUT / f"{name}-{image}" / "result.json") for image in IMAGES]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def update() -> None:
    replace_marked(README, START, END, section())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    for name in NETWORKS:
        for image in IMAGES:
            run_attack(name, image, args.threads)
    update()
    print(f"wrote the anatomies table into {README}")


if __name__ == "__main__":
    main()
