"""File ▸ Open study…'s table: a study folder's cases, sorted and filtered by clicks, a case chosen."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from stabview.gui.study_table import SORT_ROLE, StudyTableDialog
from stabview.study.errors import StudyError
from stabview.study.recorder import Recorder
from stabview.study.table import COLUMNS

COLUMN = {key: i for i, (key, _) in enumerate(COLUMNS)}


def case(case_id, test="attack", image="brain:0", budget=0.02, restart=0):
    return {"id": case_id, "network": {"label": "deepmri", "file_hash": "h" * 64, "source": "deepmri", "card": None},
            "image": {"ref": image, "path": image, "slice_index": None, "axis": 2}, "rate": None, "test": test,
            "budget": budget, "restart": restart, "seed": 0, "case_seed": restart, "settings": {}, "test_settings": {}}


def result(numbers, status="ok", arrays=None, seconds=1.0):
    return {"status": status, "message": "" if status == "ok" else "ImageLoadError: scan.png is cut short",
            "numbers": numbers, "arrays": arrays or {}, "timings": {"total_s": seconds}, "versions": {},
            "operator": {}, "worker": "w", "started": 0.0}


@pytest.fixture
def study(tmp_path):
    r = np.full((8, 8), 0.25, dtype=np.float32)
    with Recorder(tmp_path, keep=1) as recorder:
        recorder.record(case("a"), result({"network_change_rel": 0.04, "baseline_change_rel": 0.02,
                                           "change_ratio": 2.0, "perturbation_rel": 0.02}, seconds=3.0))
        recorder.record(case("b", image="brain:1"), result(
            {"network_change_rel": 0.09, "baseline_change_rel": 0.03, "change_ratio": 3.0, "perturbation_rel": 0.02},
            arrays={"x": np.ones((8, 8), np.float32), "r": r}, seconds=2.0))
        recorder.record(case("c", image="brain:2"), result({}, status="failed"))
        recorder.record(case("d", test="target-add"), result({"perturbation_rel": 0.01, "verdicts": {
            "network": "blurred", "baseline": "lost"}}, seconds=5.0))
        recorder.record(case("e", test="nullspace", budget=0.0), result({"null_space_error_rel": {
            "network": {"clean": 0.05}}, "truth_null_rel": 0.1}))
    return tmp_path


def column_values(dialog, key, role=Qt.ItemDataRole.DisplayRole):
    proxy = dialog.proxy
    return [proxy.data(proxy.index(i, COLUMN[key]), role) for i in range(proxy.rowCount())]


def click_header(qtbot, dialog, key):
    header = dialog.view.horizontalHeader()
    x = header.sectionViewportPosition(COLUMN[key]) + header.sectionSize(COLUMN[key]) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))


def click_row(qtbot, dialog, row, double=False):
    rect = dialog.view.visualRect(dialog.proxy.index(row, COLUMN["image"]))
    qtbot.mouseClick(dialog.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    if double:   # a real double click starts with a press on the same cell
        qtbot.mouseDClick(dialog.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_cases_are_listed_with_their_numbers(qtbot, study):
    dialog = StudyTableDialog(study)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.proxy.rowCount() == 5
    assert column_values(dialog, "image") == ["brain:0", "brain:1", "brain:2", "brain:0", "brain:0"]
    assert column_values(dialog, "network_change_rel") == ["4.00%", "9.00%", "–", "–", "–"]
    assert column_values(dialog, "verdict")[3] == "blurred"
    assert column_values(dialog, "null_space_error_rel")[4] == "5.00%"
    assert column_values(dialog, "status") == ["ok", "ok", "failed", "ok", "ok"]
    assert column_values(dialog, "arrays") == ["", "kept", "", "", ""]
    assert dialog.summary.text() == "5 cases recorded: 4 ok, 1 failed"


def test_clicking_a_header_sorts_by_number_and_again_reverses(qtbot, study):
    dialog = StudyTableDialog(study)
    qtbot.addWidget(dialog)
    dialog.show()
    click_header(qtbot, dialog, "network_change_rel")
    assert column_values(dialog, "network_change_rel", SORT_ROLE)[-2:] == [0.04, 0.09]   # missing ones first
    click_header(qtbot, dialog, "network_change_rel")
    assert column_values(dialog, "image")[:2] == ["brain:1", "brain:0"]
    click_header(qtbot, dialog, "seconds")
    assert column_values(dialog, "seconds", SORT_ROLE) == sorted(column_values(dialog, "seconds", SORT_ROLE))


def test_the_test_filter_keeps_one_test(qtbot, study):
    dialog = StudyTableDialog(study)
    qtbot.addWidget(dialog)
    assert [dialog.tests.itemText(i) for i in range(dialog.tests.count())] == [
        "all tests", "attack", "nullspace", "target-add"]
    dialog.tests.setCurrentText("attack")
    assert column_values(dialog, "test") == ["attack"] * 3
    dialog.tests.setCurrentText("all tests")
    assert dialog.proxy.rowCount() == 5


def test_choosing_a_case_emits_it_with_its_arrays(qtbot, study):
    dialog = StudyTableDialog(study)
    qtbot.addWidget(dialog)
    dialog.show()
    chosen = []
    dialog.caseChosen.connect(chosen.append)
    assert not dialog.open_button.isEnabled()
    click_header(qtbot, dialog, "network_change_rel")
    click_header(qtbot, dialog, "network_change_rel")          # largest change first
    click_row(qtbot, dialog, 0)
    assert dialog.open_button.isEnabled()
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    (row,) = chosen
    assert row.id == "b" and row.case["image"]["ref"] == "brain:1" and row.case["network"]["source"] == "deepmri"
    np.testing.assert_array_equal(dialog.arrays(row)["r"], np.full((8, 8), 0.25, dtype=np.float32))
    assert dialog.result() == dialog.DialogCode.Accepted


def test_a_double_click_chooses_the_case_under_it(qtbot, study):
    dialog = StudyTableDialog(study)
    qtbot.addWidget(dialog)
    dialog.show()
    chosen = []
    dialog.caseChosen.connect(chosen.append)
    dialog.tests.setCurrentText("nullspace")
    click_row(qtbot, dialog, 0, double=True)
    assert [r.id for r in chosen] == ["e"] and dialog.arrays(chosen[0]) == {}


def test_a_folder_without_a_study_is_refused(qtbot, tmp_path):
    with pytest.raises(StudyError, match="holds no study"):
        StudyTableDialog(tmp_path / "nothing")
