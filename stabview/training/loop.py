"""`train(name)`: run a recipe — seeded, iteration-budgeted, checkpointed — then evaluate and export.

The loop draws a batch of true images x, simulates y = A x at the recipe's sampling (a new
random mask per batch where the recipe says so), takes one optimiser step and reports progress.
Checkpoints (model, optimiser, generator state, iteration) are written every
`checkpoint_every` steps and read back with `torch.load(weights_only=True)` to resume. At the end
the held-out numbers are measured, fp16 storage is chosen if it changes nothing, and weights +
card are written — into `out` only if the network meets the quality bar (≥ 3 dB over its
linear input; AUTOMAP: above it at all), otherwise into the checkpoint folder's 'below-bar'.
"""

from __future__ import annotations

import pathlib
import platform
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import torch

from ..data.resources import resources_dir
from ..networks.architectures import build_network
from ..networks.base import operator_for_card
from ..networks.card import ModelCard
from ..runtime import resolve_device
from . import export
from .data import BrainSlices, Ellipses
from .evaluate import evaluate
from .objectives import make_objective
from .recipes import Recipe, recipe as get_recipe

RESOURCES = resources_dir() / "networks"


@dataclass
class TrainResult:
    card: object
    directory: pathlib.Path
    passed: bool
    iterations: int
    minutes: float


def quality_bar(name: str) -> float:
    """Required PSNR gain of the network over its linear input (dB)."""
    return 0.0 if name == "automap" else 3.0


def make_data(r: Recipe, smoke: bool = False):
    if r.data == "ellipses":
        return Ellipses(r.image_shape, n_train=8 if smoke else 1000, n_held_out=4 if smoke else 32)
    return BrainSlices(r.data, r.image_shape)


def _mask_pool(r: Recipe, card, device) -> list:
    base = operator_for_card(card, device)
    if not r.random_masks:
        return [base]
    # seeds 1000 + i: disjoint from the evaluation mask (the card's seed)
    return [base.with_mask(replace(r.mask, seed=1000 + i).build(base.mask_shape)) for i in range(r.random_masks)]


class ProgressBar:
    """A one-line text progress bar on stderr, redrawn at most once a second."""

    def __init__(self, total: int, stream=sys.stderr):
        self.total, self.stream, self.start, self.last = total, stream, time.monotonic(), 0.0

    def update(self, done: int, loss: float, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < 1.0:
            return
        self.last = now
        rate = done / max(now - self.start, 1e-9)
        eta = (self.total - done) / max(rate, 1e-9)
        filled = int(30 * done / max(1, self.total))
        self.stream.write(f"\r[{'#' * filled}{' ' * (30 - filled)}] {done}/{self.total} loss {loss:.3e} "
                          f"{rate:.2f} it/s eta {int(eta) // 60}:{int(eta) % 60:02d}")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")


def train(name: str, *, iterations: int | None = None, minutes: float | None = None, seed: int = 0,
          threads: int = 1, device: str = "cpu", out: pathlib.Path | None = None,
          checkpoint_dir: pathlib.Path | None = None, checkpoint_every: int = 200, resume: bool = False,
          smoke: bool = False, eval_images: int | None = None, command: str = "",
          log: Callable[[str], None] = print, progress: bool = True) -> TrainResult:
    """Train network `name` from its recipe; see the module docstring for what is written where."""
    r = get_recipe(name)
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    np.random.seed(seed)
    dev = resolve_device(device)
    total = iterations if iterations is not None else (3 if smoke else r.iterations)
    batch = 2 if smoke else r.batch_size
    data = make_data(r, smoke)
    card = r.card_template()
    net = build_network(card)
    if r.extra.get("init") == "fourier":
        net.init_from_fourier(card.mask_spec.build(card.image_shape))
    net = net.to(dev)
    objective = make_objective(r.loss, net, r.lr, total, dev)
    ops = _mask_pool(r, card, dev)
    generator = torch.Generator().manual_seed(seed)
    start_iter = 0
    checkpoint_dir = checkpoint_dir or pathlib.Path(tempfile.gettempdir()) / f"stabview-train-{name}"
    ckpt = checkpoint_dir / "checkpoint.pt"
    if resume and ckpt.exists():
        state = torch.load(ckpt, map_location=dev, weights_only=True)
        net.load_state_dict(state["model"])
        objective.load_state_dict(state["objective"])
        generator.set_state(state["generator"])
        start_iter = int(state["iteration"])
        log(f"resumed {name} from {ckpt} at iteration {start_iter}")
    log(f"training {name}: {total} iterations, batch {batch}, {net.n_parameters / 1e6:.2f} M parameters, "
        f"torch threads {torch.get_num_threads()}, device {dev}, seed {seed}")
    bar = ProgressBar(total) if progress else None
    t0, loss, done = time.monotonic(), float("nan"), start_iter
    stopped_early = False
    net.train()
    for it in range(start_iter, total):
        x = data.batch(batch, generator).to(dev)
        op = ops[int(torch.randint(len(ops), (1,), generator=generator))] if len(ops) > 1 else ops[0]
        with torch.no_grad():
            y = op.forward(x.to(torch.complex64) if op.complex_images else x)
        loss = objective.step(x, y, op, it)
        done = it + 1
        if bar:
            bar.update(done, loss)
        if checkpoint_every and done % checkpoint_every == 0 and done < total:
            checkpoint_dir.mkdir(parents=True, exist_ok=True)
            torch.save({"model": net.state_dict(), "objective": objective.state_dict(),
                        "generator": generator.get_state(), "iteration": done}, ckpt)
        if minutes is not None and (time.monotonic() - t0) > 60 * minutes:
            stopped_early = True
            break
    if bar:
        bar.update(done, loss, force=True)
        bar.close()
    train_minutes = (time.monotonic() - t0) / 60
    return _finish(r, net, card, data, done, train_minutes, stopped_early, seed, threads, dev, batch,
                   out, checkpoint_dir, smoke, eval_images, command, log)


def _finish(r, net, card, data, done, train_minutes, stopped_early, seed, threads, dev, batch, out,
            checkpoint_dir, smoke, eval_images, command, log) -> TrainResult:
    op = operator_for_card(card, dev)
    images = data.evaluation_images(2 if smoke and eval_images is None else eval_images)
    state = {k: v.detach().clone() for k, v in net.state_dict().items()}
    full = evaluate(net, op, images)
    net.load_state_dict(export.half_copy(state))
    half = evaluate(net, op, images)
    fp16 = abs(half["psnr_network"] - full["psnr_network"]) < export.FP16_TOLERANCE_DB
    result = half if fp16 else full
    if not fp16:
        net.load_state_dict(state)
    card.seed = seed
    card.data = data.describe()
    card.command = command or f"stabview train {r.name} --iterations {done} --seed {seed} --threads {threads}"
    for key in ("psnr_network", "psnr_input", "ssim_network", "ssim_input"):
        setattr(card, key, round(result[key], 4))
    card.training = {
        "iterations": done, "batch_size": batch, "optimiser": "Adam, cosine decay to 5%",
        "lr": r.lr, "loss": r.loss_text, "minutes": round(train_minutes, 2), "threads": threads,
        "device": str(dev), "stopped_early_by_minutes": stopped_early, "data_sha256": data.sha256,
        "storage": "fp16" if fp16 else "fp32", "fp32_psnr_network": round(full["psnr_network"], 4),
        "smoke": smoke, "torch": torch.__version__, "python": platform.python_version(),
        "random_masks": r.random_masks}
    card.evaluation = {"images": result["images"], "operator": "the card's mask (net.default_operator())",
                       "metrics": "stabview.stability.metrics psnr/ssim on magnitudes, peak = max |x|",
                       "per_image": result["per_image"]}
    gain = card.psnr_network - card.psnr_input
    passed = gain >= quality_bar(r.name) and (gain > 0 if r.name == "automap" else True)
    out = out or (RESOURCES / r.name)
    directory = out if passed else checkpoint_dir / "below-bar"      # never into the shipped zoo
    export.write(directory, net.state_dict(), card, fp16)
    if r.data != "ellipses":
        export.write_notice(directory)
    log(f"{r.name}: held-out PSNR {card.psnr_network:.2f} dB (input {card.psnr_input:.2f} dB), SSIM "
        f"{card.ssim_network:.3f} (input {card.ssim_input:.3f}), {done} iterations in {train_minutes:.1f} min, "
        f"{'fp16' if fp16 else 'fp32'} → {directory}" + ("" if passed else "  [BELOW THE QUALITY BAR]"))
    return TrainResult(card, directory, passed, done, train_minutes)


def refresh_card(name: str, directory: pathlib.Path | None = None) -> ModelCard:
    """Rewrite a card's descriptive fields (notes, untuned attack preset) from the current recipe.

    Measured numbers, data, command and training details are kept exactly as the training run
    wrote them; a preset tuned since (scripts/tune_attack_preset.py) is kept too.
    """
    directory = directory or (RESOURCES / name)
    card = ModelCard.load(directory / "card.json")
    template = get_recipe(name).card_template()
    card.notes = template.notes
    preset = card.attack_preset or {}
    if not preset or str(preset.get("source", "")).startswith("paper Table 1"):
        card.attack_preset = template.attack_preset
    card.validate()
    card.save(directory / "card.json")
    return card
