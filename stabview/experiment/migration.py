"""Session files of format 1 (one dict per choice, the search as loose arrays) → format 2."""

from __future__ import annotations

from ..stability.params import AttackParams


def from_format_1(data: dict, arrays: dict) -> tuple[dict, dict]:
    """The same session in format 2's layout (`Session.open` builds it from there).

    A format-1 search saved r and the momentum v after its last step. It resumes as a search
    whose best r is that r, to be evaluated first: a paper-mode search continues exactly as
    before; a budgeted one continues from r with a fresh step size.
    """
    network = dict(data.get("network") or {})
    network_ref = ({"path": network["path"], "card": network.get("card")} if network.get("path")
                   else {"name": network.get("name")})
    attack = dict(data.get("attack") or {})
    params = AttackParams.from_dict(attack.get("params", {}))
    results = dict(data.get("results") or {})
    experiment = {
        "schema": 2,
        "network": network_ref,
        "image": dict(data.get("image") or {"spec": "brain", "slice": None}),
        "sampling": dict(data["sampling"]) if data.get("sampling") else None,
        "details": list((data.get("details") or {}).get("operations", [])),
        "attack": {"params": params.to_dict(), "iterations": int(attack.get("iterations", 100)),
                   "snapshot_at": list(attack.get("snapshot_at", []))},
    }
    view = {k: attack[k] for k in ("state", "snapshot_text", "preset") if k in attack}
    if "state" in view:
        view["attack_state"] = view.pop("state")
    new_arrays = {k: v for k, v in arrays.items() if not k.startswith("attack_")}
    search = None
    if "attack_r" in arrays and "attack_v" in arrays:
        new_arrays.update(search_r=arrays["attack_r"], search_v=arrays["attack_v"],
                          search_best_r=arrays["attack_r"], search_evaluated_r=arrays["attack_r"],
                          search_best_direction=0 * arrays["attack_r"])
        if "attack_roi" in arrays:
            new_arrays["search_roi"] = arrays["attack_roi"]
        snapshots = []
        for k, snap in enumerate(data.get("snapshots", [])):
            name = snap.get("array", f"attack_snapshot{k}")
            if name in arrays:
                new_arrays[f"search_snapshot{len(snapshots)}"] = arrays[name]
                snapshots.append({"iteration": snap["iteration"], "perturbation_rel": snap["perturbation_rel"]})
        search = {"params": params.to_dict(), "iteration": int(results.get("attack_iteration", 0)),
                  "stopped_by": None, "step_share": params.step, "best_objective": None,
                  "best_iteration": -1, "stall": {"window": params.stall_window,
                                                  "tolerance": params.stall_tolerance, "best": []},
                  "snapshot_at": list(attack.get("snapshot_at", [])),
                  "history": list(results.get("attack_history", [])), "snapshots": snapshots}
    new_results = {}
    if results.get("samples"):
        new_results["more_samples"] = results["samples"]
    if results.get("details"):
        new_results["details"] = results["details"]
    return ({"experiment": experiment, "search": search, "results": new_results, "view": view}, new_arrays)
