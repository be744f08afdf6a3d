"""`stabview nullspace` and `stabview target` end to end: files, numbers and exit codes."""

import json

import numpy as np
import pytest

from stabview.cli import main


from .test_commands import model  # noqa: F401 - the same small user model (TorchScript + card)


@pytest.fixture(scope="module")
def added(model, tmp_path_factory):
    """One `target --mode add` run shared by the tests that read its files."""
    out = tmp_path_factory.mktemp("add")
    code = main(["target", "--mode", "add", "--network", str(model), "--image", "brain:3", "--symbol", "heart",
                 "--size", "12", "--budget", "0.02", "--iterations", "15", "--baseline-iterations", "5",
                 "--threads", "1", "--out", str(out)])
    assert code == 0
    return out


def test_target_add_writes_verdicts_and_the_sizes_of_r(added):
    result = json.loads((added / "result.json").read_text())
    assert result["test"] == "target-add" and result["network"] == "refiner"
    assert set(result["verdicts"]) == {"network", "baseline"}
    assert all(v in ("recovered", "blurred", "lost") for v in result["verdicts"].values())
    assert 0 < result["perturbation_rel"] <= 0.02 * (1 + 1e-5)
    with np.load(added / "arrays.npz") as arrays:
        r, d, x = arrays["r"], arrays["detail"], arrays["x"]
        assert result["r_over_d"] == pytest.approx(np.linalg.norm(r) / np.linalg.norm(d), rel=1e-4)
        assert result["perturbation_rel"] == pytest.approx(np.linalg.norm(r) / np.linalg.norm(x), rel=1e-4)
        assert -1 <= result["r_d_correlation"] <= 1
    assert result["target_residual_rel"] <= result["target_residual_rel_start"]
    assert result["settings"]["budget"] == 0.02 and result["seed"] == 0
    for name in ("target.png", "curves.png"):
        assert (added / name).stat().st_size > 1000


def test_nullspace_splits_clean_and_perturbed_errors_orthogonally(model, added, tmp_path):
    code = main(["nullspace", "--network", str(model), "--image", "brain:3", "--perturbation",
                 str(added / "arrays.npz"), "--no-baseline", "--threads", "1", "--out", str(tmp_path)])
    assert code == 0
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["test"] == "nullspace" and result["projection"]["method"] == "exact"
    for case in ("clean", "perturbed"):
        null = result["null_space_error_rel"]["network"][case]
        measured = result["range_error_rel"]["network"][case]
        total = result["error_rel"]["network"][case]
        assert null > 0 and measured > 0
        assert null ** 2 + measured ** 2 == pytest.approx(total ** 2, rel=1e-4)   # P_R ⟂ P_N
    assert 0 < result["truth_null_rel"] < 1
    with np.load(tmp_path / "arrays.npz") as arrays:
        assert {"x", "truth_null", "r", "network_clean_null_error", "network_perturbed_measured_error"} <= set(arrays)
        x = arrays["x"]
        assert np.linalg.norm(arrays["network_clean_null_error"]) / np.linalg.norm(x) == pytest.approx(
            result["null_space_error_rel"]["network"]["clean"], rel=1e-4)
    for name in ("nullspace.png", "overlay.png"):
        assert (tmp_path / name).stat().st_size > 1000


def test_target_remove_judges_the_detail_with_and_without_r(model, tmp_path):
    code = main(["target", "--mode", "remove", "--network", str(model), "--image", "brain:3", "--text", "A",
                 "--size", "14", "--budget", "0.01", "--iterations", "6", "--no-baseline", "--threads", "1",
                 "--out", str(tmp_path)])
    assert code == 0
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["test"] == "target-remove" and set(result["verdicts"]) == {"network"}
    assert result["measures_without_r"]["network"]["verdict"] in ("recovered", "blurred", "lost")
    assert result["perturbation_rel"] <= 0.01 * (1 + 1e-5)
    assert result["target_reached"] == (result["verdicts"]["network"] == "lost")


@pytest.mark.slow
def test_target_runs_on_the_smallest_zoo_network(tmp_path):
    code = main(["target", "--mode", "add", "--network", "automap", "--image", "brain", "--budget", "0.02",
                 "--iterations", "4", "--no-baseline", "--threads", "1", "--out", str(tmp_path)])
    assert code == 0
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["network"] == "automap" and result["iterations_run"] <= 4


@pytest.mark.parametrize("flags", [["--budget", "0"], ["--budget", "1.5"], ["--iterations", "0"]])
def test_target_refuses_bad_settings_with_exit_code_2(model, flags, capsys):
    code = main(["target", "--mode", "add", "--network", str(model), "--no-baseline", *flags])
    assert code == 2
    assert "error" in capsys.readouterr().err


def test_nullspace_refuses_a_bad_perturbation_file_with_exit_code_2(model, tmp_path, capsys):
    missing = tmp_path / "missing.npz"
    wrong_shape = tmp_path / "shape.npz"
    np.savez(wrong_shape, r=np.zeros((8, 8), np.float32))
    no_r = tmp_path / "nor.npz"
    np.savez(no_r, other=np.zeros((48, 48), np.float32))
    not_npz = tmp_path / "text.npz"
    not_npz.write_text("not an archive")
    nan = tmp_path / "nan.npz"
    np.savez(nan, r=np.full((48, 48), np.nan, np.float32))
    for path in (missing, wrong_shape, no_r, not_npz, nan, f"{wrong_shape}:absent"):
        code = main(["nullspace", "--network", str(model), "--image", "brain:3", "--perturbation", str(path),
                     "--no-baseline", "--threads", "1"])
        assert code == 2, path
    err = capsys.readouterr().err
    assert "internal error" not in err
