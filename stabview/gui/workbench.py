"""The window's live state in the GUI thread: network, image, details and operator.

Panels change it through its methods and observe its signals; viewers show what it holds.
Everything here is quick (no network or operator is ever applied in the GUI thread); loading a
model is a job on the `loader` runner, loading an image one on the `image_loader` (large files
in a child process, see image_process.py). Changes that replace work go through `recorder`
(the window's keeper.py), which makes them undoable. Errors are reported through `problem` with the name of
the panel they belong to, so the panel shows them instead of the application crashing.
"""

from __future__ import annotations

import os
from contextlib import nullcontext

import torch
from PySide6.QtCore import QObject, Signal

from ..data import load_image_or_sample
from ..stability.detail_canvas import DetailCanvas
from ..errors import StabviewError
from ..experiment import Sampling, kinds_for
from ..runtime import resolve_device
from .image_process import is_large, load_in_child
from .workers import Job, JobRunner

DEFAULT_SHAPE = (128, 128)
DEFAULT_SAMPLING = Sampling().to_dict()


def build_operator(sampling: dict, shape: tuple[int, int]):
    """The operator for the window's sampling dict (the experiment model builds it)."""
    return Sampling.from_dict(sampling).operator(shape)


class Change:
    """Handed to the code inside a recorded change: set `ok = False` when nothing changed."""

    ok = True


def _resized(image: torch.Tensor, shape: tuple[int, int]) -> torch.Tensor:
    """A quick stand-in of `image` at `shape` while the real one loads (bilinear)."""
    out = torch.nn.functional.interpolate(image[None, None].float(), size=tuple(shape), mode="bilinear",
                                          align_corners=False)
    return out[0, 0].contiguous()


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
        self.image_loader = JobRunner("image loader", lambda: 1, self)
        self.generation = 0          # bumped whenever x, the network or the operator changes
        self.recorder = None         # label → context manager recording an undoable change
        self._pending_source: dict = {}
        self._image_request: tuple | None = None

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
        self.problem.emit("network", message)      # the window shows it where the user looks

    def set_network(self, net, source: dict | None = None, *, reset_sampling: bool = True) -> None:
        """Use `net` (a `ReconstructionNetwork`): the sampling is reset to its trained one and the
        image refitted to its shape (details kept when the shape stays). Weights are frozen once
        here (attacks never train). Undoable (Edit ▸ Undo) when a network was loaded before."""
        with self._record(f"network {net.card.name}"):
            net.eval()
            net.requires_grad_(False)
            old_shape = self.shape
            self.net = net
            self.network_source = dict(source or {"name": net.card.name, "in_memory": True})
            if reset_sampling:
                self.sampling = trained_sampling(net.card)
            self.problem.emit("network", "")
            if self.shape != old_shape:
                # the image now has another shape: refit what is shown at once, then load the
                # image again at the new shape in the background (exact, and never a stall)
                self.base_image = _resized(self.base_image, self.shape)
                self.canvas.reset(self.shape)
                self._load_image(self.image_source, record=False)
            else:
                self._canvas_changed(self.canvas)
            self._rebuild_operator()
            self.networkChanged.emit()          # last: listeners see the new image and operator
        self.status.emit(f"network {net.card.name}: {net.card.modality}, trained at {net.card.rate:.0%}")

    # --- image and details -----------------------------------------------------------------
    def set_image(self, spec: str, slice_index: int | None = None, on_done=None) -> bool:
        """Load a sample name or an image file in the background (the newest request wins);
        `on_done(ok)` is called in the GUI thread. An error goes to the Image panel and the
        last good image stays. Undoable once applied."""
        return self._load_image({"spec": str(spec), "slice": slice_index}, record=True, on_done=on_done)

    @property
    def image_loading(self) -> bool:
        return self.image_loader.busy or self._image_request is not None

    def _load_image(self, source: dict, *, record: bool, on_done=None) -> bool:
        self._image_request = (dict(source), record, on_done)
        if self.image_loader.busy:
            self.image_loader.cancel()          # its result is dropped; the newest request follows
            return True
        return self._start_image_load()

    def _start_image_load(self) -> bool:
        source, record, on_done = self._image_request
        self._image_request = None
        spec, slice_index, shape = source["spec"], source.get("slice"), self.shape
        kwargs = {} if slice_index is None else {"slice_index": int(slice_index)}

        def work(job: Job):
            if is_large(spec):       # read where it cannot stall the window (image_process.py)
                array = load_in_child(spec, shape, kwargs, should_stop=job.cancelled)
                if array is None:
                    raise StabviewError("cancelled")
                image = torch.from_numpy(array)
            else:
                image = load_image_or_sample(spec, shape, **kwargs)
            if image.is_complex():
                image = image.abs()
            return image.float().contiguous()

        def done(image) -> None:
            if self._next_image_load():
                return
            if tuple(image.shape) != tuple(self.shape):     # the network changed meanwhile
                self._load_image(source, record=record, on_done=on_done)
                return
            self._apply_image(source, image, record)
            self.status.emit(f"image {os.path.basename(spec)} ({shape[0]}×{shape[1]})")
            if on_done is not None:
                on_done(True)

        def failed(message: str) -> None:
            if self._next_image_load():
                return
            self.problem.emit("image", message)        # the window shows it where the user looks
            if on_done is not None:
                on_done(False)

        self.status.emit(f"loading image {os.path.basename(spec)} …")
        return self.image_loader.submit(Job(work, on_done=done, on_error=failed, name="load image"))

    def _next_image_load(self) -> bool:
        """Start the newest waiting request, if any (True: this result is out of date)."""
        if self._image_request is None:
            return False
        self._start_image_load()
        return True

    def _apply_image(self, source: dict, image: torch.Tensor, record: bool) -> None:
        with self._record(f"image {os.path.basename(source['spec'])}") if record else nullcontext():
            self.image_source = dict(source)
            self.base_image = image
            self.problem.emit("image", "")
            self.canvas.reset(self.shape)      # emits imageChanged through the canvas listener

    def edit_details(self, label: str, edit) -> None:
        """Apply `edit(canvas)` (stamp, stroke, clear) as one undoable change."""
        with self._record(label) as change:
            try:
                edit(self.canvas)
            except StabviewError:
                change.ok = False
                raise

    def set_details(self, data: dict) -> None:
        restored = DetailCanvas.from_dict(data)
        if restored.shape != self.shape:
            raise StabviewError(f"the saved details are {restored.shape} but the image is {self.shape}")
        with self._record("details"):
            self.canvas.reset(None, restored.operations)

    def _canvas_changed(self, canvas) -> None:
        self.generation += 1
        self.imageChanged.emit()

    # --- undo -----------------------------------------------------------------------------
    def _record(self, label: str):
        """The window's recorder (see keeper.py) around a change, or nothing without one."""
        return self.recorder(label) if self.recorder is not None else nullcontext(Change())

    def restore(self, state) -> None:
        """Put back a `history.Memento` (network object, image, details, sampling) at once."""
        net_changed = state.net is not self.net
        self.net = state.net
        self.network_source = dict(state.network_source)
        self.image_source = dict(state.image_source)
        self.sampling = dict(state.sampling)
        self.base_image = state.base_image
        details = DetailCanvas.from_dict(state.details)
        self.canvas.reset(details.shape, details.operations)
        self._rebuild_operator()
        if net_changed:
            self.networkChanged.emit()

    # --- sampling --------------------------------------------------------------------------
    def set_sampling(self, **changes) -> bool:
        """Change modality/kind/rate/seed; False (message in the Sampling panel) if impossible."""
        sampling = {**self.sampling, **changes}
        if "modality" in changes and sampling["kind"] not in kinds_for(sampling["modality"]):
            sampling["kind"] = kinds_for(sampling["modality"])[0]
        if sampling == self.sampling:
            return True
        with self._record("sampling") as change:
            old = self.sampling
            self.sampling = sampling
            if not self._rebuild_operator():
                self.sampling = old
                change.ok = False
                return False
        return True

    def reset_sampling(self) -> None:
        if self.net is not None and self.sampling != trained_sampling(self.net.card):
            with self._record("trained sampling"):
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
