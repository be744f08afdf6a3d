"""What the test commands share: the experiment their flags describe, built into (f, A, x)."""

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


def experiment_from_args(args):
    """The `Experiment` the flags describe (the network's trained sampling unless --rate)."""
    from ..experiment import Experiment, ImageRef, NetworkRef
    return Experiment(NetworkRef.parse(args.network, args.card), ImageRef(args.image, args.slice))


def build_setup(args, device: torch.device):
    """The built experiment (`Setup`: net, op, x) after every compatibility check."""
    experiment = experiment_from_args(args)
    setup = experiment.build(device)
    if args.rate is not None:
        experiment = experiment.with_(sampling=setup.sampling.with_(rate=float(args.rate)))
        setup = experiment.build(device, net=setup.net)
    return setup


def load_setup(args, device: torch.device):
    """(network, operator, image batch) of `build_setup`."""
    setup = build_setup(args, device)
    return setup.net, setup.op, setup.x


def baseline_for(args, should_stop=None):
    """The comparison method as a (y, op) → image callable, or None with --no-baseline."""
    if args.no_baseline:
        return None
    from ..experiment.experiment import baseline_reconstructor
    return baseline_reconstructor(max_iterations=args.baseline_iterations, should_stop=should_stop)
