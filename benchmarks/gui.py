"""Event-loop stalls of the real window while each long job runs (the target: ≤ 50 ms).

A 5 ms timer ticks in the GUI thread; the longest gap between ticks is the stall a user would
feel. The window's first frame (start-up: the layout and first paint of every widget, before a
user can do anything) is timed on its own line. Then every job goes through the window's own
panels and workers, one after another: loading the default network, switching networks, loading
an 8000² PNG image and refusing a 10000² one (over the 64-megapixel limit, refused from its
header), the more-samples sweep, the details test, an attack with the baseline after it, and an
autosave. Prints, per job, its
duration, the longest gap and the 99th percentile. `--only NAME …` measures a few jobs
(after the default network has loaded): image, sweep, details, attack, autosave.

    QT_QPA_PLATFORM=offscreen python benchmarks/gui.py --threads 1
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--attack-seconds", type=float, default=6.0,
                        help="how long the live attack is measured")
    parser.add_argument("--image-size", type=int, default=8000,
                        help="side of the large PNG loaded (at most 8192: MAX_PIXELS)")
    parser.add_argument("--refused-size", type=int, default=10000,
                        help="side of a PNG over the size limit, refused from its header")
    parser.add_argument("--only", nargs="*", default=None, help="measure only these jobs")
    args = parser.parse_args()
    import numpy as np
    from bench_window import open_window
    from stabview.gui.responsiveness import GapRecorder

    started = time.perf_counter()
    app, window = open_window(args.threads)
    built = time.perf_counter()
    app.processEvents()             # the window's first frame: layout and paint of every widget
    print(f"one torch thread per worker = {args.threads}; 5 ms ticks in the GUI thread")
    print(f"{'window built, then its first frame':34s} {built - started:6.1f} s   first frame "
          f"{1000 * (time.perf_counter() - built):6.1f} ms (start-up, before any job is measured)", flush=True)
    recorder = GapRecorder(5)

    def measure(label: str, action, done, limit: float = 300.0, at_least: float = 0.5) -> None:
        recorder.start()
        start = time.perf_counter()
        action()
        while (time.perf_counter() - start < at_least or not done()) and time.perf_counter() - start < limit:
            app.processEvents()
            time.sleep(0.001)
        g = recorder.stop()
        print(f"{label:34s} {time.perf_counter() - start:6.1f} s   longest gap {g.max():6.1f} ms   "
              f"p99 {np.percentile(g, 99):5.1f} ms", flush=True)

    wb = window.workbench

    def idle() -> bool:
        return not any(r.busy for r in window.runners())

    def wanted(name: str) -> bool:
        return args.only is None or name in args.only

    measure("default network and baselines", lambda: None,
            lambda: wb.net is not None and window.viewers.image_of("baseline_clean") is not None and idle())
    if args.only is None:
        for name in ("dagan", "ell50"):
            measure(f"switch to {name}", lambda name=name: wb.load_network(name),
                    lambda name=name: wb.net is not None and wb.net.card.name == name and idle())
    if wanted("image"):
        big = large_png(args.image_size)
        measure(f"load a {args.image_size}² PNG image", lambda: window.image_panel.open_image(str(big)),
                lambda: wb.experiment.image.spec == str(big) and idle())
        too_big = large_png(args.refused_size)
        measure(f"refuse a {args.refused_size}² PNG image", lambda: window.image_panel.open_image(str(too_big)),
                idle)
        measure("back to the brain sample", lambda: window.image_panel.open_image("brain"),
                lambda: wb.experiment.image.spec == "brain" and idle())
    if wanted("sweep"):
        measure(f"more-samples sweep ({wb.net.card.name})", window.samples_panel.run, idle)
    if args.only is None:
        measure("switch to deepmri", lambda: wb.load_network("deepmri"),
                lambda: wb.net.card.name == "deepmri" and idle())
    if wanted("details"):
        measure("details test", lambda: (window.details_panel.stamp_at(40, 40), window.details_panel.run_test()),
                idle)
    if wanted("attack"):
        window.attack_panel.iterations.setValue(100_000)
        measure(f"attack, live ({args.attack_seconds:g} s)", window.attack_panel.run, lambda: False,
                limit=args.attack_seconds)
        measure("pause, then baseline(A(x + r))", window.attack.pause, idle)
        measure("ceiling (linearised gain)", window.attack_panel.measure_ceiling, idle)
    if wanted("autosave"):
        measure("autosave", window.autosave, lambda: not window._saver.busy)
    window.close_without_asking()


def large_png(side: int) -> Path:
    """A smooth greyscale PNG of side² pixels (written once into the temporary folder)."""
    import numpy as np
    from PIL import Image
    path = Path(tempfile.gettempdir()) / f"stabview-bench-{side}.png"
    if not path.exists():
        rows = np.linspace(0, 1, side, dtype=np.float32)
        image = 127 + 120 * np.sin(20 * rows)[None, :] * np.cos(13 * rows)[:, None]
        Image.fromarray(image.astype(np.uint8)).save(path, compress_level=1)
    return path


if __name__ == "__main__":
    main()
