"""`stabview inspect FILE [--card CARD]`: what a network file is and whether its card fits it.

Prints the inspection report (format, operators or layers, parameters, the card's facts, a timed
run on the card's input shape, the output's range on a built-in image, and any problem in plain
words). Exit code 0 when no problem was found, 2 when the report lists one or the file cannot
be read as a model.
"""

from __future__ import annotations

import argparse
import json

from ..runtime import set_threads


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "inspect", help="check a model file (or zoo network) against its card",
        description="Report a network's format, operators or layers, parameter count and card, run it on the "
                    "card's input shape and on a built-in image, and say in plain words what does not fit.")
    parser.add_argument("network", help="model file (TorchScript, ONNX, safetensors) or zoo name")
    parser.add_argument("--card", default=None, help="model card JSON (default: beside the model file)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: cores − 1)")
    parser.set_defaults(func=run)
    return parser


def print_report(target: str, card=None, *, as_json: bool = False) -> int:
    """Print the report on `target`; 0 when it lists no problem, 2 otherwise."""
    from ..networks.inspection import inspect_network  # noqa: PLC0415 - keep `stabview --help` fast
    report = inspect_network(target, card)
    print(json.dumps(report.to_dict(), indent=2) if as_json else report.to_text())
    return 0 if report.ok else 2


def run(args) -> int:
    set_threads(args.threads)
    return print_report(args.network, args.card, as_json=args.json)
