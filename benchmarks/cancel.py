"""Cancel latency: from asking a long job to stop until it has stopped (target: ≤ 200 ms).

Jobs: the worst-case search, the baseline, the more-samples sweep and a study. Each is stopped
the three ways a user can stop it, each measured `--repeats` times (median and max printed):

- api: in this process, `should_stop()` turns true (a study: SIGINT to this process)
  `--after` seconds into the work; latency until the function returns (the search: until the
  search has stopped, before the kept perturbations are reconstructed for the report).
- cli: `python -m stabview …` in a subprocess, SIGINT to its process group (as a terminal's Ctrl-C)
  once its progress shows it is working;
  latency until it says it stopped ('search stopped') and until the process exits. Then the exit
  code and the output are checked: the attack writes complete results marked 'cancelled' (exit
  0); the baseline, the sweep and the study exit 130 and write no files into --out (the study
  keeps the cases recorded before; its folder holds only cases.sqlite).
- window: the real `MainWindow` (offscreen): Run then Pause (attack), the Details panel's test
  and the More samples sweep are started, then cancelled `--after` seconds later; latency until
  the job's runner is no longer busy. Studies do not run in the window.

    QT_QPA_PLATFORM=offscreen python benchmarks/cancel.py --repeats 3
    QT_QPA_PLATFORM=offscreen python benchmarks/cancel.py --only api --jobs baseline
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

JOBS = ("search", "baseline", "sweep", "study")
STUDY_SPEC = ('networks = ["automap"]\nimages = ["brain:0", "brain:1", "brain:2", "brain:3"]\n'
              'budgets = [0.01, 0.02, 0.05]\nrestarts = 2\niterations = 30\ngain_iterations = 10\n'
              'baseline = false\ntests = ["attack"]\n')


def default_ctrl_c() -> None:
    """SIGINT back to its default: a shell starts background jobs with it ignored, and a child
    inherits that, so neither this script nor the commands it starts could be interrupted."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def load() -> str:
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def summary(label: str, values: list[float]) -> None:
    ms = [1000 * v for v in values]
    print(f"  {label:44s} median {statistics.median(ms):7.0f} ms   max {max(ms):7.0f} ms   "
          f"({', '.join(f'{m:.0f}' for m in ms)})", flush=True)


class Flag:
    """should_stop() that turns true `after` seconds after `arm()`; remembers when."""

    def __init__(self, after: float):
        self.after, self.raised_at = after, None
        self._timer = None

    def arm(self) -> "Flag":
        self._timer = threading.Timer(self.after, self._raise)
        self._timer.start()
        return self

    def _raise(self) -> None:
        self.raised_at = time.perf_counter()

    def __call__(self) -> bool:
        return self.raised_at is not None

    def since(self) -> float:
        if self.raised_at is None:
            raise SystemExit("the job ended before it was asked to stop: raise its size or lower --after")
        return time.perf_counter() - self.raised_at


# --- in this process ---------------------------------------------------------------------------
def api(args) -> None:
    import torch
    torch.set_num_threads(args.threads)
    from stabview.baselines import reconstruct
    from stabview.experiment import Experiment, ImageRef, NetworkRef
    from stabview.experiment.experiment import baseline_reconstructor, linear_reconstructor
    from stabview.stability.attack import run_attack
    from stabview.stability.params import AttackParams
    from stabview.stability.samples import run_sweep

    print(f"api: should_stop() after {args.after:g} s; torch threads {torch.get_num_threads()}; {load()}", flush=True)
    setups = {}

    def setup(name):
        if name not in setups:
            setups[name] = Experiment(NetworkRef.parse(name, None), ImageRef("brain")).build("cpu")
        return setups[name]

    if "search" in args.jobs:
        s = setup("automap")
        times = []
        for _ in range(args.repeats):
            flag, stopped = Flag(args.after), []
            flag.arm()
            run_attack(s.net, s.op, s.x, AttackParams(stall_window=10_000, stall_tolerance=0.0), 10_000,
                       restarts=0, noise_draws=1, gain_iterations=0, should_stop=flag,
                       on_search_done=lambda found: stopped.append(flag.since()))
            times.append(stopped[0])
        summary("search (automap, budgeted)", times)
    if "baseline" in args.jobs:
        for name in ("deepmri", "ell50", "mrivn"):
            s = setup(name)
            y = s.op.forward(s.x)
            times = []
            for _ in range(args.repeats):
                flag = Flag(args.after).arm()
                result = reconstruct(s.op, y, should_stop=flag, max_iterations=100_000, tol=0.0)
                times.append(flag.since())
                assert result.stopped_by == "cancelled", result.stopped_by
            summary(f"baseline ({s.op.modality}, {name}'s sampling)", times)
    if "sweep" in args.jobs:
        for name in ("deepmri", "ell50"):
            s = setup(name)
            times = []
            for _ in range(args.repeats):
                flag = Flag(args.after).arm()
                recs = {"network": s.net, "baseline": baseline_reconstructor(should_stop=flag),
                        "linear": linear_reconstructor}
                run_sweep(recs, s.op, s.x, _rates(s.op), trained_rate=s.net.card.rate, should_stop=flag)
                times.append(flag.since())
            summary(f"sweep ({name})", times)
    if "study" in args.jobs:
        study_api(args)


def _rates(op) -> list[float]:
    from stabview.experiment.settings import MoreSamplesSettings
    return MoreSamplesSettings().rates_for(op, op.rate)


def study_api(args) -> None:
    """Ctrl-C (SIGINT to this process) during `run_cases` on an embedded cluster; until it is closed."""
    from stabview.study.cases import pending
    from stabview.study.recorder import Recorder
    from stabview.study.scheduling import open_client, run_cases
    from stabview.study.spec import load_spec

    times = []
    for _ in range(args.repeats):
        folder = Path(tempfile.mkdtemp())
        (folder / "spec.toml").write_text(STUDY_SPEC)
        spec = load_spec(folder / "spec.toml")
        flag = Flag(args.after)
        try:
            with Recorder(folder / "out", keep=spec.keep_arrays) as recorder:
                with open_client(workers=args.workers) as client:
                    client.wait_for_workers(args.workers)
                    timer = threading.Timer(args.after, lambda: (flag._raise(), os.kill(os.getpid(), signal.SIGINT)))
                    timer.start()
                    run_cases(client, pending(spec, set()), recorder)
        except KeyboardInterrupt:
            times.append(flag.since())
        else:
            raise SystemExit("the study ended before it was interrupted: raise its size or lower --after")
    summary(f"study (embedded cluster, {args.workers} worker(s))", times)


# --- on the command line -----------------------------------------------------------------------
def cli_run(argv: list[str], marker: str, ack: str | None, timeout: float = 600.0,
            delay: float = 0.0) -> tuple[float | None, float, int, str]:
    """(seconds to `ack` on stderr, seconds to exit, exit code, stderr) after SIGINT `delay` s
    after `marker` appeared."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    # its own process group, which gets the SIGINT as a terminal's Ctrl-C would (workers included)
    proc = subprocess.Popen([sys.executable, "-m", "stabview", *argv], stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, env=env, start_new_session=True,
                            preexec_fn=default_ctrl_c)
    seen, events = bytearray(), {}
    marked = threading.Event()

    def read() -> None:
        while chunk := os.read(proc.stderr.fileno(), 4096):
            seen.extend(chunk)
            if marker.encode() in seen:
                marked.set()
            if ack and "sent" in events and "ack" not in events and ack.encode() in seen[events["offset"]:]:
                events["ack"] = time.perf_counter()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    began = time.perf_counter()
    while not marked.wait(0.01):
        if proc.poll() is not None or time.perf_counter() - began > timeout:
            proc.kill()
            raise SystemExit(f"'{marker}' never appeared for {' '.join(argv)}:\n{seen.decode(errors='replace')}")
    time.sleep(delay)
    if proc.poll() is not None:
        raise SystemExit(f"{' '.join(argv)} ended before it was interrupted: lower --study-delay")
    events["offset"] = len(seen)
    events["sent"] = sent = time.perf_counter()
    os.killpg(proc.pid, signal.SIGINT)
    code = proc.wait(timeout)
    exited = time.perf_counter() - sent
    reader.join(5)
    acked = events["ack"] - sent if "ack" in events else None
    return acked, exited, code, seen.decode(errors="replace")


def cli(args) -> None:
    print(f"cli: SIGINT once the progress shows work; {load()}", flush=True)
    common = ["--threads", str(args.threads)]
    if "search" in args.jobs:
        acks, exits = [], []
        for _ in range(args.repeats):
            out = Path(tempfile.mkdtemp()) / "out"
            ack, exited, code, err = cli_run(
                ["attack", "--network", "automap", "--iterations", "2000", "--gain-iterations", "0",
                 "--restarts", "0", "--noise-draws", "1", "--no-baseline", "--out", str(out), *common],
                marker="start 1/1", ack="search stopped")
            result = json.loads((out / "result.json").read_text())
            check(code == 0 and ack is not None and result["stopped_by"] == "cancelled"
                  and {"result.json", "arrays.npz", "attack.png", "attack.pdf", "curves.png"} <= set(os.listdir(out))
                  and not any(p.startswith(".writing") for p in os.listdir(out)), "attack", code, err)
            acks.append(ack)
            exits.append(exited)
        summary("search: until 'search stopped'", acks)
        summary("search: until exit (results written)", exits)
    jobs = {
        "baseline": (["baseline", "--modality", "fourier", "--size", "256", "--iterations", "100000"], "baseline ["),
        "sweep": (["samples", "--network", "deepmri"], "samples ["),
    }
    for job, (argv, marker) in jobs.items():
        if job not in args.jobs:
            continue
        exits = []
        for _ in range(args.repeats):
            out = Path(tempfile.mkdtemp()) / "out"
            _, exited, code, err = cli_run([*argv, "--out", str(out), *common], marker=marker, ack=None)
            check(code == 130 and not out.exists() and "Traceback" not in err, job, code, err)
            exits.append(exited)
        summary(f"{job}: until exit (nothing written)", exits)
    if "study" in args.jobs:
        exits = []
        for _ in range(args.repeats):
            folder = Path(tempfile.mkdtemp())
            (folder / "spec.toml").write_text(STUDY_SPEC)
            out = folder / "out"
            _, exited, code, err = cli_run(["study", "run", str(folder / "spec.toml"), "--out", str(out),
                                            "--workers", str(args.workers)], marker="Dask: ", ack=None,
                                           delay=args.study_delay)
            names = set(os.listdir(out)) - {"arrays"}      # the kept arrays of recorded cases
            with sqlite3.connect(out / "cases.sqlite") as db:
                recorded = db.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
            check(code == 130 and names == {"cases.sqlite"} and "Traceback" not in err
                  and "the same command runs the rest" in err, "study", code, err)
            print(f"    study interrupted with {recorded} case(s) recorded", flush=True)
            exits.append(exited)
        summary(f"study: until exit ({args.workers} worker(s))", exits)


def check(ok: bool, job: str, code: int, err: str) -> None:
    if not ok:
        print(f"  {job}: unexpected exit {code} or output; its stderr ends:\n{err[-1500:]}", flush=True)


# --- in the window ------------------------------------------------------------------------------
def window(args) -> None:
    from bench_window import open_window
    from bench_window import wait as wait_for
    app, win = open_window(args.threads)
    import torch

    def idle() -> bool:
        return not any(r.busy for r in win.runners())

    def wait(done, what: str, limit: float = 600.0) -> None:
        wait_for(app, done, what, limit)

    def stop_latency(runner, start, cancel) -> float:
        start()
        wait(lambda: runner.busy, "the job to start")
        began = time.perf_counter()
        wait(lambda: time.perf_counter() - began >= args.after or not runner.busy, "the job")
        if not runner.busy:
            raise SystemExit("the job ended before it was cancelled: lower --after")
        asked = time.perf_counter()
        cancel()
        wait(lambda: not runner.busy, "the job to stop")
        latency = time.perf_counter() - asked
        wait(idle, "every job")
        return latency

    wb = win.workbench
    wait(lambda: wb.net is not None and idle(), "the default network")
    if args.network and wb.net.card.name != args.network:
        wb.load_network(args.network)
        wait(lambda: wb.net is not None and wb.net.card.name == args.network and idle(), args.network)
    print(f"window: cancel {args.after:g} s into each job; torch threads {torch.get_num_threads()}; {load()}",
          flush=True)
    if "search" in args.jobs:
        times = []
        win.attack_panel.iterations.setValue(100_000)
        for _ in range(args.repeats):
            times.append(stop_latency(win.attack.runner, win.actions["run"].trigger, win.actions["pause"].trigger))
            win.actions["reset_attack"].trigger()
            wait(idle, "the reset")
        summary(f"search ({wb.net.card.name}): Run, then Pause", times)
    if "sweep" in args.jobs and not wb.net.card.accepts_other_rates:
        print(f"  more-samples sweep: {wb.net.card.name} takes only its trained sampling; pick another --network")
    elif "sweep" in args.jobs:
        times = [stop_latency(win.samples_panel.runner, win.samples_panel.run, win.samples_panel.runner.cancel)
                 for _ in range(args.repeats)]
        summary(f"more-samples sweep ({wb.net.card.name})", times)
    if "baseline" in args.jobs:
        win.details_panel.stamp_at(40, 40)
        times = [stop_latency(win.details_panel.runner, win.details_panel.run_test, win.details_panel.runner.cancel)
                 for _ in range(args.repeats)]
        summary(f"details test with its baseline ({wb.net.card.name})", times)
    win.close_without_asking()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("api", "cli", "window"), nargs="*", default=None)
    parser.add_argument("--jobs", nargs="*", choices=JOBS, default=list(JOBS))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--after", type=float, default=1.0, help="seconds into a job before stopping it")
    parser.add_argument("--workers", type=int, default=1, help="workers of the study's embedded cluster")
    parser.add_argument("--study-delay", type=float, default=8.0,
                        help="seconds after the study's cluster is up before Ctrl-C (its cases then run)")
    parser.add_argument("--network", default=None,
                        help="the window's network (default: the one it opens with); a search stops "
                             "after its current step, so the network's step time bounds Pause")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    signal.signal(signal.SIGINT, signal.default_int_handler)    # see default_ctrl_c
    ways = args.only or ["api", "cli", "window"]
    for way in ways:
        if len(ways) > 1:         # each way in its own process: no state carried between them
            subprocess.run([sys.executable, __file__, "--only", way, "--jobs", *args.jobs, "--repeats",
                            str(args.repeats), "--after", str(args.after), "--workers", str(args.workers),
                            "--study-delay", str(args.study_delay), "--threads", str(args.threads),
                            *(["--network", args.network] if args.network else [])], check=True)
        else:
            {"api": api, "cli": cli, "window": window}[way](args)


if __name__ == "__main__":
    main()
