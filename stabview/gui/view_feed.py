"""What the viewer grid shows, kept in step with the workbench, the attack and the baseline.

- x (+ details) follows the details model at once;
- f(Ax) and baseline(Ax) are recomputed in the background whenever x, the network or the
  sampling change (debounced), so the window always shows what the network does with x;
- x + r, |r|, f(A(x + r)) and |f(A(x + r))| − |f(Ax)| follow the attack (live, or the snapshot
  chosen on the slider); the baseline of the perturbed measurements is solved when the attack
  pauses or a snapshot is chosen, since it takes seconds;
- the two difference views share one scale (`scales.DifferenceScale`) and carry Δ, computed
  from the very images shown (so the numbers are the export's); |r| has its own scale.
"""

from __future__ import annotations

import numpy as np
import torch
from PySide6.QtCore import QObject, QTimer

from .baseline_jobs import BaselineQueue
from .scales import MODES, DifferenceScale, PerturbationScale
from .workers import Job


def magnitude(a: np.ndarray | None) -> np.ndarray | None:
    return None if a is None else np.abs(a).astype(np.float32)


class ViewFeed(QObject):
    """Feeds `viewers` (a ViewerGrid) from the workbench, the attack runner and the baseline."""

    def __init__(self, workbench, attack, viewers, jobs, parent: QObject | None = None):
        super().__init__(parent)
        self.workbench, self.attack, self.viewers = workbench, attack, viewers
        self.preview = jobs.runner("preview", lambda: workbench.settings.threads)
        self.baseline = BaselineQueue(jobs.runner("baseline", lambda: workbench.settings.threads), self)
        self.images: dict[str, np.ndarray | None] = {}
        self.raw: dict[str, np.ndarray | None] = {}      # what was shown, before |·| (complex kept)
        self.scale = DifferenceScale()
        self.r_scale: PerturbationScale | None = None
        self._clean_from_search = None
        self._source = None
        self.snapshot_index = -1
        self.baseline_shown: str | None = None    # which perturbation the baseline view holds
        self._live_images: dict | None = None
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(120)
        self._debounce.timeout.connect(self.refresh_clean)
        workbench.imageChanged.connect(self._x_changed)
        workbench.samplingChanged.connect(self._setup_changed)
        workbench.networkChanged.connect(self._setup_changed)
        attack.updated.connect(self._attack_updated)
        attack.stateChanged.connect(self._attack_state)
        self.baseline.ready.connect(self._baseline_ready)
        self.baseline.failed.connect(self._baseline_failed)
        self.baseline.progressed.connect(self._baseline_progress)
        self._clear_perturbed()

    def stop(self) -> None:
        """No more background work (the window is closing)."""
        self._debounce.stop()
        self.baseline.hold(True)

    # --- x and the clean reconstructions ----------------------------------------------------------
    def _x_changed(self) -> None:
        self.show("x", self.workbench.image().numpy())
        self._setup_changed()

    def _setup_changed(self) -> None:
        self.baseline.clear()
        self._clear_perturbed()
        source = (id(self.workbench.net), self.workbench.experiment.image, self.workbench.sampling)
        if source != self._source:       # another network, image or sampling: nothing old may stay
            self._source = source
            self._clean_from_search = None
            self.show("network_clean", None, "reconstructing …")
            self.show("baseline_clean", None, "")
        self._debounce.start()

    # --- the comparison's settings -----------------------------------------------------------------
    def set_mode(self, mode: str) -> None:
        """'change' (vs f(Ax)) or 'error' (vs x) for the difference views and Δ."""
        self.scale.mode = mode if mode in MODES else "change"
        self._update_differences()

    def set_shared(self, shared: bool) -> None:
        """One scale for both difference views (the default), or each on its own."""
        self.scale.shared = bool(shared)
        self._update_differences()

    def refresh_clean(self) -> None:
        """Recompute f(Ax) (and request baseline(Ax)) for the current setup in the background."""
        wb = self.workbench
        error = wb.compatibility_error()
        if error:
            self.show("network_clean", None, "no reconstruction:\n" + _wrap(error))
            self.show("baseline_clean", None, "")
            return
        if self.preview.busy:
            self.preview.cancel()
            self._debounce.start()
            return
        net, op, x, tag = wb.net, wb.op, wb.image()[None].to(wb.device), wb.generation

        def work(job: Job):
            with torch.no_grad():
                y = op.forward(x)
                out = net(y, op)
            return tag, y, out[0].detach().cpu().numpy().copy()

        self.show("network_clean", None, "reconstructing …")
        self.preview.submit(Job(work, on_done=self._clean_ready, on_error=self._clean_failed, name="preview"))

    def _clean_ready(self, value) -> None:
        tag, y, image = value
        if tag != self.workbench.generation:
            return
        self.show("network_clean", image)
        self._update_differences()
        self.show("baseline_clean", None, "baseline: solving …")
        self.baseline.request("clean", self.workbench.op, y, tag)

    def _clean_failed(self, message: str) -> None:
        self.show("network_clean", None, "failed:\n" + _wrap(message))

    # --- the attack -------------------------------------------------------------------------------
    def _attack_updated(self, view) -> None:
        if self.snapshot_index < 0 and view.images and view.images is not self._live_images:
            self._live_images = view.images          # redraw the views only for new images
            self._show_perturbed(view.images)
        if view.clean and view.clean is not self._clean_from_search:
            # the search's own f(Ax): the reference the export's numbers use
            self._clean_from_search = view.clean
            self.show("network_clean", view.clean["network_clean"])
            self._update_differences()

    def _attack_state(self, state: str) -> None:
        self.baseline.hold(state == "running")
        if state == "idle":
            self.snapshot_index = -1
            self._clear_perturbed()
        elif state in ("paused", "finished") and self.snapshot_index < 0 and self.attack.last_view:
            self._request_perturbed_baseline(self.attack.last_view.iteration,
                                             self.attack.last_view.images.get("measurements"))

    def choose_snapshot(self, index: int) -> None:
        """Show snapshot `index` (−1: the current r)."""
        self.snapshot_index = index
        snaps = self.attack.snapshots
        if 0 <= index < len(snaps):
            self._show_perturbed(snaps[index])
            self._request_perturbed_baseline(snaps[index]["iteration"], snaps[index]["measurements"])
        elif self.attack.last_view is not None and self.attack.last_view.images:
            self._show_perturbed(self.attack.last_view.images)
            if self.attack.state != "running":
                self._request_perturbed_baseline(self.attack.last_view.iteration,
                                                 self.attack.last_view.images.get("measurements"))

    def show_target(self, images: dict) -> None:
        """A targeted search's images (`TargetRunner.shown`): the input x + r (x + d + r to remove d),
        |r|, and the network's and the baseline's outputs on it beside their clean ones f(Ax)."""
        self.snapshot_index = -1
        self._live_images = None
        self._clean_from_search = None
        self.show("network_clean", images["network_clean"])
        self.show("x_plus_r", images["input"])
        self._show_r(images["r"], images["x"])
        self.show("network", images["network_attacked"])
        if "baseline_attacked" in images:
            self.show("baseline_clean", images["baseline_clean"])
            self.show("baseline", images["baseline_attacked"])
            self.baseline_shown = "target"
        else:
            self.show("baseline", None, "no baseline")
        self._update_differences()

    def clear_target(self) -> None:
        """The targeted result was forgotten: its views go (the attack's, if any, come back)."""
        if self.baseline_shown == "target":
            self.baseline_shown = None
        self._debounce.start()          # f(Ax) of the image shown (the search's was of x without d)
        if self.attack.last_view is not None and self.attack.last_view.images and self.attack.state != "idle":
            self.choose_snapshot(self.snapshot_index)
        else:
            self._clear_perturbed()

    def _show_perturbed(self, images: dict) -> None:
        self.show("x_plus_r", images.get("x_plus_r"))
        self._show_r(images.get("r"))
        self.show("network", images.get("network"))
        key = self._perturbed_key()
        if key is None or self.baseline_shown != key:
            self.show("baseline", None, "solved when\nthe attack pauses")
            self.show("baseline_diff", None, "")
        self._update_differences()

    def _perturbed_key(self) -> str | None:
        snaps = self.attack.snapshots
        if 0 <= self.snapshot_index < len(snaps):
            return f"perturbed:{snaps[self.snapshot_index]['iteration']}"
        view = self.attack.last_view
        return f"perturbed:{view.iteration}" if view is not None and self.attack.state != "idle" else None

    def _request_perturbed_baseline(self, iteration: int, measurements) -> None:
        if measurements is None:
            return
        self.show("baseline", None, "baseline: solving …")
        self.baseline.request(f"perturbed:{iteration}", self.workbench.op, measurements, self.workbench.generation)

    def _clear_perturbed(self) -> None:
        self.baseline_shown = None
        self._live_images = None
        note = "run the attack"
        self.r_scale = None
        for key in ("x_plus_r", "r", "network", "network_diff"):
            self.show(key, None, note)
        self.show("baseline", None, note)
        self.show("baseline_diff", None, "")

    # --- the baseline ---------------------------------------------------------------------------------
    def _baseline_ready(self, key: str, image) -> None:
        if key == "clean":
            self.show("baseline_clean", image)
        elif key == self._perturbed_key():
            self.baseline_shown = key
            self.show("baseline", image)
        self._update_differences()

    def _baseline_failed(self, key: str, message: str) -> None:
        if key != "clean" and key != self._perturbed_key():
            return
        target = "baseline_clean" if key == "clean" else "baseline"
        self.show(target, None, _wrap(message))

    def _baseline_progress(self, key: str, fraction: float) -> None:
        if key != "clean" and (self.attack.state == "idle" or key != self._perturbed_key()):
            return                      # a solve for a perturbation no longer shown
        target = "baseline_clean" if key == "clean" else "baseline"
        if self.images.get(target) is None:
            self.viewers.set_image(target, None, f"baseline: {fraction:.0%}")

    # --- helpers ------------------------------------------------------------------------------------
    def _show_r(self, r, x=None) -> None:
        if r is None:
            self.r_scale = None
            self.show("r", None, "run the attack")
            return
        if x is None:
            x = self.attack.clean.get("x") if self.attack.clean else None
        x = self.raw.get("x") if x is None or np.shape(x) != np.shape(r) else x
        self.r_scale = PerturbationScale.of(r, x)
        self.show("r", magnitude(r), levels=self.r_scale.levels)
        self.viewers.set_caption("r", f"‖r‖ = {self.r_scale.relative:.2%} of ‖x‖")

    def _update_differences(self) -> None:
        """Differences, Δ and the shared levels from the images on screen (see scales.py)."""
        self.scale.update(self.raw)
        word = "Δ" if self.scale.mode == "change" else "error"
        for name in ("network", "baseline"):
            key = f"{name}_diff"
            if name in self.scale.differences:
                self.show(key, self.scale.differences[name], levels=self.scale.levels[name])
                text = f"{word} {self.scale.numbers[name]:.1%}"
                self.viewers.set_caption(key, text)
                if self.raw.get(name) is not None:
                    self.viewers.set_caption(name, text)
            elif self.images.get(key) is not None:
                self.show(key, None, "")

    def show(self, key: str, array, note: str = "", levels=None) -> None:
        if not key.endswith("_diff") and key != "r":
            self.raw[key] = array
        self.images[key] = array
        self.viewers.set_image(key, array, note, levels=levels)


def _wrap(text: str, width: int = 24) -> str:
    """Break a long message into lines that fit inside a view."""
    words, lines, line = text.split(), [], ""
    for word in words:
        if len(line) + len(word) + 1 > width and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join(lines + [line])
