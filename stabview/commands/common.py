"""Flags and helpers that several commands share, so they spell things the same way."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..runtime import resolve_device, set_threads


def add_runtime_flags(parser: argparse.ArgumentParser) -> None:
    """--device, --threads, --seed."""
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default: cpu)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (default: cores − 1)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")


def apply_runtime(args: argparse.Namespace):
    """Set the thread count and return the device the command runs on."""
    set_threads(args.threads)
    return resolve_device(args.device)


def output_dir(path: str | None) -> Path | None:
    """Create --out if given."""
    if path is None:
        return None
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def say(message: str) -> None:
    """Progress and summaries go to stderr, so stdout stays machine-readable."""
    print(message, file=sys.stderr, flush=True)
