"""`stabview nullspace`: split the network's and the baseline's errors into measured and null-space parts."""

from __future__ import annotations

from .common import apply_runtime, output_dir, output_files, say
from .experiment_flags import add_network_flags, baseline_for, load_setup
from .progress import ProgressBar


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "nullspace", help="null-space maps: what the reconstruction got wrong where A cannot see",
        description="Split x̂ − x into the part the measurements see, P_R(x̂ − x), and the part in the "
                    "null space of A, P_N(x̂ − x), for the network and the baseline, on y = A x and, "
                    "with --perturbation, on y = A(x + r).")
    add_network_flags(p)
    p.add_argument("--perturbation", default=None,
                   help="NPZ with a perturbation r (e.g. arrays.npz of `stabview target` or `attack`); "
                        "FILE:KEY picks an array (default: 'r', else the last snapshot's r)")
    p.add_argument("--tolerance", type=float, default=None,
                   help="relative residual at which the CGLS projection stops (default: 1e-6)")
    p.add_argument("--max-iterations", type=int, default=None,
                   help="cap on CGLS iterations per projection (default: 500)")
    p.set_defaults(func=run)


def load_perturbation(spec: str):
    """r from an NPZ file (no pickles): FILE or FILE:KEY."""
    import re
    from pathlib import Path

    import numpy as np
    import torch

    from ..errors import StabviewError
    path, key = spec, None
    if not Path(spec).exists() and ":" in spec:
        path, key = spec.rsplit(":", 1)
    if not Path(path).is_file():
        raise StabviewError(f"--perturbation: no file '{path}'")
    try:
        with np.load(path, allow_pickle=False) as bundle:
            names = list(bundle.keys())
            if key is None:
                snaps = sorted((n for n in names if re.fullmatch(r"snapshot\d+_r", n)),
                               key=lambda n: int(n[8:-2]))
                key = "r" if "r" in names else (snaps[-1] if snaps else None)
            if key is None or key not in names:
                raise StabviewError(f"--perturbation: '{path}' has no array "
                                    f"{repr(key) if key else 'r'} (it has: {', '.join(names) or 'none'})")
            r = torch.from_numpy(np.array(bundle[key]))
    except (OSError, ValueError) as exc:
        raise StabviewError(f"--perturbation: cannot read '{path}' as NPZ: {exc}") from None
    if r.dim() == 3 and r.shape[0] == 1:
        r = r[0]
    if r.dim() != 2 or not (r.is_floating_point() or r.is_complex()):
        raise StabviewError(f"--perturbation: '{key}' must be one (H, W) image, "
                            f"got shape {tuple(r.shape)} {r.dtype}")
    if not bool(torch.isfinite(r).all()):
        raise StabviewError(f"--perturbation: '{key}' holds NaN or Inf values")
    return r, key


def run(args) -> int:
    from ..export import save_npz
    from ..stability.figures import save_figure
    from ..stability.nullspace import MAX_ITERATIONS, TOLERANCE, NullSpaceProjector, nullspace_test
    from ..stability.nullspace_figures import nullspace_figure, nullspace_overlays
    from ..stability.reports import versions, write_json

    device = apply_runtime(args)
    out = output_dir(args.out)
    net, op, x = load_setup(args, device)
    r, key = (None, None) if args.perturbation is None else load_perturbation(args.perturbation)
    projector = NullSpaceProjector(
        op, tolerance=TOLERANCE if args.tolerance is None else args.tolerance,
        max_iterations=MAX_ITERATIONS if args.max_iterations is None else args.max_iterations)
    recs = {"network": lambda y, o: net(y, o)}
    baseline = baseline_for(args)
    if baseline is not None:
        recs["baseline"] = baseline
    say(f"null-space maps of {net.card.name} on {args.image} ({op.modality}, {op.rate:.1%} sampling; "
        f"{'exact projection' if projector.exact else f'CGLS to {projector.tolerance:g}'})")
    bar = ProgressBar("nullspace")
    stage = {"done": 0, "total": 1}

    def on_stage(done, total, what):
        stage.update(done=done, total=total)
        bar.update(done, total, what)

    def on_solve(iteration, cap, residual):   # a CGLS solve can take minutes (15 coils at 128²)
        bar.update(stage["done"], stage["total"], f"CGLS {iteration}/{cap}, residual {residual:.1e}")

    projector.progress = on_solve
    outcome = nullspace_test(recs, op, x, r, projector=projector, progress=on_stage)
    bar.close()
    numbers = outcome.numbers()
    say(f"invisible part of x: ‖P_N x‖/‖x‖ = {numbers['truth_null_rel']:.2%}")
    for name in recs:
        for case, value in numbers["null_space_error_rel"][name].items():
            say(f"{name} ({case}): null-space error {value:.2%}, measured-part error "
                f"{numbers['range_error_rel'][name][case]:.2%}")
    solve = outcome.projection.get("last_solve", {})
    if solve and not solve.get("converged", True):
        say(f"note: the projection stopped at the iteration cap with relative residual "
            f"{solve['residual_rel']:.1e} (tolerance {projector.tolerance:g})")
    if out is not None:
        with output_files(out) as folder:     # all files or none, even on Ctrl-C
            write_json(folder / "result.json", {
                "test": "nullspace", "network": net.card.name, "image": args.image, "operator": op.describe(),
                **numbers, "perturbation": None if r is None else {"file": args.perturbation, "key": key},
                "projection": outcome.projection, "seed": args.seed, "versions": versions()})
            arrays = {"x": outcome.x, "truth_null": outcome.truth_null}
            if outcome.r is not None:
                arrays["r"] = outcome.r
            for case, by_name in outcome.splits.items():
                for name, split in by_name.items():
                    arrays[f"{name}_{case}"] = outcome.reconstructions[case][name]
                    arrays[f"{name}_{case}_measured_error"] = split.measured
                    arrays[f"{name}_{case}_null_error"] = split.null
            save_npz(folder / "arrays.npz", **arrays)
            title = f"{net.card.name} on {args.image}: measured and null-space errors"
            save_figure(nullspace_figure(outcome, title), folder / "nullspace.png")
            overlays = nullspace_overlays(outcome, f"{net.card.name}: null-space error in red")
            save_figure(overlays, folder / "overlay.png")
        say(f"wrote {out}/result.json, arrays.npz, nullspace.png, overlay.png")
    return 0
