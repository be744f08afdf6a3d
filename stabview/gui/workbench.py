"""The window's live state in the GUI thread: network, image, details and operator.

Panels change it through its methods and observe its signals; viewers show what it holds.
Everything here is quick (no network or operator is ever applied in the GUI thread); loading a
model is a job on the `loader` runner. Errors are reported through `problem` with the name of
the panel they belong to, so the panel shows them instead of the application crashing.
"""

from __future__ import annotations

import os

import torch
from PySide6.QtCore import QObject, Signal

from ..data import load_image_or_sample
from ..stability.detail_canvas import DetailCanvas
from ..errors import StabviewError
from ..experiment import Sampling, kinds_for
from ..runtime import resolve_device
from .workers import Job, JobRunner

DEFAULT_SHAPE = (128, 128)
DEFAULT_SAMPLING = Sampling().to_dict()


def build_operator(sampling: dict, shape: tuple[int, int]):
    """The operator for the window's sampling dict (the experiment model builds it)."""
    return Sampling.from_dict(sampling).operator(shape)


def trained_sampling(card) -> dict:
    """The sampling a network's card says it was trained with, as the window's dict."""
    return Sampling.trained(card).to_dict()


class Workbench(QObject):
    """Network + image + details + operator, with change signals (see the module docstring)."""

    networkChanged = Signal()
    imageChanged = Signal()          # base image or details changed: x + d is new
    samplingChanged = Signal()
    problem = Signal(str, str)       # panel name, message ('' clears it)
    status = Signal(str)

    def __init__(self, settings, parent: QObject | None = None):
        super().__init__(parent)
        self.settings = settings
        self.net = None
        self.network_source: dict = {}
        self.image_source: dict = {"spec": "brain", "slice": None}
        self.sampling = dict(DEFAULT_SAMPLING)
        self.base_image = torch.zeros(DEFAULT_SHAPE)
        self.canvas = DetailCanvas(DEFAULT_SHAPE)
        self.canvas.subscribe(self._canvas_changed)
        self.op = build_operator(self.sampling, DEFAULT_SHAPE)
        self.loader = JobRunner("loader", lambda: self.settings.threads, self)
        self.generation = 0          # bumped whenever x, the network or the operator changes
        self._pending_source: dict = {}

    # --- what the tests run on -------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.net.card.image_shape) if self.net is not None else DEFAULT_SHAPE

    @property
    def device(self) -> torch.device:
        try:
            return resolve_device(self.settings.device)
        except StabviewError:
            return torch.device("cpu")

    def image(self) -> torch.Tensor:
        """x + d as a real `(H, W)` tensor (a new tensor each call: safe to hand to a worker)."""
        return self.base_image + self.canvas.tensor()

    def compatibility_error(self) -> str:
        """Why the current network cannot run on the current operator and image ('' if it can)."""
        if self.net is None:
            return "no network loaded: choose one in the Network panel"
        try:
            self.net.check_compatible(self.op, self.op.check_image(self.image()[None]))
        except StabviewError as exc:
            return str(exc)
        return ""

    def apply_device(self) -> None:
        """Move the network and the operator to the device chosen in the preferences."""
        if self.net is not None:
            self.net.to(self.device)
        self._rebuild_operator()

    # --- network ---------------------------------------------------------------------------
    def load_network(self, name_or_path: str, card: str | None = None) -> bool:
        """Load a zoo network or a model file in the loader thread; False if one is loading."""
        source = {"name": name_or_path} if not os.path.exists(str(name_or_path)) else \
            {"path": os.path.abspath(name_or_path), "card": card}
        device = self.device

        def work(job: Job):
            from ..networks import zoo
            net = zoo.load(name_or_path, card) if card else zoo.load(name_or_path)
            return net.to(device)

        self.status.emit(f"loading network {os.path.basename(str(name_or_path))} …")
        self._pending_source = source
        return self.loader.submit(Job(work, on_done=self._network_loaded, on_error=self._network_failed,
                                      name="load network"))

    def _network_loaded(self, net) -> None:
        self.set_network(net, self._pending_source)

    def _network_failed(self, message: str) -> None:
        self.problem.emit("network", message)
        self.status.emit("the network could not be loaded")

    def set_network(self, net, source: dict | None = None, *, reset_sampling: bool = True) -> None:
        """Use `net` (a `ReconstructionNetwork`): the image is refitted to its shape and the
        sampling reset to its trained one. Weights are frozen once here (attacks never train)."""
        net.eval()
        net.requires_grad_(False)
        self.net = net
        self.network_source = dict(source or {"name": net.card.name, "in_memory": True})
        if reset_sampling:
            self.sampling = trained_sampling(net.card)
        self.problem.emit("network", "")
        self._reload_image(keep_details=False)
        self._rebuild_operator()
        self.networkChanged.emit()          # last: listeners see the new image and operator
        self.status.emit(f"network {net.card.name}: {net.card.modality}, trained at {net.card.rate:.0%}")

    # --- image and details -----------------------------------------------------------------
    def set_image(self, spec: str, slice_index: int | None = None) -> bool:
        """A sample name or an image file; False (and a message in the Image panel) on error."""
        old = dict(self.image_source)
        self.image_source = {"spec": str(spec), "slice": slice_index}
        if not self._reload_image(keep_details=False):
            self.image_source = old
            return False
        return True

    def _reload_image(self, keep_details: bool) -> bool:
        spec, slice_index = self.image_source["spec"], self.image_source.get("slice")
        kwargs = {} if slice_index is None else {"slice_index": int(slice_index)}
        try:
            image = load_image_or_sample(spec, self.shape, **kwargs)
        except StabviewError as exc:
            self.problem.emit("image", str(exc))
            return False
        if image.is_complex():
            image = image.abs()
        self.base_image = image.float()
        self.problem.emit("image", "")
        if not keep_details or self.canvas.shape != self.shape:
            self.canvas.reset(self.shape)      # emits imageChanged through the canvas listener
        else:
            self._canvas_changed(self.canvas)
        return True

    def set_details(self, data: dict) -> None:
        restored = DetailCanvas.from_dict(data)
        if restored.shape != self.shape:
            raise StabviewError(f"the saved details are {restored.shape} but the image is {self.shape}")
        self.canvas.reset(None, restored.operations)

    def _canvas_changed(self, canvas) -> None:
        self.generation += 1
        self.imageChanged.emit()

    # --- sampling --------------------------------------------------------------------------
    def set_sampling(self, **changes) -> bool:
        """Change modality/kind/rate/seed; False (message in the Sampling panel) if impossible."""
        sampling = {**self.sampling, **changes}
        if "modality" in changes and sampling["kind"] not in kinds_for(sampling["modality"]):
            sampling["kind"] = kinds_for(sampling["modality"])[0]
        old = self.sampling
        self.sampling = sampling
        if not self._rebuild_operator():
            self.sampling = old
            return False
        return True

    def reset_sampling(self) -> None:
        if self.net is not None:
            self.sampling = trained_sampling(self.net.card)
            self._rebuild_operator()

    def _rebuild_operator(self) -> bool:
        try:
            op = build_operator(self.sampling, self.shape)
        except StabviewError as exc:
            self.problem.emit("sampling", str(exc))
            return False
        self.op = op.to(self.device) if self.device.type != "cpu" else op
        self.generation += 1
        self.problem.emit("sampling", self.compatibility_error() if self.net is not None else "")
        self.samplingChanged.emit()
        return True
