"""Targeted attacks in the window: "false feature" (add) and "missing feature" (remove).

The details layer is the target d and the image without it is x: a false feature asks for r that
makes the network show d although x lacks it, a missing feature for r that erases d from x + d
(`stability.targeted`). The search runs in the attack's thread (`AttackRunner.runner`), so one job
runs at a time and the Attack panel's Pause ends it: the best r found so far is then judged, as
`stabview target` judges the r it ends with. The result (the keys of `stabview target`'s
result.json) goes into the model as `results["target"]`; its images go to the viewers.
"""

from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import QObject, Signal

from ..errors import StabviewError
from ..experiment.experiment import baseline_reconstructor
from ..stability.reports import versions
from ..stability.targeted import TargetSettings, run_targeted
from .workers import Job

#: the Attack panel's names of the targeted modes, and the engine's
MODES = {"false feature": "add", "missing feature": "remove"}
NO_DETAIL = ("a targeted attack needs a detail as its target: stamp or draw one on the x view first "
             "(Details panel)")


class TargetRunner(QObject):
    """Runs one targeted search at a time in `attack.runner`; `shown(images)` hands its images to the views."""

    busyChanged = Signal(bool)      # a targeted search started (True) or ended (False)
    progressed = Signal(object)     # TargetState.to_dict() of the latest step
    finished = Signal(object)       # the result (dict), or None when it was dropped (setup changed)
    shown = Signal(object)          # images {name: (H, W) numpy} of the finished search
    cleared = Signal()
    failed = Signal(str)

    def __init__(self, workbench, attack, parent: QObject | None = None):
        super().__init__(parent)
        self.workbench, self.attack = workbench, attack
        self.runner = attack.runner
        self.job: Job | None = None
        self.images: dict[str, np.ndarray] = {}
        self.history: list[dict] = []
        self._generation = -1
        self._dropped = threading.Event()
        for signal in (workbench.imageChanged, workbench.samplingChanged, workbench.networkChanged):
            signal.connect(self._setup_changed)
        # the images go with each state of the history, as the model's results do (undo shows them)
        workbench.model.keep("target", self._take, self._give, after_events=True)

    @property
    def busy(self) -> bool:
        return self.job is not None

    @property
    def result(self) -> dict | None:
        """The last targeted result for the current experiment (the model's `results['target']`)."""
        return self.workbench.model.results.get("target")

    def problem(self) -> str:
        """Why a targeted search cannot start now ('' when it can)."""
        wb = self.workbench
        return wb.compatibility_error() or (NO_DETAIL if wb.canvas.is_empty else "")

    def run(self, mode: str, budget: float, iterations: int) -> bool:
        """Start a search for `mode` ('false feature' / 'missing feature', or 'add' / 'remove');
        raises StabviewError naming what is missing or wrong (no detail, a bad budget)."""
        error = self.problem()
        if error:
            raise StabviewError(error)
        if self.runner.busy:
            return False
        wb = self.workbench
        settings = TargetSettings(MODES.get(mode, mode), float(budget), int(iterations), seed=wb.sampling.seed)
        net, op, device = wb.net, wb.op, wb.device
        x, d = wb.base_image[None].to(device), wb.canvas.tensor().to(device)
        about = {"test": f"target-{settings.mode}", "network": net.card.name, "image": wb.experiment.image.spec,
                 "operator": op.describe(), "detail": {"operations": wb.canvas.to_dict()["operations"]},
                 "seed": settings.seed}
        self._generation = wb.generation
        dropped = self._dropped = threading.Event()

        def work(job: Job):
            def progress(state, total):
                job.publish(state.to_dict())
            # Pause stops the search and the best r is judged; the baseline's solve on that r
            # stops only when the result is dropped (the setup changed, Reset, the window closes)
            outcome = run_targeted(net, op, x, d, settings, baseline=baseline_reconstructor(should_stop=dropped.is_set),
                                   progress=progress, should_stop=job.cancelled)
            images = {k: v.detach().cpu().numpy().copy() for k, v in outcome.images.items()}
            return {**about, **outcome.to_dict(), "versions": versions()}, images

        self.history = []
        job = Job(work, on_done=self._done, on_error=self._failed, on_progress=self._progress,
                  name=f"target ({settings.mode})")
        if not self.runner.submit(job):
            return False
        self.job = job
        self.busyChanged.emit(True)
        return True

    def cancel(self) -> None:
        """End the search now; the best r so far is judged and shown (as Pause does)."""
        if self.job is not None:
            self.job.cancel()

    def reset(self) -> None:
        """Forget the targeted result (a running search is dropped when it ends)."""
        self._drop_job()
        self._forget()
        if "target" in self.workbench.model.results:
            self.workbench.model.set_result("target", None)

    def stop(self) -> None:
        """Drop a running search at once, its baseline solve included (the window is closing)."""
        self._drop_job()

    def _drop_job(self) -> None:
        if self.job is not None:
            self._generation = -1           # its result belongs to a state that is gone
            self._dropped.set()
            self.job.cancel()

    def _forget(self) -> None:
        had = bool(self.images or self.history)
        self.images, self.history = {}, []
        if had:
            self.cleared.emit()

    def _setup_changed(self) -> None:
        """Another network, image, details or sampling: the model drops the result, the views go."""
        self._drop_job()
        self._forget()

    def _take(self) -> dict | None:
        """For the history: the shown search's images (a running search is dropped)."""
        self._drop_job()
        kept = {"images": self.images, "history": self.history} if self.images else None
        self._forget()
        return kept

    def _give(self, kept: dict | None) -> None:
        if kept and not self.busy and "target" in self.workbench.model.results:
            self.images, self.history = kept["images"], kept["history"]
            self.shown.emit(self.images)

    # --- GUI side -------------------------------------------------------------------------------
    def _progress(self, state: dict) -> None:
        if self._generation == self.workbench.generation:
            self.history.append(state)
            self.progressed.emit(state)

    def _done(self, value) -> None:
        self.job = None
        self.busyChanged.emit(False)
        if self._generation != self.workbench.generation:
            self.finished.emit(None)
            return
        result, images = value
        # steps between two deliveries were coalesced away: the full history comes with the result
        self.history = list(result.get("history", []))
        self.images = images
        self.workbench.model.set_result("target", result)
        self.shown.emit(images)
        self.finished.emit(result)

    def _failed(self, message: str) -> None:
        self.job = None
        self.busyChanged.emit(False)
        self.failed.emit(message)
        self.finished.emit(None)
