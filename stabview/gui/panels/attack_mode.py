"""How adequate a search was (its gain against the measured ceiling), and what a diverged one says."""

from __future__ import annotations

from ...stability.attack import ADEQUATE_SHARE


def adequacy(numbers: dict, ceiling: dict | None) -> dict | None:
    """Achieved gain (change ÷ size) of the shown r against the ceiling, as the CLI reports it:
    {'gain', 'ceiling', 'share', 'converged', 'warning'}; None without a ceiling or an r."""
    if ceiling is None or "gain" not in ceiling or not numbers or numbers.get("perturbation_rel", 0) <= 0:
        return None
    gain = numbers["network_change_rel"] / numbers["perturbation_rel"]
    top = ceiling["gain"][0]
    share = gain / max(top, 1e-30)
    converged = bool(ceiling.get("converged"))
    return {"gain": gain, "ceiling": top, "share": share, "converged": converged,
            "warning": converged and share < ADEQUATE_SHARE}


def adequacy_text(figure: dict, budgeted: bool) -> str:
    text = f"gain {figure['gain']:.2f}× of ceiling {figure['ceiling']:.2f}× ({figure['share']:.0%})"
    if not figure["converged"]:
        text += " (ceiling not converged)"
    if figure["warning"]:
        text += (": a larger change may exist; add restarts or iterations" if budgeted else
                 ": a larger change may exist; run longer or use the budgeted mode")
    return text


def diverged_text(params) -> str:
    """What the CLI says when the paper's search ran away (stopped_by 'diverged')."""
    return (f"the paper's search diverged (‖r‖ passed {params.divergence_limit:.0%} of ‖x‖ or became "
            f"non-finite) with λ={params.lam:g}, η={params.lr:g}: the numbers are of the last r before "
            "that; raise λ or lower η, or use the budgeted mode")
