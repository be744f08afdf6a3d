"""Forward and forward+backward time of each shipped network, and its GFLOP/s against a plain matmul.

For every zoo network at its trained shape and sampling: the median time of `net(y, op)` and of
forward + backward to y with frozen weights (what an attack step costs), the convolution and
matmul FLOPs counted by torch's FlopCounterMode (FFTs, Radon and activations are not counted, so
GFLOP/s is a lower bound), and the ratio of that rate to a 2048² fp32 matmul timed in the same
process. Timings interleave, so a busy machine slows all alike: compare ratios, not seconds.

    python benchmarks/networks.py [--threads 1] [--batch 1] [--repeats 7] [--networks deepmri,ell50]
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))   # run from a checkout


def median_time(fn, repeats: int) -> float:
    fn()                                              # warm-up (allocations, lazy matrices)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def matmul_gflops(repeats: int, n: int = 2048) -> float:
    a, b = torch.randn(n, n), torch.randn(n, n)
    return 2 * n ** 3 / median_time(lambda: a @ b, repeats) / 1e9


def counted_flops(fn) -> int:
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--networks", default=None, help="comma-separated names (default: the whole zoo)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    from stabview.networks import zoo

    names = args.networks.split(",") if args.networks else zoo.names()
    if not names:
        print("no shipped networks to benchmark", file=sys.stderr)
        return 1
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, batch {args.batch}")
    peak = matmul_gflops(args.repeats)
    print(f"plain matmul 2048² fp32: {peak:.1f} GFLOP/s\n")
    header = f"{'network':9} {'shape':8} {'params':>8} {'fwd ms':>8} {'fwd GF/s':>9} {'f+b ms':>8} " \
             f"{'f+b GF/s':>9} {'f+b/matmul':>10}"
    print(header)
    print("-" * len(header))
    for name in names:
        net = zoo.load(name).requires_grad_(False)
        op = net.default_operator()
        x = torch.rand(args.batch, *op.image_shape)
        y = op.forward(x.to(torch.complex64) if op.complex_images else x)

        def forward():
            with torch.no_grad():
                net(y, op)

        def forward_backward():
            u = y.detach().requires_grad_(True)
            net(u, op).abs().pow(2).sum().backward()

        flops_f, flops_fb = counted_flops(forward), counted_flops(forward_backward)
        t_f = median_time(forward, args.repeats)
        t_fb = median_time(forward_backward, args.repeats)
        rate_f, rate_fb = flops_f / t_f / 1e9, flops_fb / t_fb / 1e9
        print(f"{name:9} {op.image_shape[0]}×{op.image_shape[1]:<4} {net.n_parameters / 1e6:7.2f}M "
              f"{1e3 * t_f:8.1f} {rate_f:9.1f} {1e3 * t_fb:8.1f} {rate_fb:9.1f} {rate_fb / peak:10.2f}")
    print("\nGF/s counts convolutions and matmuls only (FFT, Radon, activations excluded).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
