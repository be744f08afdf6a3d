"""Test 1 in the window: run, pause, step, stop, reset and snapshot a `PerturbationSearch`.

The search object lives here; while a job runs only the worker touches it, and the GUI sees
copies (`AttackView`) delivered at most 30 times a second by the runner. Showing f(A(x + r))
costs one extra forward pass, so the worker reconstructs for display at most every
`DISPLAY_INTERVAL` seconds (and always at the end of a run), not after every step.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from PySide6.QtCore import QObject, QTimer, Signal

from ..stability import metrics
from ..stability.params import AttackParams
from ..stability.perturbation import PerturbationSearch
from ..stability.sensitivity import linear_gain
from .history import AttackMemento
from .workers import Job, JobRunner

DISPLAY_INTERVAL = 0.25
#: parameters that define r₀ or the objective: changing them means starting again
RESTART_FIELDS = ("init_scale", "target", "domain", "gradient", "complex_perturbation", "seed")


def _np(t: torch.Tensor) -> np.ndarray:
    """A CPU numpy copy (never a view of a tensor the worker keeps changing)."""
    return t.detach().cpu().numpy().copy()


@dataclass
class AttackView:
    """What the viewers and curves show: history and images of the current r (copies)."""

    iteration: int
    history: list = field(default_factory=list)          # AttackState.to_dict() per step
    images: dict = field(default_factory=dict)           # x_plus_r, r, network, measurements
    clean: dict = field(default_factory=dict)            # x, network_clean (first view only)
    numbers: dict = field(default_factory=dict)          # of the r in `images` (the export's numbers)


class AttackRunner(QObject):
    """State machine idle → running → paused/finished, driven by the Attack panel and menu."""

    stateChanged = Signal(str)        # 'idle', 'running', 'paused', 'finished'
    updated = Signal(object)          # AttackView
    snapshotsChanged = Signal()
    failed = Signal(str)
    ceilingProgress = Signal(str)     # 'step k / n: gain …' while the linearised gain is measured
    ceilingChanged = Signal(object)   # a measurement (Sensitivity.to_dict() + 'cancelled'), or None
                                      # when a new network, image or sampling makes it stale

    def __init__(self, workbench, parent: QObject | None = None):
        super().__init__(parent)
        self.workbench = workbench
        self.runner = JobRunner("attack", lambda: workbench.settings.threads, self)
        self.search: PerturbationSearch | None = None
        self.params = AttackParams()
        self.iterations = 100
        self.snapshot_at: tuple[int, ...] = ()
        self.roi: np.ndarray | None = None
        self.snapshots: list[dict] = []
        self.ceiling: dict | None = None      # the linearised gain measured for this setup, if any
        self.clean: dict = {}
        self.last_view: AttackView | None = None
        self.state = "idle"
        self._generation = -1
        self._snapshot_wanted = threading.Event()
        self._reset_when_idle = False
        self._detaching: AttackMemento | None = None     # taken off while a job still ran
        self._reattach_when_idle: AttackMemento | None = None
        self._shown_snapshots = 0
        self.runner.busyChanged.connect(self._busy_changed)
        workbench.imageChanged.connect(self._setup_changed)
        workbench.samplingChanged.connect(self._setup_changed)
        workbench.networkChanged.connect(self._setup_changed)

    # --- configuration ---------------------------------------------------------------------
    def configure(self, params: AttackParams, iterations: int, snapshot_at=(), roi=None) -> None:
        """New settings; a running search keeps λ/γ/η changes, others need a reset (done here)."""
        restart = self.search is not None and (
            any(getattr(params, f) != getattr(self.params, f) for f in RESTART_FIELDS)
            or (roi is None) != (self.roi is None)
            or (roi is not None and self.roi is not None and not np.array_equal(roi, self.roi)))
        self.params, self.iterations = params, int(iterations)
        self.snapshot_at, self.roi = tuple(snapshot_at), roi
        if restart:
            self.reset()
        elif self.search is not None and not self.runner.busy:
            self.search.params = params
            self.search.snapshot_at = set(self.snapshot_at)

    # --- commands --------------------------------------------------------------------------
    def run(self) -> bool:
        """Run (or resume) up to `iterations` steps in total."""
        return self._start(self.iterations)

    def step(self) -> bool:
        """One more step (starts the search if there is none)."""
        done = self.search.iteration if self.search is not None else 0
        return self._start(done + 1)

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

    def detach(self) -> AttackMemento | None:
        """Take the search off this runner, to keep it (undo) instead of forgetting it.

        With a job running, the job is cancelled and the memento is completed when it ends
        (the search's last step and display images included); meanwhile nothing of it is shown.
        """
        if self._detaching is not None:
            return None
        if self.search is None and not (self.runner.busy and self.state == "running"):
            if self.runner.busy:
                self._reset_when_idle = True
                self.runner.cancel()
            return None
        memento = AttackMemento(self.search, self.snapshots, self.clean, self.last_view,
                                "paused" if self.state == "running" else self.state, self.ceiling)
        if self.runner.busy:
            self._detaching = memento
            self.runner.cancel()
            self._set_state("idle")
            return memento
        self._forget()
        return memento

    def reattach(self, memento: AttackMemento) -> None:
        """Put a detached search back and show it as it was (a job still ending: when it ends)."""
        if self.runner.busy or self._detaching is not None:
            self._reattach_when_idle = memento
            return
        self._reset_when_idle = False
        self.search, self.snapshots, self.clean = memento.search, memento.snapshots, memento.clean
        self.last_view, self.ceiling = memento.last_view, memento.ceiling
        self._generation = self.workbench.generation
        self._shown_snapshots = len(self.snapshots)
        self.snapshotsChanged.emit()
        self.ceilingChanged.emit(dict(self.ceiling, cancelled=False) if self.ceiling else None)
        if self.last_view is not None:
            self.updated.emit(self.last_view)
        self._set_state(memento.state if memento.state != "running" else "paused")

    def _forget(self) -> None:
        self.search, self.snapshots, self.clean, self.last_view = None, [], {}, None
        self._shown_snapshots = 0
        self.snapshotsChanged.emit()
        self._set_state("idle")

    def _busy_changed(self, busy: bool) -> None:
        if not busy:       # after the job's own callbacks (they run right after this signal)
            QTimer.singleShot(0, self._after_job)

    def _after_job(self) -> None:
        if self.runner.busy:
            return
        memento, self._detaching = self._detaching, None
        if memento is not None:
            memento.search, memento.snapshots = self.search, self.snapshots
            memento.clean = self.clean
            if self.last_view is not None:
                memento.last_view = self.last_view
            if self.ceiling is not None:          # measured by the job that just ended: its setup's
                memento.ceiling, self.ceiling = self.ceiling, None
                self.ceilingChanged.emit(None)
            self.search, self.snapshots, self.clean, self.last_view = None, [], {}, None
            self._shown_snapshots = 0
            self.snapshotsChanged.emit()
        waiting, self._reattach_when_idle = self._reattach_when_idle, None
        if waiting is not None:
            self.reattach(waiting)
        elif self._reset_when_idle:
            self.reset()

    def take_snapshot(self) -> bool:
        """Keep the current r (its reconstruction is computed in the worker)."""
        if self.search is None:
            return False
        self._snapshot_wanted.set()
        if not self.runner.busy:
            self.runner.submit(Job(self._snapshot_only, on_done=self._job_done, on_error=self._job_failed,
                                   name="snapshot"))
        return True

    def measure_ceiling(self, iterations: int = 30) -> bool:
        """Measure the network's linearised gain at x (in the worker, cancellable with Pause).

        Runs in the attack's thread, so never beside a search on the same network.
        """
        error = self.workbench.compatibility_error()
        if error:
            self.failed.emit(error)
            return False
        if self.params.domain != "image":
            self.failed.emit("the linearised gain is measured for image-domain perturbations")
            return False
        wb = self.workbench
        net, op, x, complex_r = wb.net, wb.op, wb.image()[None].to(wb.device), self.params.complex_perturbation

        def work(job: Job) -> dict:
            def progress(done, total, gains):
                job.publish(f"measuring the ceiling: step {done} / {total}, gain {gains[0]:.2f}×")
            result = linear_gain(net, op, x, iterations=iterations, complex_perturbation=complex_r,
                                 should_stop=job.cancelled, progress=progress)
            return {**result.to_dict(), "cancelled": job.cancelled()}

        return self.runner.submit(Job(work, on_done=self._ceiling_done, on_error=self.failed.emit,
                                      on_progress=self.ceilingProgress.emit, name="ceiling"))

    def _ceiling_done(self, result: dict) -> None:
        self.ceiling = None if result["cancelled"] else result
        self.ceilingChanged.emit(result)

    # --- sessions ---------------------------------------------------------------------------
    def state_for_session(self) -> tuple[dict, dict]:
        """(plain data, arrays) to resume this search later; only r, v and history when paused."""
        data = {"params": self.params.to_dict(), "iterations": self.iterations,
                "snapshot_at": list(self.snapshot_at), "state": self.state}
        arrays: dict = {}
        if self.roi is not None:
            arrays["attack_roi"] = np.asarray(self.roi)
        search = self.search
        if search is None:
            return data, arrays
        if self.runner.busy:     # r and v change under our feet: keep what was last shown
            data["history"] = list(self.last_view.history) if self.last_view else []
            return data, arrays
        data.update(iteration=search.iteration, history=[s.to_dict() for s in search.history],
                    snapshots=[{"iteration": s.iteration, "perturbation_rel": s.perturbation_rel}
                               for s in search.snapshots])
        arrays.update(attack_r=_np(search.r), attack_v=_np(search.v))
        for k, snap in enumerate(search.snapshots):
            arrays[f"attack_snapshot{k}"] = _np(snap.r)
        return data, arrays

    def restore(self, data: dict, arrays: dict) -> bool:
        """Rebuild a saved search (f(Ax) is recomputed in the worker) and show where it was."""
        self.reset()
        params = AttackParams.from_dict(data.get("params", {}))
        roi = arrays.get("attack_roi")
        self.configure(params, int(data.get("iterations", 100)), tuple(data.get("snapshot_at", ())), roi)
        if "attack_r" not in arrays:
            return False
        error = self.workbench.compatibility_error()
        if error:
            self.failed.emit(error)
            return False
        wb = self.workbench
        net, op, x = wb.net, wb.op, wb.image()[None].to(wb.device)
        self._generation = wb.generation

        def work(job: Job) -> AttackView:
            from ..stability.perturbation import AttackState, Snapshot
            roi_t = None if roi is None else torch.as_tensor(roi)
            search = PerturbationSearch(net, op, x, params, snapshot_at=self.snapshot_at, roi=roi_t)
            search.r = torch.as_tensor(arrays["attack_r"]).to(search.r)
            search.v = torch.as_tensor(arrays["attack_v"]).to(search.v)
            search.iteration = int(data.get("iteration", 0))
            search.history = [AttackState(**{k: float("nan") if v is None else v for k, v in h.items()})
                              for h in data.get("history", [])]
            search.snapshots = [Snapshot(int(s["iteration"]), float(s["perturbation_rel"]),
                                         torch.as_tensor(arrays[f"attack_snapshot{k}"]).to(search.r))
                                for k, s in enumerate(data.get("snapshots", []))
                                if f"attack_snapshot{k}" in arrays]
            self.clean = {"x": _np(search.x[0]), "network_clean": _np(search.clean[0]),
                          "measurements": search.y.detach().clone()}
            self.search = search
            self._sync_snapshots(search)
            return self._view(search, images=True)

        submitted = self.runner.submit(Job(work, on_done=self._job_done, on_error=self._job_failed,
                                           name="restore attack"))
        if submitted:
            self._set_state("running")
        return submitted

    # --- worker side -------------------------------------------------------------------------
    def _start(self, target: int) -> bool:
        error = self.workbench.compatibility_error()
        if error:
            self.failed.emit(error)
            return False
        if self.search is not None and self._generation != self.workbench.generation:
            self.reset()
        if self.search is not None and self.search.iteration >= target:
            self._set_state("finished")
            return False
        wb = self.workbench
        setup = (wb.net, wb.op, wb.image()[None].to(wb.device), self.params, self.roi)
        self._generation = wb.generation
        job = Job(lambda job: self._work(job, target, setup), on_done=self._job_done,
                  on_error=self._job_failed, on_progress=self._progress, name="attack")
        if not self.runner.submit(job):
            return False
        self._set_state("running")
        return True

    def _work(self, job: Job, target: int, setup) -> AttackView:
        net, op, x, params, roi = setup
        if self.search is None:
            roi_t = None if roi is None else torch.as_tensor(roi)
            search = PerturbationSearch(net, op, x, params, snapshot_at=self.snapshot_at, roi=roi_t)
            self.clean = {"x": _np(search.x[0]), "network_clean": _np(search.clean[0]),
                          "measurements": search.y.detach().clone()}
            self.search = search
            job.publish(self._view(search, images=True))
        search = self.search
        last_display = time.perf_counter()
        while search.iteration < target and not job.cancelled():
            search.step()
            if self._snapshot_wanted.is_set() or len(search.snapshots) > len(self.snapshots):
                self._sync_snapshots(search)
            now = time.perf_counter()
            show = now - last_display >= DISPLAY_INTERVAL
            if show:
                last_display = now
            job.publish(self._view(search, images=show))
        return self._view(search, images=True)

    def _snapshot_only(self, job: Job) -> AttackView:
        self._sync_snapshots(self.search)
        return self._view(self.search, images=True)

    def _sync_snapshots(self, search: PerturbationSearch) -> None:
        """Take a requested snapshot, then add display images for every new engine snapshot."""
        if self._snapshot_wanted.is_set():
            self._snapshot_wanted.clear()
            if not search.snapshots or search.snapshots[-1].iteration != search.iteration:
                search.snapshot()
        for snap in search.snapshots[len(self.snapshots):]:
            r_image = search.image_perturbation(snap.r)
            with torch.no_grad():
                entry = {"iteration": snap.iteration, "perturbation_rel": snap.perturbation_rel,
                         "r_raw": _np(snap.r[0]), "r": _np(r_image[0]),
                         "x_plus_r": _np((search.x + r_image)[0]),
                         "network": _np(search.reconstruct(snap.r)[0]),
                         "measurements": search.measurements(snap.r).detach().clone()}
            self.snapshots.append(entry)

    def _view(self, search: PerturbationSearch, images: bool) -> AttackView:
        view = AttackView(search.iteration, [s.to_dict() for s in search.history], clean=self.clean)
        if images:
            r_image = search.image_perturbation(search.r)
            with torch.no_grad():
                out = search.reconstruct()
                view.images = {"r": _np(r_image[0]), "x_plus_r": _np((search.x + r_image)[0]),
                               "network": _np(out[0]),
                               "measurements": search.measurements(search.r).detach().clone()}
                # the r shown, not the history's last entry (that one is the r before the last step)
                view.numbers = {"iteration": search.iteration,
                                "perturbation_rel": float(r_image.norm() / search.x.norm().clamp_min(1e-30)),
                                "network_change_rel": float(metrics.rel_l2(out.cpu(), search.clean.cpu())),
                                "psnr": float(metrics.psnr(out.cpu(), search.x.cpu()).mean())}
        return view

    # --- GUI side ---------------------------------------------------------------------------
    def _progress(self, view: AttackView) -> None:
        if self._detaching is not None:
            return                  # the search is being put aside: show nothing of it
        if not view.images and self.last_view is not None:
            view.images = self.last_view.images          # images are refreshed less often
            view.numbers = self.last_view.numbers
        self.last_view = view
        self.updated.emit(view)
        if len(self.snapshots) != self._shown_snapshots:
            self._shown_snapshots = len(self.snapshots)
            self.snapshotsChanged.emit()

    def _job_done(self, view: AttackView) -> None:
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
        self._set_state("finished" if view.iteration >= self.iterations else "paused")

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
        if self._detaching is None and (self.search is not None or self.runner.busy):
            self.reset()

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.stateChanged.emit(state)
