"""Collect the trade-off curves of the training runs and the shipped networks into docs/results/tradeoff.

Copies `training-runs/RUN/tradeoff.{json,png}` to `docs/results/tradeoff/RUN/`, and writes
the table between the markers in `docs/results/tradeoff/README.md` (the text around it is
written by hand): one row per measured point of every run, beside the shipped network's own
point (measured by `stabview tradeoff resources/networks/NAME/weights.safetensors --card NAME
--gain-images 4 --out docs/results/tradeoff/shipped-NAME`). Every number comes from those files.

    python scripts/tradeoff_report.py
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / "training-runs"
OUT = ROOT / "docs" / "results" / "tradeoff"
START, END = "<!-- table: scripts/tradeoff_report.py -->", "<!-- end of table -->"


def levers(settings: dict) -> str:
    from stabview.training.recipes import recipe  # noqa: PLC0415
    base = recipe(settings["name"]).iterations
    parts = [f"{settings['iterations'] / base:g}× the recipe's iterations ({settings['iterations']})"]
    parts += [f"{k} = {v}" for k, v in settings["config"].items()]
    if not settings["augment"]:
        parts.append("no augmentation")
    return ", ".join(parts)


def rows(run: str, document: dict, lever: str) -> list[str]:
    """Table rows; images/s from the iterations and training minutes between consecutive points."""
    out, previous = [], None
    batch = document.get("settings", {}).get("batch")
    for p in document["points"]:
        rate = "—"
        if previous is not None and batch and p["training_minutes"] > previous["training_minutes"]:
            seconds = 60 * (p["training_minutes"] - previous["training_minutes"])
            rate = f"{(p['iteration'] - previous['iteration']) * batch / seconds:.1f}"
        minutes = f"{p['training_minutes']:.0f}" if "training_minutes" in p else "—"
        out.append(f"| {run} | {lever} | {p['label']} | {minutes} | {rate} | {p['psnr']:.2f} | {p['ssim']:.3f} "
                   f"| {p['gain']:.2f} ({', '.join(f'{g:.2f}' for g in p['gains'])}) |")
        previous = p if "training_minutes" in p else None
    return out


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    table = ["| run | levers | iteration | training minutes | images/s | held-out PSNR (dB) | SSIM "
             "| linearised gain: mean (per image) |", "|---|---|---|---|---|---|---|---|"]
    for shipped in sorted(OUT.glob("shipped-*/tradeoff.json")):
        document = json.loads(shipped.read_text(encoding="utf-8"))
        table += rows(shipped.parent.name, document, "the shipped network (its recipe)")
    for curve in sorted(RUNS.glob("*/tradeoff.json")):
        run = curve.parent.name
        document = json.loads(curve.read_text(encoding="utf-8"))
        (OUT / run).mkdir(parents=True, exist_ok=True)
        for name in ("tradeoff.json", "tradeoff.png"):
            shutil.copyfile(curve.parent / name, OUT / run / name)
        table += rows(run, document, levers(document["settings"]))
    readme = OUT / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else f"# The trade-off\n\n{START}\n{END}\n"
    if START not in text or END not in text:
        raise SystemExit(f"{readme} lacks the table markers {START} … {END}")
    head, rest = text.split(START, 1)
    readme.write_text(head + START + "\n" + "\n".join(table) + "\n" + END + rest.split(END, 1)[1], encoding="utf-8")
    print(f"wrote {OUT / 'README.md'}")


if __name__ == "__main__":
    main()
