"""Run the targeted attacks and the null-space maps on every shipped network and tabulate them.

For each zoo network: `stabview target --mode add` (can a small r make it show a ♥ that is not
there?), `stabview target --mode remove` (can a small r make it lose a ♥ that is there?), both
with the heart at the image centre and ε = 2%, and `stabview nullspace` on the clean input and
on the input perturbed by the r the add attack found. Results land in `--out/NAME/...`; the table
is written to `--out/README.md` from the result.json files alone.

    nice python scripts/nullspace_report.py --out docs/results/nullspace --threads 1
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

IMAGES = {"fourier": "brain", "multicoil": "brain", "radon": None}
RADON_IMAGES = {"ell50": "ellipses:9001", "med50": "brain:5"}   # as in zoo_report.py


def run(argv: list[str]) -> int:
    print("$ stabview " + " ".join(argv), flush=True)
    return subprocess.run([sys.executable, "-m", "stabview", *argv]).returncode


def load(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def pct(value) -> str:
    return "—" if value is None else f"{100 * value:.2f}%"


def measure(result: dict, name: str, key: str = "measures") -> str:
    m = result.get(key, {}).get(name)
    return "—" if m is None else f"{m['verdict']} ({m['correlation']:.2f}, {m['contrast']:.2f})"


def table(out: Path, names: list[str], budget: float) -> str:
    lines = ["# Targeted attacks and null-space maps on the shipped zoo", "",
             "Made by `nice python scripts/nullspace_report.py --out docs/results/nullspace --threads 1`; "
             "every number comes from the result.json beside it (arrays.npz files are not kept).", "",
             f"## False and missing ♥ at ε = {budget:.0%}", "",
             "`stabview target --symbol heart --budget " f"{budget}` (heart at the image centre, 1/8 of the "
             "image high, intensity 0.5). *add*: the truth is x and the search looks for r that makes the "
             "network show the ♥; *remove*: the truth is x + ♥ and the search looks for r that makes it "
             "disappear. Verdicts are test 2's (correlation, contrast) of the ♥ in the output on the attacked "
             "input, for the network and for the baseline on the same r. A target reached with an r that is "
             "small (‖r‖/‖♥‖ ≪ 1) and unlike the ♥ (correlation near 0) is the finding; r ≈ ±♥ is not. "
             "The column *r = ±ε‖x‖·♥/‖♥‖* gives, for reference, the misfit and network verdict of the ♥ "
             "itself scaled to the budget (what a faithful map would need).", "",
             "| network | mode | ‖r‖/‖x‖ | ‖r‖/‖♥‖ | corr(r, ♥) | misfit/‖♥‖ | network | baseline "
             "| r = ±ε‖x‖·♥/‖♥‖ | ♥ without r (network) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    verdicts = {}
    for name in names:
        for mode in ("add", "remove"):
            r = load(out / name / f"target-{mode}" / "result.json")
            if r is None:
                continue
            verdicts[(name, mode)] = r["verdicts"]["network"]
            if mode == "remove":
                verdicts[(name, "before")] = r["measures_without_r"]["network"]["verdict"]
            without = measure(r, "network", "measures_without_r") if mode == "remove" else "—"
            along = r["along_d"]
            lines.append(f"| {name} | {mode} | {pct(r['perturbation_rel'])} | {r['r_over_d']:.2f} | "
                         f"{r['r_d_correlation']:.2f} | {r['target_residual_rel_start']:.2f} → "
                         f"{r['target_residual_rel']:.2f} | {measure(r, 'network')} | {measure(r, 'baseline')} "
                         f"| {along['target_residual_rel']:.2f}, {along['network']['verdict']} | {without} |")
    base = {}
    corr = {"add": [], "remove": []}
    for name in names:
        for mode in ("add", "remove"):
            r = load(out / name / f"target-{mode}" / "result.json")
            if r is not None:
                base[(name, mode)] = r["verdicts"].get("baseline")
                corr[mode].append(r["r_d_correlation"])
    shown = [n for n in names if verdicts.get((n, "add")) == "recovered"]
    faint = [n for n in names if verdicts.get((n, "add")) == "blurred"]
    lost = [n for n in names if verdicts.get((n, "remove")) == "lost" and verdicts.get((n, "before")) != "lost"]
    weakened = [n for n in names if verdicts.get((n, "remove")) == "blurred"
                and verdicts.get((n, "before")) == "recovered"]
    lines += ["", f"- Show a clear false ♥ (verdict recovered) at ε ≤ {budget:.0%}: {', '.join(shown) or 'none'}; "
              f"a faint one (blurred): {', '.join(faint) or 'none'}.",
              f"- Lose a real ♥ (verdict lost, from recovered or blurred without r) at ε ≤ {budget:.0%}: "
              f"{', '.join(lost) or 'none'}; blur a recovered one: {', '.join(weakened) or 'none'}.",
              f"- The baseline on the same r shows the false ♥ as well (recovered or blurred) for: "
              f"{', '.join(n for n in names if base.get((n, 'add')) in ('recovered', 'blurred')) or 'none'}.",
              *([f"- The r found is mostly the ♥ itself: corr(r, ♥) {min(corr['add']):.2f} to "
                 f"{max(corr['add']):.2f} (add) and {min(corr['remove']):.2f} to {max(corr['remove']):.2f} "
                 "(remove): what the networks show is largely what the same r shows through the "
                 "baseline, not an invention."] if corr["add"] and corr["remove"] and min(corr["add"]) > 0.5
                and max(corr["remove"]) < -0.5 else []), "",
              "## Null-space maps", "",
              "`stabview nullspace`, clean (y = A x) and perturbed by the r of the add attack (y = A(x + r), "
              "truth x + r). Errors relative to ‖x‖: measured part ‖P_R(x̂ − x)‖, null-space part "
              "‖P_N(x̂ − x)‖; ‖P_N x‖ is the part of the image no measurement sees.", "",
              "| network | ‖P_N x‖/‖x‖ | network P_R clean | network P_N clean | network P_N perturbed "
              "| baseline P_R clean | baseline P_N clean | baseline P_N perturbed | projection |",
              "|---|---|---|---|---|---|---|---|---|"]
    for name in names:
        r = load(out / name / "nullspace" / "result.json")
        if r is None:
            continue
        rng, null = r["range_error_rel"], r["null_space_error_rel"]
        proj = r["projection"]
        solve = proj.get("last_solve", {})
        how = "exact" if proj["method"] == "exact" else (
            f"CGLS {solve.get('iterations')} its, residual {solve.get('residual_rel', 0):.1e}"
            + ("" if solve.get("converged") else " (cap)"))
        cells = [pct(r["truth_null_rel"])]
        for who in ("network", "baseline"):
            cells += [pct(rng.get(who, {}).get("clean")), pct(null.get(who, {}).get("clean")),
                      pct(null.get(who, {}).get("perturbed"))]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {how} |")
    consistent = []
    for name in names:
        r = load(out / name / "nullspace" / "result.json")
        if r is not None and r["range_error_rel"]["network"]["clean"] < 1e-4:
            consistent.append(name)
    if consistent:
        lines += ["", f"Measured-part error below 0.01%: {', '.join(consistent)} (data-consistent on the "
                  "measured part, so all of its error lies where A cannot see)."]
    lines += ["", "Figures: `NAME/target-add/target.png`, `NAME/target-remove/target.png`, "
              "`NAME/nullspace/nullspace.png` and `NAME/nullspace/overlay.png` (null-space error in red)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/results/nullspace")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--budget", type=float, default=0.02)
    parser.add_argument("--networks", default=None, help="comma-separated (default: the whole zoo)")
    parser.add_argument("--skip-existing", action="store_true")
    args = parser.parse_args()

    from stabview.networks import zoo
    names = args.networks.split(",") if args.networks else zoo.names()
    out = Path(args.out)
    common = ["--threads", str(args.threads)]
    for name in names:
        card = zoo.card_of(name)
        image = RADON_IMAGES.get(name) or IMAGES[card.modality]
        base = ["--network", name, "--image", image, *common]
        jobs = {
            "target-add": ["target", "--mode", "add", "--symbol", "heart", "--budget", str(args.budget), *base],
            "target-remove": ["target", "--mode", "remove", "--symbol", "heart", "--budget", str(args.budget),
                              *base],
            "nullspace": ["nullspace", "--perturbation", str(out / name / "target-add" / "arrays.npz"), *base],
        }
        for job, argv in jobs.items():
            folder = out / name / job
            if args.skip_existing and (folder / "result.json").exists():
                continue
            code = run([*argv, "--out", str(folder)])
            if code != 0:
                print(f"{name}/{job} failed with exit code {code}", file=sys.stderr)
    (out / "README.md").write_text(table(out, names, args.budget))
    print(f"wrote {out / 'README.md'}")


if __name__ == "__main__":
    main()
