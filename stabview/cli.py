"""Headless command line: `stabview <command> ...`; every command is a module in `commands/`.

Each command module exposes `add_parser(subparsers)` and `run(args) -> int`. Errors raised on
purpose (`StabviewError`) become one line on stderr and exit code 2; Ctrl-C exits with 130.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__
from .errors import StabviewError

#: subcommands, in the order `stabview --help` lists them
COMMANDS = ("demo", "images")


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
        print(f"stabview {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"stabview {args.command}: interrupted", file=sys.stderr)
        return 130
