"""Session files: JSON + NPZ round trip, safe reading, the format-1 migration, autosave location."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from stabview.experiment import (AttackSettings, Experiment, ImageRef, NetworkRef, Sampling, Session,
                                 SessionError, autosave_path)
from stabview.stability.params import AttackParams

FIXTURES = Path(__file__).parent / "fixtures"
HEART = {"type": "stamp", "kind": "symbol", "content": "heart", "centre": [16, 16], "size": 8, "intensity": 0.5}


def full_session() -> Session:
    experiment = Experiment(NetworkRef("deepmri"), ImageRef("brain:3"),
                            Sampling("fourier", "cartesian", 0.25, 3), (HEART,),
                            AttackSettings(AttackParams(budget=0.01), iterations=50, budgets=(0.005, 0.01)))
    search = {"params": experiment.attack.params.to_dict(), "iteration": 2, "stopped_by": None,
              "step_share": 0.25, "best_objective": float("nan"), "best_iteration": 1,
              "stall": {"window": 10, "tolerance": 0.005, "best": [1.0, 2.0]}, "snapshot_at": [],
              "history": [{"iteration": 0, "objective": float("nan")}],
              "snapshots": [{"iteration": 1, "perturbation_rel": 0.01,
                             "r": torch.arange(6.0).reshape(2, 3).to(torch.complex64)}],
              "r": torch.ones(2, 3), "v": torch.zeros(2, 3), "best_r": torch.ones(2, 3),
              "best_direction": torch.ones(2, 3), "evaluated_r": torch.ones(2, 3), "roi": None}
    return Session(experiment, search, {"details": {"network": {"verdict": "lost"}}}, {"snapshot_text": "2, 4"},
                   {"mask": np.ones((2, 2), np.float32)})


def test_save_and_open_restore_everything(tmp_path):
    saved = full_session().save(tmp_path / "study.json")
    assert saved.exists() and (tmp_path / "study.npz").exists()
    again = Session.open(saved)
    expected = full_session()
    assert again.experiment == expected.experiment
    assert again.results == expected.results and again.view == expected.view
    assert again.search["history"][0]["objective"] is None        # NaN is stored as null
    assert again.search["roi"] is None and torch.equal(again.search["r"], expected.search["r"])
    snap = again.search["snapshots"][0]["r"]
    assert snap.dtype == torch.complex64 and torch.equal(snap, expected.search["snapshots"][0]["r"])
    np.testing.assert_array_equal(again.arrays["mask"], expected.arrays["mask"])


def test_a_name_without_suffix_gets_json(tmp_path):
    assert Session(Experiment(NetworkRef("ell50"))).save(tmp_path / "plain").name == "plain.json"


def test_no_temporary_files_are_left_behind(tmp_path):
    full_session().save(tmp_path / "s.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json", "s.npz"]


@pytest.mark.parametrize("content, words", [
    ("not json", "not valid JSON"),
    (json.dumps({"hello": 1}), "not a stabview session"),
    (json.dumps({"format": "stabview-session", "version": 99}), "newer stabview"),
    (json.dumps({"format": "stabview-session", "version": 2, "experiment": {"image": {}}}), "damaged"),
    (json.dumps({"format": "stabview-session", "version": "two"}), "version"),
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


def test_a_session_saved_by_the_previous_release_still_opens(tmp_path):
    """session-v1.json was written by the window of the previous release (format 1): ell50, a
    stamped heart, a paper-mode attack run for 6 iterations with snapshots at 2 and 4."""
    for name in ("session-v1.json", "session-v1.npz"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    session = Session.open(tmp_path / "session-v1.json")
    exp = session.experiment
    assert exp.network == NetworkRef("ell50") and exp.image == ImageRef("brain")
    assert exp.sampling == Sampling("radon", "uniform-angles", 0.05, 0, {}, 1000, 15)
    assert exp.details[0]["content"] == "heart"
    assert exp.attack.params.mode == "paper" and exp.attack.params.lam == 0.02
    assert exp.attack.iterations == 6 and exp.attack.snapshot_at == (2, 4)
    search = session.search
    assert search["iteration"] == 6 and len(search["history"]) == 6
    assert [s["iteration"] for s in search["snapshots"]] == [2, 4]
    assert search["r"].shape == (1, 128, 128) and torch.equal(search["best_r"], search["r"])
    assert session.view["snapshot_text"] == "2, 4"
    # and it saves again in the current format
    again = Session.open(session.save(tmp_path / "migrated.json"))
    assert again.experiment == exp and json.loads((tmp_path / "migrated.json").read_text())["version"] == 2


@pytest.mark.slow
def test_the_migrated_search_resumes_on_its_network(tmp_path):
    from stabview.stability.perturbation import PerturbationSearch
    session = Session.open(FIXTURES / "session-v1.json")
    setup = session.experiment.build("cpu")
    search = PerturbationSearch.from_state(setup.net, setup.op, setup.x, session.search)
    state = search.step()
    assert state.iteration == 6 and np.isfinite(state.network_change_rel)
    np.testing.assert_allclose(state.perturbation_rel, float(search.relative_size(session.search["r"])), rtol=1e-6)


def test_autosave_lives_in_the_state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("STABVIEW_STATE_DIR", str(tmp_path))
    assert autosave_path() == tmp_path / "autosave.json"
