"""Test 3 of the retrained networks in docs/results/README.md is made from the committed results."""

from __future__ import annotations

from tests.repo_scripts import load_script


def test_the_readme_section_matches_the_results():
    script = load_script("scripts/retrained_samples.py")
    assert script.measured(), "no retrained test 3 results in docs/results/tradeoff"
    text = script.README.read_text(encoding="utf-8")
    start = text.index(script.START) + len(script.START)
    assert text[start:text.index(script.END)].strip() == script.section().strip(), \
        "docs/results/README.md's retrained test 3 disagrees with the results: run `python scripts/retrained_samples.py`"


def test_the_trend_is_read_from_the_trained_rate_to_the_highest():
    script = load_script("scripts/retrained_samples.py")
    assert script.trend({0.1: 20.0, 0.2: 27.0, 0.6: 23.0}, 0.203).startswith("falls (-4.00")
    assert script.trend({0.05: 33.0, 1.0: 34.7}, 0.05).startswith("rises (+1.70")
    assert script.trend({0.05: 33.0, 1.0: 33.3}, 0.05).startswith("flat")
