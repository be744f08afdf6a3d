"""Run the three tests on every shipped network through the command line and tabulate them.

For each zoo network: `stabview attack` with the card's tuned preset, `stabview attack` in the
constrained mode (‖r‖ ≤ θ‖x‖, problem (8)) at θ = 3% and 5%, `stabview details` with a heart and
with text, and `stabview samples` for networks that take other rates. Results land in
`--out/NAME/...`; the table of headline numbers is written to `--out/README.md`.

    python scripts/zoo_report.py --out docs/results --threads 1
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

IMAGES = {"fourier": "brain", "multicoil": "brain", "radon": None}
RADON_IMAGES = {"ell50": "ellipses:9001", "med50": "brain:5"}


def run(argv: list[str]) -> int:
    print("$ stabview " + " ".join(argv), flush=True)
    return subprocess.run([sys.executable, "-m", "stabview", *argv]).returncode


def load(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def pct(value) -> str:
    return "—" if value is None else f"{100 * value:.2f}%"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/results")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--networks", default=None, help="comma-separated (default: the whole zoo)")
    parser.add_argument("--skip-existing", action="store_true")
    parser.add_argument("--jobs", default=None,
                        help="comma-separated job names to run, e.g. attack,attack-theta3 (default: all; "
                             "the table is always made from every result.json present)")
    args = parser.parse_args()

    from stabview.networks import zoo
    names = args.networks.split(",") if args.networks else zoo.names()
    out = Path(args.out)
    common = ["--threads", str(args.threads)]
    for name in names:
        card = zoo.card_of(name)
        image = RADON_IMAGES.get(name) or IMAGES[card.modality]
        jobs = {
            "attack": ["attack", "--network", name, "--image", image],
            "attack-theta3": ["attack", "--network", name, "--image", image, "--constraint", "0.03",
                              "--lr", "0.1", "--iterations", "40", "--snapshots", "10,20"],
            "attack-theta5": ["attack", "--network", name, "--image", image, "--constraint", "0.05",
                              "--lr", "0.1", "--iterations", "40", "--snapshots", "10,20"],
            "details-heart": ["details", "--network", name, "--image", image, "--symbol", "heart"],
            "details-text": ["details", "--network", name, "--image", image, "--text", "CAN U SEE IT"],
        }
        if card.accepts_other_rates:
            jobs["samples"] = ["samples", "--network", name, "--images", f"{image},brain:7" if card.modality != "radon"
                               else f"{image},ellipses:9002"]
        for job, argv in jobs.items():
            if args.jobs and job not in args.jobs.split(","):
                continue
            target = out / name / job
            if args.skip_existing and (target / "result.json").exists():
                continue
            if run([*argv, "--out", str(target), *common]) != 0:
                print(f"{name} {job} failed", flush=True)
    write_table(out, names)


def write_table(out: Path, names: list[str]) -> None:
    lines = ["# Stability tests on the shipped zoo", "",
             "Made by `python scripts/zoo_report.py`; every number comes from the result.json beside it "
             "(the arrays.npz and PDF files it also writes are not kept in the repository).", "",
             "## Test 1: worst-case perturbations", "",
             "The gain is the network's change ÷ ‖r‖/‖x‖; the ceiling is its linearised gain at x (top "
             "singular value of r ↦ f(A(x + r)) by power iteration, `stabview.stability.sensitivity`): no "
             "tiny perturbation can move the network by more than about ceiling × ‖r‖/‖x‖.", "",
             "| network | run | ‖r‖/‖x‖ | network change | baseline change | ratio | random noise, same norm "
             "| gain | ceiling |",
             "|---|---|---|---|---|---|---|---|---|"]
    from stabview.networks import zoo
    for name in names:
        source = (zoo.card_of(name).attack_preset or {}).get("source", "")
        preset = "tuned preset" if source.startswith("tuned") else "paper preset"
        for job, label in (("attack", preset), ("attack-theta3", "θ = 3%"), ("attack-theta5", "θ = 5%")):
            r = load(out / name / job / "result.json")
            if r:
                ratio = f"{r['change_ratio']:.1f}×" if r.get("change_ratio") else "—"
                gain = r["network_change_rel"] / max(r["perturbation_rel"], 1e-30)
                ceiling = f"{r['linear_gain']:.2f}×" if "linear_gain" in r else "—"
                lines.append(f"| {name} | {label} | {pct(r['perturbation_rel'])} | {pct(r['network_change_rel'])} | "
                             f"{pct(r.get('baseline_change_rel'))} | {ratio} | {pct(r['network_change_rel_random'])} "
                             f"| {gain:.2f}× | {ceiling} |")
    lines += ["", "## Test 2: structural details", "",
              "| network | detail | network verdict (corr., contrast) | baseline verdict (corr., contrast) |",
              "|---|---|---|---|"]
    for name in names:
        for job in ("details-heart", "details-text"):
            r = load(out / name / job / "result.json")
            if r:
                cells = []
                for who in ("network", "baseline"):
                    m = r["measures"].get(who)
                    cells.append(f"{m['verdict']} ({m['correlation']:.2f}, {m['contrast']:.2f})" if m else "—")
                lines.append(f"| {name} | {r['detail']['kind']} '{r['detail']['content']}' | {cells[0]} | {cells[1]} |")
    lines += ["", "## Test 3: more samples (mean PSNR in dB over the images)", ""]
    for name in names:
        r = load(out / name / "samples" / "result.json")
        if not r:
            lines += [f"- {name}: trained for one fixed sampling pattern; the test does not apply.", ""]
            continue
        series = [k for k in r if isinstance(r[k], dict) and "psnr_mean" in r[k]]
        lines.append(f"**{name}** (trained rate {r['trained_rate']:.3f}; figure `{name}/samples/samples.png`)")
        lines.append("")
        lines.append("| rate | " + " | ".join(series) + " |")
        lines.append("|---" * (len(series) + 1) + "|")
        for i, rate in enumerate(r["rates"]):
            lines.append(f"| {rate:.3f} | " + " | ".join(f"{r[s]['psnr_mean'][i]:.2f}" for s in series) + " |")
        lines.append("")
    (out / "README.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {out / 'README.md'}")


if __name__ == "__main__":
    main()
