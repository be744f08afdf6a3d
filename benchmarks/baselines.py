"""Speed of the comparison method, measured in one run: time to tolerance and cost per iteration.

    python benchmarks/baselines.py [--threads 1] [--sizes 128,256]

For each size: a brain slice, 25% Cartesian (Deep-MRI-style) sampling, the tuned Fourier preset
with 33 shearlet filters (directions [1 1 2]) and with the paper's [1 2 2] (41 filters), and a
plain TV split Bregman solve (no shearlets, no reweighting) run to the same tolerance. Prints
time to tolerance, iterations, PSNR, the median seconds per iteration, and the FFT-bound cost:
the number of FFTs one iteration does × the median time of one FFT of that size, timed in the
same process just before and after each solve (timings drift with machine load; compare ratios
within one run).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from stabview.baselines import reconstruct
from stabview.data import load_builtin_image
from stabview.operators import FourierOperator, MaskSpec
from stabview.stability.metrics import psnr


def fft_seconds(size: int, repeats: int = 400) -> float:
    """Median wall time of one complex64 `fft2(norm='ortho')` of a size² image."""
    a = torch.randn(size, size, dtype=torch.complex64)
    for _ in range(20):
        torch.fft.fft2(a, norm="ortho")
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        torch.fft.fft2(a, norm="ortho")
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def timed_solve(op, y, x, **overrides) -> dict:
    stamps = []
    result = reconstruct(op, y, progress=lambda i, n, info: stamps.append(time.perf_counter()),
                         **overrides)
    steps = [b - a for a, b in zip(stamps, stamps[1:])]
    return {"seconds": result.seconds, "iterations": result.iterations, "stopped_by": result.stopped_by,
            "psnr": psnr(result.image[0], x[0]), "per_iteration": statistics.median(steps) if steps else 0.0,
            "ffts": result.params.get("ffts_per_iteration"), "filters": result.params.get("filters")}


def bench(size: int) -> None:
    x = load_builtin_image("brain", (size, size))[None]
    op = FourierOperator.from_spec((size, size), MaskSpec("cartesian", 0.25))
    y = op.forward(x)
    print(f"\n{size}×{size}, 25% cartesian, brain (zero-filled {psnr(op.adjoint(y)[0], x[0]):.2f} dB)")
    runs = {
        "shearlet-TV, 33 filters [1 1 2]": {"directions": (1, 1, 2)},
        "shearlet-TV, 41 filters [1 2 2] (preset)": {},
        "plain TV (no shearlets, no reweighting)": {"shearlets": False, "tv_eps": None,
                                                    "reweight_every": 0},
    }
    reconstruct(op, y, max_iterations=3)                  # warm-up: allocations, filter banks
    for label, overrides in runs.items():
        before = fft_seconds(size)
        r = timed_solve(op, y, x, **overrides)
        one_fft = 0.5 * (before + fft_seconds(size))
        line = (f"  {label:42s} {r['seconds']:6.2f} s to tolerance ({r['iterations']} it, "
                f"{r['stopped_by']}), PSNR {r['psnr']:.2f} dB, {1e3 * r['per_iteration']:.2f} ms/it")
        if r["ffts"]:
            bound = r["ffts"] * one_fft
            line += (f"; FFT-bound {r['ffts']} × {1e3 * one_fft:.3f} ms = {1e3 * bound:.2f} ms, "
                     f"ratio {r['per_iteration'] / bound:.2f}")
        print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--sizes", default="128,256", help="comma-separated image sides")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    for size in (int(s) for s in args.sizes.split(",")):
        bench(size)


if __name__ == "__main__":
    main()
