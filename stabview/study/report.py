"""DIR/report.html and DIR/summary.json, made from the study's table alone (any time, again).

The HTML is self-contained (plots are inline PNGs drawn with matplotlib's Agg canvas; pyplot
is never imported, so no GUI backend is chosen): a protocol block (model hashes, operators and
mask hashes, seeds, budgets, restarts, iterations, versions), the statistics table per network,
sampling and budget, plots of change and ratio against budget, and the worst cases whose
arrays were kept as panels like the paper's (x, r, f(y), f(y + A r), and the baseline).
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
from pathlib import Path

import numpy as np

from .nullspace_statistics import summarise_nullspace
from .recorder import Recorder
from .statistics import summarise
from .target_statistics import summarise_targets

PANELS_PER_NETWORK = 3


def protocol(recorder: Recorder) -> dict:
    """What was run, for the report's protocol block and summary.json."""
    networks, operators, versions = {}, {}, set()
    settings = seeds = None
    budgets, restarts, tests = set(), set(), set()
    test_settings = {}
    for row in recorder.rows():
        case = row["case_spec"]
        networks[row["network"]] = {"file_hash": row["network_hash"], "source": case["network"]["source"]}
        if row["operator"]:
            rate = "trained" if row["rate"] is None else row["rate"]
            operators[f"{row['network']} @ {rate}"] = row["operator"]
        if row["status"] == "ok":
            versions.add(json.dumps(row["versions"], sort_keys=True))
        settings, seeds = case["settings"], case["seed"]
        if row["test"] != "nullspace":          # a null-space case has no budget or restart
            budgets.add(row["budget"])
            restarts.add(row["restart"])
        tests.add(row["test"])
        if case.get("test_settings"):
            test_settings[row["test"]] = case["test_settings"]
    return {"networks": networks, "operators": operators, "study_seed": seeds,
            "case_seed": "study seed + restart", "budgets": sorted(budgets), "restarts": len(restarts),
            "tests": sorted(tests), "settings": settings, "test_settings": test_settings,
            "versions": [json.loads(v) for v in sorted(versions)], "spec": recorder.meta("spec_text")}


def write_report(folder: str | os.PathLike) -> tuple[Path, Path]:
    """Write report.html and summary.json into the study folder; return their paths."""
    folder = Path(folder)
    with Recorder(folder, create=False) as recorder:
        groups = summarise(recorder.rows())
        targets = summarise_targets(recorder.rows())
        nullspace = summarise_nullspace(recorder.rows())
        proto = protocol(recorder)
        counts = recorder.counts()
        worst = _worst_cases(recorder)
        planned = recorder.meta("planned")
        failures = [(r["id"], r["network"], r["image"], r["message"]) for r in recorder.rows(status="failed")]
    summary = {"cases": {"planned": planned, "ok": counts.get("ok", 0), "failed": counts.get("failed", 0)},
               "protocol": proto, "groups": groups, "targets": targets, "nullspace": nullspace}
    summary_path = folder / "summary.json"
    summary_path.write_text(json.dumps(summary, indent=1), encoding="utf-8")
    report_path = folder / "report.html"
    report_path.write_text(_html(summary, worst, failures), encoding="utf-8")
    return report_path, summary_path


# --- figures -------------------------------------------------------------------------------------
def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return f'<img alt="" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def _series(groups: list[dict]) -> dict[str, list[dict]]:
    by_line: dict[str, list[dict]] = {}
    for g in groups:
        if g["network_change"] is not None:
            label = g["network"] + ("" if g["rate"] is None else f" @ {g['rate']:.0%}")
            by_line.setdefault(label, []).append(g)
    return by_line


def change_plot(groups: list[dict]) -> str:
    """Worst-case change (median, IQR) against budget per network; noise and baseline dashed."""
    from matplotlib.figure import Figure
    fig = Figure(figsize=(6.4, 4))
    ax = fig.add_subplot()
    for label, gs in _series(groups).items():
        b = np.array([g["budget"] for g in gs]) * 100
        med = np.array([g["network_change"]["median"] for g in gs]) * 100
        err = np.array([[g["network_change"]["median"] - g["network_change"]["q25"],
                         g["network_change"]["q75"] - g["network_change"]["median"]] for g in gs]).T * 100
        line = ax.errorbar(b, med, yerr=err, marker="o", capsize=3, label=f"{label}: worst case")
        colour = line[0].get_color()
        if all(g["noise_network_change"] for g in gs):
            ax.plot(b, [g["noise_network_change"]["median"] * 100 for g in gs], "--", color=colour,
                    label=f"{label}: random noise")
        if all(g["baseline_change"] for g in gs):
            ax.plot(b, [g["baseline_change"]["median"] * 100 for g in gs], ":", color=colour,
                    label=f"{label}: baseline on the same r")
    ax.set_xlabel("budget ε (‖r‖ ≤ ε‖x‖), %")
    ax.set_ylabel("relative change of the output, %")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return _png(fig)


def ratio_plot(groups: list[dict]) -> str:
    """Network change ÷ baseline change (median, bootstrap 95% CI) against budget."""
    from matplotlib.figure import Figure
    fig = Figure(figsize=(6.4, 3.6))
    ax = fig.add_subplot()
    for label, gs in _series(groups).items():
        gs = [g for g in gs if g["change_ratio"]]
        if not gs:
            continue
        b = np.array([g["budget"] for g in gs]) * 100
        med = np.array([g["change_ratio"]["median"] for g in gs])
        err = np.array([[m - g["change_ratio"]["ci95"][0], g["change_ratio"]["ci95"][1] - m]
                        for m, g in zip(med, gs)]).T
        ax.errorbar(b, med, yerr=np.clip(err, 0, None), marker="o", capsize=3, label=label)
    for level in (1, 2, 5):
        ax.axhline(level, color="grey", lw=0.8, ls="--" if level > 1 else "-")
    ax.set_xlabel("budget ε, %")
    ax.set_ylabel("network change ÷ baseline change")
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)
    return _png(fig)


def case_panel(arrays: dict, title: str) -> str:
    """x, |r|, f(y), f(y + A r) and the baseline's S(y + A r), magnitudes, as the paper shows them."""
    from matplotlib.figure import Figure
    names = [("x", "x"), ("r", "|r| (scaled)"), ("network_clean", "f(y)"),
             ("network_perturbed", "f(y + A r)"), ("baseline_perturbed", "S(y + A r)")]
    names = [(k, t) for k, t in names if k in arrays]
    fig = Figure(figsize=(2.2 * len(names), 2.6))
    peak = float(np.abs(arrays["x"]).max()) or 1.0
    for i, (key, text) in enumerate(names):
        ax = fig.add_subplot(1, len(names), i + 1)
        image = np.abs(arrays[key])
        ax.imshow(image, cmap="gray", vmin=0, vmax=image.max() if key == "r" else peak)
        ax.set_title(text, fontsize=9)
        ax.axis("off")
    fig.suptitle(title, fontsize=9)
    return _png(fig)


def _worst_cases(recorder: Recorder) -> list[tuple[dict, dict]]:
    rows = [r for r in recorder.rows(status="ok") if r["arrays"]]
    rows.sort(key=lambda r: (r["network"], -r["numbers"]["network_change_rel"]))
    out, shown = [], {}
    for row in rows:
        if shown.get(row["network"], 0) >= PANELS_PER_NETWORK:
            continue
        path = recorder.folder / row["arrays"]
        if not path.exists():
            continue
        with np.load(path, allow_pickle=False) as data:
            out.append((row, {k: data[k] for k in data.files}))
        shown[row["network"]] = shown.get(row["network"], 0) + 1
    return out


# --- page ------------------------------------------------------------------------------------------
STYLE = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
         "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:3px 6px;"
         "text-align:right}th{background:#f3f3f3}td.l{text-align:left}pre{background:#f6f6f6;"
         "padding:8px;font-size:11px;overflow-x:auto}")


def _pct(stats: dict | None, key: str = "median") -> str:
    return "–" if not stats else f"{stats[key]:.2%}"


def _range(stats: dict | None, key: str, scale: float = 100, unit: str = "%") -> str:
    if not stats:
        return "–"
    low, high = stats[key] if key == "ci95" else (stats["q25"], stats["q75"])
    return f"{low * scale:.2f}–{high * scale:.2f}{unit}"


def _number(stats: dict | None, fmt: str = "{:.2f}") -> str:
    return "–" if not stats else fmt.format(stats["median"])


def _fraction(value) -> str:
    return "–" if value is None else f"{value:.0%}"


def _table(groups: list[dict]) -> str:
    head = ("network", "rate", "budget", "images", "restarts", "failed", "change median", "IQR",
            "95% CI", "‖r‖/‖x‖", "baseline change", "ratio median", "ratio 95% CI", "≥2×", "≥5×",
            "noise change", "worst ÷ noise", "adequacy")
    rows = []
    for g in groups:
        cells = [html.escape(g["network"]), "trained" if g["rate"] is None else f"{g['rate']:.1%}",
                 f"{g['budget']:.1%}", g["images"], g["restarts"], g["failed"],
                 _pct(g["network_change"]), _range(g["network_change"], "iqr"),
                 _range(g["network_change"], "ci95"), _pct(g["perturbation"]), _pct(g["baseline_change"]),
                 _number(g["change_ratio"]), _range(g["change_ratio"], "ci95", 1, ""),
                 _fraction(g["fraction_ratio_ge_2"]), _fraction(g["fraction_ratio_ge_5"]),
                 _pct(g["noise_network_change"]),
                 "–" if g["worst_over_noise"] is None else f"{g['worst_over_noise']:.1f}×",
                 _number(g["search_adequacy"])]
        rows.append("<tr>" + "".join(f'<td class="l">{c}</td>' if i == 0 else f"<td>{c}</td>"
                                     for i, c in enumerate(cells)) + "</tr>")
    return ("<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>" + "".join(rows) + "</table>")


def _verdicts(counts: dict) -> str:
    return " / ".join(str(counts[v]) for v in ("recovered", "blurred", "lost"))


def _target_table(targets: list[dict]) -> str:
    head = ("network", "rate", "budget", "mode", "images", "restarts", "failed", "network: target reached",
            "network: detail shows / no longer clear", "baseline: target reached", "network verdicts (rec / blur / lost)",
            "baseline verdicts", "‖r‖/‖x‖", "‖r‖/‖d‖", "corr(r, d)", "misfit/‖d‖", "misfit of r ∝ d")
    rows = []
    for g in targets:
        cells = [html.escape(g["network"]), "trained" if g["rate"] is None else f"{g['rate']:.1%}",
                 f"{g['budget']:.1%}", g["mode"], g["images"], g["restarts"], g["failed"],
                 _fraction(g["network_fraction_reached"]), _fraction(g["network_fraction_visible"]),
                 _fraction(g["baseline_fraction_reached"]), _verdicts(g["network_verdicts"]),
                 _verdicts(g["baseline_verdicts"]), _pct(g["perturbation_rel"]), _number(g["r_over_d"]),
                 _number(g["r_d_correlation"]), _number(g["target_residual_rel"]), _number(g["along_d_residual_rel"])]
        rows.append("<tr>" + "".join(f'<td class="l">{c}</td>' if i == 0 else f"<td>{c}</td>"
                                     for i, c in enumerate(cells)) + "</tr>")
    return "<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>" + "".join(rows) + "</table>"


def _nullspace_table(nullspace: list[dict]) -> str:
    head = ("network", "rate", "images", "failed", "‖P_N x‖/‖x‖", "network P_R error", "network P_N error",
            "baseline P_R error", "baseline P_N error", "network P_N > baseline's", "projection converged")
    rows = []
    for g in nullspace:
        cells = [html.escape(g["network"]), "trained" if g["rate"] is None else f"{g['rate']:.1%}", g["images"],
                 g["failed"], _pct(g["truth_null_rel"]), _pct(g["network_range_error_rel"]),
                 _pct(g["network_null_space_error_rel"]), _pct(g["baseline_range_error_rel"]),
                 _pct(g["baseline_null_space_error_rel"]), _fraction(g["fraction_null_error_above_baseline"]),
                 _fraction(g["projection_converged"])]
        rows.append("<tr>" + "".join(f'<td class="l">{c}</td>' if i == 0 else f"<td>{c}</td>"
                                     for i, c in enumerate(cells)) + "</tr>")
    return "<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>" + "".join(rows) + "</table>"


def _feature_sections(summary: dict) -> list[str]:
    """The targeted and null-space tables, when the study ran those tests."""
    parts = []
    if summary["targets"]:
        parts += ["<h2>False and missing details (targeted search)</h2>"
                  "<p><i>add</i>: r (‖r‖ ≤ ε‖x‖) that makes the network show the detail d although x lacks it; "
                  "<i>remove</i>: r that makes it lose d from x + d. Per image the restart that reached the target "
                  "(else came closest) counts. Reached: the network shows the false d clearly (verdict recovered) / "
                  "loses the real d (verdict lost); the next column counts any sign (add: recovered or blurred; "
                  "remove: blurred or lost). The baseline is judged on the same r. Medians over images of ‖r‖/‖x‖, "
                  "‖r‖/‖d‖, corr(r, d) (r ≈ ±d is no finding) and the misfit; the last column is the misfit of "
                  "r = ±ε‖x‖·d/‖d‖, what a faithful map needs.</p>", _target_table(summary["targets"])]
    if summary["nullspace"]:
        parts += ["<h2>Null-space errors</h2><p>Errors on y = A x relative to ‖x‖ (medians over images): the part "
                  "the measurements see, ‖P_R(x̂ − x)‖, and the part in the null space of A, ‖P_N(x̂ − x)‖, which a "
                  "reconstruction can only guess or invent.</p>", _nullspace_table(summary["nullspace"])]
    return parts


def _html(summary: dict, worst: list, failures: list) -> str:
    groups, proto, cases = summary["groups"], summary["protocol"], summary["cases"]
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>stabview study</title>"
             f"<style>{STYLE}</style></head><body><h1>Stability study</h1>",
             f"<p>{cases['ok']} cases ok, {cases['failed']} failed"
             + (f", of {cases['planned']} planned" if cases["planned"] else "") + ".</p>",
             "<h2>Statistics per network, sampling and budget</h2>" if groups else "",
             "" if not groups else "<p>Per image the worst restart counts (largest network change); medians across images, "
             "interquartile range, bootstrap 95% confidence interval of the median. Ratio: network change "
             "÷ baseline change on the same r. Noise: the network's change under random noise "
             f"({html.escape(str(groups[0]['noise_source']) if groups else '')}). Adequacy: achieved "
             "gain (change ÷ size) ÷ the linearised gain at x.</p>", _table(groups) if groups else ""]
    if any(g["network_change"] for g in groups):
        parts += ["<h2>Change against budget</h2>", change_plot(groups), ratio_plot(groups)]
    parts += _feature_sections(summary)
    if worst:
        parts.append("<h2>Worst cases</h2>")
        for row, arrays in worst:
            n = row["numbers"]
            title = (f"{row['network']} · {row['image']} · ε {row['budget']:.1%} · restart {row['restart']}: "
                     f"change {n['network_change_rel']:.2%}"
                     + (f", baseline {n['baseline_change_rel']:.2%}" if "baseline_change_rel" in n else ""))
            parts.append(case_panel(arrays, title))
    if failures:
        parts.append("<h2>Failed cases</h2><table><tr><th>id</th><th>network</th><th>image</th><th>message</th></tr>")
        parts += [f"<tr><td class='l'>{i[:12]}</td><td class='l'>{html.escape(n)}</td><td class='l'>"
                  f"{html.escape(im)}</td><td class='l'>{html.escape(m)}</td></tr>" for i, n, im, m in failures[:200]]
        parts.append("</table>")
    parts += ["<h2>Protocol</h2><pre>", html.escape(json.dumps({k: v for k, v in proto.items() if k != "spec"},
                                                            indent=1)), "</pre>"]
    if proto.get("spec"):
        parts += ["<h3>Spec</h3><pre>", html.escape(proto["spec"]), "</pre>"]
    parts.append("</body></html>")
    return "".join(parts)
