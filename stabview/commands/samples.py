"""`stabview samples`: PSNR of network and baseline against the sampling rate (test 3)."""

from __future__ import annotations

from .common import apply_runtime, output_dir, output_files, say
from .experiment_flags import add_network_flags, baseline_for, load_setup
from .progress import ProgressBar

from ..experiment.settings import DEFAULT_RATES, DEFAULT_VIEWS, MoreSamplesSettings


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("samples", help="more samples: PSNR against the subsampling rate (test 3)",
                              description="Reconstruct from nested masks at several rates and plot the "
                                          "network's and the baseline's PSNR against the rate.")
    add_network_flags(p)
    p.add_argument("--rates", default=None, help=f"comma-separated rates (Fourier; default: {DEFAULT_RATES[0]:g} … "
                                                  f"{DEFAULT_RATES[-1]:g} + trained)")
    p.add_argument("--views", default=None, help="comma-separated numbers of views (Radon; default "
                                                  + ",".join(str(v) for v in DEFAULT_VIEWS) + ")")
    p.add_argument("--images", default=None, help="comma-separated sample names or files (default: the --image)")
    p.set_defaults(func=run)


def _numbers(text: str, kind):
    from ..errors import StabviewError
    try:
        return [kind(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise StabviewError(f"expected comma-separated numbers, got '{text}'") from None


def run(args) -> int:
    import torch

    from ..data import load_image_or_builtin
    from ..experiment.experiment import linear_name, linear_reconstructor, network_reconstructor
    from ..stability.reports import samples_figure, versions, write_json
    from ..stability.figures import save_figure
    from ..stability.samples import run_sweep

    device = apply_runtime(args)
    out = output_dir(args.out)
    net, op, x = load_setup(args, device)
    settings = MoreSamplesSettings(rates=tuple(_numbers(args.rates, float)) if args.rates else (),
                                   views=tuple(_numbers(args.views, int)) if args.views else ())
    rates = settings.rates_for(op, op.rate)
    names = args.images.split(",") if args.images else [args.image]
    images = torch.cat([load_image_or_builtin(n.strip(), op.image_shape)[None] for n in names]).to(device)
    recs = {"network": network_reconstructor(net)}
    baseline = baseline_for(args)
    if baseline is not None:
        recs["baseline"] = baseline
    recs[linear_name(op)] = linear_reconstructor
    bar = ProgressBar("samples")
    result = run_sweep(recs, op, images, rates, trained_rate=net.card.rate,
                       accepts_other_rates=net.card.accepts_other_rates, network_name=net.card.name,
                       progress=lambda d, t: bar.update(d, t))
    bar.close()
    summary = result.summary()
    for k, rate in enumerate(summary["rates"]):
        cells = "  ".join(f"{name} {summary[name]['psnr_mean'][k]:6.2f}" for name in recs)
        say(f"rate {rate:.3f}: PSNR {cells}")
    if out is not None:
        with output_files(out) as folder:     # all files or none, even on Ctrl-C
            write_json(folder / "result.json", {"test": "samples", "network": net.card.name, "images": names,
                                             "operator": op.describe(), "seed": args.seed, **summary,
                                             "versions": versions()})
            figure = samples_figure(summary, f"{net.card.name}: PSNR against the subsampling rate")
            save_figure(figure, folder / "samples.png")
            save_figure(figure, folder / "samples.pdf")
        say(f"wrote {out}/result.json, samples.png, samples.pdf")
    return 0
