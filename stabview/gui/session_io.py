"""Between the window and a `Session`: capture what is on screen, and restore it.

Restoring loads the network first (in the loader thread when it is a zoo name or a file),
then the image (in the image loader's thread), then sampling, details, attack settings, the search itself (r, momentum, history,
snapshots — so Run resumes where it stopped) and the more-samples and details results.
"""

from __future__ import annotations

from ..errors import StabviewError
from ..session import Session
from .workbench import trained_sampling


def capture(window) -> Session:
    """The window's state as a Session (safe while an attack runs: see state_for_session)."""
    wb = window.workbench
    attack_data, arrays = window.attack.state_for_session()
    panel = window.attack_panel
    attack_data["snapshot_text"] = panel.snapshot_text.text()
    attack_data["preset"] = panel.preset.currentText()
    snapshots = attack_data.pop("snapshots", [])
    for k, snap in enumerate(snapshots):
        snap["array"] = f"attack_snapshot{k}"
    results = {"attack_history": attack_data.pop("history", []),
               "attack_iteration": attack_data.pop("iteration", 0),
               "samples": window.samples_panel.result,
               "details": window.details_panel.results}
    return Session(network=dict(wb.network_source), image=dict(wb.image_source), details=wb.canvas.to_dict(),
                   sampling=dict(wb.sampling), attack=attack_data, snapshots=snapshots, results=results,
                   arrays=arrays)


class Restorer:
    """Applies a Session to a window; waits for the network to load when it must."""

    def __init__(self, window, session: Session):
        self.window, self.session = window, session

    def start(self) -> None:
        wb, source = self.window.workbench, self.session.network
        current = wb.network_source
        same = wb.net is not None and (source == current or source.get("name") == wb.net.card.name)
        if same or not source:
            self.finish()
            return
        target = source.get("name") or source.get("path")
        if not target or source.get("in_memory"):
            wb.problem.emit("network", f"the session used network '{source.get('name')}', which was not "
                                       "loaded from a file or the zoo: load it, then open the session again")
            self.finish()
            return
        wb.networkChanged.connect(self._network_ready)
        if not wb.load_network(target, source.get("card")):
            wb.networkChanged.disconnect(self._network_ready)
            self.finish()

    def _network_ready(self) -> None:
        self.window.workbench.networkChanged.disconnect(self._network_ready)
        self.finish()

    def finish(self) -> None:
        """Load the session's image (in the background), then apply the rest."""
        image = self.session.image or {"spec": "brain"}
        if not self.window.workbench.set_image(image.get("spec", "brain"), image.get("slice"),
                                               on_done=self._image_ready):
            self._image_ready(False)

    def _image_ready(self, ok: bool) -> None:
        w, s = self.window, self.session
        wb = w.workbench
        if s.sampling:
            defaults = trained_sampling(wb.net.card) if wb.net is not None else wb.sampling
            wb.set_sampling(**{**defaults, **s.sampling})
        if s.details:
            try:
                wb.set_details(s.details)
            except StabviewError as exc:
                wb.problem.emit("image", str(exc))
        attack = dict(s.attack)
        panel = w.attack_panel
        if attack.get("params"):
            from ..stability.params import AttackParams
            panel.set_params(AttackParams.from_dict(attack["params"]), int(attack.get("iterations", 100)))
        panel.snapshot_text.setText(attack.get("snapshot_text", ""))
        data = {**attack, "history": s.results.get("attack_history", []),
                "iteration": s.results.get("attack_iteration", 0), "snapshots": s.snapshots}
        w.attack.restore(data, s.arrays)
        if s.results.get("samples"):
            w.samples_panel.result = s.results["samples"]
            w.samples_panel.show_summary(s.results["samples"])
        if s.results.get("details"):
            w.details_panel.show_results(s.results["details"])
        w.session_restored()
