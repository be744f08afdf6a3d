"""Open a study's case in the window: its network, image, sampling rate and budget, and its kept r.

The case's choices go into the model at once (one undoable step); the workbench then loads what
it does not hold. Once the network and the image are in, the case's rate is set and, when the
study kept the case's arrays, its r is shown as the attack's current perturbation (x + r, f(A(x + r))
and, once idle, the baseline on the same r), so a reader sees the case the table row describes.
"""

from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import QObject

from ..experiment import ImageRef, NetworkRef, Sampling
from ..stability.params import AttackParams


def case_choices(case: dict) -> tuple[NetworkRef, ImageRef]:
    """The experiment's network and image references for a study case (`Case.to_dict()`)."""
    network = case["network"]
    source, card = network["source"], network.get("card")
    ref = NetworkRef(path=source, card=card) if card or os.path.isabs(source) else NetworkRef(name=source)
    image = case["image"]
    return ref, ImageRef(image["path"], image.get("slice_index"))


class StudyCaseOpener(QObject):
    """Applies one study case (a `study.table.CaseRow` and its arrays) to a window."""

    def __init__(self, window, row, arrays: dict[str, np.ndarray]):
        super().__init__(window)
        self.window, self.row, self.arrays = window, row, arrays

    def start(self) -> None:
        w = self.window
        network, image = case_choices(self.row.case)
        w.attack.reset()
        w.workbench.drop_pending_choice()
        w.model.update(f"study case {self.row.id[:8]}", network=network, image=image, details=())
        w.workbench.networkChanged.connect(self._check)
        w.workbench.imageChanged.connect(self._check)
        self._check()

    def _check(self, *args) -> None:
        if not self.window.workbench.built():
            return
        w = self.window
        w.workbench.networkChanged.disconnect(self._check)
        w.workbench.imageChanged.disconnect(self._check)
        rate = self.row.case.get("rate")
        sampling = Sampling.trained(w.workbench.net.card)
        w.workbench.set_sampling(**sampling.with_(rate=rate if rate is not None else sampling.rate).to_dict())
        budget = float(self.row.case.get("budget") or AttackParams().budget)
        params = AttackParams(budget=budget, seed=int(self.row.case.get("case_seed", 0)))
        w.attack_panel.set_params(params)
        w.attack.configure(params, w.attack.iterations, restarts=w.attack.restarts)
        if "r" in self.arrays:
            w.attack.show_perturbation(self.arrays["r"])
        w.show_message(f"study case {self.row.network} · {self.row.image} · ε {budget:.2%}"
                       + ("" if "r" in self.arrays else " (the study kept no arrays for it: run the attack)"))
