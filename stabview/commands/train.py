"""`stabview train NAME`: reproducibly train a zoo network (seeded, iteration-budgeted, resumable)."""

from __future__ import annotations

import argparse
import json
import pathlib
import signal

from ..errors import StabviewError


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "train", help="train a zoo network from its recipe",
        description="Train one of the zoo's networks on the shipped/generated data. The iteration "
                    "count is the budget (same seed and threads → same weights); --minutes only caps "
                    "wall time. Writes weights.safetensors + card.json with held-out PSNR/SSIM. "
                    "Checkpoints can be resumed bit-identically; SIGTERM checkpoints and stops.")
    parser.add_argument("name", help="automap, dagan, deepmri, ell50, med50 or mrivn")
    parser.add_argument("--iterations", type=int, help="optimiser steps in all (default: the recipe's, or the "
                        "checkpoint's when resuming)")
    parser.add_argument("--steps", type=int, help="run at most this many steps now, then checkpoint and stop")
    parser.add_argument("--minutes", type=float, help="stop after this many minutes even if steps remain")
    parser.add_argument("--seed", type=int, help="random seed (default 0)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1; fixes the bits)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--out", type=pathlib.Path,
                        help="output folder (default resources/networks/NAME, which needs --force if it "
                             "holds shipped weights)")
    parser.add_argument("--force", action="store_true", help="allow replacing the shipped network's weights")
    parser.add_argument("--checkpoint-dir", type=pathlib.Path,
                        help="default: stabview-train-NAME in the temporary folder (resuming: the checkpoint's folder)")
    parser.add_argument("--checkpoint-every", type=int, default=250)
    parser.add_argument("--resume", nargs="?", const=True, metavar="CHECKPOINT",
                        help="continue from this checkpoint file (alone: checkpoint.pt in --checkpoint-dir or "
                             "its default)")
    parser.add_argument("--config", action="append", default=[], metavar="KEY=VALUE",
                        help="override an architecture setting of the recipe, e.g. features=64 (repeatable)")
    parser.add_argument("--no-augment", action="store_true", help="train on the data without augmentation")
    parser.add_argument("--track-gain", type=int, default=0, metavar="EVERY",
                        help="every EVERY steps measure held-out PSNR/SSIM and the linearised gain; writes "
                             "tradeoff.json and tradeoff.png beside the checkpoint")
    parser.add_argument("--gain-images", type=int, default=2, help="held-out images for the gain (default 2)")
    parser.add_argument("--keep-gain-above", type=float, metavar="GAIN",
                        help="with --track-gain: also keep the checkpoint of each point whose largest per-image "
                             "gain is at least GAIN, as checkpoint-ITERATION.pt (to attack it later)")
    parser.add_argument("--export", action="store_true",
                        help="with --resume: measure and write the checkpoint's weights + card into --out, no training")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (for logs of long runs)")
    parser.add_argument("--smoke", action="store_true", help="a few steps on tiny batches (for tests)")
    parser.add_argument("--eval-images", type=int, help="evaluate on only the first N held-out images")
    parser.add_argument("--refresh-card", action="store_true",
                        help="only rewrite the card's notes and attack preset from the recipe (no training)")
    parser.set_defaults(func=run)
    return parser


def parse_config(items: list[str]) -> dict | None:
    """KEY=VALUE pairs; values are read as JSON numbers/booleans where they parse, else kept as text."""
    config = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise StabviewError(f"--config takes KEY=VALUE, got '{item}'")
        try:
            config[key] = json.loads(value)
        except ValueError:
            config[key] = value
    return config or None


def run(args) -> int:
    from ..training.loop import default_checkpoint_dir, refresh_card, train  # noqa: PLC0415 - not for the app

    if args.refresh_card:
        card = refresh_card(args.name, args.out)
        print(f"refreshed the notes and attack preset of {card.name}'s card")
        return 0
    resume = args.resume
    if resume is True:
        resume = (args.checkpoint_dir or default_checkpoint_dir(args.name)) / "checkpoint.pt"
    config = parse_config(args.config)
    stop = []
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    try:
        result = train(args.name, iterations=args.iterations, minutes=args.minutes, steps=args.steps, seed=args.seed,
                       threads=args.threads, device=args.device, out=args.out, force=args.force,
                       checkpoint_dir=args.checkpoint_dir, checkpoint_every=args.checkpoint_every,
                       resume=pathlib.Path(resume) if resume else None, smoke=args.smoke or None, config=config,
                       augment=False if args.no_augment else None, track_gain=args.track_gain,
                       gain_images=args.gain_images, eval_images=args.eval_images, progress=not args.no_progress,
                       should_stop=lambda: bool(stop), export_only=args.export,
                       keep_gain_above=args.keep_gain_above)
    finally:
        signal.signal(signal.SIGTERM, previous)
    if not result.finished:
        return 0
    return 0 if result.passed else 3
