"""Flags and helpers that several commands share, so they spell things the same way."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

from ..errors import OutputPathError, StabviewError
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
    """Check --out before any work: it must be a folder or a path where one can be made.

    Nothing is created here, so bad input never leaves an empty folder behind; the command
    writes through `output_files` (which calls `create_output`) once its results are ready.
    """
    if path is None:
        return None
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise OutputPathError(f"--out {path} is an existing file, not a folder: give a folder to write into")
    existing = out if out.exists() else next((p for p in out.parents if p.exists()), Path("."))
    if not existing.is_dir():
        raise OutputPathError(f"--out {path}: {existing} is a file, so no folder can be made inside it")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputPathError(f"--out {path}: no permission to write in {existing}")
    return out


def create_output(out: Path) -> Path:
    """Make the --out folder (after `output_dir` checked it), just before the first file is written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputPathError(f"--out {out}: cannot create the folder ({exc.strerror or exc})") from None
    return out


@contextmanager
def output_files(out: Path):
    """Write a command's files all or none: they are written into a hidden folder inside `out`
    and moved beside each other only when every one is complete. Ctrl-C (or an error) while they
    are written leaves `out` as it was, and removes the folders this call made."""
    made = [p for p in (out, *out.parents) if not p.exists()]
    create_output(out)
    staging = Path(tempfile.mkdtemp(prefix=".writing-", dir=out))
    done = False
    try:
        yield staging
        with _interrupt_deferred():     # a few renames: not cut in the middle
            for path in sorted(staging.iterdir()):
                os.replace(path, out / path.name)
            done = True
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if not done:
            for folder in made:          # innermost first; only while empty
                try:
                    folder.rmdir()
                except OSError:
                    break


@contextmanager
def _interrupt_deferred():
    """Ctrl-C during the block is raised when it ends (main thread only; elsewhere no effect)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def check_side(size: int) -> int:
    """--size of the commands that sample an image themselves: a square side of at least 8 pixels."""
    if size < 8:
        raise StabviewError(f"--size must be at least 8 pixels, got {size}")
    return size


def say(message: str) -> None:
    """Progress and summaries go to stderr, so stdout stays machine-readable."""
    print(message, file=sys.stderr, flush=True)
