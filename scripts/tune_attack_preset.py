"""Tune a zoo network's attack preset and store it in its model card.

The paper's Table 1 values assume the paper's networks and data scaling; on our networks the
same λ, η can stall or diverge. Keeping the paper's γ, τ and p(x), this script searches the
learning rate η (and, if no η works, a larger λ) so that the unconstrained search of
`--iterations` steps ends with ‖r‖/‖x‖ inside `--target` (default 3–5%), the size at which the
paper shows its artefacts. Among the rates that land there it keeps the one with the largest
network change. What it measured is written into the card's `attack_preset` beside the values.

    python scripts/tune_attack_preset.py deepmri --image brain --threads 1
"""

from __future__ import annotations

import argparse
import json
import math

import torch


def trial(net, op, x, params, iterations):
    from stabview.stability.perturbation import PerturbationSearch
    search = PerturbationSearch(net, op, x, params)
    state = None
    for state in search.run(iterations):
        if not math.isfinite(state.perturbation_rel) or state.perturbation_rel > 1.0:
            return None   # diverged
    last = search.reconstruct()
    change = float((last - search.clean).norm() / search.clean.norm())
    rel = float(search.r.norm() / search.x.norm())
    return {"perturbation_rel": rel, "network_change_rel": change, "final_objective": state.objective}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("network")
    parser.add_argument("--image", default="brain")
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--target", default="0.03,0.05", help="range of final ‖r‖/‖x‖")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--dry-run", action="store_true", help="print, do not write the card")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from stabview.data import load_image_or_sample
    from stabview.networks import zoo
    from stabview.stability.params import AttackParams, paper_preset

    net = zoo.load(args.network)
    op = net.default_operator()
    x = load_image_or_sample(args.image, op.image_shape)[None]
    lo, hi = (float(v) for v in args.target.split(","))
    base = paper_preset(net.card.name)
    found = []
    for lam in (base.lam, base.lam * 10, base.lam * 100, 1.0):
        for lr in [base.lr * 10 ** (k / 2) for k in range(-8, 5)]:
            params = base.with_(lam=lam, lr=lr)
            result = trial(net, op, x, params, args.iterations)
            print(f"λ={lam:g} η={lr:.3g}: {result}", flush=True)
            if result and lo <= result["perturbation_rel"] <= hi:
                found.append((result["network_change_rel"], params, result))
        if found:
            break
    if not found:
        raise SystemExit(f"no η, λ reached ‖r‖/‖x‖ in [{lo}, {hi}] in {args.iterations} iterations")
    change, params, result = max(found, key=lambda item: item[0])
    preset = {k: v for k, v in params.to_dict().items()
              if k in ("lam", "momentum", "lr", "init_scale", "target")}
    preset.update({
        "iterations": args.iterations,
        "source": (f"tuned by scripts/tune_attack_preset.py from the paper's Table 1 values: the η "
                   f"(and λ) whose {args.iterations}-step search on '{args.image}' ends with "
                   f"‖r‖/‖x‖ in [{lo:g}, {hi:g}] and changes the network most"),
        "measured": {k: round(v, 5) for k, v in result.items()},
    })
    print(json.dumps(preset, indent=2))
    if not args.dry_run:
        path = zoo.zoo_dir() / args.network / "card.json"
        card = json.loads(path.read_text())
        card["attack_preset"] = preset
        path.write_text(json.dumps(card, indent=2) + "\n")
        print(f"wrote the preset into {path}")


if __name__ == "__main__":
    main()
