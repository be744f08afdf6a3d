"""Run the three tests on every shipped network through the command line and tabulate them.

For each zoo network: `stabview attack` with no attack flags (the budgeted default, ε = 2%), the
same with a budget curve (ε = 0.5%, 1%, 2%, 5%), the paper's search with the card's preset
(`--preset card`, or `paper` without one), `stabview details` with a heart and with text, and
`stabview samples` for networks that take other rates. Where the default search reaches less than
60% of the ceiling, a 10× longer search with 8 restarts, every start run to its end
(`attack-long`: `--iterations 1000 --restarts 8 --screen-steps 0`), says how far from the best it
found the default is. Results land in `--out/NAME/...`; the table of headline numbers is
written to `--out/README.md`.

    python scripts/zoo_report.py --out docs/results --threads 1
    python scripts/zoo_report.py --readme-only     # only rewrite README.md's findings paragraph
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from pathlib import Path

IMAGES = {"fourier": "brain", "multicoil": "brain", "radon": None}
RADON_IMAGES = {"ell50": "ellipses:9001", "med50": "brain:5"}
BUDGETS = (0.005, 0.01, 0.02, 0.05)
#: the issue's bar for the default search: this share of a converged ceiling
ADEQUATE = 0.6
#: the search the default is compared with where it falls short of that bar
LONG_SEARCH = ("--iterations", "1000", "--restarts", "8", "--screen-steps", "0")
README = Path(__file__).resolve().parents[1] / "README.md"
FINDINGS_START, FINDINGS_END = "<!-- zoo-findings: made by scripts/zoo_report.py -->", "<!-- /zoo-findings -->"


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
    parser.add_argument("--readme-only", action="store_true",
                        help="run nothing; only rewrite README.md's findings from the results present")
    parser.add_argument("--jobs", default=None,
                        help="comma-separated job names to run, e.g. attack,attack-curve (default: all; "
                             "the table is always made from every result.json present)")
    args = parser.parse_args()
    if args.readme_only:
        update_readme(README, Path(args.out))
        return

    from stabview.networks import zoo
    names = args.networks.split(",") if args.networks else zoo.names()
    out = Path(args.out)
    common = ["--threads", str(args.threads)]
    for name in names:
        card = zoo.card_of(name)
        image = RADON_IMAGES.get(name) or IMAGES[card.modality]
        preset = "card" if card.attack_preset else "paper"
        jobs = {
            "attack": ["attack", "--network", name, "--image", image],
            "attack-curve": ["attack", "--network", name, "--image", image, "--budgets", ",".join(map(str, BUDGETS))],
            "attack-paper": ["attack", "--network", name, "--image", image, "--preset", preset],
            "details-heart": ["details", "--network", name, "--image", image, "--symbol", "heart"],
            "details-text": ["details", "--network", name, "--image", image, "--text", "CAN U SEE IT"],
        }
        if card.accepts_other_rates:
            jobs["samples"] = ["samples", "--network", name, "--images", f"{image},brain:7" if card.modality != "radon"
                               else f"{image},ellipses:9002"]
        jobs["attack-long"] = ["attack", "--network", name, "--image", image, *LONG_SEARCH]
        for job, argv in jobs.items():
            if args.jobs and job not in args.jobs.split(","):
                continue
            target = out / name / job
            if args.skip_existing and (target / "result.json").exists():
                continue
            if job == "attack-long" and not needs_long_search(out / name / "attack" / "result.json"):
                continue
            if run([*argv, "--out", str(target), *common]) != 0:
                print(f"{name} {job} failed", flush=True)
    write_table(out, names)
    update_readme(README, out)


def attack_results(out: Path, jobs=("attack",)) -> list[dict]:
    """The result.json of the given attack jobs under `out` (NAME/JOB/result.json), in a fixed order."""
    found = []
    for folder in sorted(p for p in out.iterdir() if p.is_dir()):
        for job in jobs:
            r = load(folder / job / "result.json")
            if r:
                found.append(r)
    return found


def _span(values, fmt: str, unit: str = "") -> str:
    lo, hi = fmt.format(min(values)), fmt.format(max(values))
    return f"{lo}{unit}" if lo == hi else f"{lo}–{hi}{unit}"


def findings(out: Path) -> str:
    """The README's findings paragraph, every number computed from the default attacks' result.json."""
    runs = attack_results(out)
    if not runs:
        raise SystemExit(f"no attack results under {out}")
    with_baseline = [r for r in runs if r.get("baseline_change_rel") is not None]
    mri = [r["adequacy"] for r in runs if "adequacy" in r and r["operator"]["modality"] != "radon"]
    radon = [r["adequacy"] for r in runs if "adequacy" in r and r["operator"]["modality"] == "radon"]
    paper_like = sum(1 for r in with_baseline if r["change_ratio"] >= 5)
    budget = _span([100 * r["budget"] for r in runs], "{:g}", "%")
    baseline_gains = [r["baseline_change_rel"] / r["perturbation_rel"] for r in with_baseline]
    text = (
        f"What they find (the default attack, ‖r‖ ≤ {budget} of ‖x‖, on each of the {len(runs)} zoo networks "
        f"in `docs/results`): every network changes "
        f"{_span([r['network_change_rel'] / r['network_change_rel_random'] for r in runs], '{:.1f}', '×')} "
        f"more under the found r than under random noise of the same norm, but only "
        f"{_span([r['change_ratio'] for r in with_baseline], '{:.1f}', '×')} more than the baseline on the "
        f"same r, because their linearised gains at x (the ceiling) are "
        f"{_span([r['linear_gain'] for r in runs if r.get('linear_gain')], '{:.1f}', '×')} (the baseline's "
        f"own gain on the same r is {_span(baseline_gains, '{:.1f}')}). "
        f"These small CPU-trained networks are therefore far less unstable than the paper's: "
        f"{paper_like} of {len(with_baseline)} change ≥ 5× as much as the baseline (the paper's finding). "
        f"The search reaches {_span([100 * v for v in mri], '{:.0f}', '%')} of the ceiling on the MRI networks "
        f"and {_span([100 * v for v in radon], '{:.0f}', '%')} on the Radon networks, whose ReLU units switch "
        f"as r grows, so their linearisation holds only for much smaller r than the budget.")
    return textwrap.fill(text, width=99, break_on_hyphens=False)


def update_readme(readme: Path, out: Path) -> None:
    """Replace the paragraph between the findings markers of `readme` with `findings(out)`."""
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(FINDINGS_START) + len(FINDINGS_START), text.index(FINDINGS_END)
    readme.write_text(text[:start] + "\n" + findings(out) + "\n" + text[end:], encoding="utf-8")
    print(f"wrote the findings paragraph of {readme}")


def needs_long_search(default_result: Path) -> bool:
    """Whether the default search reached less than `ADEQUATE` of a converged ceiling."""
    r = load(default_result)
    return bool(r and r.get("linear_gain_converged") and r.get("adequacy", 1.0) < ADEQUATE)


def write_table(out: Path, names: list[str]) -> None:
    lines = ["# Stability tests on the shipped zoo", "",
             "Made by `python scripts/zoo_report.py`; every number comes from the result.json beside it "
             "(the arrays.npz and PDF files it also writes are not kept in the repository).", "",
             "## Test 1: worst-case perturbations", "",
             "`stabview attack` with no attack flags: the budgeted search, ‖r‖ ≤ 2% of ‖x‖, started along "
             "the top singular direction of the linearised network and from 5 random points, each screened for "
             "6 steps and the leader run on, at 2% and again by continuation from 0.5%. The gain is "
             "the network's change ÷ ‖r‖/‖x‖; the ceiling is the linearised gain at x (top singular value "
             "of r ↦ f(A(x + r)) by power iteration): to first order no perturbation moves the network by "
             "more than ceiling × ‖r‖/‖x‖. Adequacy is gain ÷ ceiling. Random noise: the network's change "
             "under Gaussian noise of the same norm (mean and max of 8 draws).", "",
             "| network | image | ‖r‖/‖x‖ | network change | baseline change | ratio | random noise (mean, max) "
             "| gain | ceiling | adequacy | steps (starts) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    from stabview.networks import zoo
    for name in names:
        r = load(out / name / "attack" / "result.json")
        if r:
            ratio = f"{r['change_ratio']:.1f}×" if r.get("change_ratio") else "—"
            ceiling = f"{r['linear_gain']:.2f}×" if "linear_gain" in r else "—"
            adequacy = f"{100 * r['adequacy']:.0f}%" if "adequacy" in r else "—"
            steps = sum(s["iterations"] for s in r.get("restarts", []))
            lines.append(f"| {name} | {r['image']} | {pct(r['perturbation_rel'])} | {pct(r['network_change_rel'])} | "
                         f"{pct(r.get('baseline_change_rel'))} | {ratio} | {pct(r['network_change_rel_random'])}, "
                         f"{pct(r['network_change_rel_random_max'])} | {r['achieved_gain']:.2f}× | {ceiling} | "
                         f"{adequacy} | {steps} ({len(r.get('restarts', []))}) |")
    longer = [(name, load(out / name / "attack" / "result.json"), load(out / name / "attack-long" / "result.json"))
              for name in names]
    longer = [(n, d, lg) for n, d, lg in longer if d and lg]
    if longer:
        lines += ["", f"Where the default reached less than {ADEQUATE:.0%} of the ceiling, a 10× longer search "
                      "with 8 restarts, every start run to its end (`attack-long`), at the same budget:", "",
                  "| network | default change | longer search's change | default ÷ longer |", "|---|---|---|---|"]
        for name, d, lg in longer:
            lines.append(f"| {name} | {pct(d['network_change_rel'])} | {pct(lg['network_change_rel'])} | "
                         f"{100 * d['network_change_rel'] / lg['network_change_rel']:.0f}% |")
    lines += ["", "### Budget curves", "",
              "`--budgets " + ",".join(map(str, BUDGETS)) + "`: each budget continued from the last; per budget the "
              "worst-case change, the baseline's change on the same r and their ratio (figure "
              "`NAME/attack-curve/budget_curve.png`).", "",
              "| network | " + " | ".join(f"ε = {100 * b:g}%" for b in BUDGETS) + " |",
              "|---" * (len(BUDGETS) + 1) + "|"]
    for name in names:
        r = load(out / name / "attack-curve" / "result.json")
        if r and r.get("curve"):
            cells = [f"{pct(p['network_change_rel'])} vs {pct(p.get('baseline_change_rel'))} "
                     f"({p['change_ratio']:.1f}×)" if p.get("change_ratio") else pct(p["network_change_rel"])
                     for p in r["curve"]]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "### The paper's search", "",
              "`--preset card` (the card's tuned λ, γ, η, τ; `--preset paper` for networks without one), for "
              "reproduction: its ‖r‖ is whatever λ lets it grow to.", "",
              "| network | preset | steps | stopped by | ‖r‖/‖x‖ | network change | baseline change | ratio |",
              "|---|---|---|---|---|---|---|---|"]
    for name in names:
        r = load(out / name / "attack-paper" / "result.json")
        if r:
            ratio = f"{r['change_ratio']:.1f}×" if r.get("change_ratio") else "—"
            preset = "card" if zoo.card_of(name).attack_preset else "paper"
            lines.append(f"| {name} | {preset} | {r['iterations_run']} | {r['stopped_by']} | {pct(r['perturbation_rel'])} "
                         f"| {pct(r['network_change_rel'])} | {pct(r.get('baseline_change_rel'))} | {ratio} |")
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
    # the studies' tables (scripts/study_table.py) stay at the end of the file
    previous = (out / "README.md").read_text() if (out / "README.md").exists() else ""
    marker = "<!-- study tables: made by scripts/study_table.py"
    kept = "\n" + previous[previous.index(marker):] if marker in previous else ""
    (out / "README.md").write_text("\n".join(lines) + "\n" + kept)
    print(f"wrote {out / 'README.md'}")


if __name__ == "__main__":
    main()
