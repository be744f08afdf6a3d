"""The background saver: one write at a time, failures reported once, nothing lost on close."""

import threading

from stabview.gui.autosave import BackgroundSaver
from stabview.experiment import Experiment, NetworkRef, Session

EMPTY = Experiment(NetworkRef("deepmri"))


class SlowSession(Session):
    """A session whose write waits for a gate, to hold the saver busy."""

    gate: threading.Event | None = None

    def save(self, path):
        self.gate.wait(10)
        return super().save(path)


def test_writes_in_the_background_and_refuses_a_second_write_meanwhile(tmp_path):
    saver = BackgroundSaver()
    slow = SlowSession(EMPTY, view={"note": "slow"})
    slow.gate = threading.Event()
    assert saver.save(slow, tmp_path / "a.json")
    assert saver.busy and not saver.save(Session(EMPTY), tmp_path / "b.json")
    slow.gate.set()
    assert saver.wait(10)
    assert Session.open(tmp_path / "a.json").view == {"note": "slow"}
    assert not (tmp_path / "b.json").exists() and saver.take_error() is None


def test_a_failed_write_is_reported_once(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    saver = BackgroundSaver()
    assert saver.save(Session(EMPTY), blocker / "session.json")      # parent is a file: cannot write
    assert saver.wait(10)
    error = saver.take_error()
    assert error and "file" in error
    assert saver.take_error() is None
