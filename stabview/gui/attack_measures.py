"""The attack runner's measurements beside the search: the ceiling and the budget curve.

A mixin of `AttackRunner` (it uses the runner's job runner, workbench, settings and signals);
both run in the attack's worker thread, so never beside a search on the same network. The
curve itself is `budget_curve.budget_curve`, Qt-free.
"""

from __future__ import annotations

import torch

from ..stability.params import AttackParams
from ..stability.sensitivity import linear_gain
from ..experiment import baseline_reconstructor
from .budget_curve import DEFAULT_BUDGETS, budget_curve
from .workers import Job

CEILING_ITERATIONS = 30      # as the CLI's --gain-iterations


class MeasureCommands:
    """measure_ceiling (the result is `ceiling`), run_curve / set_curve (the points are `curve`,
    result.json's 'curve' records)."""

    def _checked_setup(self):
        """(net, op, x + d on the device) from the workbench, or None after saying why they cannot run."""
        error = self.workbench.compatibility_error()
        if error:
            self.failed.emit(error)
            return None
        wb = self.workbench
        return wb.net, wb.op, wb.image()[None].to(wb.device)

    def measure_ceiling(self, iterations: int = CEILING_ITERATIONS) -> bool:
        """Measure the network's linearised gain at x (in the worker, cancellable with Pause).

        Runs in the attack's thread, so never beside a search on the same network.
        """
        setup = self._checked_setup()
        if setup is None:
            return False
        if self.params.domain != "image":
            self.failed.emit("the linearised gain is measured for image-domain perturbations")
            return False
        (net, op, x), params = setup, self.params
        return self.runner.submit(Job(lambda job: self._measure(job, net, op, x, params, iterations),
                                      on_done=self._ceiling_done, on_error=self.failed.emit,
                                      on_progress=self.ceilingProgress.emit, name="ceiling"))

    @staticmethod
    def _measure(job: Job, net, op, x, params: AttackParams, iterations: int = CEILING_ITERATIONS) -> dict:
        """The linearised gain and its direction (worker side); progress as text."""
        def progress(done, total, gains):
            job.publish(f"measuring the ceiling: step {done} / {total}, gain {gains[0]:.2f}×")
        result = linear_gain(net, op, x, iterations=iterations, seed=params.seed, should_stop=job.cancelled,
                             complex_perturbation=params.complex_perturbation, progress=progress)
        return {**result.to_dict(), "direction": result.direction.detach().clone(), "cancelled": job.cancelled()}

    def _ceiling_done(self, result: dict) -> None:
        self.ceiling = None if result["cancelled"] else result
        self.ceilingChanged.emit(result)

    def run_curve(self, budgets=DEFAULT_BUDGETS, noise_draws: int = 8) -> bool:
        """Run the budget curve in the worker (Pause cancels; finished budgets are kept)."""
        setup = self._checked_setup()
        if setup is None:
            return False
        net, op, x = setup
        params, iterations, restarts, roi = self.params, self.iterations, self.restarts, self.roi
        ceiling = self.ceiling
        direction = ceiling.get("direction") if ceiling is not None else None
        self.curve, self.curve_searches, self._curve_budgets = [], [], tuple(budgets)
        self.curveChanged.emit(([], "budget curve: starting"))

        def work(job: Job):
            roi_t = None if roi is None else torch.as_tensor(roi)
            baseline = baseline_reconstructor(should_stop=job.cancelled)
            return budget_curve(net, op, x, params, iterations, budgets=budgets, restarts=restarts,
                                direction=direction, ceiling=ceiling, roi=roi_t, noise_draws=noise_draws,
                                baseline=baseline,
                                publish=lambda points, phase: job.publish((points, phase)),
                                should_stop=job.cancelled)

        return self.runner.submit(Job(work, on_done=self._curve_done, on_error=self.failed.emit,
                                      on_progress=self.curveChanged.emit, name="budget curve"))

    def _curve_done(self, result) -> None:
        self.curve, self.curve_searches = result
        done = len(self.curve) == len(self._curve_budgets)
        self.curveChanged.emit((self.curve, "budget curve done" if done else "budget curve: cancelled"))

    def set_curve(self, points: list[dict]) -> None:
        """Show points read back from a session (their searches are not kept)."""
        self.curve, self.curve_searches = [dict(p) for p in points], []
        self.curveChanged.emit((self.curve, ""))
