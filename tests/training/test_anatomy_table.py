"""The across-anatomies table in docs/results/tradeoff/README.md is made from the committed results."""

from __future__ import annotations

from tests.repo_scripts import load_script


def test_the_table_matches_the_results():
    script = load_script("scripts/anatomy_attacks.py")
    assert list(script.OUT.glob("*/result.json")), "no across-anatomies results in docs/results/tradeoff/anatomies"
    text = script.README.read_text(encoding="utf-8")
    start = text.index(script.START) + len(script.START)
    assert text[start:text.index(script.END)].strip() == script.section().strip(), \
        "docs/results/tradeoff/README.md's anatomies table disagrees with the results: run `python scripts/anatomy_attacks.py`"
    assert "—" not in script.section()            # every cell measured
