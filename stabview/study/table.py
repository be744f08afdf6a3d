"""A study's cases as a plain table for viewing (the window's study table reads it; no Qt here).

`read_cases(folder)` gives one `CaseRow` per recorded case, with the numbers a reader sorts by
pulled out of each test's own table (the attack's change and ratio, a targeted case's verdict,
a null-space case's errors), and `case_arrays(folder, row)` the arrays kept for it (x, r and the
outputs; only the worst cases of each network keep them). What a case needs to be opened again —
its network (zoo name or model file and card), image reference, sampling rate, budget and seed —
is in `row.case`, as the study planned it.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import StudyError
from .recorder import Recorder

#: (key, heading) of the columns, in order; `CaseRow.value(key)` gives each value
COLUMNS = (("network", "network"), ("image", "image"), ("test", "test"), ("budget", "ε"),
           ("restart", "restart"), ("status", "status"), ("perturbation_rel", "‖r‖/‖x‖"),
           ("network_change_rel", "network change"), ("baseline_change_rel", "baseline change"),
           ("change_ratio", "ratio"), ("verdict", "verdict (network)"), ("null_space_error_rel", "P_N error"),
           ("seconds", "time (s)"), ("arrays", "arrays"), ("message", "message"))


@dataclass
class CaseRow:
    """One recorded case: identity, status, the headline numbers and the planned case itself."""

    id: str
    network: str
    image: str
    test: str
    budget: float
    restart: int
    rate: float | None
    status: str
    message: str
    arrays: str | None                 # path of the kept arrays, relative to the study folder
    numbers: dict = field(repr=False)  # the test's own numbers, as recorded
    seconds: float | None = None
    case: dict = field(default_factory=dict, repr=False)   # Case.to_dict(): how to open it again

    def value(self, key: str):
        """The value of column `key` (None where the test has no such number)."""
        n = self.numbers
        if key == "verdict":
            return n.get("verdicts", {}).get("network")
        if key == "null_space_error_rel":
            value = n.get("null_space_error_rel")
            return value.get("network", {}).get("clean") if isinstance(value, dict) else None
        if key in ("perturbation_rel", "network_change_rel", "baseline_change_rel", "change_ratio"):
            value = n.get(key)
            return value if isinstance(value, (int, float)) else None
        if key == "arrays":
            return self.arrays is not None
        return getattr(self, key)


def read_cases(folder: str | os.PathLike) -> list[CaseRow]:
    """Every case recorded in the study folder, in the order recorded (StudyError if none there)."""
    with Recorder(folder, create=False) as recorder:
        return [CaseRow(r["id"], r["network"], r["image"], r["test"], r["budget"], r["restart"], r["rate"],
                        r["status"], r["message"], r["arrays"], r["numbers"], r["timings"].get("total_s"),
                        r["case_spec"]) for r in recorder.rows()]


def case_arrays(folder: str | os.PathLike, row: CaseRow) -> dict[str, np.ndarray]:
    """The arrays kept for `row` (x, r, network_clean, network_perturbed, …); {} if none were kept."""
    if row.arrays is None:
        return {}
    path = Path(folder) / row.arrays
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise StudyError(f"the arrays of case {row.id[:12]} cannot be read from {path} ({exc})") from None
