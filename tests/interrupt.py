"""Run a `stabview` command in a subprocess and press Ctrl-C (SIGINT) once it shows a given text."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time


def interrupt_when(argv: list[str], marker: str, *, timeout: float = 300.0) -> tuple[int, str]:
    """(exit code, stderr) of `python -m stabview ARGV`, sent SIGINT when `marker` first appears
    on its stderr (progress bars redraw without newlines, so stderr is read as it comes)."""
    env = {**os.environ, "PYTHONPATH": os.getcwd() + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "stabview", *argv], stderr=subprocess.PIPE, env=env)
    seen = bytearray()
    shown = threading.Event()

    def read() -> None:
        while chunk := os.read(proc.stderr.fileno(), 4096):
            seen.extend(chunk)
            if marker.encode() in seen:
                shown.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    began = time.monotonic()
    while not shown.wait(0.05):
        if proc.poll() is not None or time.monotonic() - began > timeout:
            proc.kill()
            reader.join(5)
            raise AssertionError(f"'{marker}' never appeared:\n{seen.decode(errors='replace')}")
    proc.send_signal(signal.SIGINT)
    try:
        code = proc.wait(timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
    reader.join(5)
    return code, seen.decode(errors="replace")
