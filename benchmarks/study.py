"""Studies on Dask: parallel efficiency, scheduling overhead per case, and planning a huge spec.

Goals: 2 single-thread workers ≥ 0.8 × twice the throughput of 1 (on a 2-core machine);
scheduling overhead (Dask, recording, arrays) ≤ 2% of a case's time; the client plans a
100 000-case spec (parse, count, resume against 50 000 recorded ids, every case's id and
payload as it would be submitted) in ≤ 10 s and ≤ 500 MB.

Times are wall-clock within this one run (a shared machine varies 2–3× between runs; compare
the ratios). Workers are warmed (network loaded) before timing.

    PYTHONPATH=. python benchmarks/study.py --cases 8 --iterations 20 --rounds 2
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

import torch

SPEC = """
networks = ["{network}"]
images = [{images}]
budgets = [0.02]
restarts = 1
iterations = {iterations}
gain_iterations = 0
baseline = false
keep_arrays = 5
attack = {{ step = 0.25 }}
seed = {seed}
"""


def spec_text(network: str, cases: int, iterations: int, seed: int) -> str:
    images = ", ".join(f'"ellipses:{k}"' for k in range(cases))
    return SPEC.format(network=network, images=images, iterations=iterations, seed=seed)


def timed_batch(client, text: str, folder: Path) -> tuple[float, list[float]]:
    """Wall time of the spec's cases on `client`'s workers (recorded as a study would), and
    each case's own time on its worker."""
    from stabview.study.cases import expand
    from stabview.study.recorder import Recorder
    from stabview.study.scheduling import run_cases
    from stabview.study.spec import parse_spec

    spec = parse_spec(text)
    with Recorder(folder, keep=spec.keep_arrays) as recorder:
        start = time.perf_counter()
        summary = run_cases(client, expand(spec), recorder)
        wall = time.perf_counter() - start
        case_times = [row["timings"]["total_s"] for row in recorder.rows()]
    assert summary.recorded == len(case_times) and summary.failed == 0
    return wall, case_times


def in_process(text: str) -> float:
    """Wall time of the same cases run one after another in this process (no Dask, no table)."""
    from stabview.study.cases import expand
    from stabview.study.spec import parse_spec
    from stabview.study.worker import run_case_task
    start = time.perf_counter()
    for case in expand(parse_spec(text)):
        assert run_case_task(case.to_dict())["status"] == "ok"
    return time.perf_counter() - start


def compare(text: str, warm: dict, folder: Path, rounds: int) -> dict:
    """This process, 1 worker and 2 workers, measured in turns (A B C C B A …) so that a load
    that drifts during the run weighs on all three alike; sums over the rounds."""
    from distributed import Client, LocalCluster

    from stabview.study.worker import run_case_task
    totals = {"process": 0.0, 1: 0.0, 2: 0.0}
    case_times: list[float] = []
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=logging.ERROR, host="127.0.0.1") as one, \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                         silence_logs=logging.ERROR, host="127.0.0.1") as two, \
            Client(one) as client_one, Client(two) as client_two:
        clients = {1: client_one, 2: client_two}
        for client in clients.values():
            client.run(run_case_task, warm)     # every worker loads the network once, untimed
        run_case_task(warm)
        order = ["process", 1, 2]
        for k in range(rounds):
            for what in (order if k % 2 == 0 else order[::-1]):
                if what == "process":
                    totals[what] += in_process(text)
                else:
                    wall, times = timed_batch(clients[what], text, folder / f"{what}-{k}")
                    totals[what] += wall
                    if what == 1:
                        case_times += times
    return {**totals, "case_times": case_times}


PLAN_IMAGES = 1000    # × 2 networks × 5 budgets × 10 restarts = 100 000 cases


def plan_text() -> str:
    images = ", ".join(f'"ellipses:{k}"' for k in range(PLAN_IMAGES))
    return (f'networks = ["deepmri", "ell50"]\nimages = [{images}]\n'
            'budgets = [0.005, 0.01, 0.02, 0.05, 0.1]\nrestarts = 10\n')


def record_half(folder: Path) -> None:
    """Setup, untimed: every other case of the planning spec recorded (a study half done)."""
    from stabview.study.cases import expand
    from stabview.study.recorder import Recorder
    from stabview.study.spec import parse_spec
    rows = [(case.id, case.network.label, case.network.file_hash, case.image.ref, case.test, case.budget,
             case.restart, case.case_seed)
            for k, case in enumerate(expand(parse_spec(plan_text()))) if k % 2]
    with Recorder(folder) as recorder, recorder.db:
        recorder.db.executemany(
            "INSERT INTO cases (id, network, network_hash, image, test, budget, restart, seed, status, "
            "message, finished, numbers, timings, versions, operator, case_spec) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, 'ok', '', 0, '{}', '{}', '{}', '{}', '{}')", rows)


def plan(folder: Path) -> tuple[int, int, int]:
    """What `study run` does before the first submission, plus building every payload it would
    submit: parse, count, read the recorded ids, count what is left, expand the pending cases."""
    from stabview.study.cases import count, ids, pending
    from stabview.study.recorder import Recorder
    from stabview.study.spec import parse_spec
    spec = parse_spec(plan_text())
    total = count(spec)
    with Recorder(folder) as recorder:
        done = recorder.recorded_ids()
        remaining = total - sum(1 for case_id in ids(spec) if case_id in done)
        submitted = sum(1 for case in pending(spec, done) if case.to_dict())
    return total, len(done), remaining if remaining == submitted else -1


def plan_in_child(folder: str) -> None:
    """Run in a fresh process (as a study's client starts): time, peak RSS, Python's own peak."""
    import json
    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start, cpu = time.perf_counter(), time.process_time()
    total, recorded, remaining = plan(Path(folder))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()                       # a second pass for Python's own peak (slower)
    plan(Path(folder))
    python_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(json.dumps({"cases": total, "recorded": recorded, "remaining": remaining, "seconds": seconds,
                      "cpu": cpu, "python_peak_mb": python_peak, "rss_peak_mb": rss_peak,
                      "rss_start_mb": rss_start}))


def planning(folder: Path) -> dict:
    """Client's time and memory to plan a 100 000-case spec with 50 000 cases already recorded,
    measured in a fresh process (its peak RSS is the client's, imports included)."""
    import json
    import subprocess
    import sys
    record_half(folder)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]) + os.pathsep
           + os.environ.get("PYTHONPATH", ""), "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, __file__, "--plan-in", str(folder)], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", default="automap")
    parser.add_argument("--cases", type=int, default=8, help="cases per timed batch")
    parser.add_argument("--iterations", type=int, default=20, help="search iterations per case")
    parser.add_argument("--rounds", type=int, default=2, help="turns of the three measurements")
    parser.add_argument("--plan-in", default=None, help=argparse.SUPPRESS)   # the planning child
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.plan_in:
        plan_in_child(args.plan_in)
        return
    print(f"torch threads (client and each worker): {torch.get_num_threads()}; cores: {os.cpu_count()}; "
          f"load average: {os.getloadavg()[0]:.1f}")

    from stabview.study.cases import expand
    from stabview.study.spec import parse_spec
    warm = next(expand(parse_spec(spec_text(args.network, 1, args.iterations, seed=99)))).to_dict()
    text = spec_text(args.network, args.cases, args.iterations, seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        plan = planning(tmp / "plan")
        measured = compare(text, warm, tmp, args.rounds)
    local, one, two, times_one = measured["process"], measured[1], measured[2], measured["case_times"]
    mean_case = sum(times_one) / len(times_one)
    overhead = (one - sum(times_one)) / len(times_one)
    print(f"{args.rounds} rounds of {args.cases} cases of {args.network}, {args.iterations} iterations, in turns: "
          f"in this process {local:.2f} s; 1 worker {one:.2f} s; 2 workers {two:.2f} s")
    print(f"parallel efficiency of 2 workers: {one / (2 * two):.2f} (goal ≥ 0.8)")
    print(f"scheduling overhead per case: {overhead * 1000:.0f} ms of a {mean_case:.2f} s case = "
          f"{overhead / mean_case:.1%} (goal ≤ 2%); 1 worker against this process: {one / local:.3f}×")
    print(f"planning {plan['cases']} cases ({plan['recorded']} recorded, {plan['remaining']} to run): "
          f"{plan['seconds']:.1f} s, {plan['cpu']:.1f} s of CPU (goal ≤ 10 s); Python peak {plan['python_peak_mb']:.0f} MB, "
          f"the client process's peak RSS {plan['rss_peak_mb']:.0f} MB (at its start, torch imported: {plan['rss_start_mb']:.0f} MB; "
          f"goal ≤ 500 MB)")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (on {os.cpu_count()} cores; a load above the "
          "core count makes the efficiency and the overhead meaningless)")


if __name__ == "__main__":
    main()
