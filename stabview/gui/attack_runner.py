"""Test 1 in the window: run, pause, step, stop, reset and snapshot the worst-case search.

In budgeted mode (the default) Run does what `stabview attack` does, step by step: the ceiling
first (unless measured for this setup), then the CLI's plan (`attack_starts.StartPlan` over
`stability.worst_case.WorstCasePlan`: the start along the ceiling's direction and `restarts`
random ones screened, the leaders run on, and the continuation from a quarter of ε); the best
start is shown and reported. In paper mode it is one
`PerturbationSearch` run to `iterations`. The Curve command runs the budget curve
(`budget_curve`) in the same thread.

The search object lives here (kept aside and brought back by attack_keeping.py); while a job runs only the worker touches it, and the GUI sees
copies (`AttackView`) delivered at most 30 times a second by the runner. The images of the
reported r come with the outputs its step computed (no extra forward pass); they are copied for
display at most every `DISPLAY_INTERVAL` seconds, and at the end of a run. Pause stops the step
that runs between two of the network's layers (the search stays as after its last whole step)
and shows that step's images at once.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import torch
from PySide6.QtCore import QObject, QTimer, Signal

from ..experiment import AttackSettings
from ..stability.params import AttackParams
from ..stability.perturbation import PerturbationSearch
from .attack_keeping import SearchKeeping
from .attack_measures import MeasureCommands
from .attack_starts import StartPlan
from .attack_views import AttackMemento, AttackView, clean_images, make_view, snapshot_entry
from .workers import Job

DISPLAY_INTERVAL = 0.25
#: parameters that define r₀ or the objective: changing them means starting again
RESTART_FIELDS = ("mode", "budget", "init_scale", "target", "domain", "gradient", "complex_perturbation", "seed")


class AttackRunner(SearchKeeping, MeasureCommands, QObject):
    """State machine idle → running → paused/finished, driven by the Attack panel and menu."""

    stateChanged = Signal(str)        # 'idle', 'running', 'paused', 'finished'
    updated = Signal(object)          # AttackView
    snapshotsChanged = Signal()
    failed = Signal(str)
    ceilingProgress = Signal(str)     # 'step k / n: gain …' while the linearised gain is measured
    ceilingChanged = Signal(object)   # a measurement (Sensitivity.to_dict() + 'cancelled'), or None
                                      # when a new network, image or sampling makes it stale
    curveChanged = Signal(object)     # (points, phase) of the budget curve, as budgets finish

    def __init__(self, workbench, parent: QObject | None = None):
        super().__init__(parent)
        self.workbench = workbench
        self.runner = workbench.jobs.runner("attack", lambda: workbench.settings.threads)
        self.search: PerturbationSearch | None = None
        self.plan: StartPlan | None = None   # budgeted mode: the starts of the current search
        self.curve: list[dict] = []          # budget-curve points (result.json's 'curve' records)
        self.curve_searches: list[PerturbationSearch] = []
        self.roi: np.ndarray | None = None
        self.snapshots: list[dict] = []
        self.ceiling: dict | None = None      # the linearised gain measured for this setup, if any,
                                              # with its top singular direction ('direction')
        self.clean: dict = {}
        self.last_view: AttackView | None = None
        self.state = "idle"
        self._generation = -1
        self._snapshot_wanted = threading.Event()
        self._reset_when_idle = False
        self._detaching: AttackMemento | None = None     # taken off while a job still ran
        self._reattach_when_idle: AttackMemento | None = None
        self._shown_snapshots = 0
        self._announced: dict | None = None
        self._curve_budgets: tuple = ()
        self.runner.busyChanged.connect(self._busy_changed)
        workbench.imageChanged.connect(self._setup_changed)
        workbench.samplingChanged.connect(self._setup_changed)
        workbench.networkChanged.connect(self._setup_changed)
        workbench.model.keep("attack", self.detach, self._kept_search_back, after_events=True)

    # --- configuration ---------------------------------------------------------------------
    @property
    def settings(self) -> AttackSettings:
        """Test 1's settings: the model's (the Attack panel writes them on Run)."""
        return self.workbench.model.experiment.attack

    @property
    def params(self) -> AttackParams:
        return self.settings.params

    @property
    def iterations(self) -> int:
        return self.settings.iterations

    @property
    def restarts(self) -> int:
        return self.settings.restarts

    @property
    def snapshot_at(self) -> tuple[int, ...]:
        return self.settings.snapshot_at

    def configure(self, params: AttackParams, iterations: int, snapshot_at=(), roi=None,
                  restarts: int | None = None) -> None:
        """New settings (into the model); a running search keeps λ/γ/η changes, others need a
        reset (done here). Other restarts after a budgeted run: the next Run runs the plan anew."""
        restart = self.search is not None and (
            any(getattr(params, f) != getattr(self.params, f) for f in RESTART_FIELDS)
            or (roi is None) != (self.roi is None)
            or (roi is not None and self.roi is not None and not np.array_equal(roi, self.roi)))
        settings = self.settings.with_(params=params, iterations=int(iterations), snapshot_at=tuple(snapshot_at),
                                       restarts=self.restarts if restarts is None else int(restarts))
        self.workbench.model.update(record=False, attack=settings)
        self.roi = roi
        if restart:
            self.reset()
        elif self.search is not None and not self.runner.busy:
            if not params.budgeted:
                self.search.params = params
                self.search.snapshot_at = set(self.snapshot_at)

    # --- commands --------------------------------------------------------------------------
    def run(self) -> bool:
        """Run (or resume): every start to its end (budgeted), or up to `iterations` steps (paper)."""
        return self._start(self.iterations)

    def step(self) -> bool:
        """One more step of the running start (starts the search if there is none)."""
        done = self.search.iteration if self.search is not None else 0
        return self._start(done + 1, max_steps=1)

    def pause(self) -> None:
        """Stop after the current step; the search is kept and can resume."""
        self.runner.cancel()

    def stop(self) -> None:
        """Stop the run (Attack ▸ Stop): like Pause, the search is kept for export and sessions."""
        self.runner.cancel()

    def reset(self) -> None:
        """Forget the search and its snapshots (after the current step, if one runs)."""
        if self.runner.busy:
            self._reset_when_idle = True
            self.runner.cancel()
            return
        self._reset_when_idle = False
        self._forget()

    def _forget(self) -> None:
        self.search, self.snapshots, self.clean, self.last_view, self.plan = None, [], {}, None, None
        self._shown_snapshots = 0
        self.snapshotsChanged.emit()
        self._set_state("idle")

    def _busy_changed(self, busy: bool) -> None:
        if not busy:       # after the job's own callbacks (they run right after this signal)
            QTimer.singleShot(0, self._after_job)

    def take_snapshot(self) -> bool:
        """Keep the current r (its reconstruction is computed in the worker)."""
        if self.search is None:
            return False
        self._snapshot_wanted.set()
        if not self.runner.busy:
            self.runner.submit(Job(self._snapshot_only, on_done=self._job_done, on_error=self._job_failed,
                                   name="snapshot"))
        return True

    # --- worker side -------------------------------------------------------------------------
    def _start(self, target: int, max_steps: int | None = None) -> bool:
        error = self.workbench.compatibility_error()
        if error:
            self.failed.emit(error)
            return False
        if self.search is not None and self._generation != self.workbench.generation:
            self.reset()
        budgeted = self.params.budgeted
        if budgeted and self.plan is not None and self.plan.complete \
                and self.plan.restarts not in (None, self.restarts):
            self.plan = None          # the plan again, with the new number of random starts
        if (self.plan.complete if budgeted and self.plan is not None
                else not budgeted and self.search is not None and self.search.iteration >= target):
            self._set_state("finished")
            return False
        wb = self.workbench
        setup = (wb.net, wb.op, wb.image()[None].to(wb.device), self.params, self.roi)
        self._generation = wb.generation
        work = (lambda job: self._work_budgeted(job, max_steps, setup)) if budgeted else \
            (lambda job: self._work(job, target, setup))
        job = Job(work, on_done=self._job_done, on_error=self._job_failed, on_progress=self._progress,
                  name="attack")
        if not self.runner.submit(job):
            return False
        self._set_state("running")
        return True

    def _work(self, job: Job, target: int, setup) -> AttackView:
        """Paper mode: one search, stepped up to iteration `target`."""
        net, op, x, params, roi = setup
        if self.search is None:
            roi_t = None if roi is None else torch.as_tensor(roi)
            self._show_start(job, PerturbationSearch(net, op, x, params, snapshot_at=self.snapshot_at, roi=roi_t))
        search = self.search
        last_display = [time.perf_counter()]
        while search.iteration < target and not job.cancelled() and search.stopped_by is None:
            self._step(job, search, last_display)
        return self._view(search, images=True)

    def _work_budgeted(self, job: Job, max_steps: int | None, setup) -> AttackView | None:
        """Budgeted mode: the ceiling (unless measured), then the CLI's plan step by step; the
        best start is kept as `search` once the plan is complete. None: cancelled in the ceiling."""
        net, op, x, params, roi = setup
        if self.plan is None:
            direction = None
            if params.domain == "image":
                if self.ceiling is None:
                    measured = self._measure(job, net, op, x, params)
                    if measured["cancelled"]:
                        return None
                    self.ceiling = measured
                direction = self.ceiling["direction"]
            self.plan = StartPlan.for_setup(net, op, x, params, self.iterations, self.restarts, direction,
                                            None if roi is None else torch.as_tensor(roi))
        plan, steps, last_display = self.plan, 0, [time.perf_counter()]
        while not job.cancelled() and (max_steps is None or steps < max_steps):
            if plan.step(job.cancelled) is None:
                break            # complete, or paused part-way through a step (nothing changed)
            search = plan.current
            if search is not self.search:
                self._show_start(job, search)
            self._show_step(job, search, last_display)
            steps += 1
        if plan.complete:
            self.search = plan.best()
        return None if self.search is None else self._view(self.search, images=True)

    def _show_start(self, job: Job, search: PerturbationSearch) -> None:
        """Make a new search (a new start) the one shown, from its first images on."""
        if not self.clean:
            self.clean = clean_images(search)
        if self.search is not None and self.search is not search:
            self.snapshots = []          # kept r's belong to one start
        self.search = search
        job.publish(self._view(search, images=True))

    def _step(self, job: Job, search: PerturbationSearch, last_display: list) -> None:
        if search.step(should_stop=job.cancelled) is None and job.cancelled():
            return         # paused part-way through the step: the search is as after its last one
        self._show_step(job, search, last_display)

    def _show_step(self, job: Job, search: PerturbationSearch, last_display: list) -> None:
        """Offer the step's numbers (and, every DISPLAY_INTERVAL, its images) to the GUI."""
        if self._snapshot_wanted.is_set() or len(search.snapshots) > len(self.snapshots):
            self._sync_snapshots(search)
        now = time.perf_counter()
        show = now - last_display[0] >= DISPLAY_INTERVAL
        if show:
            last_display[0] = now
        job.publish(self._view(search, images=show))

    def _snapshot_only(self, job: Job) -> AttackView:
        self._sync_snapshots(self.search)
        return self._view(self.search, images=True)

    def _sync_snapshots(self, search: PerturbationSearch) -> None:
        """Take a requested snapshot, then add display images for every new engine snapshot."""
        if self._snapshot_wanted.is_set():
            self._snapshot_wanted.clear()
            state = search.result_state
            if state is not None and (not search.snapshots or search.snapshots[-1].iteration != state.iteration):
                search.snapshot()
        for snap in search.snapshots[len(self.snapshots):]:
            self.snapshots.append(snapshot_entry(search, snap))

    def _view(self, search: PerturbationSearch, images: bool) -> AttackView:
        return make_view(search, self.clean, images, self.plan.phase() if self.plan is not None else "")

    # --- GUI side ---------------------------------------------------------------------------
    def _progress(self, view) -> None:
        if self._detaching is not None:
            return                  # the search is being put aside: show nothing of it
        self._announce_ceiling()
        if isinstance(view, str):   # the ceiling's measurement, before the starts
            self.ceilingProgress.emit(view)
            return
        if not view.images and self.last_view is not None:
            view.images = self.last_view.images          # images are refreshed less often
            view.search_state = self.last_view.search_state
            view.numbers = self.last_view.numbers
        self.last_view = view
        self.updated.emit(view)
        if len(self.snapshots) != self._shown_snapshots:
            self._shown_snapshots = len(self.snapshots)
            self.snapshotsChanged.emit()

    def _announce_ceiling(self) -> None:
        """Say once that a run measured the ceiling (it is set in the worker)."""
        if self.ceiling is not None and self._announced is not self.ceiling:
            self._announced = self.ceiling
            self.ceilingChanged.emit(dict(self.ceiling, cancelled=False))

    def _job_done(self, view: AttackView | None) -> None:
        self._announce_ceiling()
        if view is None:            # cancelled while measuring the ceiling: no search yet
            self.ceilingChanged.emit({"cancelled": True})
            self._set_state("idle")
            if self._reset_when_idle:
                self.reset()
            return
        if self._detaching is not None:
            self.last_view = view   # kept with the search (see _after_job), not shown
            return
        self.last_view = view
        self.updated.emit(view)
        self._shown_snapshots = len(self.snapshots)
        self.snapshotsChanged.emit()
        if self._reset_when_idle:
            self.reset()
            return
        if self.plan is not None:
            self._set_state("finished" if self.plan.complete else "paused")
            return
        stopped = self.search is not None and self.search.stopped_by in ("stalled", "diverged")
        self._set_state("finished" if view.iteration >= self.iterations or stopped else "paused")

    def _job_failed(self, message: str) -> None:
        self.failed.emit(message)
        if self._detaching is not None:
            return
        if self._reset_when_idle:
            self.reset()
        else:
            self._set_state("paused" if self.search is not None else "idle")

    def _setup_changed(self) -> None:
        self.ceiling = None
        self.ceilingChanged.emit(None)
        if self.curve:
            self.set_curve([])
        if self._detaching is None and (self.search is not None or self.runner.busy):
            self.reset()

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.stateChanged.emit(state)
