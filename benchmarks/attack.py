"""Engine overhead and the default attack's time.

1. One iteration of the budgeted search and of the paper's search against the bare network
   forward + backward + operator (target ≤ 1.10×: the network is the cost). Timed in this one
   process, interleaved, median of repeats (absolute times on a shared machine vary 2–3×).
2. The default attack (the ceiling, then its direction and 5 random starts screened for 6 steps
   with the leader run to its stall, at ε and again by continuation from ε/4; the 8 noise draws;
   without the baseline) end to end, in seconds and in bare steps (target ≤ 60 s for deepmri at
   128² on one thread).

The load average is printed with the numbers: on a loaded machine the seconds are not the
machine's, while the ratios (measured in this one process) still are.

    python benchmarks/attack.py --network deepmri --threads 1
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch


def bare_step(net, op, y, r, target):
    """What any attack must do: y + A r, f, ½‖f − p‖², backward to u, A* (or FBP) of the gradient."""
    u = (y + op.forward(r)).detach().requires_grad_(True)
    out = net(u, op)
    loss = 0.5 * (out - target).abs().pow(2).sum()
    (g,) = torch.autograd.grad(loss, u)
    return op.warm_start(g) if op.modality == "radon" else op.adjoint(g)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", default="deepmri")
    parser.add_argument("--image", default="brain")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from stabview.data import load_image_or_builtin
    from stabview.networks import zoo
    from stabview.stability.params import AttackParams
    from stabview.stability.perturbation import PerturbationSearch, frozen

    device = torch.device(args.device)
    net = zoo.load(args.network).to(device)
    op = net.default_operator(device)
    x = load_image_or_builtin(args.image, op.image_shape)[None].to(device)
    budgeted = PerturbationSearch(net, op, x, AttackParams())
    paper = PerturbationSearch(net, op, x, AttackParams(mode="paper", lam=0.01, lr=0.001))
    search = paper
    r = search.r.clone()

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    bare, steps = [], {"budgeted": [], "paper": []}
    with frozen(net):
        for _ in range(3):   # warm-up
            bare_step(net, op, search.y, r, search.clean)
            paper.step()
            budgeted.step()
        for _ in range(args.repeats):
            sync(); t = time.perf_counter()
            bare_step(net, op, search.y, r, search.clean)
            sync(); bare.append(time.perf_counter() - t)
            for name, s in (("budgeted", budgeted), ("paper", paper)):
                s.stopped_by = None            # keep stepping past a stall: only the time counts here
                sync(); t = time.perf_counter()
                s.step()
                sync(); steps[name].append(time.perf_counter() - t)
    b = statistics.median(bare)
    print(f"torch threads: {torch.get_num_threads()}, device: {device}, cores: {os.cpu_count()}, "
          f"load average (1, 5, 15 min): {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"network {args.network}, {op.modality} {op.image_shape[0]}×{op.image_shape[1]} at {op.rate:.1%}")
    print(f"network fwd+bwd+operator (bare): {b * 1e3:8.1f} ms (median of {args.repeats})")
    for name, times in steps.items():
        e = statistics.median(times)
        print(f"{name} iteration (engine): {e * 1e3:8.1f} ms; ratio engine / bare {e / b:6.3f} (target ≤ 1.10)")

    from stabview.stability.attack import run_attack
    sync(); t, cpu = time.perf_counter(), time.process_time()
    outcome = run_attack(net, op, x, AttackParams(), 100)
    sync(); total, cpu = time.perf_counter() - t, time.process_time() - cpu
    n = outcome.numbers
    evaluations = sum(s["iterations"] for s in n["restarts"])
    print(f"default attack: {total:6.1f} s wall, {cpu:6.1f} s CPU = {total / b:6.0f} bare steps "
          f"(target ≤ 60 s at 128², one thread; ratio to the target {total / 60:.2f}); "
          f"{evaluations} search steps over {len(n['restarts'])} starts + the ceiling's 30 power iterations")
    print(f"load average after (1, 5, 15 min): {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"  change {n['network_change_rel']:.2%} at ‖r‖/‖x‖ {n['perturbation_rel']:.2%}, "
          f"adequacy {n['adequacy']:.0%} of the ceiling {n['linear_gain']:.2f}")


if __name__ == "__main__":
    main()
