"""Engine overhead: one attack iteration against the bare network forward + backward + operator.

The target is ≤ 1.10×: the network is the cost, the engine must add next to nothing. Both are
timed in this one process, interleaved, median of repeats (absolute times on a shared machine
vary 2–3×; the ratio is what we compare).

    python benchmarks/attack.py --network deepmri --threads 1
"""

from __future__ import annotations

import argparse
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

    from stabview.data import load_image_or_sample
    from stabview.networks import zoo
    from stabview.stability.params import AttackParams
    from stabview.stability.perturbation import PerturbationSearch, frozen

    device = torch.device(args.device)
    net = zoo.load(args.network).to(device)
    op = net.default_operator(device)
    x = load_image_or_sample(args.image, op.image_shape)[None].to(device)
    search = PerturbationSearch(net, op, x, AttackParams(lam=0.01, lr=0.001))
    r = search.r.clone()

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    bare, engine = [], []
    with frozen(net):
        for _ in range(3):   # warm-up
            bare_step(net, op, search.y, r, search.clean)
            search.step()
        for _ in range(args.repeats):
            sync(); t = time.perf_counter()
            bare_step(net, op, search.y, r, search.clean)
            sync(); bare.append(time.perf_counter() - t)
            sync(); t = time.perf_counter()
            search.step()
            sync(); engine.append(time.perf_counter() - t)
    b, e = statistics.median(bare), statistics.median(engine)
    print(f"torch threads: {torch.get_num_threads()}, device: {device}")
    print(f"network {args.network}, {op.modality} {op.image_shape[0]}×{op.image_shape[1]} at {op.rate:.1%}")
    print(f"network fwd+bwd+operator (bare): {b * 1e3:8.1f} ms (median of {args.repeats})")
    print(f"attack iteration (engine):       {e * 1e3:8.1f} ms")
    print(f"ratio engine / bare:             {e / b:8.3f}  (target ≤ 1.10)")


if __name__ == "__main__":
    main()
