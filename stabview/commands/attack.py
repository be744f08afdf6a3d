"""`stabview attack`: search for a tiny perturbation that breaks the network (test 1)."""

from __future__ import annotations

from .common import apply_runtime, create_output, output_dir, say
from .loading import add_network_flags, baseline_for, load_setup
from .progress import ProgressBar

PARAM_FLAGS = (("lam", float, "λ, weight of −λ/2‖r‖²"), ("momentum", float, "γ"), ("lr", float, "η"),
               ("init-scale", float, "τ, r₀ = τ·U[0,1]"))


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("attack", help="worst-case perturbation search (test 1)",
                              description="Gradient ascent with momentum for a tiny perturbation r that "
                                          "changes the network's reconstruction the most (the paper's "
                                          "Algorithms 1 and 2). Defaults: the network card's tuned preset.")
    add_network_flags(p)
    p.add_argument("--iterations", type=int, default=None, help="number of steps (default: preset)")
    for flag, kind, text in PARAM_FLAGS:
        p.add_argument(f"--{flag}", type=kind, default=None, help=f"{text} (default: preset)")
    p.add_argument("--target", choices=("f(Ax)", "x"), default=None, help="p(x) (default: preset)")
    p.add_argument("--domain", choices=("image", "measurement"), default=None)
    p.add_argument("--method", choices=("heavy-ball", "nesterov"), default=None)
    p.add_argument("--gradient", choices=("auto", "adjoint", "fbp"), default=None)
    p.add_argument("--complex", action="store_true", help="complex perturbation for MRI images")
    p.add_argument("--constraint", type=float, default=None,
                   help="θ: maximise the change with ‖r‖ ≤ θ‖x‖ instead (problem (8))")
    p.add_argument("--snapshots", default=None,
                   help="comma-separated iterations whose r is kept (default: thirds of the run)")
    p.add_argument("--preset", default=None, help="'paper' for the paper's Table 1 values")
    p.add_argument("--gain-iterations", type=int, default=30,
                   help="power iterations for the network's linearised gain at x, the ceiling of "
                        "change ÷ size for tiny perturbations (0: skip; image domain only)")
    p.set_defaults(func=run)


def resolve_params(args, net):
    """The card's tuned preset (or the paper's), overridden by every flag given."""
    from ..stability.params import AttackParams, paper_preset
    preset = dict(net.card.attack_preset or {})
    if args.preset == "paper" or not preset:
        try:
            base = paper_preset(net.card.name).to_dict()
        except Exception:   # a user's network: generic values
            base = AttackParams().to_dict()
        preset = {**base, "iterations": preset.get("iterations", 100)}
    iterations = args.iterations if args.iterations is not None else int(preset.get("iterations", 100))
    changes = {k: getattr(args, k.replace("-", "_")) for k in ("lam", "momentum", "lr", "init-scale")}
    changes = {("init_scale" if k == "init-scale" else k): v for k, v in changes.items() if v is not None}
    for key in ("target", "domain", "method", "gradient", "constraint"):
        if getattr(args, key) is not None:
            changes[key] = getattr(args, key)
    if args.complex:
        changes["complex_perturbation"] = True
    changes["seed"] = args.seed
    params = AttackParams.from_dict(preset).with_(**changes)
    if args.snapshots:
        try:
            snaps = tuple(int(s) for s in args.snapshots.split(",") if s.strip())
        except ValueError:
            from ..errors import StabviewError
            raise StabviewError(f"--snapshots takes comma-separated iterations, got '{args.snapshots}'") from None
    else:
        snaps = tuple(sorted({max(1, iterations // 3), max(1, 2 * iterations // 3)}))
    return params, iterations, snaps


def _after_search(search) -> str:
    return (f"search ran {search.iteration} iterations; "
            "reconstructing the snapshots (network and baseline) ...")


def run(args) -> int:
    from ..stability.attack import run_attack
    from ..stability.reports import write_attack

    device = apply_runtime(args)
    out = output_dir(args.out)
    net, op, x = load_setup(args, device)
    params, iterations, snaps = resolve_params(args, net)
    say(f"attacking {net.card.name} on {args.image} ({op.modality}, {op.rate:.1%} sampling) for "
        f"{iterations} iterations: λ={params.lam:g} γ={params.momentum:g} η={params.lr:g} "
        f"τ={params.init_scale:g} p={params.target}")
    bar = ProgressBar("attack")

    def progress(state, total):
        bar.update(state.iteration + 1, total, f"‖r‖/‖x‖ {state.perturbation_rel:.2%}  "
                                               f"Δf {state.network_change_rel:.2%}")

    # Ctrl-C ends the search; the snapshots found so far are still reconstructed and written
    outcome = run_attack(net, op, x, params, iterations, baseline=baseline_for(args), snapshot_at=snaps,
                         progress=progress, on_search_done=lambda s: (bar.close(), say(_after_search(s))),
                         gain_iterations=max(0, args.gain_iterations))
    n = outcome.numbers
    line = (f"‖r‖/‖x‖ = {n['perturbation_rel']:.2%}; network change {n['network_change_rel']:.2%} "
            f"(random noise of the same norm: {n['network_change_rel_random']:.2%})")
    if "baseline_change_rel" in n:
        line += f"; baseline change {n['baseline_change_rel']:.2%}; ratio {n['change_ratio']:.1f}×"
    say(line)
    if "linear_gain" in n:
        say(f"gain (change ÷ size): {n['achieved_gain']:.2f}×; linearised ceiling at x: {n['linear_gain']:.2f}×"
            + ("" if n["linear_gain_converged"] else " (power iteration not converged)"))
    if out is not None:
        create_output(out)
        meta = {"network": net.card.name, "image": args.image, "operator": op.describe(),
                "iterations": iterations, "device": str(device)}
        write_attack(outcome, out, meta)
        say(f"wrote {out}/result.json, arrays.npz, attack.png, attack.pdf, curves.png")
    return 0
