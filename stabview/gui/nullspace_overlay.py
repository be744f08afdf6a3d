"""The null-space overlay: what of each reconstruction's error the measurements cannot see.

For the image x shown (x + details), the network's reconstruction f(Ax) and the baseline's (once
it is shown) have errors x̂ − x that split into a measured part P_R(x̂ − x) and a null-space part
P_N(x̂ − x) (`stability.nullspace.split_errors`, the numbers of `stabview nullspace`). With the
overlay on, |P_N(x̂ − x)| is drawn in translucent red over the f(Ax) and baseline(Ax) views and
the two norms (relative to ‖x‖) are shown in their captions and beside the levels bar. The split
runs in its own worker (CGLS for multi-coil and Radon takes a while) and is recomputed whenever
the network, the image, the details or the sampling change, or the baseline's image arrives.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import torch
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QSizePolicy

from ..stability.nullspace import Cancelled, NullSpaceProjector, split_errors
from .workers import Job

#: the views that get an overlay, by reconstruction
VIEWS = {"network": "network_clean", "baseline": "baseline_clean"}
#: opacity of the overlay where the null-space error is largest
MAX_ALPHA = 200


def red_lookup_table() -> np.ndarray:
    """256 RGBA entries from transparent to translucent red."""
    lut = np.zeros((256, 4), np.uint8)
    lut[:, 0] = 255
    lut[:, 1] = lut[:, 2] = 40
    lut[:, 3] = np.linspace(0, MAX_ALPHA, 256).astype(np.uint8)
    return lut


class NullSpaceOverlay(QObject):
    """Computes and draws the overlay while `enabled`; `numbers` holds what is shown."""

    changed = Signal(object)          # numbers (dict) or None when cleared

    def __init__(self, workbench, view_feed, viewers, jobs, parent: QObject | None = None):
        super().__init__(parent)
        self.workbench, self.view_feed, self.viewers = workbench, view_feed, viewers
        self.runner = jobs.runner("null space", lambda: workbench.settings.threads)
        self.enabled = False
        #: {'network': {'range_error_rel', 'null_space_error_rel', 'error_rel'}, 'baseline': …,
        #:  'truth_null_rel', 'projection'} for the image shown, or None
        self.numbers: dict | None = None
        self.maps: dict[str, np.ndarray] = {}        # |P_N(x̂ − x)| per reconstruction
        self.items: dict[str, pg.ImageItem] = {}
        lut = red_lookup_table()
        for name, key in VIEWS.items():
            item = pg.ImageItem(axisOrder="row-major")
            item.setLookupTable(lut)
            item.setZValue(10)
            item.hide()
            viewers.boxes[key].addItem(item)
            self.items[name] = item
        self.checkbox = QCheckBox("null space")
        self.checkbox.setStatusTip("Overlay the part of each reconstruction's error that lies in the null space "
                                   "of A (what the measurements cannot see), in red")
        self.label = QLabel("")
        # the numbers never widen the window: the label takes the room the levels bar has left
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.label.setMinimumWidth(40)
        self.label.setStatusTip("‖P_N(x̂ − x)‖/‖x‖ and ‖P_R(x̂ − x)‖/‖x‖ of the network and the baseline")
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.refresh)
        self._tag = None
        self._baseline_used = False
        for signal in (workbench.imageChanged, workbench.samplingChanged, workbench.networkChanged):
            signal.connect(self._setup_changed)
        view_feed.baseline.ready.connect(self._baseline_ready)

    def widgets(self) -> list:
        """The toggle and the numbers (the window puts them beside the levels bar)."""
        return [self.checkbox, self.label]

    def set_enabled(self, on: bool) -> None:
        """Show (computing it in the background) or hide the overlay."""
        self.enabled = bool(on)
        if self.checkbox.isChecked() != self.enabled:
            self.checkbox.setChecked(self.enabled)
        if self.enabled:
            self.refresh()
        else:
            self._debounce.stop()
            self.runner.cancel()
            self.clear()

    def clear(self) -> None:
        self._tag, self.numbers, self.maps = None, None, {}
        for item in self.items.values():
            item.hide()
        for key in VIEWS.values():
            self.viewers.set_caption(key, "")
        self.label.setText("")
        self.changed.emit(None)

    def _setup_changed(self) -> None:
        if self.numbers is not None or self.runner.busy:
            self.runner.cancel()
            self.clear()
        if self.enabled:
            self._debounce.start()

    def _baseline_ready(self, key: str, image) -> None:
        if key == "clean" and self.enabled and not self._baseline_used:
            self._debounce.start()

    def refresh(self) -> bool:
        """Split the errors for the current setup in the worker (a running split is replaced)."""
        if not self.enabled:
            return False
        wb = self.workbench
        if wb.compatibility_error():
            self.label.setText("null space: no network to split")
            return False
        if self.runner.busy:
            self.runner.cancel()
            self._debounce.start()
            return False
        net, op, x, tag = wb.net, wb.op, wb.image().to(wb.device), wb.generation
        baseline = self.view_feed.baseline.cache.get((tag, "clean"))     # baseline(Ax) of this setup
        self._baseline_used = baseline is not None

        def work(job: Job):
            projector = NullSpaceProjector(op, should_stop=job.cancelled,
                                           progress=lambda k, cap, residual: job.publish((k, cap, residual)))
            truth = op.check_image(x[None])
            with torch.no_grad():
                estimates = {"network": net(op.forward(truth), op)[0].detach()}
            if baseline is not None:
                estimates["baseline"] = torch.as_tensor(np.asarray(baseline)).to(truth.device)
            try:
                splits = split_errors(projector, estimates, truth[0])
                truth_null = projector.null_part(truth)[0]
            except Cancelled:
                return None
            numbers = {name: split.numbers() for name, split in splits.items()}
            numbers["truth_null_rel"] = float(truth_null.norm()) / (float(truth.norm()) or 1.0)
            numbers["projection"] = projector.describe()
            maps = {name: split.null.abs().float().cpu().numpy().copy() for name, split in splits.items()}
            return tag, numbers, maps

        self.label.setText("null space: splitting …")
        return self.runner.submit(Job(work, on_done=self._done, on_error=self._failed, on_progress=self._progress,
                                      name="null space"))

    def _progress(self, value) -> None:
        k, cap, residual = value
        self.label.setText(f"null space: CGLS {k}/{cap}, residual {residual:.1e}")

    def _done(self, value) -> None:
        if value is None or not self.enabled or value[0] != self.workbench.generation:
            if self.enabled and value is not None:
                self._debounce.start()       # the setup changed while it ran
            return
        self._tag, self.numbers, self.maps = value
        top = max(float(m.max()) for m in self.maps.values()) or 1.0
        for name, item in self.items.items():
            if name in self.maps:
                item.setImage(self.maps[name], levels=(0.0, top), autoLevels=False)
                item.show()
                n = self.numbers[name]
                self.viewers.set_caption(VIEWS[name], f"P_N {n['null_space_error_rel']:.1%} · "
                                                      f"P_R {n['range_error_rel']:.1%}")
            else:
                item.hide()
        parts = [f"{name}: P_N {self.numbers[name]['null_space_error_rel']:.2%}, "
                 f"P_R {self.numbers[name]['range_error_rel']:.2%}" for name in VIEWS if name in self.numbers]
        self.label.setText("  ·  ".join(parts))
        self.label.setToolTip(self.label.text())
        self.changed.emit(self.numbers)

    def _failed(self, message: str) -> None:
        self.label.setText(f"null space: {message}")
