"""What the Attack panel writes about a search, and how its plots' ranges grow."""

from __future__ import annotations


def grown_range(current: tuple[float, float], low: float, high: float) -> tuple[float, float] | None:
    """A new axis range holding [low, high], or None if `current` already does.

    Ranges grow with headroom (half the span again) so they change rarely: regenerating
    pyqtgraph's axes is most of a plot's repaint cost, and repaints while an attack runs
    compete with the worker for the interpreter lock.
    """
    lo, hi = current
    if low >= lo and high <= hi:
        return None
    span = max(high - low, 1e-12)
    return (min(lo, low - 0.5 * span) if low < lo else lo, max(hi, high + 0.5 * span) if high > hi else hi)


def current_numbers(view) -> dict:
    """‖r‖/‖x‖, Δ and PSNR of the newest r the view knows: the r its images show when those are
    at least as new as the history (always so when a run ends), else the history's last step."""
    last = view.history[-1] if view.history else {}
    numbers = view.numbers or {}
    if numbers and numbers["iteration"] >= last.get("iteration", -1) + 1:
        return numbers
    return {**last, "iteration": last.get("iteration", 0)}


def progress_text(view, iterations: int) -> str:
    n = current_numbers(view)
    phase = f"{view.phase}, " if getattr(view, "phase", "") else ""
    return (f"{phase}iteration {n['iteration']} / {iterations}: ‖r‖/‖x‖ {n['perturbation_rel']:.2%}, "
            f"network change {n['network_change_rel']:.1%}, PSNR {n['psnr']:.1f} dB")


def snapshot_label(snap: dict, k: int) -> str:
    return f"r{k + 1}: ‖r‖/‖x‖ = {snap['perturbation_rel']:.2%} (iteration {snap['iteration']})"
