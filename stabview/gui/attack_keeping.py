"""The attack runner's search kept elsewhere and brought back: put aside with the undo history and
back with Undo, into a session file and back, and a study case's r shown as the current one.

A mixin of `AttackRunner` (it uses the runner's job runner, workbench, state and signals).
"""

from __future__ import annotations

import numpy as np
import torch

from ..stability.perturbation import PerturbationSearch
from .attack_starts import StartPlan
from .attack_views import AttackMemento, AttackView, clean_images
from .workers import Job


class SearchKeeping:
    """detach / reattach (the model's history keeps the search), sessions and a study case's r."""

    def detach(self) -> AttackMemento | None:
        """Take the search off this runner, to keep it (undo) instead of forgetting it.

        With a job running, the job is cancelled and the memento is completed when it ends
        (the search's last step and display images included); meanwhile nothing of it is shown.
        """
        if self._detaching is not None:
            return None
        # a run still measuring its ceiling has no search to keep yet
        starting = self.runner.busy and self.state == "running" and not (self.params.budgeted and self.plan is None)
        if self.search is None and not starting:
            if self.runner.busy:
                self._reset_when_idle = True
                self.runner.cancel()
            return None
        memento = AttackMemento(self.search, self.snapshots, self.clean, self.last_view,
                                "paused" if self.state == "running" else self.state, self.ceiling, self.plan)
        if self.runner.busy:
            self._detaching = memento
            self.runner.cancel()
            self._set_state("idle")
            return memento
        self._forget()
        return memento

    def _kept_search_back(self, memento: AttackMemento | None) -> None:
        if memento is not None:
            self.reattach(memento)

    def reattach(self, memento: AttackMemento) -> None:
        """Put a detached search back and show it as it was (a job still ending: when it ends)."""
        if self.runner.busy or self._detaching is not None:
            self._reattach_when_idle = memento
            return
        self._reset_when_idle = False
        self.search, self.snapshots, self.clean = memento.search, memento.snapshots, memento.clean
        self.last_view, self.ceiling, self.plan = memento.last_view, memento.ceiling, memento.plan
        self._generation = self.workbench.generation
        self._shown_snapshots = len(self.snapshots)
        self.snapshotsChanged.emit()
        self.ceilingChanged.emit(dict(self.ceiling, cancelled=False) if self.ceiling else None)
        if self.last_view is not None:
            self.updated.emit(self.last_view)
        self._set_state(memento.state if memento.state != "running" else "paused")

    def _after_job(self) -> None:
        if self.runner.busy:
            return
        memento, self._detaching = self._detaching, None
        if memento is not None:
            memento.search, memento.snapshots = self.search, self.snapshots
            memento.clean, memento.plan = self.clean, self.plan
            if self.search is None:          # stopped inside the plan's first step: nothing to keep
                memento.plan, memento.state = None, "idle"
            if self.last_view is not None:
                memento.last_view = self.last_view
            if self.ceiling is not None:          # measured by the job that just ended: its setup's
                memento.ceiling, self.ceiling = self.ceiling, None
                self.ceilingChanged.emit(None)
            self.search, self.snapshots, self.clean, self.last_view, self.plan = None, [], {}, None, None
            self._shown_snapshots = 0
            self.snapshotsChanged.emit()
        waiting, self._reattach_when_idle = self._reattach_when_idle, None
        if waiting is not None:
            self.reattach(waiting)
        elif self._reset_when_idle:
            self.reset()

    def show_perturbation(self, r) -> bool:
        """Show a given r (a study case's) as the current perturbation: a search at its start."""
        setup = self._checked_setup()
        if setup is None:
            return False
        self.reset()
        net, op, x = setup
        params, start = self.params, torch.as_tensor(np.asarray(r)).reshape(x.shape)
        self._generation = self.workbench.generation

        def work(job: Job) -> AttackView:
            self._show_start(job, PerturbationSearch(net, op, x, params, start=start))
            return self._view(self.search, images=True)

        submitted = self.runner.submit(Job(work, on_done=self._job_done, on_error=self._job_failed,
                                           name="show perturbation"))
        if submitted:
            self._set_state("running")
        return submitted

    # --- sessions ---------------------------------------------------------------------------
    def state_for_session(self) -> dict | None:
        """The search's `state_dict()` to resume it later (None before a search). While one runs,
        r and v change under our feet: the copy taken with the last displayed images is saved."""
        if self.search is None:
            return None
        if self.runner.busy:
            return self.last_view.search_state if self.last_view is not None else None
        best = self.plan.best() if self.plan is not None else None    # budgeted: the best start
        return (best or self.search).state_dict()

    def restore(self, settings, search_state: dict | None) -> bool:
        """Apply saved attack settings and rebuild a saved search (f(Ax) is recomputed in the worker)."""
        self.reset()
        roi = None if search_state is None or search_state.get("roi") is None else \
            np.asarray(search_state["roi"])
        self.configure(settings.params, settings.iterations, settings.snapshot_at, roi, settings.restarts)
        if search_state is None:
            return False
        setup = self._checked_setup()
        if setup is None:
            return False
        net, op, x = setup
        self._generation = self.workbench.generation

        def work(job: Job) -> AttackView:
            search = PerturbationSearch.from_state(net, op, x, search_state)
            self.clean = clean_images(search)
            self.search = search
            if search.params.budgeted:
                self.plan = StartPlan.finished_with(search)
            self._sync_snapshots(search)
            return self._view(search, images=True)

        submitted = self.runner.submit(Job(work, on_done=self._job_done, on_error=self._job_failed,
                                           name="restore attack"))
        if submitted:
            self._set_state("running")
        return submitted
