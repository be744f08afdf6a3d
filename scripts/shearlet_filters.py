"""Draw the shearlet filter bank of the Fourier preset: docs/img/shearlet_filters.png.

    python scripts/shearlet_filters.py [--size 128] [--out docs/img/shearlet_filters.png]

One row per scale (low-pass first): the frequency responses ψ̂_j (zero frequency in the
middle), then one row of spatial kernels (real part, centred, zoomed) for the finest scale.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from stabview.baselines.shearlets import shearlet_filters
from stabview.stability.figures import image_grid, save_figure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--scales", type=int, default=3)
    parser.add_argument("--directions", default="1,2,2")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "docs/img/shearlet_filters.png"))
    args = parser.parse_args()
    directions = tuple(int(d) for d in args.directions.split(","))
    bank = shearlet_filters((args.size, args.size), args.scales, directions)
    shown = torch.fft.fftshift(bank, dim=(-2, -1))
    counts = [1] + [2 ** (d + 2) for d in directions]
    rows, start = [], 0
    for scale, count in enumerate(counts):
        cells = [(f"{start + k}", shown[start + k]) for k in range(count)]
        rows.append(("low" if scale == 0 else f"s{scale}", cells, "each"))
        start += count
    finest = bank[-counts[-1]:]
    kernels = torch.fft.fftshift(torch.fft.ifft2(finest.to(torch.complex128)).real, dim=(-2, -1))
    c, half = args.size // 2, 12
    rows.append(("ψ", [(f"{len(bank) - counts[-1] + k}", kernels[k, c - half:c + half, c - half:c + half].abs())
                       for k in range(counts[-1])], "each"))
    title = (f"shearlet filters, {args.size}², {args.scales} scales, directions {list(directions)}: "
             f"{len(bank)} filters, Σ ψ̂² = 1")
    figure = image_grid(rows, cell=56, title=title)
    out = save_figure(figure, args.out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
