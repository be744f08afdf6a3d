"""What the attack's worker hands the window: copies of a search's history, images and numbers.

Made in the worker (a reconstruction for display costs one forward pass), read in the GUI
thread: every array is a copy, never a view of a tensor the worker keeps changing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ..stability.perturbation import PerturbationSearch, Snapshot


def _np(t: torch.Tensor) -> np.ndarray:
    """A CPU numpy copy (never a view of a tensor the worker keeps changing)."""
    return t.detach().cpu().numpy().copy()


@dataclass
class AttackView:
    """What the viewers and curves show: history and images of the current r (copies)."""

    iteration: int
    history: list = field(default_factory=list)          # AttackState.to_dict() per step
    images: dict = field(default_factory=dict)           # x_plus_r, r, network, measurements
    clean: dict = field(default_factory=dict)            # x, network_clean (first view only)
    search_state: dict | None = None                     # state_dict() copy, with the images
    numbers: dict = field(default_factory=dict)          # of the r in `images` (the export's numbers)
    phase: str = ""                                      # budgeted: which start runs ('start 2/3 (…)')


def clean_images(search: PerturbationSearch) -> dict:
    """x, f(Ax) and y: the same for every start of a search on one setup."""
    return {"x": _np(search.x[0]), "network_clean": _np(search.clean[0]),
            "measurements": search.y.detach().clone()}


def snapshot_entry(search: PerturbationSearch, snap: Snapshot) -> dict:
    """A kept r with its display images (r, x + r, f(y + A r), measurements)."""
    r_image = search.image_perturbation(snap.r)
    with torch.no_grad():
        return {"iteration": snap.iteration, "perturbation_rel": snap.perturbation_rel,
                "r_raw": _np(snap.r[0]), "r": _np(r_image[0]), "x_plus_r": _np((search.x + r_image)[0]),
                "network": _np(search.reconstruct(snap.r)[0]),
                "measurements": search.measurements(snap.r).detach().clone()}


def make_view(search: PerturbationSearch, clean: dict, images: bool, phase: str = "") -> AttackView:
    """The search's history; with `images`, also the reported r's images, numbers and state."""
    view = AttackView(search.iteration, [s.to_dict() for s in search.history], clean=clean, phase=phase)
    if images:       # the reported r: the one whose numbers the history and an export show
        r = search.result_r
        r_image = search.image_perturbation(r)
        with torch.no_grad():
            out = search.reconstruct(r)
            view.images = {"r": _np(r_image[0]), "x_plus_r": _np((search.x + r_image)[0]),
                           "network": _np(out[0]), "measurements": search.measurements(r).detach().clone()}
            # the numbers of the r shown: the reported one, recorded in the history
            state = search.result_state
            view.numbers = {"iteration": search.iteration, "perturbation_rel": state.perturbation_rel,
                            "network_change_rel": state.network_change_rel, "psnr": state.psnr} if state else {}
        view.search_state = search.state_dict()
    return view


@dataclass
class AttackMemento:
    """A search taken off the attack runner, kept with the history to be put back as it was
    (nothing is copied: nothing else holds these objects once the runner has let go of them)."""

    search: object = None
    snapshots: list = field(default_factory=list)
    clean: dict = field(default_factory=dict)
    last_view: object = None
    state: str = "idle"
    ceiling: dict | None = None
    plan: object = None                # budgeted mode: the search's starts (StartPlan)

    @property
    def iteration(self) -> int:
        return self.search.iteration if self.search is not None else 0
