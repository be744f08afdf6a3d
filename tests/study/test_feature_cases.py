"""Null-space and targeted cases as a worker runs them: the numbers `stabview nullspace` and
`stabview target` write, for the same settings."""

from __future__ import annotations

import json

import pytest

from stabview.cli import main
from stabview.study import cases, worker
from stabview.study.spec import parse_spec

pytestmark = pytest.mark.slow   # automap at 64²: a few seconds together

SPEC = ('networks = ["automap"]\nimages = ["brain:0"]\nbudgets = [0.02]\niterations = 3\nseed = 4\n'
        'baseline = false\ntests = ["nullspace", "target-add", "target-remove"]\n')


@pytest.fixture(scope="module")
def results():
    return {c.test: worker.run_case_task(c.to_dict()) for c in cases.expand(parse_spec(SPEC))}


def test_nullspace_case_splits_the_error_into_orthogonal_parts(results):
    r = results["nullspace"]
    assert r["status"] == "ok", r.get("message")
    n = r["numbers"]
    null, measured, total = (n[k]["network"]["clean"] for k in ("null_space_error_rel", "range_error_rel", "error_rel"))
    assert null > 0 and measured > 0
    assert null ** 2 + measured ** 2 == pytest.approx(total ** 2, rel=1e-4)   # P_R and P_N are orthogonal
    assert 0 < n["truth_null_rel"] < 1 and n["projection"]["method"] == "exact"
    assert r["arrays"] == {}


def test_nullspace_case_matches_the_command(results, tmp_path):
    assert main(["nullspace", "--network", "automap", "--image", "brain:0", "--no-baseline",
                 "--out", str(tmp_path)]) == 0
    command = json.loads((tmp_path / "result.json").read_text())
    n = results["nullspace"]["numbers"]
    assert n["truth_null_rel"] == pytest.approx(command["truth_null_rel"], rel=1e-5)
    for key in ("null_space_error_rel", "range_error_rel", "error_rel"):
        assert n[key]["network"]["clean"] == pytest.approx(command[key]["network"]["clean"], rel=1e-5), key


@pytest.mark.parametrize("mode", ["add", "remove"])
def test_target_case_matches_the_command(results, tmp_path, mode):
    r = results[f"target-{mode}"]
    assert r["status"] == "ok", r.get("message")
    n = r["numbers"]
    assert 0 < n["perturbation_rel"] <= 0.02 * (1 + 1e-5) and -1 <= n["r_d_correlation"] <= 1
    assert n["iterations_run"] == 3 and n["detail"]["content"] == "heart"
    assert main(["target", "--mode", mode, "--network", "automap", "--image", "brain:0", "--budget", "0.02",
                 "--iterations", "3", "--seed", "4", "--no-baseline", "--out", str(tmp_path)]) == 0
    command = json.loads((tmp_path / "result.json").read_text())
    for key in ("perturbation_rel", "r_over_d", "r_d_correlation", "target_residual_rel",
                "target_residual_rel_start"):
        assert n[key] == pytest.approx(command[key], rel=1e-4), key
    assert n["verdicts"] == command["verdicts"] and n["target_reached"] == command["target_reached"]
    assert set(command) - {"settings", "history", "test", "network", "image", "operator", "seed",
                           "versions"} <= set(n)
