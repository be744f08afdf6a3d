"""Between the window and a `Session`: the model's experiment and results, the search, the view.

Restoring puts the session's experiment into the model at once; the workbench then loads its
network and image in the background, and once both are in, the search is rebuilt (so Run resumes
where it stopped) and the results are shown.
"""

from __future__ import annotations

from ..experiment import Session
from ..experiment.model import SETUP_FIELDS


def capture(window) -> Session:
    """The window's state as a Session (safe while an attack runs: see state_for_session)."""
    model, attack, panel = window.model, window.attack, window.attack_panel
    experiment = model.experiment.with_(attack=attack.settings.with_(
        budgets=tuple(p["budget"] for p in attack.curve)))
    results = {k: v for k, v in model.results.items() if k in ("more_samples", "details", "target")}
    if attack.curve:
        results["attack_curve"] = [dict(p) for p in attack.curve]
    view = {"attack_state": attack.state, "snapshot_text": panel.snapshot_text.text(),
            "preset": panel.preset.currentText(), "in_memory_network": window.workbench.is_in_memory()}
    return Session(experiment, attack.state_for_session(), results, view)


class Restorer:
    """Applies a Session to a window: the model first, the search once network and image are in."""

    def __init__(self, window, session: Session, path: str | None = None):
        self.window, self.session, self.path = window, session, path

    def start(self) -> None:
        w, s = self.window, self.session
        wb = w.workbench
        w.attack.reset()
        wb.drop_pending_choice()
        w.model.reset(s.experiment, {k: v for k, v in s.results.items() if k in ("more_samples", "details", "target")})
        wb.networkChanged.connect(self._check)
        wb.imageChanged.connect(self._check)
        wb.problem.connect(self._failed)
        self._check()

    def _setup_kept(self) -> bool:
        """The model still holds the session's setup: the search belongs to what is built (a
        network chosen while the session opened would otherwise get the session's search)."""
        now, saved = self.window.model.experiment, self.session.experiment
        return all(getattr(now, name) == getattr(saved, name) for name in SETUP_FIELDS)

    def _check(self, *args) -> None:
        if self.window.workbench.built():
            self._finish()

    def _failed(self, panel: str, message: str) -> None:
        if message and panel in ("network", "image"):
            self._finish()           # the problem is shown; what did load stays usable

    def _disconnect(self) -> None:
        wb = self.window.workbench
        for signal, slot in ((wb.networkChanged, self._check), (wb.imageChanged, self._check),
                             (wb.problem, self._failed)):
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass

    def _finish(self) -> None:
        self._disconnect()
        w, s = self.window, self.session
        panel, settings = w.attack_panel, s.experiment.attack
        # after the network loaded: its card's preset must not stand in for the saved settings
        panel.set_params(settings.params, settings.iterations, settings.restarts)
        panel.snapshot_text.setText(s.view.get("snapshot_text", ""))
        if w.workbench.built() and self._setup_kept():
            w.attack.restore(s.experiment.attack, s.search)
        if s.results.get("attack_curve"):
            w.attack.set_curve(s.results["attack_curve"])
        w.session_restored(self.path)
