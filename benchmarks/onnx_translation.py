"""Cost of running a user's network through stabview's ONNX translation instead of TorchScript.

A U-Net like the users' (instance norm, reflection padding, pooling, bilinear upsampling,
transposed convolution, skips; base 16 channels) is exported both ways and loaded through
stabview; forward + backward to the measurements is timed for each, interleaved in one process,
median of repeats. The target is a ratio near 1: the translation evaluates the graph node by node
in Python, and that overhead must stay small next to the convolutions.

    python benchmarks/onnx_translation.py --size 128 --threads 1
"""

from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import sys
import tempfile
import time
import warnings

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "networks"))


def step(net, op, y):
    u = y.detach().requires_grad_(True)
    out = net(u, op)
    (g,) = torch.autograd.grad(out.abs().pow(2).sum(), u)
    return g


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--base", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch threads: {torch.get_num_threads()}")

    from test_onnx_networks import TinyUNet  # the test's U-Net, at a realistic width

    from stabview.networks.model_files import load_model_file

    card = {"name": "bench-unet", "modality": "fourier", "image_shape": [args.size, args.size],
            "mask": {"kind": "cartesian", "rate": 0.33, "seed": 0, "options": {}}, "rate": 0.33,
            "accepts_other_rates": True, "input_convention": "warm_start_channels", "output_convention": "channels"}
    torch.manual_seed(0)
    module = TinyUNet(base=args.base).eval()
    x = torch.randn(2, 2, args.size, args.size)
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        folder = pathlib.Path(folder)
        torch.jit.trace(module, x, check_trace=False).save(str(folder / "unet.pt"))
        torch.onnx.export(module, (x,), str(folder / "unet.onnx"), dynamo=False, opset_version=17,
                          input_names=["x"], dynamic_axes={"x": {0: "b"}})
        for name in ("unet.json",):
            (folder / name).write_text(json.dumps(card))
        scripted = load_model_file(folder / "unet.pt")
        translated = load_model_file(folder / "unet.onnx")
    op = scripted.default_operator()
    y = op.forward(torch.rand(1, args.size, args.size).to(torch.complex64))
    for net in (scripted, translated):
        step(net, op, y)                                   # warm-up
    times = {"torchscript": [], "onnx": []}
    for _ in range(args.repeats):
        for label, net in (("torchscript", scripted), ("onnx", translated)):
            start = time.perf_counter()
            step(net, op, y)
            times[label].append(time.perf_counter() - start)
    ts, ox = (statistics.median(times[k]) for k in ("torchscript", "onnx"))
    print(f"U-Net base {args.base} at {args.size}², forward + backward: TorchScript {ts * 1000:.1f} ms, "
          f"translated ONNX {ox * 1000:.1f} ms, ratio {ox / ts:.2f}")


if __name__ == "__main__":
    main()
