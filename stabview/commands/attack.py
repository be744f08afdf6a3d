"""`stabview attack`: search for a tiny perturbation that breaks the network (test 1)."""

from __future__ import annotations

import argparse

from ..errors import StabviewError
from ..stability.params import CONTINUATION, DEFAULT_RESTARTS, SCREEN_STEPS, AttackParams
from .common import apply_runtime, output_dir, output_files, say
from .experiment_flags import add_network_flags, baseline_for, load_setup
from .progress import ProgressBar

PAPER_FLAGS = (("lam", float, "λ, weight of −λ/2‖r‖²"), ("momentum", float, "γ"), ("lr", float, "η"),
               ("init-scale", float, "τ, r₀ = τ·U[0,1]"))
DEFAULT_ITERATIONS = 100


def _budgets(text: str) -> list[float]:
    try:
        values = sorted({float(v) for v in text.split(",") if v.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"budgets must be numbers separated by commas, got '{text}'") from None
    if not values or values[0] <= 0:
        raise argparse.ArgumentTypeError("budgets must be > 0 (e.g. 0.005,0.01,0.02,0.05)")
    return values


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "attack", help="worst-case perturbation search (test 1)",
        description="Find a tiny perturbation r that changes the network's reconstruction the most. "
                    "Default: the budgeted search, max ‖f(A(x + r)) − f(Ax)‖ with ‖r‖ ≤ ε‖x‖, started "
                    "along the network's most sensitive direction and from --restarts random points; "
                    "nothing to tune. --preset paper|card runs the paper's penalised Algorithm 1/2.")
    add_network_flags(p)
    p.add_argument("--budget", "--constraint", dest="budget", type=float, default=None,
                   help="ε: ‖r‖ ≤ ε‖x‖ (image domain) or ‖e‖ ≤ ε‖y‖ (measurement domain) (default 0.02)")
    p.add_argument("--budgets", type=_budgets, default=None,
                   help="comma-separated budgets for a budget curve, each continued from the last "
                        "(e.g. 0.005,0.01,0.02,0.05)")
    p.add_argument("--restarts", type=int, default=DEFAULT_RESTARTS,
                   help=f"random starts besides the ceiling's (default {DEFAULT_RESTARTS})")
    p.add_argument("--screen-steps", type=int, default=SCREEN_STEPS,
                   help=f"steps every start gets before only the leading one runs on (default {SCREEN_STEPS}; "
                        "0: every start runs to its end)")
    p.add_argument("--stall-tolerance", type=float, default=None,
                   help=f"a start ends when its objective rose by less than this share over "
                        f"{AttackParams.stall_window} steps (default {AttackParams.stall_tolerance:g}; 0: only "
                        "when it stops rising)")
    p.add_argument("--iterations", type=int, default=None,
                   help=f"most steps per start after screening (default {DEFAULT_ITERATIONS}; a start "
                        "ends earlier when it stalls; paper mode: the preset's)")
    p.add_argument("--noise-draws", type=int, default=8,
                   help="random noises of the same norm as r, the control (default 8)")
    p.add_argument("--gain-iterations", type=int, default=30,
                   help="power iterations for the linearised ceiling and the first start (0: skip; "
                        "image domain only)")
    p.add_argument("--preset", choices=("paper", "card"), default=None,
                   help="the paper's penalised search with Table 1's values ('paper') or the card's "
                        "tuned ones ('card')")
    for flag, kind, text in PAPER_FLAGS:
        p.add_argument(f"--{flag}", type=kind, default=None, help=f"{text} (paper mode; default: preset)")
    p.add_argument("--target", choices=("f(Ax)", "x"), default=None, help="p(x) (default f(Ax))")
    p.add_argument("--domain", choices=("image", "measurement"), default=None)
    p.add_argument("--method", choices=("heavy-ball", "nesterov"), default=None, help="paper mode")
    p.add_argument("--gradient", choices=("auto", "adjoint", "fbp"), default=None)
    p.add_argument("--complex", action="store_true", help="complex perturbation for MRI images")
    p.add_argument("--snapshots", default=None,
                   help="comma-separated iterations whose r is kept (paper mode default: thirds of the run)")
    p.set_defaults(func=run)


def resolve_params(args, net):
    """(params, iterations, snapshots): budgeted unless --preset, overridden by every flag given."""
    from ..stability.params import paper_preset
    paper_flags = [f for f, _, _ in PAPER_FLAGS if getattr(args, f.replace("-", "_")) is not None]
    if args.preset is None and (paper_flags or args.method):
        raise StabviewError(f"--{(paper_flags or ['method'])[0]} belongs to the paper's search: add "
                            "--preset paper (or --preset card), or leave it out for the budgeted search")
    if args.preset is not None and (args.budget is not None or args.budgets
                                    or args.stall_tolerance is not None):
        raise StabviewError("--budget/--budgets/--stall-tolerance belong to the budgeted search, not to "
                            f"--preset {args.preset}: leave one of them out")
    iterations = DEFAULT_ITERATIONS
    if args.preset is None:
        base = AttackParams().to_dict()
    else:
        card_preset = dict(net.card.attack_preset or {})
        if args.preset == "card" and not card_preset:
            raise StabviewError(f"network '{net.card.name}' has no tuned attack preset in its card: "
                                "use --preset paper, or the budgeted search (no --preset)")
        if args.preset == "card":
            base = {**AttackParams(mode="paper").to_dict(), **card_preset, "mode": "paper"}
        else:
            try:
                base = paper_preset(net.card.name).to_dict()
            except StabviewError:     # a user's network: the paper's Deep MRI values
                base = paper_preset("deepmri").to_dict()
        iterations = int(card_preset.get("iterations", DEFAULT_ITERATIONS))
    base.pop("iterations", None)
    if args.iterations is not None:
        iterations = args.iterations
    if iterations < 1:
        raise StabviewError(f"--iterations must be ≥ 1, got {iterations}")
    changes = {("init_scale" if f == "init-scale" else f): getattr(args, f.replace("-", "_")) for f in paper_flags}
    for key in ("target", "domain", "method", "gradient", "budget", "stall_tolerance"):
        if getattr(args, key) is not None:
            changes[key] = getattr(args, key)
    if args.budgets:
        changes["budget"] = args.budgets[-1]
    if args.complex:
        changes["complex_perturbation"] = True
    changes["seed"] = args.seed
    params = AttackParams.from_dict(base).with_(**changes)
    if args.snapshots:
        try:
            snaps = tuple(int(s) for s in args.snapshots.split(",") if s.strip())
        except ValueError:
            raise StabviewError(f"--snapshots takes comma-separated iterations, got '{args.snapshots}'") from None
    elif params.budgeted:
        snaps = ()
    else:
        snaps = tuple(sorted({max(1, iterations // 3), max(1, 2 * iterations // 3)}))
    return params, iterations, snaps


def describe(params, iterations: int, restarts: int, budgets, screen_steps: int = 0) -> str:
    """One line saying which search runs."""
    if params.budgeted:
        size = ("budgets " + ", ".join(f"{b:.3g}" for b in budgets)) if budgets else f"budget ε = {params.budget:g}"
        screening = f", the leader after {screen_steps} steps runs on" if screen_steps and restarts else ""
        path = "" if budgets else f", directly and by continuation from {min(CONTINUATION):g} ε"
        return (f"budgeted search, {size} ({params.domain} domain), ceiling start + {restarts} random"
                f"{screening}{path}, ≤ {iterations} steps each")
    return (f"paper's search for {iterations} iterations: λ={params.lam:g} γ={params.momentum:g} "
            f"η={params.lr:g} τ={params.init_scale:g} p={params.target}")


def run(args) -> int:
    from ..stability.attack import run_attack
    from ..stability.reports import write_attack

    device = apply_runtime(args)
    out = output_dir(args.out)
    net, op, x = load_setup(args, device)
    params, iterations, snaps = resolve_params(args, net)
    if args.restarts < 0 or args.noise_draws < 1 or args.screen_steps < 0:
        raise StabviewError("--restarts and --screen-steps must be ≥ 0 and --noise-draws ≥ 1")
    say(f"attacking {net.card.name} on {args.image} ({op.modality}, {op.rate:.1%} sampling): "
        + describe(params, iterations, args.restarts, args.budgets, args.screen_steps))
    bar = ProgressBar("attack")
    last = {}

    def progress(p):
        note = f"{p.phase}"
        if p.state is not None:
            note += f"  ‖r‖/‖x‖ {p.state.perturbation_rel:.2%}  Δf {p.state.network_change_rel:.2%}"
        changed = last.get("phase") != p.phase
        bar.update(p.done, p.total, note, force=changed or p.state is None)
        last["phase"] = p.phase

    def search_done(found):
        bar.close()
        if found.cancelled:
            say("search stopped (Ctrl-C): reporting what it found; Ctrl-C again quits and writes nothing")
        say("reconstructing the reported perturbation(s) with the network and the baseline ...")

    # Ctrl-C ends the search; what was found so far is still reconstructed and written
    outcome = run_attack(net, op, x, params, iterations, baseline=baseline_for(args), snapshot_at=snaps,
                         restarts=args.restarts, budgets=args.budgets, screen_steps=args.screen_steps,
                         noise_draws=args.noise_draws,
                         gain_iterations=max(0, args.gain_iterations), progress=progress,
                         on_search_done=search_done)
    report(outcome, params)
    if out is not None:
        meta = {"network": net.card.name, "image": args.image, "operator": op.describe(),
                "iterations": iterations, "device": str(device)}
        with output_files(out) as folder:     # all files or none, even on a second Ctrl-C
            written = write_attack(outcome, folder, meta)
        say(f"wrote {', '.join(str(out / p.name) for p in written)}")
    return 0


def report(outcome, params) -> None:
    """The headline numbers, the adequacy of the search and any warning, on stderr."""
    n = outcome.numbers
    if "perturbation_rel" not in n:
        say("the search was cancelled before its first step: nothing to report")
        return
    for point in outcome.curve:
        line = (f"ε = {point['budget']:.3g}: network change {point['network_change_rel']:.2%} "
                f"(noise {point['network_change_rel_random']:.2%})")
        if "change_ratio" in point:
            line += f", baseline {point['baseline_change_rel']:.2%}, ratio {point['change_ratio']:.1f}×"
        say(line)
    line = (f"‖r‖/‖x‖ = {n['perturbation_rel']:.2%}; network change {n['network_change_rel']:.2%} "
            f"(random noise of the same norm: {n['network_change_rel_random']:.2%} mean, "
            f"{n['network_change_rel_random_max']:.2%} max)")
    if "baseline_change_rel" in n:
        line += f"; baseline change {n['baseline_change_rel']:.2%}; ratio {n['change_ratio']:.1f}×"
    say(line)
    if "linear_gain" in n:
        say(f"gain (change ÷ size): {n['achieved_gain']:.2f}×; linearised ceiling at x: {n['linear_gain']:.2f}×; "
            f"adequacy {n['adequacy']:.0%}" + ("" if n["linear_gain_converged"] else " (ceiling not converged)"))
    if n.get("adequacy_warning"):
        say(f"warning: the search reached only {n['adequacy']:.0%} of the linearised ceiling; a larger "
            "change may exist: add --restarts, or lower --stall-tolerance so that each start runs longer")
    if n.get("stopped_by") == "diverged":
        say(f"warning: the paper's search diverged (‖r‖ passed {params.divergence_limit:.0%} of ‖x‖ or "
            f"became non-finite) with λ={params.lam:g}, η={params.lr:g}: the numbers are of the last r "
            "before that; raise λ or lower η, or use the budgeted search (no --preset)")
