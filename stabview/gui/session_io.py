"""Between the window and a `Session`: capture what is on screen, and restore it.

Restoring loads the network first (in the loader thread when it is a zoo name or a file),
then the image (in the image loader's thread), then sampling, details, attack settings, the
search itself (so Run resumes where it stopped) and the more-samples and details results.
"""

from __future__ import annotations

from ..errors import StabviewError
from ..experiment import AttackSettings, Experiment, ImageRef, NetworkRef, Sampling, Session


def capture(window) -> Session:
    """The window's state as a Session (safe while an attack runs: see state_for_session)."""
    wb = window.workbench
    attack = window.attack
    panel = window.attack_panel
    source = dict(wb.network_source)
    network = NetworkRef(path=source["path"], card=source.get("card")) if source.get("path") else \
        NetworkRef(name=source.get("name") or (wb.net.card.name if wb.net is not None else "deepmri"))
    experiment = Experiment(
        network=network, image=ImageRef.from_dict(wb.image_source), sampling=Sampling.from_dict(wb.sampling),
        details=tuple(wb.canvas.to_dict()["operations"]),
        attack=AttackSettings(params=attack.params, iterations=attack.iterations, restarts=attack.restarts,
                              budgets=tuple(p["budget"] for p in attack.curve),
                              snapshot_at=tuple(attack.snapshot_at)))
    results = {}
    if attack.curve:
        results["attack_curve"] = [dict(p) for p in attack.curve]
    if window.samples_panel.result:
        results["more_samples"] = window.samples_panel.result
    if window.details_panel.results:
        results["details"] = window.details_panel.results
    view = {"attack_state": attack.state, "snapshot_text": panel.snapshot_text.text(),
            "preset": panel.preset.currentText(), "in_memory_network": bool(source.get("in_memory"))}
    return Session(experiment, attack.state_for_session(), results, view)


class Restorer:
    """Applies a Session to a window; waits for the network to load when it must."""

    def __init__(self, window, session: Session):
        self.window, self.session = window, session

    def start(self) -> None:
        wb, ref = self.window.workbench, self.session.experiment.network
        current = wb.network_source
        same = wb.net is not None and (
            (ref.path is not None and ref.path == current.get("path"))
            or (ref.name is not None and ref.name == wb.net.card.name))
        if same:
            self.finish()
            return
        target = ref.name or ref.path
        wb.networkChanged.connect(self._network_ready)
        if not wb.load_network(target, ref.card):
            wb.networkChanged.disconnect(self._network_ready)
            self.finish()

    def _network_ready(self) -> None:
        self.window.workbench.networkChanged.disconnect(self._network_ready)
        self.finish()

    def finish(self) -> None:
        """Load the session's image (in the background), then apply the rest."""
        image = self.session.experiment.image
        if not self.window.workbench.set_image(image.spec, image.slice, on_done=self._image_ready):
            self._image_ready(False)

    def _image_ready(self, ok: bool) -> None:
        w, s = self.window, self.session
        wb, exp = w.workbench, s.experiment
        if exp.sampling is not None:
            wb.set_sampling(**exp.sampling.to_dict())
        if exp.details:
            try:
                wb.set_details({"shape": list(wb.shape), "operations": list(exp.details)})
            except StabviewError as exc:
                wb.problem.emit("image", str(exc))
        panel = w.attack_panel
        panel.set_params(exp.attack.params, exp.attack.iterations, exp.attack.restarts)
        panel.snapshot_text.setText(s.view.get("snapshot_text", ""))
        w.attack.restore(exp.attack, s.search)
        if s.results.get("attack_curve"):
            w.attack.set_curve(s.results["attack_curve"])
        if s.results.get("more_samples"):
            w.samples_panel.result = s.results["more_samples"]
            w.samples_panel.show_summary(s.results["more_samples"])
        if s.results.get("details"):
            w.details_panel.show_results(s.results["details"])
        w.session_restored()
