"""One `study run` at a time per study folder.

Two runs on one folder would both take the same unfinished cases (the table stays right, but
the work is done twice) and could each delete what the other is writing. The writer holds an
exclusive lock on DIR/run.lock for as long as it runs; the operating system drops the lock when
the process ends, however it ends, so a killed run never blocks the next one. Readers
(`study status`, `study report`, the window) take no lock.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

from .errors import StudyError

LOCK_FILE = "run.lock"


@contextmanager
def single_writer(folder: str | os.PathLike):
    """Hold DIR/run.lock for the block; StudyError naming the holder's pid if another run holds it."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fh = open(folder / LOCK_FILE, "a+")
    except OSError as exc:
        raise StudyError(f"{folder}: cannot be used as a study folder ({exc.strerror})") from None
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            raise StudyError(f"{folder}: another `stabview study run` (pid {holder}) is writing to this "
                             "folder; wait for it or stop it, then run again") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield
    finally:
        fh.close()
