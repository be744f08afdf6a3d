"""One case on the engine: load (or reuse) the network, build operator and image, run the test.

`run_case` is the only place in `study/` that calls the engine (network loading, operators,
images, the search, the baseline), so a change of the engine's API changes this one function.
It takes and returns plain data: a case as `Case.to_dict()` gives it, and a dict of numbers,
arrays (numpy), the operator's description and timings. Errors propagate; `worker.py` records
them as a failed case.
"""

from __future__ import annotations

import hashlib
import time

import numpy as np
import torch


def run_case(case: dict, cache: dict, should_stop=None) -> dict:
    """Run `case` (see `cases.Case.to_dict`); `cache` keeps loaded networks and operators.
    `should_stop()` turning true (its worker is closing) ends the search and the baseline at
    their next step and raises `CaseStopped`: a stopped case has no numbers to record.

    Tests: "attack" — the budgeted worst-case search, max ‖f(y + A r) − f(y)‖ with
    ‖r‖ ≤ budget·‖x‖, from the case's seed, with the baseline's change on the same r, the
    random-noise control and (if asked) the linearised gain; "noise" — Gaussian noise of norm
    budget·‖x‖ (the expected, not the worst, case) through the network and the baseline;
    "nullspace" — the clean errors split into measured and null-space parts; "target-add" /
    "target-remove" — the targeted search for a false / missing detail. The last three record
    the numbers `stabview nullspace` and `stabview target` write into result.json.
    """
    from ..baselines import reconstruct
    from ..data import load_image_or_builtin
    from ..networks import zoo
    from ..stability.attack import run_attack
    from ..stability.params import AttackParams
    from .errors import CaseStopped

    stop = should_stop or (lambda: False)

    def check_stop(*_) -> None:
        if stop():
            raise CaseStopped("the case was stopped: its worker is closing")

    start = time.perf_counter()
    ref, settings = case["network"], case["settings"]
    key = ref["file_hash"]
    if key not in cache:
        cache[key] = (zoo.load(ref["source"]) if ref["card"] is None
                      else zoo.load(ref["source"], card=ref["card"]))
    net = cache[key]
    if (key, case["rate"]) not in cache:
        op = net.default_operator("cpu")
        if case["rate"] is not None:
            op = op.with_rate(case["rate"])
        mask_hash = hashlib.sha256(op.mask.cpu().numpy().tobytes()).hexdigest()
        cache[(key, case["rate"])] = (op, {**op.describe(), "mask_sha256": mask_hash})
    op, operator = cache[(key, case["rate"])]
    image = case["image"]
    kwargs = {} if image["slice_index"] is None else {"slice_index": image["slice_index"], "axis": image["axis"]}
    x = op.check_image(load_image_or_builtin(image["path"], op.image_shape, **kwargs)[None])
    net.check_compatible(op, x)
    caps = {} if settings["baseline_iterations"] is None else {"max_iterations": settings["baseline_iterations"]}
    baseline = (lambda y, op_: reconstruct(op_, y, should_stop=stop, **caps).image) if settings["baseline"] else None
    loaded = time.perf_counter()

    if case["test"] == "attack":
        # restart 0 starts along the ceiling's direction (when it is measured), the others at random
        params = AttackParams(budget=case["budget"], seed=case["case_seed"], **settings["attack"])
        along_ceiling = case["restart"] == 0 and settings["gain_iterations"] > 0
        outcome = run_attack(net, op, x, params, settings["iterations"], baseline=baseline,
                             gain_iterations=settings["gain_iterations"], ceiling_start=along_ceiling,
                             restarts=0 if along_ceiling else 1, continuation=(),   # a case is one start
                             should_stop=stop, on_search_done=check_stop)
        numbers = dict(outcome.numbers)
        last = outcome.snapshots[-1]
        arrays = {"x": outcome.x, "r": last["r"], "network_clean": outcome.images["network_clean"],
                  "network_perturbed": last["network"]}
        if baseline is not None:
            arrays.update(baseline_clean=outcome.images["baseline_clean"], baseline_perturbed=last["baseline"])
        numbers.pop("restarts", None)          # this case is one start: its numbers are the case's
        numbers["search_adequacy"] = numbers.get("adequacy")
    elif case["test"] == "nullspace":
        numbers, arrays = _nullspace(case, net, op, x, baseline), {}
    elif case["test"].startswith("target-"):
        numbers, arrays = _target(case, net, op, x, baseline), {}
    else:
        g = torch.Generator().manual_seed(case["case_seed"])
        noise = torch.randn(x.shape, generator=g, dtype=x.real.dtype)
        noise = noise * (case["budget"] * x.norm() / noise.norm())
        with torch.no_grad():
            y, y_noisy = op.forward(x), op.forward(x + noise)
            clean, noisy = net(y, op), net(y_noisy, op)
            numbers = {"perturbation_rel": float(noise.norm() / x.norm()),
                       "network_change_rel": _rel(noisy, clean)}
            if baseline is not None:
                numbers["baseline_change_rel"] = _rel(baseline(y_noisy, op), baseline(y, op))
                numbers["change_ratio"] = numbers["network_change_rel"] / max(numbers["baseline_change_rel"], 1e-12)
        arrays = {}
    check_stop()        # a baseline cut short by should_stop gives no numbers to record
    done = time.perf_counter()
    return {"numbers": {k: _plain(v) for k, v in numbers.items()},
            "arrays": {k: np.asarray(v.detach().cpu().numpy()) for k, v in arrays.items()},
            "operator": operator, "network": net.card.name,
            "timings": {"load_s": loaded - start, "run_s": done - loaded}}


def _nullspace(case: dict, net, op, x: torch.Tensor, baseline) -> dict:
    """The clean errors of the network (and baseline) split into P_R and P_N parts, as `stabview nullspace`."""
    from ..stability.nullspace import NullSpaceProjector, nullspace_test
    own = case["test_settings"]
    projector = NullSpaceProjector(op, tolerance=own["tolerance"], max_iterations=own["max_iterations"])
    recs = {"network": lambda y, op_: net(y, op_)}
    if baseline is not None:
        recs["baseline"] = baseline
    outcome = nullspace_test(recs, op, x, projector=projector)
    return {**outcome.numbers(), "projection": outcome.projection}


def _target(case: dict, net, op, x: torch.Tensor, baseline) -> dict:
    """The targeted search of `stabview target` for the spec's detail; its result.json numbers."""
    from ..stability.details import Detail
    from ..stability.targeted import TargetSettings, run_targeted
    own = case["test_settings"]
    spec = own["detail"]
    h, w = op.image_shape
    default_size = max(6, h // (8 if spec["kind"] == "symbol" else 16))
    detail = Detail(spec["kind"], spec["content"], tuple(spec["centre"] or (h / 2, w / 2)),
                    spec["size"] or default_size, spec["intensity"])
    settings = TargetSettings(own["mode"], case["budget"], own["iterations"], step=own["step"],
                              seed=case["case_seed"])
    outcome = run_targeted(net, op, x, detail.render(op.image_shape).to(x.device), settings, baseline=baseline)
    return {**outcome.numbers, "detail": detail.to_dict()}


def _rel(new: torch.Tensor, old: torch.Tensor) -> float:
    return float((new - old).norm() / old.norm().clamp_min(1e-30))


def _plain(value):
    """Numbers as JSON-ready Python values (nested tables and lists kept)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (bool, int, str)) or value is None:
        return value
    return float(value)
