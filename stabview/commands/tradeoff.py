"""`stabview tradeoff CHECKPOINTS... --card CARD --out DIR`: accuracy against linearised gain, per checkpoint."""

from __future__ import annotations

import argparse
import pathlib

from .common import add_runtime_flags, apply_runtime, say


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "tradeoff", help="held-out PSNR/SSIM against the linearised gain for a sequence of checkpoints",
        description="For each checkpoint (a `stabview train` checkpoint.pt, or any model file the "
                    "--network flag takes) measure held-out PSNR/SSIM at the card's sampling and the "
                    "linearised gain on a few held-out images; write tradeoff.json and tradeoff.png.")
    parser.add_argument("checkpoints", nargs="+", type=pathlib.Path, metavar="CHECKPOINT")
    parser.add_argument("--card", help="a zoo name or a card.json (default for training checkpoints: the "
                                       "recipe's card with the run's levers)")
    parser.add_argument("--images", nargs="+", metavar="IMAGE",
                        help="images to measure on (default: the recipe's held-out set for a zoo network)")
    parser.add_argument("--gain-images", type=int, default=2, help="images for the gain (default 2)")
    parser.add_argument("--gain-iterations", type=int, default=30, help="power iterations (default 30)")
    parser.add_argument("--out", type=pathlib.Path, required=True, help="folder for tradeoff.json/png")
    add_runtime_flags(parser)
    parser.set_defaults(func=run)
    return parser


def run(args) -> int:
    from ..training.tradeoff import curve_of_checkpoints, write_curve  # noqa: PLC0415

    device = apply_runtime(args)

    def show(done: int, total: int, p: dict) -> None:
        say(f"[{done}/{total}] {p['file']}: iteration {p['label']}, held-out PSNR {p['psnr']:.2f} dB, "
            f"SSIM {p['ssim']:.3f}, linearised gain {p['gain']:.2f}")

    points = curve_of_checkpoints(args.checkpoints, args.card, images=args.images, gain_images=args.gain_images,
                                  gain_iterations=args.gain_iterations, device=device, progress=show)
    title = f"{args.card or 'checkpoints'}: accuracy against linearised gain"
    path = write_curve(args.out, points, title=title, about={"checkpoints": [str(p) for p in args.checkpoints]})
    say(f"wrote {path} and {path.with_suffix('.png')}")
    return 0
