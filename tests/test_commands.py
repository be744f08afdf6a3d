"""The test commands end to end on a user's TorchScript network: attack, details, samples."""

import json
import subprocess
import sys

import pytest
import torch

from stabview.cli import main


class Refiner(torch.nn.Module):
    """x ↦ x + CNN(x) on the real/imaginary channels of the zero-filled image (seeded weights)."""

    def __init__(self):
        super().__init__()
        self.body = torch.nn.Sequential(torch.nn.Conv2d(2, 8, 3, padding=1), torch.nn.ReLU(),
                                        torch.nn.Conv2d(8, 2, 3, padding=1))

    def forward(self, x):
        return x + self.body(x)


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    torch.manual_seed(0)
    torch.jit.script(Refiner().eval()).save(str(folder / "refiner.pt"))
    card = {"name": "refiner", "modality": "fourier", "image_shape": [48, 48],
            "mask": {"kind": "cartesian", "rate": 0.33, "seed": 0, "options": {}}, "rate": 0.33,
            "accepts_other_rates": True, "input_convention": "warm_start_channels",
            "output_convention": "channels", "data": "untrained test network"}
    (folder / "refiner.json").write_text(json.dumps(card))
    return folder / "refiner.pt"


def test_attack_writes_the_required_keys_and_figures(model, tmp_path):
    code = main(["attack", "--network", str(model), "--image", "brain:3", "--iterations", "6",
                 "--snapshots", "2,4", "--preset", "paper", "--lam", "0.01", "--no-baseline", "--threads", "1",
                 "--out", str(tmp_path)])
    assert code == 0
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["network"] == "refiner" and result["iterations_run"] == 6
    assert result["params"]["lam"] == 0.01 and result["seed"] == 0 and result["mode"] == "paper"
    assert 0 < result["perturbation_rel"] and result["network_change_rel"] > 0
    assert [s["iteration"] for s in result["snapshots"]] == [2, 4, 5]
    assert result["history"][-1]["perturbation_rel"] == result["perturbation_rel"]
    assert "torch" in result["versions"]
    # the linearised ceiling of change ÷ size, measured at x by default
    assert result["linear_gain"] > 0 and isinstance(result["linear_gain_converged"], bool)
    assert result["achieved_gain"] == result["network_change_rel"] / result["perturbation_rel"]
    for name in ("arrays.npz", "attack.png", "attack.pdf", "curves.png"):
        assert (tmp_path / name).exists()


def test_the_default_attack_is_budgeted_and_needs_no_flags(model, tmp_path):
    code = main(["attack", "--network", str(model), "--image", "brain:3", "--iterations", "8",
                 "--gain-iterations", "8", "--no-baseline", "--threads", "1", "--out", str(tmp_path)])
    assert code == 0
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["mode"] == "budgeted" and result["budget"] == 0.02
    assert abs(result["perturbation_rel"] - 0.02) < 1e-5           # never beyond the budget
    direct = [s for s in result["restarts"] if s["budget"] == 0.02][:6]
    assert [s["start"] for s in direct] == ["ceiling"] + [f"random (seed {k})" for k in range(5)]
    assert [s["stopped_by"] != "screened" for s in direct].count(True) == 2   # the ceiling's and the leader
    assert result["adequacy"] == result["achieved_gain"] / result["linear_gain"]
    assert result["stopped_by"] in ("stalled", "iterations")


def test_stall_tolerance_and_screening_are_flags_of_the_budgeted_search(model, tmp_path):
    code = main(["attack", "--network", str(model), "--image", "brain:3", "--iterations", "3",
                 "--gain-iterations", "0", "--restarts", "2", "--screen-steps", "0", "--stall-tolerance", "0.25",
                 "--noise-draws", "1", "--no-baseline", "--threads", "1", "--out", str(tmp_path)])
    assert code == 0
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["params"]["stall_tolerance"] == 0.25
    starts = result["restarts"]
    assert all(s["stopped_by"] != "screened" for s in starts)
    assert [s["iterations"] for s in starts if s["budget"] == 0.02][:2] == [3, 3]


def test_a_budget_curve_writes_its_points_and_figure(model, tmp_path):
    code = main(["attack", "--network", str(model), "--image", "brain:3", "--iterations", "4",
                 "--gain-iterations", "0", "--restarts", "1", "--budgets", "0.01,0.005", "--noise-draws", "2",
                 "--baseline-iterations", "5", "--threads", "1", "--out", str(tmp_path)])
    assert code == 0
    curve = json.loads((tmp_path / "result.json").read_text())["curve"]
    assert [p["budget"] for p in curve] == [0.005, 0.01]
    assert all(p["change_ratio"] > 0 and p["noise_draws"] == 2 for p in curve)
    assert (tmp_path / "budget_curve.png").stat().st_size > 1000


def test_a_diverging_paper_search_still_writes_its_results(model, tmp_path, capsys):
    code = main(["attack", "--network", str(model), "--image", "brain:3", "--iterations", "200",
                 "--preset", "paper", "--lam", "0", "--lr", "50", "--gain-iterations", "0", "--no-baseline",
                 "--threads", "1", "--out", str(tmp_path)])
    assert code == 0
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["stopped_by"] == "diverged" and result["iterations_run"] < 200
    assert 0 < result["perturbation_rel"] <= 1.0
    assert "diverged" in capsys.readouterr().err


def test_details_gives_a_verdict(model, tmp_path):
    code = main(["details", "--network", str(model), "--image", "brain:3", "--symbol", "heart",
                 "--size", "12", "--no-baseline", "--threads", "1", "--out", str(tmp_path)])
    assert code == 0
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["network"] == "refiner" and result["detail"]["content"] == "heart"
    assert result["measures"]["network"]["verdict"] in ("recovered", "blurred", "lost")
    assert (tmp_path / "details.png").exists()


def test_samples_sweeps_rates_with_the_trained_rate_marked(model, tmp_path):
    code = main(["samples", "--network", str(model), "--images", "brain:3,brain:4", "--rates", "0.2,0.5",
                 "--no-baseline", "--threads", "1", "--out", str(tmp_path)])
    assert code == 0
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["rates"] == [0.2, 0.5] and result["trained_rate"] == 0.33
    zf = result["zero-filled"]["psnr_mean"]
    assert zf[1] > zf[0]
    assert (tmp_path / "samples.png").exists()


@pytest.mark.parametrize("argv,message", [
    (["attack", "--network", "no-such-network"], "no-such-network"),
    (["attack", "--network", "MODEL", "--preset", "paper", "--momentum", "1.5", "--iterations", "1"], "momentum"),
    (["attack", "--network", "MODEL", "--lam", "0.1"], "--preset paper"),
    (["attack", "--network", "MODEL", "--budget", "-0.1"], "budget"),
    (["attack", "--network", "MODEL", "--stall-tolerance", "1.5"], "stall_tolerance"),
    (["attack", "--network", "MODEL", "--preset", "paper", "--stall-tolerance", "0.1"], "--stall-tolerance"),
    (["attack", "--network", "MODEL", "--screen-steps", "-1"], "--screen-steps"),
    (["attack", "--network", "MODEL", "--preset", "card"], "no tuned attack preset"),
    (["attack", "--network", "MODEL", "--image", "missing.png"], "missing.png"),
    (["samples", "--network", "MODEL", "--rates", "0.2,abc"], "comma-separated"),
])
def test_bad_input_is_one_line_and_exit_2(model, argv, message):
    argv = [str(model) if a == "MODEL" else a for a in argv]
    run = subprocess.run([sys.executable, "-m", "stabview", *argv, "--threads", "1", "--no-baseline"],
                         capture_output=True, text=True)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr and message in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_the_zoo_follows_the_resources_folder(tmp_path, monkeypatch, capsys):
    from stabview.networks import zoo
    monkeypatch.delenv("STABVIEW_ZOO", raising=False)
    monkeypatch.setenv("STABVIEW_RESOURCES", str(tmp_path))
    assert zoo.zoo_dir() == tmp_path / "networks" and zoo.names() == []
    assert main(["zoo"]) == 1
    assert str(tmp_path / "networks") in capsys.readouterr().out
