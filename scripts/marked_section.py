"""Replace the generated section of a hand-written Markdown file, between two HTML comments.

The scripts that write tables into docs/results (study tables, test 3 of the retrained networks,
the attacks across anatomies) leave the prose around their markers alone.
"""

from __future__ import annotations

from pathlib import Path


def replace_marked(path: Path, start: str, end: str, body: str) -> None:
    """Put `body` between the markers `start` and `end` of `path`, or append all three at its end."""
    text = path.read_text(encoding="utf-8")
    block = f"{start}\n{body}\n{end}"
    if start in text:
        text = text[:text.index(start)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")
