"""Export what the window shows: the CLI's attack report (same result.json, arrays.npz,
attack.png/.pdf, curves.png, written by `stability.reports.write_attack`) and the raw arrays.

The report needs the network and the baseline on every snapshot, so it runs in the attack's
worker thread (which also guarantees the search is not stepping meanwhile).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import StabviewError
from ..stability.attack import add_linear_gain, summarise
from ..stability.worst_case import WorstCase
from ..stability.reports import write_attack
from ..experiment import baseline_reconstructor
from .workers import Job


def report_meta(workbench, iterations: int) -> dict:
    """The same keys the CLI's `attack` command writes beside the numbers."""
    experiment = workbench.experiment
    return {"network": experiment.network.label, "image": experiment.image.spec,
            "operator": workbench.op.describe(), "iterations": iterations, "device": str(workbench.device)}


def export_report(attack, out_dir: str | os.PathLike, on_done, on_error, *, with_baseline: bool = True) -> bool:
    """Write the report of the current search into `out_dir` in the background."""
    search = attack.search
    if search is None:
        raise StabviewError("nothing to export yet: run the attack first")
    if attack.runner.busy:
        raise StabviewError("pause the attack before exporting (the report needs a fixed r)")
    out = Path(out_dir)
    meta = report_meta(attack.workbench, attack.iterations)
    plan = attack.plan if search.params.budgeted else None
    if plan is not None:            # the best start, with every start's numbers (the CLI's 'restarts')
        starts, cancelled = plan.records(attack.iterations), not plan.complete
    else:
        starts = []
        cancelled = search.iteration < attack.iterations and search.stopped_by not in ("stalled", "diverged")
    ceiling = attack.ceiling if search.params.domain == "image" else None
    curve = [dict(p) for p in attack.curve]

    def work(job: Job):
        out.mkdir(parents=True, exist_ok=True)
        baseline = baseline_reconstructor(should_stop=job.cancelled) if with_baseline else None
        outcome = summarise(WorstCase([search], starts, cancelled=cancelled), baseline)
        if ceiling is not None:                    # measured by Run or with the Ceiling button
            add_linear_gain(outcome.numbers, ceiling["gain"][0], ceiling["converged"])
        outcome.curve = curve                      # the budget curve drawn in the panel, if any
        return [str(p) for p in write_attack(outcome, out, meta)]

    return attack.runner.submit(Job(work, on_done=on_done, on_error=on_error, name="export"))


def export_arrays(path: str | os.PathLike, viewers, workbench) -> Path:
    """Every array shown in the views, plus d and the mask, as one NPZ (no pickles)."""
    arrays = {k: v for k, v in viewers.arrays.items() if v is not None}
    arrays["detail"] = workbench.canvas.image()
    arrays["mask"] = workbench.op.mask.detach().cpu().numpy()
    path = Path(path)
    if path.suffix.lower() != ".npz":
        path = path.with_name(path.name + ".npz")
    np.savez_compressed(path, **arrays)
    return path
