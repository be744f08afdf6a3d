"""One case on the engine, as a worker runs it: numbers within the budget, failures as data."""

from __future__ import annotations

import json

import numpy as np
import pytest

from stabview.study import cases, worker
from stabview.study.spec import parse_spec
from tests.data.writers import truncate, write_png

pytestmark = pytest.mark.slow   # the module's cases take ~5 s together on a busy 2-core box

SPEC = ('networks = ["automap"]\nimages = ["brain:0"]\nbudgets = [0.02]\niterations = 3\n'
        'gain_iterations = 2\nbaseline_iterations = 3\nattack = { step = 0.5 }\ntests = ["attack", "noise"]\n')


@pytest.fixture(scope="module")
def results():
    spec = parse_spec(SPEC)
    return {c.test: worker.run_case_task(c.to_dict()) for c in cases.expand(spec)}


def test_attack_case_stays_in_budget_and_reports_the_comparison(results):
    r = results["attack"]
    assert r["status"] == "ok", r.get("message")
    n = r["numbers"]
    assert 0 < n["perturbation_rel"] <= 0.02 * (1 + 1e-5)
    assert n["network_change_rel"] > 0 and n["baseline_change_rel"] > 0
    assert n["change_ratio"] == pytest.approx(n["network_change_rel"] / n["baseline_change_rel"])
    assert n["search_adequacy"] == pytest.approx(n["achieved_gain"] / n["linear_gain"])
    assert set(r["arrays"]) == {"x", "r", "network_clean", "network_perturbed", "baseline_clean",
                                "baseline_perturbed"}
    assert r["arrays"]["r"].shape == (64, 64)
    ratio = np.linalg.norm(r["arrays"]["r"]) / np.linalg.norm(r["arrays"]["x"])
    assert ratio == pytest.approx(n["perturbation_rel"], rel=1e-4)
    assert r["operator"]["modality"] == "fourier" and len(r["operator"]["mask_sha256"]) == 64
    assert r["versions"]["engine"] == cases.ENGINE_VERSION
    json.dumps({k: v for k, v in r.items() if k != "arrays"})   # plain data


def test_noise_case_has_exactly_the_budget_and_no_arrays(results):
    r = results["noise"]
    assert r["status"] == "ok", r.get("message")
    assert r["numbers"]["perturbation_rel"] == pytest.approx(0.02, rel=1e-5)
    assert r["numbers"]["network_change_rel"] > 0 and r["arrays"] == {}
    # the worst case found by the search changes the output more than random noise of its size
    assert results["attack"]["numbers"]["network_change_rel"] > r["numbers"]["network_change_rel"]


def test_arrays_are_sent_only_above_the_kept_threshold(results):
    case = next(cases.expand(parse_spec(SPEC)))
    change = results["attack"]["numbers"]["network_change_rel"]
    assert worker.run_case_task(case.to_dict(), keep_above=change * 2)["arrays"] == {}


def test_an_unreadable_image_is_a_failed_case_with_its_message(tmp_path):
    path = write_png(tmp_path / "scan.png", np.random.default_rng(0).integers(0, 255, (32, 32), dtype=np.uint8))
    spec = parse_spec(SPEC.replace('"brain:0"', '"scan.png"'), tmp_path)
    truncate(path, 0.3)
    r = worker.run_case_task(next(cases.expand(spec)).to_dict())
    assert r["status"] == "failed" and "scan.png" in r["message"] and "ImageLoadError" in r["message"]
    assert r["numbers"] == {} and r["arrays"] == {}


def test_a_changed_model_file_is_refused(tmp_path):
    from stabview.networks import zoo
    folder = zoo.zoo_dir() / "deepmri"
    (tmp_path / "m.safetensors").write_bytes((folder / "weights.safetensors").read_bytes())
    (tmp_path / "m.json").write_bytes((folder / "card.json").read_bytes())
    spec = parse_spec(SPEC.replace('"automap"', '{ model = "m.safetensors" }'), tmp_path)
    (tmp_path / "m.json").write_text((tmp_path / "m.json").read_text() + " ")
    r = worker.run_case_task(next(cases.expand(spec)).to_dict())
    assert r["status"] == "failed" and "changed since the study was planned" in r["message"]


def test_a_network_that_returns_nan_is_a_failed_case(tmp_path):
    from safetensors.numpy import load_file, save_file

    from stabview.networks import zoo
    folder = zoo.zoo_dir() / "dagan"
    weights = load_file(str(folder / "weights.safetensors"))
    first = sorted(weights)[0]
    weights[first] = np.full_like(weights[first], np.nan)
    save_file(weights, str(tmp_path / "broken.safetensors"))
    (tmp_path / "broken.json").write_bytes((folder / "card.json").read_bytes())
    spec = parse_spec(SPEC.replace('"automap"', '{ model = "broken.safetensors" }'), tmp_path)
    r = worker.run_case_task(next(cases.expand(spec)).to_dict())
    assert r["status"] == "failed" and "NaN" in r["message"] and r["numbers"] == {}
