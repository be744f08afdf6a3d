"""The model's events as Qt signals (gui/model_signals.py): in order in the GUI thread, and a change
made in another thread arrives there through the event loop, never in that thread."""

from __future__ import annotations

import threading

from stabview.experiment import Experiment, ExperimentModel, ImageRef, NetworkRef
from stabview.gui.model_signals import ModelSignals


class Recorder:
    """What each signal delivered, and in which thread."""

    def __init__(self, relay: ModelSignals):
        self.seen: list = []
        relay.changed.connect(lambda name, value: self.seen.append((name, value, threading.get_ident())))
        relay.results.connect(lambda results: self.seen.append(("results", results, threading.get_ident())))
        relay.modified.connect(lambda on: self.seen.append(("modified", on, threading.get_ident())))
        relay.history.connect(lambda: self.seen.append(("history", None, threading.get_ident())))


def new_model() -> ExperimentModel:
    return ExperimentModel(Experiment(NetworkRef(name="deepmri"), ImageRef("brain")))


def test_in_the_gui_thread_each_event_is_a_signal_at_once_in_the_models_order(qapp):
    model = new_model()
    relay = ModelSignals(model)
    recorder = Recorder(relay)
    gui = threading.get_ident()
    model.set_result("details", {"verdict": "lost"})
    model.update("image knee", image=ImageRef("knee"))        # a setup change: results dropped
    assert recorder.seen == [("results", {"details": {"verdict": "lost"}}, gui), ("modified", True, gui),
                             ("image", ImageRef("knee"), gui), ("results", {}, gui), ("history", None, gui)]


def test_a_change_made_in_another_thread_arrives_in_the_gui_thread(qtbot):
    model = new_model()
    relay = ModelSignals(model)
    recorder = Recorder(relay)
    worker = threading.Thread(target=lambda: model.update("image knee", image=ImageRef("knee")))
    worker.start()
    worker.join(10)
    assert not worker.is_alive() and recorder.seen == []       # nothing ran in the worker's thread
    qtbot.waitUntil(lambda: len(recorder.seen) == 3, timeout=5000)
    gui = threading.get_ident()
    assert recorder.seen == [("image", ImageRef("knee"), gui), ("modified", True, gui), ("history", None, gui)]
