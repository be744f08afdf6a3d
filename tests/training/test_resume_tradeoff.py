"""Resumed training is bit-identical; shipped weights need --force; trade-off points and curves."""

import json
import pathlib

import numpy as np
import pytest
import torch
from PIL import Image

from stabview.cli import main
from stabview.errors import StabviewError
from stabview.training import checkpoint, loop, tradeoff
from stabview.training.loop import ShippedNetworkError, train

QUIET = {"progress": False, "log": lambda s: None}


def _weights(path: pathlib.Path) -> dict:
    return checkpoint.load(path)["model"]


@pytest.mark.slow
def test_steps_then_resume_gives_the_bits_of_one_run(tmp_path):
    whole = train("dagan", iterations=4, smoke=True, checkpoint_dir=tmp_path / "whole", out=tmp_path / "o1", **QUIET)
    part = train("dagan", iterations=4, steps=2, smoke=True, checkpoint_dir=tmp_path / "part", out=tmp_path / "o2",
                 **QUIET)
    assert not part.finished and part.iterations == 2 and part.card is None
    paused = _weights(part.checkpoint)
    rest = train("dagan", resume=part.checkpoint, out=tmp_path / "o2", **QUIET)
    assert rest.finished and rest.iterations == 4
    a, b = _weights(whole.checkpoint), _weights(rest.checkpoint)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert any(not torch.equal(a[k], paused[k]) for k in a)        # the resumed run did train
    saved = checkpoint.load(rest.checkpoint)
    assert saved["iteration"] == 4 and saved["settings"]["iterations"] == 4


def test_resume_refuses_other_settings_and_bad_files(tmp_path):
    part = train("deepmri", iterations=3, steps=1, smoke=True, checkpoint_dir=tmp_path / "c", out=tmp_path / "o",
                 **QUIET)
    with pytest.raises(checkpoint.CheckpointError, match="seed"):
        train("deepmri", resume=part.checkpoint, seed=5, out=tmp_path / "o", **QUIET)
    with pytest.raises(checkpoint.CheckpointError, match="deepmri"):
        train("dagan", resume=part.checkpoint, out=tmp_path / "o", **QUIET)
    with pytest.raises(checkpoint.CheckpointError, match="no training checkpoint"):
        checkpoint.load(tmp_path / "missing.pt")
    torch.save({"model": {}}, tmp_path / "plain.pt")
    with pytest.raises(checkpoint.CheckpointError, match="format"):
        checkpoint.load(tmp_path / "plain.pt")
    torch.save({"hook": pathlib.Path("x")}, tmp_path / "pickled.pt")     # needs unpickling a class
    with pytest.raises(checkpoint.CheckpointError, match="weights_only"):
        checkpoint.load(tmp_path / "pickled.pt")


def test_shipped_weights_are_not_overwritten_without_force(tmp_path, monkeypatch, capsys):
    zoo = tmp_path / "networks"
    (zoo / "ell50").mkdir(parents=True)
    (zoo / "ell50" / "weights.safetensors").write_bytes(b"shipped")
    monkeypatch.setattr(loop, "RESOURCES", zoo)
    with pytest.raises(ShippedNetworkError, match="--force"):
        train("ell50", smoke=True, checkpoint_dir=tmp_path / "c", **QUIET)
    code = main(["train", "ell50", "--smoke", "--checkpoint-dir", str(tmp_path / "c"), "--no-progress"])
    assert code == 2 and "--force" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()                                  # refused before training
    assert loop.check_out("ell50", zoo / "ell50", force=True) == zoo / "ell50"
    assert loop.check_out("ell50", tmp_path / "elsewhere", force=False) == tmp_path / "elsewhere"


@pytest.mark.slow
def test_tracking_writes_the_curve_and_leaves_the_bits_alone(tmp_path):
    plain = train("deepmri", iterations=4, smoke=True, checkpoint_dir=tmp_path / "a", out=tmp_path / "oa", **QUIET)
    tracked = train("deepmri", iterations=4, smoke=True, checkpoint_dir=tmp_path / "b", out=tmp_path / "ob",
                    track_gain=2, checkpoint_every=1, gain_iterations=3, **QUIET)
    a, b = _weights(plain.checkpoint), _weights(tracked.checkpoint)
    assert all(torch.equal(a[k], b[k]) for k in a)
    document = json.loads((tmp_path / "b" / "tradeoff.json").read_text())
    points = document["points"]
    assert [p["iteration"] for p in points] == [0, 2, 4]
    assert all(p["gain"] > 0 and p["gain_images"] == 2 and p["images"] == 2 for p in points)
    assert points[-1]["psnr"] == pytest.approx(tracked.card.training["fp32_psnr_network"], abs=1e-3)
    assert points[1]["images_per_s"] > 0
    # throughput between points is steps × batch over the training time between them
    window = points[2]["training_seconds"] - points[1]["training_seconds"]
    assert points[2]["images_per_s"] == pytest.approx(2 * 2 / window, rel=0.05, abs=0.05)
    with Image.open(tmp_path / "b" / "tradeoff.png") as image:
        assert image.size == (640, 440)
    assert checkpoint.load(tracked.checkpoint)["curve"] == points


@pytest.mark.slow
def test_resumed_curve_continues_from_the_checkpoint(tmp_path):
    part = train("deepmri", iterations=4, steps=2, smoke=True, checkpoint_dir=tmp_path / "c", out=tmp_path / "o",
                 track_gain=1, gain_iterations=2, **QUIET)
    assert [p["iteration"] for p in part.curve] == [0, 1, 2]
    rest = train("deepmri", resume=part.checkpoint, out=tmp_path / "o", track_gain=2, gain_iterations=2, **QUIET)
    assert [p["iteration"] for p in rest.curve] == [0, 1, 2, 4]


@pytest.mark.slow
def test_tradeoff_command_measures_each_checkpoint(tmp_path, capsys):
    first = train("deepmri", iterations=2, smoke=True, checkpoint_dir=tmp_path / "c", out=tmp_path / "o", **QUIET)
    early = tmp_path / "early.pt"
    early.write_bytes(first.checkpoint.read_bytes())
    later = train("deepmri", iterations=3, resume=early, checkpoint_dir=tmp_path / "c2", out=tmp_path / "o", **QUIET)
    code = main(["tradeoff", str(early), str(later.checkpoint), "--out", str(tmp_path / "curve"),
                 "--images", "brain", "brain:3", "--gain-iterations", "3", "--threads", "1"])
    assert code == 0
    points = json.loads((tmp_path / "curve" / "tradeoff.json").read_text())["points"]
    assert [p["iteration"] for p in points] == [2, 3] and all(p["images"] == 2 for p in points)
    assert points[0]["psnr"] != points[1]["psnr"]
    assert (tmp_path / "curve" / "tradeoff.png").exists()
    code = main(["tradeoff", str(later.directory / "weights.safetensors"), "--out", str(tmp_path / "x")])
    assert code == 2 and "--card" in capsys.readouterr().err


def test_gain_subset_spreads_over_the_held_out_set():
    images = torch.arange(10.0)[:, None, None].expand(10, 2, 2)
    assert tradeoff.gain_subset(images, 3)[:, 0, 0].tolist() == [0.0, 4.0, 9.0]   # round(4.5) = 4
    assert len(tradeoff.gain_subset(images, 50)) == 10


def test_figure_places_points_by_their_values():
    def dark_columns(points):
        image = tradeoff.figure(points, title="")
        pixels = torch.from_numpy(np.asarray(image.convert("L")).astype(np.float32))
        return (pixels[50:380, 70:610] < 200).any(0).nonzero().flatten()
    low = dark_columns([{"gain": 1.0, "psnr": 30.0, "label": ""}, {"gain": 2.0, "psnr": 31.0, "label": ""}])
    assert len(low) > 0 and low.min() < 100 and low.max() > 440    # padded ends lie near both sides


def test_config_overrides_are_checked():
    from stabview.commands.train import parse_config
    from stabview.errors import StabviewError
    assert parse_config(["features=64", "x=a"]) == {"features": 64, "x": "a"}
    with pytest.raises(StabviewError, match="KEY=VALUE"):
        parse_config(["features"])
    settings = {"config": {"nonsense": 1}, "augment": True}
    with pytest.raises(StabviewError, match="n_blocks"):
        loop.apply_levers(loop.get_recipe("deepmri"), settings)
    wide = loop.apply_levers(loop.get_recipe("deepmri"), {"config": {"features": 64}, "augment": False})
    assert wide.config["features"] == 64 and wide.card_template().config["features"] == 64


@pytest.mark.slow
def test_export_writes_a_checkpoints_weights_without_training(tmp_path):
    part = train("deepmri", iterations=4, steps=2, smoke=True, checkpoint_dir=tmp_path / "c", out=tmp_path / "o",
                 **QUIET)
    before = part.checkpoint.read_bytes()
    code = main(["train", "deepmri", "--resume", str(part.checkpoint), "--export", "--out", str(tmp_path / "o"),
                 "--no-progress"])
    assert code in (0, 3) and part.checkpoint.read_bytes() == before
    folder = tmp_path / "o" if code == 0 else tmp_path / "c" / "below-bar"
    card = json.loads((folder / "card.json").read_text())
    assert card["training"]["iterations"] == 2 and card["training"]["iteration_total"] == 4
    from stabview.networks import zoo
    net = zoo.load(folder / "weights.safetensors")
    saved = checkpoint.load(part.checkpoint)["model"]
    assert all(torch.allclose(v.float(), saved[k], atol=1e-3 * saved[k].abs().max() + 1e-6)
               for k, v in net.state_dict().items() if v.is_floating_point())
    with pytest.raises(StabviewError, match="--resume"):
        train("deepmri", export_only=True, out=tmp_path / "o", **QUIET)


@pytest.mark.slow
def test_resume_flag_alone_reads_the_checkpoint_folder(tmp_path, capsys):
    args = ["--checkpoint-dir", str(tmp_path / "c"), "--out", str(tmp_path / "o"), "--no-progress"]
    assert main(["train", "dagan", "--smoke", "--iterations", "2", "--steps", "1", *args]) == 0
    assert checkpoint.load(tmp_path / "c" / "checkpoint.pt")["iteration"] == 1
    assert main(["train", "dagan", "--resume", *args]) in (0, 3)
    assert checkpoint.load(tmp_path / "c" / "checkpoint.pt")["iteration"] == 2
    assert "resumed dagan" in capsys.readouterr().out


@pytest.mark.slow
def test_points_with_a_high_gain_keep_their_checkpoint(tmp_path, monkeypatch):
    gains = {0: 1.0, 2: 5.0, 4: 2.0}                 # measured gains, fixed so the threshold is what is tested

    def measure(net, op, images, *, iteration, **_):
        return {"iteration": iteration, "label": str(iteration), "psnr": 30.0, "ssim": 0.9,
                "gain": gains[iteration], "gains": [0.5, gains[iteration]], "images": 2, "gain_images": 2}

    monkeypatch.setattr(tradeoff, "measure", measure)
    logged = []
    train("deepmri", iterations=4, smoke=True, checkpoint_dir=tmp_path / "c", out=tmp_path / "o",
          track_gain=2, keep_gain_above=3.0, progress=False, log=logged.append)
    assert [p.name for p in (tmp_path / "c").glob("checkpoint-*.pt")] == ["checkpoint-2.pt"]
    saved = checkpoint.load(tmp_path / "c" / "checkpoint-2.pt")
    assert saved["iteration"] == 2 and [p["iteration"] for p in saved["curve"]] == [0, 2]
    assert any("kept checkpoint-2.pt (largest gain 5.00)" in line for line in logged)
