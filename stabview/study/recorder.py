"""The study's table: DIR/cases.sqlite, one row per finished case, written one transaction each.

A case is recorded the moment its result reaches the client, with its spec (network, image,
sampling, test, budget, restart, seed), status ("ok" or "failed" with the error's message),
numbers, timings, versions and the operator's description. The set of recorded ids is what a
resumed study skips. Arrays (x, r, outputs) are kept as NPZ files in DIR/arrays/ only for the
`keep` cases of each network with the largest worst-case change: a new case that beats the
smallest of them replaces it (file written first, row and eviction in one transaction, the
evicted file deleted last, so a kill at any point leaves the table right; what such a kill
leaves in DIR/arrays is deleted by the next run, `tidy_arrays`).
"""

from __future__ import annotations

import csv
import heapq
import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Iterator

import numpy as np

from .errors import StudyError

DATABASE = "cases.sqlite"
COLUMNS = ("id", "network", "network_hash", "image", "rate", "test", "budget", "restart", "seed",
           "status", "message", "worker", "started", "finished", "arrays")
JSON_COLUMNS = ("numbers", "timings", "versions", "operator", "case_spec")
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS cases (
    id TEXT PRIMARY KEY, network TEXT NOT NULL, network_hash TEXT NOT NULL, image TEXT NOT NULL,
    rate REAL, test TEXT NOT NULL, budget REAL NOT NULL, restart INTEGER NOT NULL, seed INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'failed')), message TEXT NOT NULL, worker TEXT,
    started REAL, finished REAL NOT NULL, arrays TEXT,
    {', '.join(f'{c} TEXT NOT NULL' for c in JSON_COLUMNS)});
CREATE TABLE IF NOT EXISTS study (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class Recorder:
    """Open (or create) the table in `folder`; `keep` arrays per network (0: none)."""

    def __init__(self, folder: str | os.PathLike, keep: int = 5, *, create: bool = True):
        self.folder = Path(folder)
        path = self.folder / DATABASE
        if not create and not path.exists():
            raise StudyError(f"{self.folder} holds no study ({DATABASE} not found); "
                             f"start one with `stabview study run SPEC --out {self.folder}`")
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(path, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise StudyError(f"{path}: not a study table ({exc})") from None
        self.keep = keep
        self._kept: dict[str, list[tuple[float, str]]] = {}   # network hash → min-heap (change, id)
        for network_hash, case_id, numbers in self.db.execute(
                "SELECT network_hash, id, numbers FROM cases WHERE arrays IS NOT NULL"):
            heapq.heappush(self._kept.setdefault(network_hash, []),
                           (json.loads(numbers)["network_change_rel"], case_id))

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Recorder":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- study-wide values (spec text, protocol) -------------------------------------------------
    def set_meta(self, key: str, value) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO study VALUES (?, ?)", (key, json.dumps(value)))

    def meta(self, key: str, default=None):
        row = self.db.execute("SELECT value FROM study WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    # --- what is done -----------------------------------------------------------------------------
    def recorded_ids(self, *, include_failed: bool = True) -> set[str]:
        query = "SELECT id FROM cases" + ("" if include_failed else " WHERE status = 'ok'")
        return {row[0] for row in self.db.execute(query)}

    def counts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT status, COUNT(*) FROM cases GROUP BY status").fetchall())

    def keep_above(self, network_hash: str) -> float | None:
        """A case's arrays are worth sending only if its change exceeds this (None: any)."""
        if self.keep <= 0:
            return float("inf")
        heap = self._kept.get(network_hash, [])
        return heap[0][0] if len(heap) >= self.keep else None

    # --- recording -----------------------------------------------------------------------------------
    def record(self, case: dict, result: dict) -> None:
        """Store one finished case (replacing an earlier failed row of the same id)."""
        arrays_file, evicted = self._keep_arrays(case, result)
        row = {
            "id": case["id"], "network": case["network"]["label"], "network_hash": case["network"]["file_hash"],
            "image": case["image"]["ref"], "rate": case["rate"], "test": case["test"], "budget": case["budget"],
            "restart": case["restart"], "seed": case["case_seed"], "status": result["status"],
            "message": result.get("message", ""), "worker": result.get("worker"),
            "started": result.get("started"), "finished": time.time(), "arrays": arrays_file,
            "numbers": json.dumps(result.get("numbers", {})), "timings": json.dumps(result.get("timings", {})),
            "versions": json.dumps(result.get("versions", {})),
            "operator": json.dumps(result.get("operator", {})), "case_spec": json.dumps(case),
        }
        names = list(row)
        with self.db:   # one transaction: the row, and the eviction of the arrays it displaces
            self.db.execute(f"INSERT OR REPLACE INTO cases ({', '.join(names)}) "
                            f"VALUES ({', '.join('?' * len(names))})", [row[n] for n in names])
            if evicted is not None:
                self.db.execute("UPDATE cases SET arrays = NULL WHERE id = ?", (evicted,))
        if evicted is not None:
            (self.folder / "arrays" / f"{evicted}.npz").unlink(missing_ok=True)

    def _keep_arrays(self, case: dict, result: dict) -> tuple[str | None, str | None]:
        arrays = result.get("arrays") or {}
        if result["status"] != "ok" or not arrays or self.keep <= 0:
            return None, None
        change = result["numbers"]["network_change_rel"]
        heap = self._kept.setdefault(case["network"]["file_hash"], [])
        if len(heap) >= self.keep and change <= heap[0][0]:
            return None, None
        folder = self.folder / "arrays"
        folder.mkdir(exist_ok=True)
        name = f"{case['id']}.npz"
        temporary = folder / f".{name}.partial"
        with open(temporary, "wb") as fh:
            np.savez_compressed(fh, **arrays)
        os.replace(temporary, folder / name)
        if len(heap) >= self.keep:   # displaces the smallest kept change
            return f"arrays/{name}", heapq.heapreplace(heap, (change, case["id"]))[1]
        heapq.heappush(heap, (change, case["id"]))
        return f"arrays/{name}", None

    def tidy_arrays(self) -> int:
        """Delete what a run killed mid-write left in DIR/arrays: `.partial` files and NPZ files no
        row refers to (written before their row, or evicted after it). Only the single writer may
        call this (a running writer's fresh file has no row yet). Returns how many were deleted."""
        folder = self.folder / "arrays"
        if not folder.is_dir():
            return 0
        kept = {row[0] for row in self.db.execute("SELECT arrays FROM cases WHERE arrays IS NOT NULL")}
        removed = 0
        for path in folder.iterdir():
            partial = path.name.startswith(".") and path.name.endswith(".partial")
            orphan = path.suffix == ".npz" and f"arrays/{path.name}" not in kept
            if path.is_file() and (partial or orphan):
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    # --- reading ----------------------------------------------------------------------------------------
    def rows(self, *, status: str | None = None) -> Iterator[dict]:
        """Every recorded case as a dict (JSON columns parsed), in the order recorded."""
        query = f"SELECT {', '.join(COLUMNS + JSON_COLUMNS)} FROM cases"
        args: tuple = ()
        if status is not None:
            query, args = query + " WHERE status = ?", (status,)
        for values in self.db.execute(query + " ORDER BY finished", args):
            row = dict(zip(COLUMNS + JSON_COLUMNS, values))
            for name in JSON_COLUMNS:
                row[name] = json.loads(row[name])
            yield row

    def export_csv(self, path: str | os.PathLike | None = None) -> Path:
        """DIR/cases.csv: the table's columns plus one column per number (written atomically).

        Nested numbers (the targeted and null-space tests' tables) get dotted names, e.g.
        `verdicts.network` or `null_space_error_rel.network.clean`; a number named like a
        column (a targeted case's budget) is the column.
        """
        path = Path(path) if path is not None else self.folder / "cases.csv"
        keys: dict[str, None] = {}
        for (numbers,) in self.db.execute("SELECT numbers FROM cases"):
            keys.update(dict.fromkeys(k for k in flatten(json.loads(numbers)) if k not in COLUMNS))
        temporary = path.with_name(path.name + ".partial")
        with open(temporary, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow([*COLUMNS, *keys, "load_s", "run_s", "total_s"])
            for row in self.rows():
                numbers = flatten(row["numbers"])
                writer.writerow([row[c] if row[c] is not None else "" for c in COLUMNS]
                                + [numbers.get(k, "") for k in keys]
                                + [row["timings"].get(k, "") for k in ("load_s", "run_s", "total_s")])
        os.replace(temporary, path)
        return path


def flatten(numbers: dict, prefix: str = "") -> dict:
    """{"a": {"b": 1}} → {"a.b": 1}; lists are kept as JSON text."""
    out = {}
    for key, value in numbers.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        else:
            out[name] = json.dumps(value) if isinstance(value, list) else value
    return out
