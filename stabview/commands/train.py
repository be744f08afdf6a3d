"""`stabview train NAME`: reproducibly train a zoo network (seeded, iteration-budgeted, checkpointed)."""

from __future__ import annotations

import argparse
import pathlib


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "train", help="train a zoo network from its recipe",
        description="Train one of the zoo's networks on the shipped/generated data. The iteration "
                    "count is the budget (same seed and threads → same weights); --minutes only caps "
                    "wall time. Writes weights.safetensors + card.json with held-out PSNR/SSIM.")
    parser.add_argument("name", help="automap, dagan, deepmri, ell50, med50 or mrivn")
    parser.add_argument("--iterations", type=int, help="optimiser steps (default: the recipe's)")
    parser.add_argument("--minutes", type=float, help="stop after this many minutes even if steps remain")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1; fixes the bits)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--out", type=pathlib.Path, help="output folder (default resources/networks/NAME)")
    parser.add_argument("--checkpoint-dir", type=pathlib.Path, help="default: stabview-train-NAME in the temporary folder")
    parser.add_argument("--checkpoint-every", type=int, default=250)
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    parser.add_argument("--smoke", action="store_true", help="a few steps on tiny batches (for tests)")
    parser.add_argument("--eval-images", type=int, help="evaluate on only the first N held-out images")
    parser.add_argument("--refresh-card", action="store_true",
                        help="only rewrite the card's notes and attack preset from the recipe (no training)")
    parser.set_defaults(func=run)
    return parser


def run(args) -> int:
    from ..training.loop import refresh_card, train  # noqa: PLC0415 - training is not imported by the app

    if args.refresh_card:
        card = refresh_card(args.name, args.out)
        print(f"refreshed the notes and attack preset of {card.name}'s card")
        return 0

    command = " ".join(["stabview", "train", args.name]
                       + ([f"--iterations {args.iterations}"] if args.iterations else [])
                       + [f"--seed {args.seed}", f"--threads {args.threads}"]
                       + ([f"--device {args.device}"] if args.device != "cpu" else []))
    result = train(args.name, iterations=args.iterations, minutes=args.minutes, seed=args.seed,
                   threads=args.threads, device=args.device, out=args.out, checkpoint_dir=args.checkpoint_dir,
                   checkpoint_every=args.checkpoint_every, resume=args.resume, smoke=args.smoke,
                   eval_images=args.eval_images, command=command)
    return 0 if result.passed else 3
