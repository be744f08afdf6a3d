"""`stabview train`: smoke runs write a card with measured numbers; seeded runs are reproducible."""

import argparse
import json

import pytest
import torch
from safetensors import safe_open

from stabview.networks.card import ModelCard
from stabview.training.data import BrainSlices, Ellipses, held_out_split
from stabview.training.loop import train


def test_smoke_training_writes_weights_and_a_measured_card(tmp_path):
    result = train("deepmri", smoke=True, out=tmp_path / "deepmri", checkpoint_dir=tmp_path / "ckpt",
                   progress=False, log=lambda s: None)
    folder = result.directory
    card = ModelCard.load(folder / "card.json")
    assert card.training["iterations"] == 3 and card.training["smoke"]
    assert card.psnr_input == pytest.approx(sum(card.evaluation["per_image"]["psnr_input"]) / 2, abs=1e-3)
    with safe_open(str(folder / "weights.safetensors"), "pt") as f:
        meta = f.metadata()
    assert meta["iterations"] == "3" and meta["torch"] == torch.__version__ and meta["threads"] == "1"
    assert meta["data_sha256"] == BrainSlices().sha256


def test_same_seed_same_weights_different_seed_different(tmp_path):
    def weights(seed, name):
        r = train("ell50", smoke=True, seed=seed, out=tmp_path / name, checkpoint_dir=tmp_path / f"ckpt-{name}",
                  progress=False, log=lambda s: None)
        with safe_open(str(r.directory / "weights.safetensors"), "pt") as f:
            return {k: f.get_tensor(k) for k in f.keys()}
    a, b, c = weights(0, "a"), weights(0, "b"), weights(1, "c")
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert any(not torch.equal(a[k], c[k]) for k in a)


def test_checkpoints_resume(tmp_path):
    ckpt = tmp_path / "ckpt"
    first = train("dagan", iterations=2, smoke=True, checkpoint_dir=ckpt, checkpoint_every=1,
                  out=tmp_path / "d", progress=False, log=lambda s: None)
    assert first.checkpoint == ckpt / "checkpoint.pt" and first.checkpoint.exists()
    lines = []
    result = train("dagan", iterations=3, resume=first.checkpoint, out=tmp_path / "d", progress=False,
                   log=lines.append)
    assert any("resumed" in line and "iteration 2 of 3" in line for line in lines)
    assert result.iterations == 3 and result.card.training["iterations"] == 3


def test_held_out_slices_are_kept_apart_by_position():
    import numpy as np
    plane = np.array([0, 0, 0, 0, 2, 2])
    position = np.array([0.1, 0.47, 0.43, 0.9, 0.25, 0.05])
    train_idx, held = held_out_split(plane, position)
    assert list(held) == [1, 4] and list(train_idx) == [0, 3, 5]   # 0.43 is in the margin
    data = BrainSlices()
    assert len(data.held_out) >= 30 and len(data.train) >= 250


def test_ellipse_held_out_phantoms_are_not_training_phantoms():
    data = Ellipses((64, 64), n_train=4, n_held_out=2)
    held = data.evaluation_images()
    assert held.shape == (2, 64, 64)
    assert all(not torch.equal(h, t) for h in held for t in data.train)


def test_train_command_parses_and_refuses_unknown_names(capsys):
    from stabview.commands import train as train_command
    from stabview.errors import UnknownName
    parser = argparse.ArgumentParser()
    train_command.add_parser(parser.add_subparsers())
    args = parser.parse_args(["train", "nonet", "--smoke"])
    with pytest.raises(UnknownName, match="deepmri"):
        args.func(args)


def test_train_command_smoke_run_writes_into_out(tmp_path):
    from stabview.commands import train as train_command
    parser = argparse.ArgumentParser()
    train_command.add_parser(parser.add_subparsers())
    args = parser.parse_args(["train", "med50", "--smoke", "--out", str(tmp_path / "med50"),
                              "--checkpoint-dir", str(tmp_path / "ckpt")])
    code = args.func(args)
    folder = tmp_path / "med50" if code == 0 else tmp_path / "ckpt" / "below-bar"
    card = json.loads((folder / "card.json").read_text())
    assert card["command"].startswith("stabview train med50") and card["training"]["smoke"]
    assert (folder / "NOTICE.txt").read_text().count("McConnell") == 1   # MNI-derived data
