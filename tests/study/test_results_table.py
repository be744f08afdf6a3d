"""The studies' headline tables in docs/results/README.md are made from the committed summaries."""

from __future__ import annotations

import json

from tests import repo_scripts


def load_script():
    return repo_scripts.load_script("scripts/study_table.py")


def test_the_readme_section_matches_the_summaries():
    table = load_script()
    text = table.RESULTS_README.read_text(encoding="utf-8")
    assert list(table.STUDIES.glob("*/summary.json")), "no study summaries in docs/results/study"
    start = text.index(table.STUDY_START) + len(table.STUDY_START)
    assert text[start:text.index(table.STUDY_END)].strip() == table.section().strip(), \
        "docs/results/README.md's study tables disagree with the summaries: run `python scripts/study_table.py`"


def group(network, budget, median):
    stats = {"median": median, "q25": median / 2, "q75": median * 2, "ci95": [1.0, 3.0]}
    return {"network": network, "rate": None, "budget": budget, "images": 12, "network_change": stats,
            "baseline_change": stats, "change_ratio": {**stats, "median": 2.0}, "fraction_ratio_ge_2": 0.5,
            "fraction_ratio_ge_5": 0.0, "worst_over_noise": 4.0, "search_adequacy": {**stats, "median": 0.9}}


def test_rows_come_from_the_summary_and_the_section_is_replaced_in_place(tmp_path):
    table = load_script()
    folder = tmp_path / "study" / "ct"
    folder.mkdir(parents=True)
    summary = {"cases": {"planned": 96, "ok": 40, "failed": 1}, "protocol": {"settings": {"iterations": 30}},
               "groups": [group("ell50", 0.005, 0.012)], "targets": [], "nullspace": []}
    (folder / "summary.json").write_text(json.dumps(summary))
    readme = tmp_path / "README.md"
    readme.write_text("# Results\n\nzoo tables\n")
    table.update(readme, tmp_path / "study")
    first = readme.read_text()
    assert first.startswith("# Results\n\nzoo tables\n") and "- `ct`: 40 cases ok, 1 failed, of 96 planned" in first
    assert "| ell50 | 0.5% | 12 | 1.20% | 0.60–2.40% | 1.20% | 2.00× (1.00–3.00) | 50% | 0% | 4.0× | 0.90 |" in first
    summary["groups"][0]["network_change"]["median"] = 0.05
    (folder / "summary.json").write_text(json.dumps(summary))
    table.update(readme, tmp_path / "study")
    second = readme.read_text()
    assert second.count(table.STUDY_START) == 1 and "| ell50 | 0.5% | 12 | 5.00% |" in second
    assert second.startswith("# Results\n\nzoo tables\n")
