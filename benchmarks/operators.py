"""Time the sampling operators against their references and print the ratios.

Radon: our sparse-matrix transform against `skimage.transform.radon` (forward) and
`iradon(filter_name=None)` (back-projection), at 128² and 256² with 50 and 1000 of 1000 views,
plus the time and memory to build the matrices. Fourier: `FourierOperator` against a bare
`torch.fft.fft2`. Each time is the median of several runs; ours and the reference alternate,
so a busy machine slows both alike (compare ratios, not absolute times, across runs).

    python benchmarks/operators.py [--threads 1] [--batch 1] [--repeats 5]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

try:
    import stabview  # noqa: F401
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import torch


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median_pair(ours, reference, repeats: int, budget_s: float = 4.0) -> tuple[float, float]:
    """Median seconds of `ours` and `reference`, run alternately (at least 3 times each)."""
    ours()
    a, b = [], []
    started = time.perf_counter()
    for i in range(repeats):
        a.append(timed(ours))
        b.append(timed(reference))
        if i >= 2 and time.perf_counter() - started > budget_s:
            break
    return statistics.median(a), statistics.median(b)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def radon_table(batch: int, repeats: int) -> None:
    from skimage.data import shepp_logan_phantom
    from skimage.transform import iradon, radon, resize

    from stabview.operators import MaskSpec, RadonOperator
    from stabview.operators.radon_matrix import clear_cache

    print("\nRadon, parallel beam, n_full = 1000 (times in ms, median; ratio = skimage / ours)")
    head = (f"{'image':>7} {'views':>5} {'kind':>7} | {'build s':>7} {'matrices MB':>11} {'RSS +MB':>7} | "
            f"{'forward':>8} {'skimage':>8} {'ratio':>6} | {'adjoint':>8} {'iradon':>8} {'ratio':>6} | "
            f"{'rel. diff':>9}")
    print(head)
    print("-" * len(head))
    cases = [(128, "uniform-angles", 0.05), (128, "uniform-angles", 1.0),
             (256, "uniform-angles", 0.05), (256, "uniform-angles", 1.0), (256, "golden-angles", 0.05)]
    for n, kind, rate in cases:
        clear_cache()
        image = resize(shepp_logan_phantom(), (n, n), anti_aliasing=True)
        op = RadonOperator.from_spec((n, n), MaskSpec(kind, rate))
        theta = np.rad2deg(op.angles.numpy())
        x = torch.from_numpy(image).float().expand(batch, n, n).contiguous()

        rss_before = peak_rss_mb()
        build = timed(op.prepare)
        rss_growth = peak_rss_mb() - rss_before

        y = op.forward(x)
        t_fwd, t_radon = median_pair(lambda: op.forward(x),
                                     lambda: [radon(image, theta, circle=False) for _ in range(batch)],
                                     repeats)
        sinogram = radon(image, theta, circle=False)
        t_adj, t_iradon = median_pair(
            lambda: op.adjoint(y),
            lambda: [iradon(sinogram, theta, circle=False, output_size=n, filter_name=None)
                     for _ in range(batch)],
            repeats)
        diff = np.linalg.norm(y[0].numpy() - sinogram.T) / np.linalg.norm(sinogram)
        label = "uniform" if kind == "uniform-angles" else "golden"
        print(f"{n:>4}²   {op.n_views:>5} {label:>7} | {build:>7.2f} {op.matrix_bytes / 1e6:>11.0f} "
              f"{rss_growth:>7.0f} | {t_fwd * 1e3:>8.2f} {t_radon * 1e3:>8.1f} {t_radon / t_fwd:>6.1f} | "
              f"{t_adj * 1e3:>8.2f} {t_iradon * 1e3:>8.1f} {t_iradon / t_adj:>6.1f} | {diff:>9.2e}")
    print("rel. diff: ‖ours − skimage radon‖ / ‖skimage radon‖ on the Shepp-Logan phantom. "
          "RSS +MB: growth of the process's peak memory while building (0 if below an earlier peak).")


def fourier_table(batch: int, repeats: int) -> None:
    try:
        from stabview.operators.fourier import FourierOperator
    except ImportError:
        print("\nFourier: stabview.operators.fourier is not there yet; skipped")
        return
    from stabview.operators import MaskSpec

    print("\nFourier, single coil, complex64 (times in ms, median; overhead = ours / bare fft2)")
    head = (f"{'image':>7} | {'forward':>8} {'adjoint':>8} {'fft2':>8} | "
            f"{'fwd overhead':>12} {'adj overhead':>12}")
    print(head)
    print("-" * len(head))
    for n in (128, 256):
        op = FourierOperator(MaskSpec("cartesian", 0.25).build((n, n)))
        x = torch.randn(batch, n, n, dtype=torch.complex64)
        y = op.forward(x)
        t_fwd, t_fft = median_pair(lambda: op.forward(x), lambda: torch.fft.fft2(x), 5 * repeats)
        t_adj, _ = median_pair(lambda: op.adjoint(y), lambda: None, 5 * repeats)
        print(f"{n:>4}²   | {t_fwd * 1e3:>8.3f} {t_adj * 1e3:>8.3f} {t_fft * 1e3:>8.3f} | "
              f"{t_fwd / t_fft:>12.2f} {t_adj / t_fft:>12.2f}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--batch", type=int, default=1, help="images per call (default 1)")
    parser.add_argument("--repeats", type=int, default=5, help="runs per timing (median)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    import skimage
    print(f"torch threads: {torch.get_num_threads()}   batch: {args.batch}   repeats: {args.repeats}   "
          f"torch {torch.__version__}   scikit-image {skimage.__version__}")
    radon_table(args.batch, args.repeats)
    fourier_table(args.batch, args.repeats)


if __name__ == "__main__":
    main()
