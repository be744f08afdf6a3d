"""`stabview target`: a small r that makes the network show a false detail (add) or lose a real one (remove)."""

from __future__ import annotations

from .common import apply_runtime, output_dir, output_files, say
from .details import make_detail
from .experiment_flags import add_network_flags, baseline_for, load_setup
from .progress import ProgressBar


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "target", help="targeted attack: make the network show a false detail or lose a real one",
        description="Search ‖r‖ ≤ ε‖x‖ for r that makes the network show the detail d although x "
                    "lacks it (--mode add: minimise ‖f(A(x + r)) − (f(Ax) + d)‖), or erase d from "
                    "x + d (--mode remove: minimise ‖f(A(x + d + r)) − f(Ax)‖); judge d in the "
                    "network's and the baseline's outputs on the same r.")
    add_network_flags(p)
    p.add_argument("--mode", choices=("add", "remove"), required=True,
                   help="add: false feature; remove: missing feature")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--symbol", choices=("spade", "heart", "diamond", "club"), default=None,
                      help="the detail d (default: heart)")
    what.add_argument("--text", default=None, help="text as the detail d instead of a symbol")
    p.add_argument("--position", default=None, help="row,col of the detail's centre (default: image centre)")
    p.add_argument("--size", type=int, default=None, help="glyph height in pixels (default: 1/8 of the image)")
    p.add_argument("--intensity", type=float, default=0.5, help="detail intensity (default 0.5)")
    p.add_argument("--budget", type=float, default=0.02, help="ε: ‖r‖ ≤ ε‖x‖ (default 0.02)")
    p.add_argument("--iterations", type=int, default=100, help="search steps at most (default 100)")
    p.add_argument("--step", type=float, default=0.1,
                   help="first step as a fraction of the ball's radius (default 0.1)")
    p.add_argument("--complex", action="store_true", help="complex perturbation for MRI images")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..export import save_npz
    from ..stability.figures import line_plot, save_figure
    from ..stability.nullspace_figures import target_figure
    from ..stability.reports import versions, write_json
    from ..stability.targeted import TargetSettings, run_targeted

    settings = TargetSettings(args.mode, args.budget, args.iterations, step=args.step,
                              complex_perturbation=args.complex, seed=args.seed)
    device = apply_runtime(args)
    out = output_dir(args.out)
    net, op, x = load_setup(args, device)
    detail = make_detail(args, op.image_shape)
    d = detail.render(op.image_shape)
    feature = "false" if args.mode == "add" else "missing"
    say(f"{feature} feature: {detail.kind} '{detail.content}' on {net.card.name} / {args.image}, "
        f"‖r‖ ≤ {args.budget:g}‖x‖, up to {args.iterations} steps")
    bar = ProgressBar("target")

    def progress(state, total):
        bar.update(state.iteration, total,
                   f"misfit/‖d‖ {state.best_rel:.3f}  ‖r‖/‖x‖ {state.perturbation_rel:.2%}")

    def search_done(search):
        bar.close()
        if search.stopped_by == "cancelled":
            say("search stopped (Ctrl-C): judging the best r found so far; Ctrl-C again quits and writes nothing")

    # Ctrl-C ends the search; the best r so far is still judged and written, marked 'cancelled'
    outcome = run_targeted(net, op, x, d.to(device), settings, baseline=baseline_for(args), progress=progress,
                           on_search_done=search_done)
    n = outcome.numbers
    say(f"‖r‖/‖x‖ = {n['perturbation_rel']:.2%}, ‖r‖/‖d‖ = {n['r_over_d']:.2f}, corr(r, d) = "
        f"{n['r_d_correlation']:.2f}; misfit/‖d‖ {n['target_residual_rel_start']:.3f} → "
        f"{n['target_residual_rel']:.3f} after {n['iterations_run']} steps ({n['stopped_by']})")
    for name, m in n["measures"].items():
        say(f"{name}: d {m['verdict']} (correlation {m['correlation']:.2f}, contrast {m['contrast']:.2f})")
    if out is not None:
        with output_files(out) as folder:
            write_json(folder / "result.json", {
                "test": f"target-{args.mode}", "network": net.card.name, "image": args.image,
                "operator": op.describe(), "detail": detail.to_dict(), **outcome.to_dict(),
                "seed": args.seed, "versions": versions()})
            save_npz(folder / "arrays.npz", **outcome.images)
            title = f"{net.card.name}: {feature} {detail.content} at ε = {args.budget:g}"
            save_figure(target_figure(outcome, title), folder / "target.png")
            if outcome.history:
                curve = line_plot([h.iteration for h in outcome.history],
                                  {"misfit / ‖d‖": ([h.objective_rel for h in outcome.history], None),
                                   "best": ([h.best_rel for h in outcome.history], None)},
                                  xlabel="step", ylabel="misfit / ‖d‖", title="targeted search")
                save_figure(curve, folder / "curves.png")
            names = ["result.json", "arrays.npz", "target.png"] + (["curves.png"] if outcome.history else [])
        say(f"wrote {out}/" + ", ".join(names))
    return 0
