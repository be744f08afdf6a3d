"""`stabview baseline`: the comparison method on one image, with its numbers and pictures.

Simulates measurements y = A x of a sample or image file (noise-free), reconstructs with
`baselines.reconstruct` and writes into --out: `result.json` (psnr_baseline, psnr_zero_filled or
psnr_fbp, ssim, iterations, time, parameters), `baseline.png`, `reference.png`,
`zero_filled.png` (or `fbp.png`), `panels.png` (the three side by side), `objective.png` (the
objective per iteration) and `baseline.npz` (arrays).
"""

from __future__ import annotations

import math

from .common import apply_runtime, check_side, output_dir, output_files, say
from .progress import ProgressBar

MODALITIES = ("fourier", "multicoil", "radon")
DEFAULT_MASK = {"fourier": "cartesian", "multicoil": "equispaced", "radon": "uniform-angles"}


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "baseline", help="reconstruct with the comparison method (shearlet-TGV / ℓ1-wavelet)",
        description="Sample an image, reconstruct it with the paper's comparison method and report "
                    "its PSNR next to the zero-filled (or FBP) image.")
    p.add_argument("--image", default="brain", help="sample name or image file (default: brain)")
    p.add_argument("--modality", choices=MODALITIES, default="fourier",
                   help="fourier (single coil, default), multicoil (15 coils) or radon")
    p.add_argument("--rate", type=float, default=None,
                   help="sampling rate for Fourier modalities (default: 0.25, multicoil 0.15)")
    p.add_argument("--mask", default=None,
                   help="mask kind (default: cartesian; multicoil equispaced; radon uniform-angles)")
    p.add_argument("--views", type=int, default=50, help="Radon: views kept of 1000 (default: 50)")
    p.add_argument("--size", type=int, default=128, help="image side in pixels (default: 128)")
    p.add_argument("--iterations", type=int, default=None, help="maximum iterations (default: preset's)")
    p.add_argument("--preset", default=None, help="parameter preset (default: by modality)")
    p.add_argument("--out", default=None, help="folder for result.json, PNGs and NPZ")
    p.add_argument("--device", default="cpu", help="cpu or cuda (default: cpu)")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: cores − 1)")
    p.add_argument("--seed", type=int, default=0, help="mask seed (default: 0)")
    p.set_defaults(func=run)


def build_operator(args, device):
    """The operator the flags describe (built by the experiment model's `Sampling`)."""
    from ..errors import MaskError
    from ..experiment import Sampling

    kind = args.mask or DEFAULT_MASK[args.modality]
    if args.modality == "radon":
        if args.views < 1 or args.views > 1000:
            raise MaskError(f"--views must be between 1 and 1000, got {args.views}")
        return Sampling("radon", kind, args.views / 1000, args.seed).operator((args.size, args.size), device)
    rate = args.rate if args.rate is not None else (0.15 if args.modality == "multicoil" else 0.25)
    options = {}
    if args.modality == "multicoil" and kind == "equispaced":
        # 28 centre lines at 256 phase encodes (the MRI-VN setting), proportionally fewer below
        options["centre_lines"] = max(2, round(28 * args.size / 256))
    return Sampling(args.modality, kind, rate, args.seed, options).operator((args.size, args.size), device)


def run(args) -> int:
    import torch

    from ..baselines import reconstruct
    from ..data import load_image_or_builtin
    from ..export import save_npz, save_png
    from ..stability.figures import display_name, image_grid, line_plot, save_figure
    from ..stability.metrics import psnr, ssim
    from ..stability.reports import versions, write_json

    device = apply_runtime(args)
    out = output_dir(args.out)
    check_side(args.size)
    op = build_operator(args, device)
    x = load_image_or_builtin(args.image, op.image_shape)[None].to(device)
    y = op.forward(x)
    start = op.warm_start(y)
    linear = "fbp" if op.modality == "radon" else "zero_filled"
    overrides = {} if args.iterations is None else {"max_iterations": args.iterations}
    bar = ProgressBar("baseline")

    def progress(iteration, total, info):
        bar.update(iteration, total, f"objective {info['objective'][0]:.4g}")

    result = reconstruct(op, y, args.preset, progress=progress, **overrides)
    bar.update(result.iterations, result.iterations)
    bar.close()
    image = result.image[0].cpu()
    truth, first = x[0].cpu(), start[0].cpu()
    numbers = {
        "psnr_baseline": psnr(image, truth), f"psnr_{linear}": psnr(first, truth),
        "ssim_baseline": ssim(image, truth), f"ssim_{linear}": ssim(first, truth),
    }
    say(f"baseline ({result.method}): PSNR {numbers['psnr_baseline']:.2f} dB, "
        f"{'FBP' if linear == 'fbp' else 'zero-filled'} {numbers[f'psnr_{linear}']:.2f} dB; "
        f"{result.iterations} iterations ({result.stopped_by}) in {result.seconds:.1f} s")
    if out is not None:
        with output_files(out) as folder:     # all files or none, even on Ctrl-C
            write_json(folder / "result.json", {
                "test": "baseline", "image": args.image, "operator": op.describe(), **numbers,
                **result.summary(), "objective": [row[0] for row in result.objective],
                "relative_change": result.relative_change, "versions": versions()})
            save_png(image, folder / "baseline.png", vmax=float(truth.abs().max()))
            save_png(truth, folder / "reference.png")
            save_png(first, folder / f"{linear}.png", vmax=float(truth.abs().max()))
            label = "FBP" if linear == "fbp" else "zero-filled"
            panels = image_grid([("", [("reference", truth), (f"{label} {numbers[f'psnr_{linear}']:.1f} dB", first),
                                       (f"baseline {numbers['psnr_baseline']:.1f} dB", image)])],
                                title=f"{display_name(args.image)}: {result.method}")
            save_figure(panels, folder / "panels.png")
            values = [math.log10(max(v[0], 1e-300)) for v in result.objective]
            curve = line_plot(list(range(1, len(values) + 1)), {"objective": (values, None)},
                              xlabel="iteration", ylabel="log10 objective", title="objective per iteration")
            save_figure(curve, folder / "objective.png")
            save_npz(folder / "baseline.npz", baseline=result.image.cpu(), reference=x.cpu(),
                     **{linear: start.cpu()}, objective=torch.tensor([v[0] for v in result.objective]))
        say(f"wrote {out}/result.json, baseline.png, reference.png, {linear}.png, panels.png, objective.png, "
            "baseline.npz")
    return 0
