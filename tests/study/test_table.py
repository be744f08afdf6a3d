"""A study's cases as a table for viewing: values per column, kept arrays, damaged array files."""

from __future__ import annotations

import numpy as np
import pytest

from stabview.study.errors import StudyError
from stabview.study.recorder import Recorder
from stabview.study.table import COLUMNS, case_arrays, read_cases


def record(folder, case_id, test, numbers, arrays=None):
    case = {"id": case_id, "network": {"label": "n", "file_hash": "h" * 64, "source": "n", "card": None},
            "image": {"ref": "brain:0"}, "rate": None, "test": test, "budget": 0.02, "restart": 1, "seed": 0,
            "case_seed": 1, "settings": {}, "test_settings": {}}
    with Recorder(folder, keep=2) as recorder:
        recorder.record(case, {"status": "ok", "numbers": numbers, "arrays": arrays or {},
                               "timings": {"total_s": 4.5}, "versions": {}, "operator": {}})


def test_rows_carry_each_tests_headline_numbers(tmp_path):
    record(tmp_path, "a", "attack", {"network_change_rel": 0.1, "change_ratio": 2.5, "perturbation_rel": 0.02},
           arrays={"r": np.arange(4.0).reshape(2, 2)})
    record(tmp_path, "t", "target-remove", {"verdicts": {"network": "lost"}, "perturbation_rel": 0.01,
                                             "budget": 0.02})
    attack, target = read_cases(tmp_path)
    assert [c[0] for c in COLUMNS][:3] == ["network", "image", "test"]
    assert attack.value("network_change_rel") == 0.1 and attack.value("change_ratio") == 2.5
    assert attack.value("verdict") is None and attack.value("arrays") is True and attack.value("seconds") == 4.5
    assert target.value("verdict") == "lost" and target.value("network_change_rel") is None
    assert target.value("restart") == 1 and target.case["test"] == "target-remove"
    np.testing.assert_array_equal(case_arrays(tmp_path, attack)["r"], np.arange(4.0).reshape(2, 2))
    assert case_arrays(tmp_path, target) == {}


def test_damaged_arrays_file_is_a_clear_error(tmp_path):
    record(tmp_path, "a", "attack", {"network_change_rel": 0.1}, arrays={"r": np.zeros((16, 16))})
    (row,) = read_cases(tmp_path)
    path = tmp_path / row.arrays
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(StudyError, match="cannot be read"):
        case_arrays(tmp_path, row)
    path.unlink()
    with pytest.raises(StudyError, match="cannot be read"):
        case_arrays(tmp_path, row)


def test_a_folder_without_a_study_is_refused(tmp_path):
    with pytest.raises(StudyError, match="holds no study"):
        read_cases(tmp_path / "none")
