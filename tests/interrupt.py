"""Run a `stabview` command in a subprocess and press Ctrl-C (SIGINT) once it shows a given text."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

#: the process group of the last command run with group=True
last_group: list[int] = []


def interrupt_when(argv: list[str], marker: str, *, timeout: float = 300.0, group: bool = False,
                   delay: float = 0.0) -> tuple[int, str]:
    """(exit code, stderr) of `python -m stabview ARGV`, sent SIGINT `delay` s after `marker` first
    appears on its stderr (progress bars redraw without newlines, so stderr is read as it comes).
    `group`: the command runs in its own process group and the whole group gets the SIGINT, as
    from a terminal's Ctrl-C (a study's worker processes included); its id is `last_group[0]`."""
    env = {**os.environ, "PYTHONPATH": os.getcwd() + os.pathsep + os.environ.get("PYTHONPATH", "")}
    # SIGINT back to its default in the child: a shell starts background jobs with it ignored
    proc = subprocess.Popen([sys.executable, "-m", "stabview", *argv], stderr=subprocess.PIPE, env=env,
                            start_new_session=group,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    last_group[:] = [proc.pid]
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
    time.sleep(delay)
    if group:
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal(signal.SIGINT)
    try:
        code = proc.wait(timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
    reader.join(5)
    return code, seen.decode(errors="replace")


def group_ended(group: int, wait: float = 20.0) -> bool:
    """True once no process of `group` is left (waiting at most `wait` s)."""
    end = time.monotonic() + wait
    while time.monotonic() < end:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False
