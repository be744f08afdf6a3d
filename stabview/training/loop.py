"""`train(name)`: run a recipe — seeded, iteration-budgeted, checkpointed, resumable — then evaluate and export.

The loop draws a batch of true images x, simulates y = A x at the recipe's sampling (a new
random mask per batch where the recipe says so), takes one optimiser step and reports progress.
Every `checkpoint_every` steps, and whenever a run stops, it writes `checkpoint.pt`
(`checkpoint.py`: weights, optimiser, data generator, random states, iteration, settings); a
run resumed from it continues bit-identically (same thread count). Every `track_gain` steps it
measures a point of the accuracy–stability curve (`tradeoff.py`) and rewrites tradeoff.json/png
beside the checkpoint. A run stopped before its iteration total (`steps`, `should_stop`) only
checkpoints; a finished run (or one capped by `minutes`) measures the held-out numbers, chooses
fp16 storage if it changes nothing, and writes weights + card — into `out` only if the network
meets the quality bar (≥ 3 dB over its linear input; AUTOMAP: above it at all), otherwise into
the checkpoint folder's 'below-bar'. It never overwrites the shipped zoo unless `force`.
"""

from __future__ import annotations

import pathlib
import platform
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np
import torch

from ..data.resources import resources_dir
from ..errors import StabviewError
from ..networks.architectures import build_network
from ..networks.base import operator_for_card
from ..networks.card import ModelCard
from ..runtime import resolve_device
from . import checkpoint, shipping, tradeoff
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
    finished: bool = True                      # False: paused before the iteration total (checkpoint only)
    checkpoint: pathlib.Path | None = None
    curve: list = field(default_factory=list)  # trade-off points measured so far


class ShippedNetworkError(StabviewError):
    """Training would overwrite a network shipped in resources/networks without --force."""


def quality_bar(name: str) -> float:
    """Required PSNR gain of the network over its linear input (dB)."""
    return 0.0 if name == "automap" else 3.0


def make_data(r: Recipe, smoke: bool = False, augment: bool = True):
    if r.data == "ellipses":
        return Ellipses(r.image_shape, n_train=8 if smoke else 1000, n_held_out=4 if smoke else 32, augment=augment)
    return BrainSlices(r.data, r.image_shape, augment=augment)


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


def default_checkpoint_dir(name: str) -> pathlib.Path:
    return pathlib.Path(tempfile.gettempdir()) / f"stabview-train-{name}"


def check_out(name: str, out: pathlib.Path | None, force: bool) -> pathlib.Path:
    """Where a finished run writes; refuses the shipped zoo folder unless `force`."""
    target = pathlib.Path(out) if out is not None else RESOURCES / name
    inside = target.resolve().is_relative_to(RESOURCES.resolve())
    if inside and (target / "weights.safetensors").exists() and not force:
        raise ShippedNetworkError(
            f"{target} holds the shipped weights of a zoo network and training would overwrite them: "
            f"give --out DIR for a new folder, or --force to replace the shipped network")
    return target


def apply_levers(r: Recipe, settings: dict) -> Recipe:
    """The recipe with the run's architecture overrides (e.g. features=64) and augmentation."""
    unknown = sorted(set(settings["config"]) - set(r.config))
    if unknown:
        raise StabviewError(f"{r.name} has no config key {', '.join(unknown)}; its keys: {', '.join(r.config)}")
    if not settings["config"] and settings["augment"]:
        return r
    levers = ", ".join([f"{k} = {v}" for k, v in settings["config"].items()]
                       + ([] if settings["augment"] else ["no augmentation"]))
    return replace(r, config={**r.config, **settings["config"]}, notes=f"{r.notes} Trained with: {levers}.")


def _resumed_settings(name: str, saved: dict, given: dict, log: Callable[[str], None]) -> dict:
    """The checkpoint's settings; a value given again must agree, except the total and the threads."""
    if saved["name"] != name:
        raise checkpoint.CheckpointError(f"the checkpoint is of '{saved['name']}', not '{name}'")
    for key in ("seed", "smoke", "config", "augment"):
        if given[key] is not None and given[key] != saved[key]:
            raise checkpoint.CheckpointError(f"the checkpoint was trained with {key} = {saved[key]!r}, "
                                             f"not {given[key]!r}; leave it out to continue")
    settings = dict(saved)
    if given["iterations"] is not None and given["iterations"] != saved["iterations"]:
        log(f"iteration total {saved['iterations']} → {given['iterations']}: the learning-rate schedule changes "
            f"from here, so the result differs from any single run")
        settings["iterations"] = given["iterations"]
    if given["threads"] != saved["threads"]:
        log(f"threads {saved['threads']} → {given['threads']}: bits differ from a run on one thread count")
        settings["threads"] = given["threads"]
    return settings


def command_of(settings: dict, device: str) -> str:
    """The one command that trains a run with these settings from scratch (for the card)."""
    return " ".join(["stabview", "train", settings["name"], f"--iterations {settings['iterations']}",
                     f"--seed {settings['seed']}", f"--threads {settings['threads']}"]
                    + [f"--config {k}={v}" for k, v in settings["config"].items()]
                    + ([] if settings["augment"] else ["--no-augment"]) + (["--smoke"] if settings["smoke"] else [])
                    + ([f"--device {device}"] if str(device) != "cpu" else []))


def train(name: str, *, iterations: int | None = None, minutes: float | None = None, steps: int | None = None,
          seed: int | None = None, threads: int = 1, device: str = "cpu", out: pathlib.Path | None = None,
          force: bool = False, checkpoint_dir: pathlib.Path | None = None, checkpoint_every: int = 200,
          resume: pathlib.Path | None = None, smoke: bool | None = None, config: dict | None = None,
          augment: bool | None = None, track_gain: int = 0, gain_images: int = 2,
          gain_iterations: int = tradeoff.GAIN_ITERATIONS, eval_images: int | None = None,
          command: str = "", log: Callable[[str], None] = print, progress: bool = True,
          should_stop: Callable[[], bool] | None = None, export_only: bool = False,
          keep_gain_above: float | None = None) -> TrainResult:
    """Train network `name` from its recipe; see the module docstring for what is written where.

    `resume` is a checkpoint file: the run continues from it with its settings (seed, total,
    batch, levers). `steps` runs at most that many steps now, then checkpoints and stops;
    `config` overrides architecture settings (e.g. {"features": 64}); `augment=False` trains on
    the data without augmentation; `track_gain` > 0 measures a trade-off point that often.
    `export_only` evaluates and writes the `resume` checkpoint's weights + card without training.
    `keep_gain_above`: a tracked point whose largest per-image gain reaches it also keeps its
    checkpoint as `checkpoint-ITERATION.pt` (the gain comes and goes between points; this keeps
    the unstable states to attack them later).
    """
    r = get_recipe(name)
    given = {"seed": seed, "smoke": smoke, "config": config, "augment": augment, "iterations": iterations,
             "threads": threads}
    if export_only and resume is None:
        raise StabviewError("exporting needs a checkpoint to export (--resume CHECKPOINT)")
    saved = checkpoint.load(resume) if resume is not None else None
    if saved is not None:
        settings = _resumed_settings(name, saved["settings"], given, log)
        checkpoint_dir = checkpoint_dir or pathlib.Path(resume).parent
    else:
        smoke = bool(smoke)
        settings = {"name": name, "seed": seed or 0, "smoke": smoke, "config": dict(config or {}),
                    "augment": True if augment is None else bool(augment),
                    "iterations": iterations if iterations is not None else (3 if smoke else r.iterations),
                    "batch": 2 if smoke else r.batch_size, "threads": threads}
    check_out(name, out, force)
    r = apply_levers(r, settings)
    seed, smoke, total, batch = settings["seed"], settings["smoke"], settings["iterations"], settings["batch"]
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    np.random.seed(seed)
    dev = resolve_device(device)
    data = make_data(r, smoke, settings["augment"])
    card = r.card_template()
    net = build_network(card)
    if r.extra.get("init") == "fourier":
        net.init_from_fourier(card.mask_spec.build(card.image_shape))
    net = net.to(dev)
    objective = make_objective(r.loss, net, r.lr, total, dev)
    ops = _mask_pool(r, card, dev)
    generator = torch.Generator().manual_seed(seed)
    start_iter, seconds, curve = 0, 0.0, []
    checkpoint_dir = pathlib.Path(checkpoint_dir or default_checkpoint_dir(name))
    ckpt = checkpoint_dir / checkpoint.FILENAME
    if saved is not None:
        net.load_state_dict(saved["model"])
        objective.load_state_dict(saved["objective"])
        generator.set_state(saved["generator"])
        checkpoint.restore_random_states(saved)
        start_iter, seconds = int(saved["iteration"]), float(saved["seconds"])
        curve = [p for p in saved["curve"] if p["iteration"] <= start_iter]
        log(f"resumed {name} from {resume} at iteration {start_iter} of {total}")
    log(f"training {name}: {total} iterations, batch {batch}, {net.n_parameters / 1e6:.2f} M parameters, "
        f"torch threads {torch.get_num_threads()}, device {dev}, seed {seed}")
    if export_only:
        return _finish(r, net, card, data, start_iter, seconds / 60, False, seed, threads, dev, batch, out,
                       checkpoint_dir, smoke, eval_images, command or command_of(settings, device), log, settings)
    eval_op = operator_for_card(card, dev)
    held_out = data.evaluation_images(2 if smoke and eval_images is None else eval_images)
    about = {"network": name, "settings": settings, "data": data.describe()}

    def track(done: int, images_per_s: float | None) -> None:
        point = tradeoff.measure(net, eval_op, held_out, iteration=done, gain_images=gain_images,
                                 gain_iterations=gain_iterations)
        point.update({"training_minutes": round(seconds / 60, 2), "training_seconds": round(seconds, 2),
                      "images_per_s": images_per_s})
        curve.append(point)
        tradeoff.write_curve(checkpoint_dir, curve, title=f"{name}: accuracy against linearised gain", about=about)
        log(f"{time.strftime('%H:%M:%S')} iteration {done}: held-out PSNR {point['psnr']:.2f} dB, "
            f"SSIM {point['ssim']:.3f}, "
            f"linearised gain {point['gain']:.2f}" + (f", {images_per_s:.2f} images/s" if images_per_s else ""))

    def save(done: int, path: pathlib.Path = ckpt) -> None:
        checkpoint.save(path, model=net.state_dict(), objective=objective.state_dict(), generator=generator,
                        iteration=done, seconds=seconds, settings=settings, curve=curve)

    if track_gain and not curve and start_iter == 0:
        track(0, None)
    bar = ProgressBar(total - start_iter) if progress else None
    t0, loss, done = time.monotonic(), float("nan"), start_iter
    stopped_early = paused = False
    since, window, tick = 0, 0.0, time.monotonic()   # steps and training seconds since the last point
    net.train()
    for it in range(start_iter, total):
        if (should_stop is not None and should_stop()) or (steps is not None and it - start_iter >= steps):
            paused = True
            break
        x = data.batch(batch, generator).to(dev)
        op = ops[int(torch.randint(len(ops), (1,), generator=generator))] if len(ops) > 1 else ops[0]
        with torch.no_grad():
            y = op.forward(x.to(torch.complex64) if op.complex_images else x)
        loss = objective.step(x, y, op, it)
        done, since = it + 1, since + 1
        if bar:
            bar.update(done - start_iter, loss)
        if (track_gain and done % track_gain == 0) or (checkpoint_every and done % checkpoint_every == 0):
            elapsed = time.monotonic() - tick
            seconds, window = seconds + elapsed, window + elapsed
            if track_gain and done % track_gain == 0:
                track(done, round(since * batch / max(window, 1e-9), 3))
                since, window = 0, 0.0
                if keep_gain_above is not None and max(curve[-1]["gains"]) >= keep_gain_above:
                    save(done, checkpoint_dir / f"checkpoint-{done}.pt")
                    log(f"kept checkpoint-{done}.pt (largest gain {max(curve[-1]['gains']):.2f})")
            if checkpoint_every and done % checkpoint_every == 0:
                save(done)
            tick = time.monotonic()
        if minutes is not None and (time.monotonic() - t0) > 60 * minutes:
            stopped_early = True
            break
    seconds += time.monotonic() - tick
    if bar:
        bar.update(done - start_iter, loss, force=True)
        bar.close()
    finished = done >= total
    if finished and track_gain and (not curve or curve[-1]["iteration"] != done):
        track(done, None)
    save(done)
    train_minutes = seconds / 60
    if paused or not (finished or stopped_early):
        log(f"stopped {name} at iteration {done} of {total}; continue with: "
            f"stabview train {name} --resume {ckpt}")
        return TrainResult(None, checkpoint_dir, False, done, train_minutes, False, ckpt, curve)
    result = _finish(r, net, card, data, done, train_minutes, stopped_early, seed, threads, dev, batch,
                     out, checkpoint_dir, smoke, eval_images, command or command_of(settings, device), log, settings)
    result.checkpoint, result.curve = ckpt, curve
    return result


def _finish(r, net, card, data, done, train_minutes, stopped_early, seed, threads, dev, batch, out,
            checkpoint_dir, smoke, eval_images, command, log, settings) -> TrainResult:
    op = operator_for_card(card, dev)
    images = data.evaluation_images(2 if smoke and eval_images is None else eval_images)
    state = {k: v.detach().clone() for k, v in net.state_dict().items()}
    full = evaluate(net, op, images)
    net.load_state_dict(shipping.half_copy(state))
    half = evaluate(net, op, images)
    fp16 = abs(half["psnr_network"] - full["psnr_network"]) < shipping.FP16_TOLERANCE_DB
    result = half if fp16 else full
    if not fp16:
        net.load_state_dict(state)
    card.seed = seed
    card.data = data.describe()
    card.command = command
    for key in ("psnr_network", "psnr_input", "ssim_network", "ssim_input"):
        setattr(card, key, round(result[key], 4))
    card.training = {
        "iterations": done, "batch_size": batch, "optimiser": "Adam, cosine decay to 5%",
        "lr": r.lr, "loss": r.loss_text, "minutes": round(train_minutes, 2), "threads": threads,
        "device": str(dev), "stopped_early_by_minutes": stopped_early, "data_sha256": data.sha256,
        "storage": "fp16" if fp16 else "fp32", "fp32_psnr_network": round(full["psnr_network"], 4),
        "smoke": smoke, "torch": torch.__version__, "python": platform.python_version(),
        "random_masks": r.random_masks, "config_overrides": settings["config"], "augment": settings["augment"],
        "iteration_total": settings["iterations"]}
    card.evaluation = {"images": result["images"], "operator": "the card's mask (net.default_operator())",
                       "metrics": "stabview.stability.metrics psnr/ssim on magnitudes, peak = max |x|",
                       "per_image": result["per_image"]}
    gain = card.psnr_network - card.psnr_input
    passed = gain >= quality_bar(r.name) and (gain > 0 if r.name == "automap" else True)
    out = out or (RESOURCES / r.name)
    directory = out if passed else checkpoint_dir / "below-bar"      # never into the shipped zoo
    shipping.write(directory, net.state_dict(), card, fp16)
    if r.data != "ellipses":
        shipping.write_notice(directory)
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
