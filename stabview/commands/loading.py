"""What the test commands share: load the network, its operator, the image and the baseline."""

from __future__ import annotations

import argparse

import torch

from .common import add_runtime_flags


def add_network_flags(parser: argparse.ArgumentParser) -> None:
    """--network, --image and sampling overrides (default: the network's trained sampling)."""
    parser.add_argument("--network", default="deepmri", help="zoo name (see `stabview zoo`) or model file")
    parser.add_argument("--card", default=None, help="model card JSON for a model file (default: beside it)")
    parser.add_argument("--image", default="brain", help="sample name (see `stabview images`) or image file")
    parser.add_argument("--slice", type=int, default=None, help="slice of a 3-D image file")
    parser.add_argument("--rate", type=float, default=None, help="sampling rate (default: the trained one)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the compressed-sensing baseline")
    parser.add_argument("--baseline-iterations", type=int, default=None,
                        help="cap on baseline iterations (default: the preset's)")
    parser.add_argument("--out", default=None,
                        help="folder for result.json and the figures (made when they are written)")
    add_runtime_flags(parser)


def load_setup(args, device: torch.device):
    """(network, operator, image batch) after every compatibility check, before anything runs."""
    from ..data import load_image_or_sample
    from ..networks import zoo
    net = zoo.load(args.network, card=args.card) if args.card else zoo.load(args.network)
    net = net.to(device)
    op = net.default_operator(device)
    if args.rate is not None:
        op = op.with_rate(args.rate)
    kwargs = {} if args.slice is None else {"slice_index": args.slice}
    x = load_image_or_sample(args.image, op.image_shape, **kwargs)[None].to(device)
    net.check_compatible(op, x)
    return net, op, x


def baseline_for(args, progress=None):
    """The comparison method as a (y, op) → image callable, or None with --no-baseline."""
    if args.no_baseline:
        return None
    from ..baselines import reconstruct
    overrides = {} if args.baseline_iterations is None else {"max_iterations": args.baseline_iterations}

    def run(y, op):
        return reconstruct(op, y, **overrides).image
    return run
