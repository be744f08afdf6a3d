"""Make docs/screenshots/*.png from the real window: run under a display, e.g.

    xvfb-run -a -s "-screen 0 1600x1000x24" python scripts/make_screenshots.py

1. main-window-attack.png  — Deep MRI on the brain sample, mid-attack (curves rising, r forming)
2. ell50-one-scale.png      — ell50 on the brain sample with ‖r‖ ≤ 1% of ‖x‖: the network's
                              change beside the baseline's on one colour scale, Δ on each view
3. details-test.png         — a ♥ and text stamped into x, the details test's verdicts
4. more-samples.png         — PSNR against the sampling rate, trained rate in red
Everything runs through the same window, panels and workers a user gets; nothing is staged.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def pump(app, seconds: float, until=None) -> bool:
    end = time.time() + seconds
    while time.time() < end:
        app.processEvents()
        time.sleep(0.01)
        if until is not None and until():
            return True
    return until is None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--attack-iterations", type=int, default=70,
                        help="iterations before the mid-attack picture")
    parser.add_argument("--size", default="1600x1000", help="window size, WIDTHxHEIGHT")
    parser.add_argument("--budget", type=float, default=0.01, help="ε, the ‖r‖/‖x‖ budget of the ell50 attack")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    state = tempfile.mkdtemp(prefix="stabview-shots-")
    os.environ.setdefault("STABVIEW_SETTINGS", os.path.join(state, "settings.ini"))
    os.environ.setdefault("STABVIEW_STATE_DIR", state)

    from stabview.gui.app import create_application
    from stabview.gui.main_window import MainWindow
    from stabview.gui.settings import Settings
    from stabview.runtime import set_threads

    app = create_application()
    settings = Settings()
    settings.threads = max(1, (os.cpu_count() or 2) - 1)
    set_threads(settings.threads)
    from stabview.gui.theme import apply_theme
    apply_theme(app, "light")
    window = MainWindow(settings)
    window.resize(*(int(v) for v in args.size.split("x")))
    window.show()
    if not pump(app, 60, lambda: window.workbench.net is not None
                and window.viewers.image_of("network_clean") is not None):
        print("the default network did not load:", window.network_panel.problem.text(), file=sys.stderr)
        return 1

    pump(app, 120, lambda: window.viewers.image_of("baseline_clean") is not None)

    # 1. mid-attack
    panel = window.attack_panel
    window.show_panel("attack")
    panel.run()
    pump(app, 120, lambda: window.attack.search is not None and window.attack.search.iteration >= args.attack_iterations)
    window.grab().save(str(out / "main-window-attack.png"))
    window.attack.pause()
    pump(app, 30, lambda: window.attack.state != "running")

    # 2. ell50 with ‖r‖ ≤ 1%: the network's artefact beside a calm baseline, on one scale
    wb = window.workbench
    wb.load_network("ell50")
    pump(app, 120, lambda: wb.net is not None and wb.net.card.name == "ell50" and not wb.image_loading
         and window.viewers.image_of("network_clean") is not None)
    panel.set_mode("budgeted")
    panel.budget.set_budget(args.budget)
    panel.iterations.setValue(100)
    panel.snapshot_text.setText("10, 40")
    panel.run()
    pump(app, 600, lambda: window.attack.state == "finished")
    pump(app, 300, lambda: window.view_feed.baseline_shown is not None
         and not any(r.busy for r in window.runners()))
    window.show_panel("attack")
    pump(app, 1)
    window.grab().save(str(out / "ell50-one-scale.png"))
    numbers = window.view_feed.scale.numbers
    print(f"ell50: ‖r‖/‖x‖ {window.view_feed.r_scale.relative:.2%}, network Δ {numbers.get('network', 0):.1%}, "
          f"baseline Δ {numbers.get('baseline', float('nan')):.1%}")
    wb.load_network("deepmri")
    pump(app, 120, lambda: wb.net.card.name == "deepmri" and not wb.image_loading
         and window.viewers.image_of("network_clean") is not None)

    # 3. details test
    window.attack.reset()
    details = window.details_panel
    window.show_panel("details")
    details.size.setValue(22)
    details.intensity.setValue(0.6)
    details.stamp_at(52, 80)
    details.text_radio.setChecked(True)
    details.size.setValue(9)
    details.stamp_at(92, 64)
    details.run_test()
    pump(app, 120, lambda: bool(details.results))
    pump(app, 120, lambda: not window.view_feed.preview.busy and not window.view_feed.baseline.runner.busy)
    pump(app, 1)
    window.grab().save(str(out / "details-test.png"))

    # 4. more samples
    details.clear_button.click()
    samples = window.samples_panel
    window.show_panel("samples")
    samples.run()
    pump(app, 900, lambda: samples.result is not None)
    points = samples.series.get("network")
    if points:
        pts = points[1].points()
        samples.show_reconstruction("network", pts[len(pts) // 2].data()[1])
        pump(app, 30, lambda: "at rate" in samples.picked_label.text())
    pump(app, 1)
    window.grab().save(str(out / "more-samples.png"))
    window.close_without_asking()
    for name in ("main-window-attack.png", "ell50-one-scale.png", "details-test.png", "more-samples.png"):
        print(out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
