"""File ▸ Open study…: a study folder's cases in a sortable, filterable table.

The cases come from `stabview.study.table` (never SQL here). `StudyTableModel` shows one case
per row, with raw values under `SORT_ROLE` so columns sort by number, not by text; missing numbers
sort below every number. `StudyTableDialog` adds a filter by test, a line with the counts and an
Open button; choosing a case (Open, Enter or a double click) emits `caseChosen` with its
`CaseRow`, whose `case` says which network, image, sampling, budget and seed to load, and
`arrays()` gives the r (and outputs) kept for it.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QHBoxLayout, QLabel,
                               QTableView, QVBoxLayout)

from ..study.table import COLUMNS, CaseRow, case_arrays, read_cases

SORT_ROLE = Qt.ItemDataRole.UserRole
PERCENT = {"budget", "perturbation_rel", "network_change_rel", "baseline_change_rel", "null_space_error_rel"}
NUMBERS = PERCENT | {"restart", "change_ratio", "seconds"}
ALL_TESTS = "all tests"


def shown(key: str, value) -> str:
    """The text of one cell."""
    if value is None:
        return "–"
    if key == "arrays":
        return "kept" if value else ""
    if key in PERCENT:
        return f"{100 * value:.2f}%"
    if key == "change_ratio":
        return f"{value:.2f}×"
    if key == "seconds":
        return f"{value:.1f}"
    return str(value)


def sort_key(key: str, value):
    """What a column sorts by: numbers as numbers (missing ones lowest), the rest as text."""
    if key in NUMBERS:
        return -math.inf if value is None else float(value)
    if key == "arrays":
        return int(bool(value))
    return "" if value is None else str(value)


class StudyTableModel(QAbstractTableModel):
    """The cases of one study, one per row, columns as `stabview.study.table.COLUMNS`."""

    def __init__(self, rows: list[CaseRow] | None = None, parent=None):
        super().__init__(parent)
        self._rows: list[CaseRow] = list(rows or [])

    def set_rows(self, rows: list[CaseRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def case(self, row: int) -> CaseRow:
        return self._rows[row]

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        key = COLUMNS[index.column()][0]
        value = self._rows[index.row()].value(key)
        if role == Qt.ItemDataRole.DisplayRole:
            return shown(key, value)
        if role == SORT_ROLE:
            return sort_key(key, value)
        if role == Qt.ItemDataRole.TextAlignmentRole and key in NUMBERS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and key == "message" and value:
            return value
        return None


class StudyTableDialog(QDialog):
    """The cases of the study in `folder`; raises StudyError when the folder holds none."""

    caseChosen = Signal(object)   # CaseRow

    def __init__(self, folder: str | os.PathLike, parent=None):
        super().__init__(parent)
        self.folder = Path(folder)
        rows = read_cases(self.folder)
        self.setWindowTitle(f"Study: {self.folder.name}")
        self.model = StudyTableModel(rows, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterKeyColumn([k for k, _ in COLUMNS].index("test"))
        self.view = QTableView(self)
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)   # recorded order until a header is clicked
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.doubleClicked.connect(self._double_clicked)
        self.tests = QComboBox(self)
        self.tests.addItems([ALL_TESTS, *sorted({r.test for r in rows})])
        self.tests.currentTextChanged.connect(self._filter)
        ok = sum(r.status == "ok" for r in rows)
        self.summary = QLabel(f"{len(rows)} cases recorded: {ok} ok, {len(rows) - ok} failed", self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open
                                        | QDialogButtonBox.StandardButton.Close, self)
        self.open_button = self.buttons.button(QDialogButtonBox.StandardButton.Open)
        self.open_button.setEnabled(False)
        self.buttons.accepted.connect(self.choose)
        self.buttons.rejected.connect(self.reject)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.tests)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.view)
        layout.addWidget(self.buttons)
        self.view.resizeColumnsToContents()
        self.resize(1100, 520)

    def chosen_case(self) -> CaseRow | None:
        """The selected case, or None."""
        rows = self.view.selectionModel().selectedRows()
        return self.model.case(self.proxy.mapToSource(rows[0]).row()) if rows else None

    def arrays(self, row: CaseRow) -> dict:
        """The arrays kept for `row` ({} for most cases: only the worst keep them)."""
        return case_arrays(self.folder, row)

    def choose(self) -> None:
        """Emit the selected case and close."""
        row = self.chosen_case()
        if row is not None:
            self.caseChosen.emit(row)
            self.accept()

    def _double_clicked(self, index) -> None:
        self.view.selectRow(index.row())
        self.choose()

    def _selection_changed(self, *_) -> None:
        self.open_button.setEnabled(self.chosen_case() is not None)

    def _filter(self, text: str) -> None:
        self.proxy.setFilterRegularExpression("" if text == ALL_TESTS else f"^{re.escape(text)}$")
