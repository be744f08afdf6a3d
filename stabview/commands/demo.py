"""`stabview demo`: subsample a built-in image and show what a linear reconstruction loses.

This is the headless main job until the desktop window exists: it builds the sampling operator,
takes measurements, reconstructs with the warm start H (zero-filled A* for MRI, FBP for CT) and
reports PSNR/SSIM; with --out it writes the images as PNGs.
"""

from __future__ import annotations

import json

from .common import add_runtime_flags, apply_runtime, check_side, output_dir, output_files, say


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("demo", help="subsample an image and reconstruct it linearly (headless)",
                              description=__doc__.splitlines()[0])
    p.add_argument("--image", default="brain", help="sample name (see `stabview images`) or file")
    p.add_argument("--modality", choices=("fourier", "multicoil", "radon"), default="fourier")
    p.add_argument("--mask", default=None, help="mask kind (default: cartesian, or uniform-angles for radon)")
    p.add_argument("--rate", type=float, default=0.33, help="fraction of samples kept (default 0.33)")
    p.add_argument("--size", type=int, default=128, help="image side in pixels (default 128)")
    p.add_argument("--out", default=None, help="folder for PNGs and result.json")
    add_runtime_flags(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..data import load_image_or_builtin
    from ..experiment import Sampling
    from ..stability.metrics import psnr, ssim

    device = apply_runtime(args)
    out = output_dir(args.out)
    check_side(args.size)
    shape = (args.size, args.size)
    x = load_image_or_builtin(args.image, shape)[None].to(device)
    kind = args.mask or ("uniform-angles" if args.modality == "radon" else "cartesian")
    op = Sampling(args.modality, kind, args.rate, args.seed).operator(shape, device)
    x_op = op.check_image(x)
    x_lin = op.warm_start(op.forward(x_op))
    result = {"image": args.image, "operator": op.describe(),
              "psnr_linear": psnr(x_lin[0].cpu(), x_op[0].cpu()),
              "ssim_linear": ssim(x_lin[0].cpu(), x_op[0].cpu())}
    say(f"{args.image} at {op.rate:.1%} {op.modality} sampling: linear reconstruction "
        f"PSNR {result['psnr_linear']:.2f} dB, SSIM {result['ssim_linear']:.3f}")
    if out is not None:
        with output_files(out) as folder:     # all files or none, even on Ctrl-C
            from ..export import save_png
            save_png(x_op[0], folder / "original.png")
            save_png(x_lin[0], folder / "linear.png", vmax=float(x_op[0].abs().max()))
            (folder / "result.json").write_text(json.dumps(result, indent=2))
        say(f"wrote {out}/original.png, linear.png, result.json")
    print(json.dumps(result))
    return 0
