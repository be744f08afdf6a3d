"""The window on a 2× (high-DPI) screen and at 1280×800: run in a fresh process, because the
scale factor must be set before Qt starts (the test session's QApplication is at 1×)."""

import json
import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import json, sys, tempfile, os
    os.environ["STABVIEW_STATE_DIR"] = tempfile.mkdtemp()
    from stabview.gui.app import create_application
    app = create_application()
    from stabview.gui.main_window import MainWindow
    from stabview.gui.settings import Settings
    settings = Settings(os.path.join(tempfile.mkdtemp(), "s.ini"))
    settings.threads = 1
    window = MainWindow(settings, load_defaults=False)
    window.resize(1280, 800)
    window.show()
    for _ in range(20):
        app.processEvents()
    shot = window.grab()
    hint = window.minimumSizeHint()
    labels = [w for w in window.findChildren(type(window.attack_panel.progress)) if w.isVisible()]
    clipped = [w.text() for w in labels if w.text() and not w.wordWrap()
               and w.sizeHint().width() > w.width() + 1]
    print(json.dumps({"ratio": shot.devicePixelRatio(), "pixels": [shot.width(), shot.height()],
                      "size": [window.width(), window.height()], "min": [hint.width(), hint.height()],
                      "clipped": clipped}))
    window.close_without_asking()
""")


def test_the_window_renders_sharply_at_2x_and_fits_1280_by_800():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": "2", "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    assert facts["ratio"] == 2.0                                  # drawn at device resolution
    assert facts["pixels"] == [2560, 1600] and facts["size"] == [1280, 800]
    assert facts["min"][0] <= 1280 and facts["min"][1] <= 800     # nothing forces a bigger window
    assert facts["clipped"] == []                                 # no label cut off at this size
