"""`stabview study run|status|report`: many cases on Dask, recorded in DIR/cases.sqlite."""

from __future__ import annotations

import argparse
import sys

from .common import say
from .progress import ProgressBar


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "study", help="run a study: networks × images × budgets × restarts on Dask",
        description="Expand a spec (TOML) into cases, run them on Dask workers, record each result "
                    "at once in DIR/cases.sqlite, and write cases.csv, report.html and summary.json.")
    commands = parser.add_subparsers(dest="study_command", metavar="ACTION")
    run_p = commands.add_parser("run", help="run (or resume) the study of a spec",
                                description="Run every case of SPEC not yet recorded in DIR (a resumed "
                                            "study runs only the unfinished cases).")
    run_p.add_argument("spec", help="the study's spec (TOML)")
    run_p.add_argument("--out", required=True, help="study folder (cases.sqlite, cases.csv, report)")
    run_p.add_argument("--workers", type=int, default=None,
                       help="worker processes of the embedded Dask cluster (default: cores − 1, at least 1)")
    run_p.add_argument("--scheduler", default=None,
                       help="address of a running Dask scheduler (tcp://HOST:8786) instead of an embedded one")
    run_p.add_argument("--dry-run", action="store_true",
                       help="print the number of cases and a time estimate from a probe case per network, then exit")
    run_p.add_argument("--retry-failed", action="store_true", help="run the cases recorded as failed again")
    run_p.add_argument("--in-flight", type=int, default=None,
                       help="cases submitted at a time (default: two per worker thread, at least 4)")
    run_p.set_defaults(func=run)
    status_p = commands.add_parser("status", help="how many cases are recorded, ok and failed")
    status_p.add_argument("dir", help="study folder")
    status_p.set_defaults(func=status)
    report_p = commands.add_parser("report", help="write report.html, summary.json and cases.csv again")
    report_p.add_argument("dir", help="study folder")
    report_p.set_defaults(func=report)
    parser.set_defaults(func=lambda args: _usage(parser))
    return parser


def _usage(parser) -> int:
    parser.print_help(sys.stderr)
    return 2


def run(args) -> int:
    from ..study.cases import count, ids, pending
    from ..study.recorder import Recorder
    from ..study.single_writer import single_writer
    from ..study.spec import load_spec

    spec = load_spec(args.spec)
    total = count(spec)
    if args.dry_run:
        return _dry_run(spec, total, args.workers)
    with single_writer(args.out), Recorder(args.out, keep=spec.keep_arrays) as recorder:
        recorder.tidy_arrays()
        recorder.set_meta("spec_text", spec.text)
        recorder.set_meta("planned", total)
        done = recorder.recorded_ids(include_failed=not args.retry_failed)
        remaining = total - sum(1 for case_id in ids(spec) if case_id in done)
        say(f"{total} cases; {total - remaining} recorded; {remaining} to run")
        if remaining:
            said = []

            def say_stopped() -> None:
                if not said:
                    said.append(True)
                    counts = recorder.counts()
                    say(f"\nstopped: {counts.get('ok', 0) + counts.get('failed', 0)} of {total} cases are "
                        f"recorded in {args.out}; the same command runs the rest")
            try:
                _run_on_dask(args, pending(spec, done), recorder, remaining, say_stopped)
            except KeyboardInterrupt:
                say_stopped()
                raise
        counts = recorder.counts()
        recorder.export_csv()
    from ..study.report import write_report
    report_path, summary_path = write_report(args.out)
    say(f"{counts.get('ok', 0)} ok, {counts.get('failed', 0)} failed; wrote {args.out}/cases.csv, "
        f"{report_path.name}, {summary_path.name}")
    return 0


def _run_on_dask(args, cases, recorder, remaining: int, say_stopped) -> None:
    """Run the cases; on Ctrl-C `say_stopped()` at once (nothing more is recorded after it),
    then the workers are killed (the rest of the cluster ends with this process)."""
    from ..study.scheduling import dashboard_link, open_client, run_cases
    # the process ends after an interrupted study (`__main__.exit_now`): its cluster need not be closed
    with open_client(workers=args.workers, scheduler=args.scheduler, ending_process=True) as client:
        workers = len(client.scheduler_info().get("workers", {}))
        say(f"Dask: {client.scheduler.address}, {workers} worker(s)"
            + (f"; dashboard {link}" if (link := dashboard_link(client)) else ""))
        bar = ProgressBar("study")
        failed = 0

        def progress(done, case, result):
            nonlocal failed
            failed += result["status"] == "failed"
            bar.update(done, remaining, f"{failed} failed" if failed else "")

        try:
            summary = run_cases(client, cases, recorder, limit=args.in_flight, progress=progress)
        except KeyboardInterrupt:
            say_stopped()
            raise
        bar.close()
        say(f"ran {summary.recorded} cases in {summary.seconds:.1f} s (at most {summary.most_in_flight} in flight)")


def _dry_run(spec, total: int, workers: int | None) -> int:
    """Count the cases and time one probe case per network and test, in this process."""
    from ..study.cases import expand
    from ..study.scheduling import default_workers
    from ..study.spec import BUDGETED_TESTS
    from ..study.worker import run_case_task
    workers = workers or default_workers()
    print(f"{total} cases")
    per_image = len(spec.rates) * len(spec.images)
    seconds, missing = 0.0, []
    probes = {}
    for case in expand(spec):
        key = (case.network.label, case.test)
        if key in probes:
            if len(probes) == len(spec.networks) * len(spec.tests):
                break
            continue
        result = run_case_task(case.to_dict(), float("inf"))
        probes[key] = result
        if result["status"] != "ok":
            missing.append(f"{key[0]} {key[1]}: {result['message']}")
            continue
        t = result["timings"]
        seconds += per_image * (len(spec.budgets) * spec.restarts if key[1] in BUDGETED_TESTS else 1) * t["run_s"]
        print(f"probe {key[0]} {key[1]}: {t['run_s']:.2f} s per case (+ {t['load_s']:.2f} s loading)")
    print(f"estimate: {seconds / workers / 60:.1f} min on {workers} worker(s)"
          + (" (without the networks whose probe failed)" if missing else ""))
    for line in missing:
        print(f"probe failed: {line}")
    return 0


def status(args) -> int:
    from ..study.recorder import Recorder
    with Recorder(args.dir, create=False) as recorder:
        counts = recorder.counts()
        planned = recorder.meta("planned")
        recorded = counts.get("ok", 0) + counts.get("failed", 0)
        print(f"planned {planned if planned is not None else '?'}; recorded {recorded} "
              f"({counts.get('ok', 0)} ok, {counts.get('failed', 0)} failed)"
              + (f"; {planned - recorded} to run" if planned is not None and planned >= recorded else ""))
        by_network: dict[str, list[int]] = {}
        for (network, state, n) in recorder.db.execute(
                "SELECT network, status, COUNT(*) FROM cases GROUP BY network, status ORDER BY network"):
            by_network.setdefault(network, [0, 0])[state == "failed"] += n
        for network, (ok, failed) in by_network.items():
            print(f"  {network}: {ok} ok, {failed} failed")
        for case_id, network, image, message in recorder.db.execute(
                "SELECT id, network, image, message FROM cases WHERE status = 'failed' LIMIT 5"):
            print(f"  failed {case_id[:12]} {network} {image}: {message}")
    return 0


def report(args) -> int:
    from ..study.recorder import Recorder
    from ..study.report import write_report
    with Recorder(args.dir, create=False) as recorder:
        csv_path = recorder.export_csv()
    report_path, summary_path = write_report(args.dir)
    say(f"wrote {csv_path}, {report_path}, {summary_path}")
    return 0
