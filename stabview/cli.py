"""Headless command line: `stabview <command> ...`; every command is a module in `commands/`.

Each command module exposes `add_parser(subparsers)` and `run(args) -> int`. Errors raised on
purpose (`StabviewError`: bad input, a bad file, or a user's model that raised) become one
line on stderr (terminal escape codes removed) and exit code 2; Ctrl-C exits with 130; any
other exception is a bug, reported in one line with exit code 1 (STABVIEW_DEBUG=1 shows the
traceback).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback

from . import __version__
from .errors import StabviewError, one_line

#: subcommands, in the order `stabview --help` lists them
COMMANDS = ("attack", "details", "samples", "nullspace", "target", "baseline", "zoo", "inspect", "train",
            "tradeoff", "demo", "images", "study")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stabview",
        description="Test deep-learning image-reconstruction networks for instability.")
    parser.add_argument("--version", action="version", version=f"stabview {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"stabview.commands.{name}").add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except StabviewError as exc:
        print(f"stabview {args.command}: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"stabview {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - a bug, not bad input: say so in one line
        if os.environ.get("STABVIEW_DEBUG"):
            traceback.print_exc()
        print(f"stabview {args.command}: internal error: {type(exc).__name__}: {one_line(exc)} "
              "(set STABVIEW_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1
