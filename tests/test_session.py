"""Sessions: JSON + NPZ round trip, safe reading, autosave location."""

import json

import numpy as np
import pytest

from stabview.session import Session, SessionError, autosave_path


def full_session() -> Session:
    return Session(
        network={"name": "deepmri"},
        image={"spec": "brain:3", "slice": None},
        details={"shape": [32, 32], "operations": [{"type": "stamp", "kind": "symbol", "content": "heart",
                                                      "centre": [16, 16], "size": 8, "intensity": 0.5}]},
        sampling={"modality": "fourier", "kind": "cartesian", "rate": 0.25, "seed": 3},
        attack={"lam": 0.001, "momentum": 0.9, "iterations": 50},
        snapshots=[{"iteration": 10, "perturbation_rel": 0.01, "array": "snapshot1_r"}],
        results={"history": [{"iteration": 0, "objective": float("nan")}]},
        arrays={"snapshot1_r": np.arange(6, dtype=np.complex64).reshape(2, 3),
                "v": np.ones((2, 2), np.float32)})


def test_save_and_open_restore_everything(tmp_path):
    saved = full_session().save(tmp_path / "study.json")
    assert saved.exists() and (tmp_path / "study.npz").exists()
    again = Session.open(saved)
    expected = full_session()
    assert again.network == expected.network and again.sampling == expected.sampling
    assert again.details == expected.details and again.snapshots == expected.snapshots
    assert again.results["history"][0]["objective"] is None       # NaN is stored as null
    np.testing.assert_array_equal(again.arrays["snapshot1_r"], expected.arrays["snapshot1_r"])
    assert again.arrays["snapshot1_r"].dtype == np.complex64


def test_a_name_without_suffix_gets_json(tmp_path):
    assert Session().save(tmp_path / "plain").name == "plain.json"


def test_no_temporary_files_are_left_behind(tmp_path):
    full_session().save(tmp_path / "s.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json", "s.npz"]


@pytest.mark.parametrize("content, words", [
    ("not json", "not valid JSON"),
    (json.dumps({"hello": 1}), "not a stabview session"),
    (json.dumps({"format": "stabview-session", "version": 99}), "newer stabview"),
])
def test_bad_files_are_refused_with_a_reason(tmp_path, content, words):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(SessionError, match=words):
        Session.open(path)


def test_missing_arrays_are_reported(tmp_path):
    saved = full_session().save(tmp_path / "s.json")
    (tmp_path / "s.npz").unlink()
    with pytest.raises(SessionError, match="arrays"):
        Session.open(saved)


def test_autosave_lives_in_the_state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("STABVIEW_STATE_DIR", str(tmp_path))
    assert autosave_path() == tmp_path / "autosave.json"
