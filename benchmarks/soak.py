"""Memory growth of a long attack and of repeated attack/reset cycles in the window (target: < 5%).

Two parts, each in a fresh process so one does not carry the other's memory:

- attack: one `PerturbationSearch` stepped `--iterations` times (default 10 000) on a zoo
  network (default automap, the fastest step). The paper's penalised search is used because it
  has no stall test: the budgeted default ends a start once it stops improving, long before
  10 000 steps. λ (`--lam`, default 10) keeps r inside the divergence guard on automap.
  RSS is read after `--warm-up` steps (default 500) and at the end.
- window: the real `MainWindow` (offscreen), driven as a user would: set the iterations, Run,
  wait until the attack has finished and every job is idle, Attack ▸ Reset; `--cycles` times
  (default 100). RSS is read after `--warm-up-cycles` cycles (default 10) and at the end. A
  reset is undoable: the undo history keeps the live searches of its latest 10 states, so memory
  rises until they are all kept; the script prints RSS every 10 cycles and the growth over the
  second half, once they are.

Growth = (end − after warm-up) ÷ after warm-up. Also printed: the torch thread count and the load
average (the machine is shared; compare numbers only with the load they were measured at).

    QT_QPA_PLATFORM=offscreen python benchmarks/soak.py                         # the issue's numbers
    QT_QPA_PLATFORM=offscreen python benchmarks/soak.py --iterations 1000 --cycles 10   # quick check
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def rss_mib() -> float:
    """Resident memory of this process in MiB (psutil when installed, else /proc/self/status)."""
    gc.collect()
    try:
        import psutil
        return psutil.Process().memory_info().rss / 2**20
    except ImportError:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("cannot read this process's resident memory")


def load() -> str:
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def growth_line(label: str, start: float, warm: float, end: float) -> str:
    return (f"{label}: RSS start {start:.1f} MiB, after warm-up {warm:.1f} MiB, end {end:.1f} MiB; "
            f"growth after warm-up {100 * (end - warm) / warm:+.2f}%")


def soak_attack(args) -> None:
    import torch
    torch.set_num_threads(args.threads)
    from stabview.experiment import Experiment, ImageRef, NetworkRef
    from stabview.stability.params import AttackParams
    from stabview.stability.perturbation import PerturbationSearch

    print(f"attack soak: torch threads {torch.get_num_threads()}; {load()}", flush=True)
    setup = Experiment(NetworkRef.parse(args.network, None), ImageRef(args.image)).build("cpu")
    params = AttackParams(mode="paper", lam=args.lam, momentum=0.9, lr=0.001, init_scale=1e-5)
    search = PerturbationSearch(setup.net, setup.op, setup.x, params)
    start = rss_mib()
    warm_at = min(args.warm_up, args.iterations - 1)
    warm = None
    report_every = max(1, args.iterations // 10)
    begun = time.perf_counter()
    for state in search.run(args.iterations):
        done = state.iteration + 1
        if done == warm_at:
            warm = rss_mib()
        if done % report_every == 0:
            print(f"  step {done:6d}: RSS {rss_mib():8.1f} MiB  ‖r‖/‖x‖ {state.perturbation_rel:.2%}  "
                  f"{(time.perf_counter() - begun) / done * 1000:.0f} ms/step", flush=True)
    end = rss_mib()
    if search.iteration < args.iterations:
        print(f"  the search ended after {search.iteration} steps ({search.stopped_by}): raise --lam")
    print(f"{args.network} {search.iteration} steps, {params.mode} search λ={params.lam:g}, "
          f"{len(search.history)} states in its history; {load()}")
    print(growth_line("attack", start, warm if warm is not None else start, end), flush=True)


def soak_window(args) -> None:
    from bench_window import open_window
    from bench_window import wait as wait_for
    app, window = open_window(args.threads)
    import torch

    def idle() -> bool:
        return not any(r.busy for r in window.runners())

    def wait(done, what: str, limit: float = 600.0) -> None:
        wait_for(app, done, what, limit, tick=0.002)
        for _ in range(5):           # let queued signals (views, baselines) land
            app.processEvents()

    wb = window.workbench
    wait(lambda: wb.net is not None and idle(), "the default network")
    if wb.net.card.name != args.network:
        wb.load_network(args.network)
        wait(lambda: wb.net is not None and wb.net.card.name == args.network and idle(), args.network)
    window.attack_panel.iterations.setValue(args.steps)
    print(f"window soak: {args.network}, {args.steps} steps per start, torch threads "
          f"{torch.get_num_threads()}; {load()}", flush=True)

    def cycle() -> None:
        window.actions["run"].trigger()
        wait(lambda: window.attack.state in ("finished", "paused") and idle(), "the attack")
        window.actions["reset_attack"].trigger()
        wait(lambda: window.attack.state == "idle" and idle(), "the reset")

    cycle()                           # the first run also measures the ceiling
    start = rss_mib()
    warm = half = start
    begun = time.perf_counter()
    for k in range(1, args.cycles + 1):
        cycle()
        if k == args.warm_up_cycles:
            warm = rss_mib()
        if k == args.cycles // 2:
            half = rss_mib()
        if k % 10 == 0 or k == args.cycles:
            history = getattr(getattr(getattr(window, "keeper", None), "history", None), "undo_stack", None)
            print(f"  cycle {k:4d}: RSS {rss_mib():8.1f} MiB"
                  + (f"  undo entries {len(history)}" if history is not None else "")
                  + f"  {(time.perf_counter() - begun) / k:.2f} s/cycle", flush=True)
    end = rss_mib()
    print(f"{args.cycles} attack/reset cycles; {load()}")
    print(growth_line("window", start, warm, end), flush=True)
    from stabview.experiment.model import KEEP_LIVE
    print(f"window, second half (cycle {args.cycles // 2} → {args.cycles}; the undo history keeps live searches "
          f"for its latest {KEEP_LIVE} states): {half:.1f} → {end:.1f} MiB, {100 * (end - half) / half:+.2f}%",
          flush=True)
    window.close_without_asking()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("attack", "window", "both"), default="both")
    parser.add_argument("--iterations", type=int, default=10_000, help="steps of the long attack")
    parser.add_argument("--warm-up", type=int, default=500, help="attack steps before the first reading")
    parser.add_argument("--cycles", type=int, default=100, help="attack/reset cycles in the window")
    parser.add_argument("--warm-up-cycles", type=int, default=10, help="cycles before the first reading")
    parser.add_argument("--steps", type=int, default=5, help="iterations per start of each window attack")
    parser.add_argument("--network", default="automap")
    parser.add_argument("--image", default="brain")
    parser.add_argument("--lam", type=float, default=10.0, help="λ of the long attack (paper mode)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    if args.part == "attack":
        soak_attack(args)
    elif args.part == "window":
        soak_window(args)
    else:                             # each part in its own process
        for part in ("attack", "window"):
            subprocess.run([sys.executable, __file__, "--part", part, *_without_part(sys.argv[1:])], check=True)


def _without_part(argv: list[str]) -> list[str]:
    """The command line without its --part option (given as one or two words)."""
    out, skip = [], False
    for word in argv:
        if skip:
            skip = False
        elif word == "--part":
            skip = True
        elif not word.startswith("--part="):
            out.append(word)
    return out


if __name__ == "__main__":
    main()
