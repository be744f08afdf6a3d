"""Write the studies' headline tables into docs/results/README.md from their summary.json files.

Every folder docs/results/study/NAME/ made by `stabview study run docs/results/study/NAME.toml
--out docs/results/study/NAME` holds summary.json; this script turns them into one section of
docs/results/README.md, between STUDY_START and STUDY_END (scripts/zoo_report.py keeps it when it
rewrites the rest of that file). A test checks that the section matches the summaries.

    python scripts/study_table.py
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STUDIES = ROOT / "docs" / "results" / "study"
RESULTS_README = ROOT / "docs" / "results" / "README.md"
STUDY_START = "<!-- study tables: made by scripts/study_table.py from docs/results/study/*/summary.json -->"
STUDY_END = "<!-- end of study tables -->"


def pct(stats: dict | None, key: str = "median") -> str:
    return "—" if not stats else f"{100 * stats[key]:.2f}%"


def iqr(stats: dict | None) -> str:
    return "—" if not stats else f"{100 * stats['q25']:.2f}–{100 * stats['q75']:.2f}%"


def times(stats: dict | None, ci: bool = False) -> str:
    if not stats:
        return "—"
    text = f"{stats['median']:.2f}×"
    return text + (f" ({stats['ci95'][0]:.2f}–{stats['ci95'][1]:.2f})" if ci else "")


def share(value) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def summaries(folder: Path = STUDIES) -> list[tuple[str, dict]]:
    return [(p.parent.name, json.loads(p.read_text(encoding="utf-8")))
            for p in sorted(folder.glob("*/summary.json"))]


def section(folder: Path = STUDIES) -> str:
    """The README section (without the markers), every number from the summaries."""
    studies = summaries(folder)
    lines = ["## Studies: the zoo on 12 images × 4 budgets × 2 restarts", "",
             "`stabview study run docs/results/study/NAME.toml --out docs/results/study/NAME` (one spec per "
             "modality, beside its `report.html` and `summary.json`); the same command resumes an unfinished "
             "study. Per image the worst of the restarts counts; medians over images. Change: ‖f(y + A r) − "
             "f(y)‖/‖f(y)‖ for the r found with ‖r‖ ≤ ε‖x‖; baseline: its change on the same r; ratio: network "
             "÷ baseline (bootstrap 95% CI of the median); ≥ 2×: share of images where the network changed at "
             "least twice as much as the baseline; worst ÷ noise: against Gaussian noise of the same norm; "
             "adequacy: achieved gain ÷ linearised gain.", ""]
    for name, summary in studies:
        cases = summary["cases"]
        settings = summary["protocol"].get("settings") or {}
        lines.append(f"- `{name}`: {cases['ok']} cases ok, {cases['failed']} failed, of {cases['planned']} planned "
                     f"({settings.get('iterations', '?')} search steps per restart, "
                     f"{settings.get('gain_iterations', '?')} power iterations for the gain).")
    lines += ["", "| network | ε | images | change (median) | IQR | baseline change | ratio (95% CI) | ≥ 2× | ≥ 5× "
              "| worst ÷ noise | adequacy |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for _, summary in studies:
        for g in summary["groups"]:
            lines.append(f"| {g['network']} | {100 * g['budget']:g}% | {g['images']} | {pct(g['network_change'])} | "
                         f"{iqr(g['network_change'])} | {pct(g['baseline_change'])} | {times(g['change_ratio'], True)} | "
                         f"{share(g['fraction_ratio_ge_2'])} | {share(g['fraction_ratio_ge_5'])} | "
                         + ("—" if g["worst_over_noise"] is None else f"{g['worst_over_noise']:.1f}×")
                         + f" | {'—' if not g['search_adequacy'] else format(g['search_adequacy']['median'], '.2f')} |")
    targets = [g for _, s in studies for g in s.get("targets", [])]
    if targets:
        lines += ["", "False and missing details (targeted search; share of images):", "",
                  "| network | ε | mode | images | network: target reached | network: any sign | baseline: target "
                  "reached | corr(r, d) |", "|---|---|---|---|---|---|---|---|"]
        for g in targets:
            lines.append(f"| {g['network']} | {100 * g['budget']:g}% | {g['mode']} | {g['images']} | "
                         f"{share(g['network_fraction_reached'])} | {share(g['network_fraction_visible'])} | "
                         f"{share(g['baseline_fraction_reached'])} | "
                         f"{'—' if not g['r_d_correlation'] else format(g['r_d_correlation']['median'], '.2f')} |")
    nulls = [g for _, s in studies for g in s.get("nullspace", [])]
    if nulls:
        lines += ["", "Null-space errors on clean inputs (medians over images, relative to ‖x‖):", "",
                  "| network | images | ‖P_N x‖ | network P_R | network P_N | baseline P_N | network P_N > baseline's |",
                  "|---|---|---|---|---|---|---|"]
        for g in nulls:
            lines.append(f"| {g['network']} | {g['images']} | {pct(g['truth_null_rel'])} | "
                         f"{pct(g['network_range_error_rel'])} | {pct(g['network_null_space_error_rel'])} | "
                         f"{pct(g['baseline_null_space_error_rel'])} | {share(g['fraction_null_error_above_baseline'])} |")
    return "\n".join(lines)


def update(readme: Path = RESULTS_README, folder: Path = STUDIES) -> None:
    """Replace (or append) the marked section of `readme`."""
    text = readme.read_text(encoding="utf-8")
    block = f"{STUDY_START}\n{section(folder)}\n{STUDY_END}\n"
    if STUDY_START in text:
        start, end = text.index(STUDY_START), text.index(STUDY_END) + len(STUDY_END)
        text = text[:start] + block.rstrip("\n") + text[end:]
    else:
        text = text.rstrip("\n") + "\n\n" + block
    readme.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    update()
    print(f"wrote the study tables into {RESULTS_README}")
