"""The README tells the truth: every command it names answers --help and accepts every option
the README names for it, and the numbers in its findings paragraph come from docs/results."""

import argparse
import importlib.util
import re
from pathlib import Path

import pytest

from stabview.cli import COMMANDS, build_parser
from stabview.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def subparsers() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def options_of(parser: argparse.ArgumentParser) -> set[str]:
    """A command's options, those of its own subcommands included (`study run --workers`)."""
    found = set(parser._option_string_actions)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found |= options_of(sub)
    return found


def gui_parser_flags() -> set[str]:
    """The window's options, read from its --help (the window itself is not opened)."""
    import contextlib
    import io

    from stabview.__main__ import main
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as done:
        main(["gui", "--help"])
    assert done.value.code == 0
    return set(FLAG.findall(out.getvalue()))


def readme_claims() -> dict[str, set[str]]:
    """{command: flags the README names for it}, from three kinds of statement:

    - a code span that starts with `stabview COMMAND` (examples): its flags;
    - a table row whose first cell starts with `stabview COMMAND` (the commands table): its flags;
    - a paragraph that mentions `stabview COMMAND` in code and no other command: its flags;
    - the sentence "The commands that compute (`a`, `b`, ...) take `--x`, ...": those flags for each.
    """
    claims: dict[str, set[str]] = {}
    for span in re.findall(r"`(stabview(?: [^`]*)?)`", README):
        words = span.split()
        command = words[1] if len(words) > 1 and not words[1].startswith("-") else "gui"
        claims.setdefault(command, set()).update(FLAG.findall(span))
    for row in re.findall(r"^\|(.*)$", README, re.M):
        first = re.match(r"\s*`stabview(?: (\w+))?", row)
        if first:
            claims.setdefault(first.group(1) or "gui", set()).update(FLAG.findall(row))
    for paragraph in re.split(r"\n\s*\n", README):
        if paragraph.lstrip().startswith(("|", "```")):
            continue
        named = set(re.findall(r"`stabview (\w+)", paragraph))
        if len(named) == 1:
            claims.setdefault(named.pop(), set()).update(FLAG.findall(paragraph))
    shared = re.search(r"commands that compute \(([^)]*)\) take\s+(.*?);", README, re.S)
    assert shared, "the README no longer says which commands take the runtime flags"
    for command in re.findall(r"`(\w+)`", shared.group(1)):
        claims.setdefault(command, set()).update(FLAG.findall(shared.group(2)))
    return claims


def test_the_readme_names_options_for_the_test_commands():
    claims = readme_claims()
    for command in ("attack", "details", "samples", "baseline", "demo", "train"):
        assert {"--device", "--threads", "--seed"} <= claims[command]
    assert len(claims["attack"]) >= 5 and "--out" in claims["attack"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_answers_help(command, capsys):
    with pytest.raises(SystemExit) as done:
        cli_main([command, "--help"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("usage: stabview " + command)


def test_every_option_the_readme_names_is_accepted():
    parsers = subparsers()
    wrong = []
    for command, flags in readme_claims().items():
        if command == "gui":
            accepted = gui_parser_flags()
        else:
            assert command in parsers, f"the README names `stabview {command}`, which does not exist"
            accepted = options_of(parsers[command])
        wrong += [f"stabview {command} {flag}" for flag in sorted(flags - accepted)]
    assert not wrong, f"the README names options that do not exist: {wrong}"


def test_every_option_named_anywhere_belongs_to_some_command():
    """Flags in prose that no statement ties to one command must still exist on one of them
    (code blocks and commands of other programs — python, pip, bash — are left out)."""
    text = re.sub(r"```.*?```", "", README, flags=re.S)
    text = re.sub(r"`(?:python|pip|\.venv|bash|xvfb-run)[^`]*`", "", text)
    accepted = set().union(*(options_of(p) for p in subparsers().values()), gui_parser_flags())
    unknown = sorted(set(FLAG.findall(text)) - accepted)
    assert not unknown, f"the README names options no command has: {unknown}"


def test_every_command_is_in_the_readme():
    for command in COMMANDS:
        assert f"`stabview {command}" in README, command


def test_the_findings_paragraph_is_made_from_the_results():
    spec = importlib.util.spec_from_file_location("zoo_report", ROOT / "scripts" / "zoo_report.py")
    report = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(report)
    start = README.index(report.FINDINGS_START) + len(report.FINDINGS_START)
    shown = README[start:README.index(report.FINDINGS_END)].strip()
    assert shown == report.findings(ROOT / "docs" / "results"), \
        "README.md's findings disagree with docs/results: run `python scripts/zoo_report.py --readme-only`"


@pytest.mark.slow
def test_the_python_api_examples_run(tmp_path, monkeypatch):
    """Every ```python block of the README's Python API section runs as written."""
    section = README[README.index("## Python API"):README.index("## Conventions")]
    blocks = [b.split("```", 1)[0] for b in section.split("```python\n")[1:]]
    assert len(blocks) >= 2
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {"__name__": "readme"})
