"""`stabview zoo`: list the shipped networks with their trained sampling and held-out quality."""

from __future__ import annotations

import argparse
import json
import pathlib


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("zoo", help="list the built-in networks and their model cards",
                                   description="List the shipped networks: modality, shape, trained "
                                               "sampling, and held-out PSNR/SSIM of network and input.")
    parser.add_argument("name", nargs="?", help="show this network's full model card; for a model file, the "
                                                "report of `stabview inspect`")
    parser.add_argument("--json", action="store_true", help="print the cards as JSON")
    parser.set_defaults(func=run)
    return parser


def _row(card) -> list[str]:
    mask = card.mask
    sampling = f"{mask['kind']} {card.rate:.1%}"
    if card.modality == "radon":
        sampling = f"{round(card.rate * card.n_full)} of {card.n_full} views"
    return [card.name, card.modality + (f" ×{card.n_coils}" if card.n_coils else ""),
            f"{card.image_shape[0]}×{card.image_shape[1]}", sampling,
            "yes" if card.accepts_other_rates else "no",
            f"{card.psnr_network:.2f}" if card.psnr_network is not None else "—",
            f"{card.psnr_input:.2f}" if card.psnr_input is not None else "—",
            f"{card.ssim_network:.3f}" if card.ssim_network is not None else "—",
            f"{card.ssim_input:.3f}" if card.ssim_input is not None else "—"]


def format_table(cards) -> str:
    header = ["name", "modality", "shape", "trained sampling", "other rates", "PSNR net", "PSNR input",
              "SSIM net", "SSIM input"]
    rows = [header] + [_row(c) for c in cards]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run(args) -> int:
    from ..networks import zoo  # noqa: PLC0415 - keep `stabview --help` fast

    if args.name and args.name not in zoo.names() and pathlib.Path(args.name).is_file():
        from .inspect import print_report  # noqa: PLC0415
        return print_report(args.name, as_json=args.json)
    if args.name:
        card = zoo.card_of(args.name)
        print(json.dumps(card.to_dict(), indent=2))
        return 0
    cards = list(zoo.cards().values())
    if args.json:
        print(json.dumps([c.to_dict() for c in cards], indent=2))
        return 0
    if not cards:
        print(f"no networks found in {zoo.zoo_dir()}: train one with `stabview train NAME`, or point "
              "STABVIEW_RESOURCES (or STABVIEW_ZOO) at a folder that has them")
        return 1
    print(format_table(cards))
    print("\nPSNR/SSIM: mean over held-out images at the trained sampling (input = zero-filled A*y or FBP). "
          "`stabview zoo NAME` shows a full card.")
    return 0
