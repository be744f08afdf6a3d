"""`stabview details`: add a small structural detail and see whether it survives (test 2)."""

from __future__ import annotations


from .common import apply_runtime, output_dir, output_files, say
from .experiment_flags import add_network_flags, baseline_for, load_setup


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("details", help="small structural change: is the detail recovered? (test 2)",
                              description="Stamp a card symbol or text into the image and compare how "
                                          "the network and the baseline reconstruct it.")
    add_network_flags(p)
    what = p.add_mutually_exclusive_group()
    what.add_argument("--symbol", choices=("spade", "heart", "diamond", "club"), default=None,
                      help="card symbol to stamp (default, when --text is not given: heart)")
    what.add_argument("--text", default=None, help='text to stamp instead of a symbol ("" stamps "CAN U SEE IT")')
    p.add_argument("--position", default=None, help="row,col of the detail's centre (default: image centre)")
    p.add_argument("--size", type=int, default=None,
                   help="glyph height in pixels (default: 1/8 of the image side for a symbol, 1/16 for text)")
    p.add_argument("--intensity", type=float, default=0.5, help="detail intensity (default 0.5)")
    p.set_defaults(func=run)


def make_detail(args, shape):
    from ..errors import StabviewError
    from ..stability.details import DEFAULT_TEXT, Detail
    h, w = shape
    if args.position:
        try:
            row, col = (float(v) for v in args.position.split(","))
        except ValueError:
            raise StabviewError(f"--position takes row,col, got '{args.position}'") from None
    else:
        row, col = h / 2, w / 2
    if args.text is not None:
        return Detail("text", args.text or DEFAULT_TEXT, (row, col), args.size or max(6, h // 16),
                      args.intensity)
    return Detail("symbol", args.symbol or "heart", (row, col), args.size or max(6, h // 8), args.intensity)


def run(args) -> int:
    from ..stability.details import structural_test
    from ..stability.figures import image_grid, save_figure
    from ..stability.reports import versions, write_json
    from ..experiment.experiment import network_reconstructor
    from ..export import save_npz

    device = apply_runtime(args)
    out = output_dir(args.out)
    net, op, x = load_setup(args, device)
    detail = make_detail(args, op.image_shape)
    d = detail.render(op.image_shape)
    recs = {"network": network_reconstructor(net)}
    baseline = baseline_for(args)
    if baseline is not None:
        recs["baseline"] = baseline
        say("reconstructing with the network and the compressed-sensing baseline ...")
    found = structural_test(recs, op, x, d)
    result = {"test": "details", "network": net.card.name, "image": args.image, "operator": op.describe(),
              "detail": detail.to_dict(), "seed": args.seed, "versions": versions()}
    result["measures"] = {}
    for name, entry in found.items():
        m = entry["measure"]
        result["measures"][name] = m.to_dict()
        say(f"{name}: {m.verdict} (correlation {m.correlation:.2f}, contrast {m.contrast:.2f})")
    if out is not None:
        with output_files(out) as folder:     # all files or none, even on Ctrl-C
            write_json(folder / "result.json", result)
            x_d = (x[0].cpu() + d)
            rows = [("input", [("x", x[0].cpu()), ("x + d", x_d), ("d", d)])]
            arrays = {"x": x[0], "detail": d}
            for name, entry in found.items():
                w, wo = entry["with"][0].cpu(), entry["without"][0].cpu()
                recovered = (w.abs() - wo.abs()).clamp_min(0)
                rows.append((name, [(f"{name}(Ax)", wo), (f"{name}(A(x+d))", w),
                                    (f"recovered detail: {entry['measure'].verdict}", recovered)]))
                arrays[f"{name}_with"], arrays[f"{name}_without"] = w, wo
            title = f"{net.card.name}: {detail.kind} '{detail.content}'"
            save_figure(image_grid(rows, title=title), folder / "details.png")
            save_npz(folder / "arrays.npz", **arrays)
        say(f"wrote {out}/result.json, details.png, arrays.npz")
    return 0
