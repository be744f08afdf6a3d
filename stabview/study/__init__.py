"""Studies: many cases (network × sampling × image × test × budget × restart) run on Dask.

A spec (TOML, `spec.py`) expands lazily into cases with stable content ids (`cases.py`); the
client keeps a bounded number of them in flight on Dask workers (`scheduling.py`, `worker.py`,
`case.py`) and records each result at once in SQLite (`recorder.py`), so a study resumes where
it stopped. Statistics (`statistics.py`) and the report (`report.py`) are computed from the
table alone. Nothing here imports Qt.
"""

from .errors import SpecError, StudyError

__all__ = ["SpecError", "StudyError"]
