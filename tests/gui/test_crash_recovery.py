"""Crash safety: the window's process is killed (SIGKILL) during an attack and started again;
the autosave restores the session.

Two real `stabview gui` processes (offscreen, private settings and state folder) run the
application's own `main`. A small driver around it starts the attack in the first one and
reports once an autosave that holds attack progress is on disk; the test then kills it. The
second one must notice the unclean exit, ask to restore, and restore what the autosave holds.
(It answers the question once the default network has loaded: answered before, the restore
races with that load and the window keeps the default network.)
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from stabview.experiment import Session

from .networks import write_small_network

pytestmark = pytest.mark.slow

COMMON = """
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox
from stabview.gui import app as gui_app, main_window, session_io
from stabview.experiment import Session, SessionError, autosave_path
application = gui_app.create_application()

def window():
    found = [w for w in application.topLevelWidgets() if isinstance(w, main_window.MainWindow)]
    return found[0] if found else None
"""

# the first run: start a long attack, autosave often; once the attack has made progress and a
# few autosave intervals have passed since, say so (with the iteration reached) and wait to be killed
FIRST = COMMON + """
import time
main_window.AUTOSAVE_MS = 200
started, progressed = [], []

def tick():
    w = window()
    if w is None or w.workbench.net is None:
        return
    if not started or not started[-1]:
        if w.workbench.image_loading:      # images load in the background: start once it is in
            return
        # the paper's search (it steps at once, no ceiling first, and has no stall test) with a λ
        # that keeps r bounded, so it never stops by itself: killed while it runs
        from stabview.stability.params import AttackParams
        w.attack.configure(AttackParams(mode="paper", lam=1.0, lr=0.01), 1_000_000)
        started.append(w.attack.run())
        return
    view = w.attack.last_view
    if view is None or view.iteration < 3:
        return
    if not progressed:
        progressed.append(time.monotonic())
    try:
        saved = Session.open(autosave_path())
    except SessionError:
        return
    if saved.view.get("attack_state") == "running" and time.monotonic() - progressed[0] > 2.0:
        print("AUTOSAVED", w.attack.last_view.iteration, flush=True)

poll = QTimer()
poll.timeout.connect(tick)
poll.start(100)
sys.exit(gui_app.main(sys.argv[1:]))
"""

# the second run: answer the restore question with yes, then write what the window restored
SECOND = COMMON + """
asked = []

def answer():
    box, w = application.activeModalWidget(), window()
    # answer once the default network has loaded: answered earlier, the restore races with that
    # load and the window ends up with the default network instead of the session's
    if isinstance(box, QMessageBox) and w is not None and w.workbench.net is not None:
        asked.append(box.text())
        box.button(QMessageBox.StandardButton.Yes).click()

original = main_window.MainWindow.session_restored

def restored(self, path):
    original(self, path)
    QTimer.singleShot(0, lambda: finish(self, time.monotonic()))

def finish(w, since):
    busy = [r.name for r in w.runners() if r.busy]
    if busy and time.monotonic() - since < 60:
        QTimer.singleShot(100, lambda: finish(w, since))
        return
    session_io.capture(w).save(sys.argv[1])
    print("RESTORED", json.dumps(asked), flush=True)
    w.close_without_asking()

import time
main_window.MainWindow.session_restored = restored
poll = QTimer()
poll.timeout.connect(answer)
poll.start(100)
sys.exit(gui_app.main([]))
"""


def environment(tmp_path: Path) -> dict:
    settings = tmp_path / "settings.ini"
    settings.write_text("[compute]\nthreads=1\n")
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "STABVIEW_STATE_DIR": str(tmp_path / "state"),
            "STABVIEW_SETTINGS": str(settings)}


def wait_for(process: subprocess.Popen, word: str, seconds: float) -> str:
    """The first stdout line that starts with `word`, reading until `seconds` have passed."""
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    deadline, seen = time.monotonic() + seconds, []
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            if process.poll() is not None and lines.empty():
                break
            continue
        seen.append(line)
        if line.startswith(word):
            return line.strip()
    raise AssertionError(f"no '{word}' line within {seconds} s; output so far:\n{''.join(seen)}")


@pytest.fixture(scope="module")
def crash_and_restart(tmp_path_factory):
    """(autosave when the process was killed, session the restart restored, questions asked,
    iteration the attack had reached when killed)."""
    tmp_path = tmp_path_factory.mktemp("crash")
    env = environment(tmp_path)
    model = write_small_network(tmp_path / "models")
    first = subprocess.Popen([sys.executable, "-c", FIRST, "--network", str(model)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        reached = int(wait_for(first, "AUTOSAVED", 300).split()[1])
        first.send_signal(signal.SIGKILL)
        assert first.wait(30) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(30)
    saved = Session.open(tmp_path / "state" / "autosave.json")
    restored_path = tmp_path / "restored.json"
    second = subprocess.Popen([sys.executable, "-c", SECOND, str(restored_path)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = wait_for(second, "RESTORED", 300)
        assert second.wait(60) == 0
    finally:
        if second.poll() is None:
            second.kill()
            second.wait(30)
    return saved, Session.open(restored_path), json.loads(line.split(" ", 1)[1]), reached


def test_the_killed_run_left_an_autosave_of_the_running_attack(crash_and_restart):
    saved, _, _, _ = crash_and_restart
    assert str(saved.experiment.network.path).endswith("tiny-cascade.safetensors")
    assert saved.experiment.attack.iterations == 1_000_000
    assert saved.view["attack_state"] == "running"


def test_the_restart_notices_the_crash_and_restores_the_autosave(crash_and_restart):
    saved, restored, asked, _ = crash_and_restart
    assert len(asked) == 1                                 # asked once whether to restore
    assert restored.experiment == saved.experiment         # network, image, sampling, details, attack


def test_the_progress_made_before_the_crash_is_restored(crash_and_restart):
    saved, restored, _, reached = crash_and_restart
    assert reached >= 3
    assert saved.search is not None and saved.search["iteration"] >= 3
    assert restored.search is not None and restored.search["iteration"] == saved.search["iteration"]
