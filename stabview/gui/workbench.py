"""What the window's experiment is made of, in the GUI thread: the network, image, details, operator.

The choices live in the `ExperimentModel` (stabview/experiment/model.py); the workbench observes
it and holds what they build: the loaded network, the image at the network's shape, the details
canvas and the operator. A user's choice goes through here: a network or an image is loaded first
(in a background job: `loader`, `image_loader`, large files in a child process, see
image_process.py) and the model changes only once it loaded, so a bad file never replaces good
work. Undo, redo and an opened session change the model directly; the workbench then builds what
the model now says, from what it keeps with the history when it can (no loading again).
Errors go out through `problem` with the name of the panel they belong to.
"""

from __future__ import annotations

import os

import torch
from PySide6.QtCore import QObject, Signal

from ..data import load_image_or_builtin
from ..errors import StabviewError
from ..experiment import ExperimentModel, ImageRef, NetworkRef, Sampling
from ..runtime import resolve_device
from ..stability.detail_canvas import DetailCanvas
from .image_process import is_large, load_in_child
from .workers import Job

DEFAULT_SHAPE = (128, 128)
#: loaded networks and images kept besides those the history keeps (most recent first)
CACHE_SIZE = 4


def _resized(image: torch.Tensor, shape: tuple[int, int]) -> torch.Tensor:
    """A quick stand-in of `image` at `shape` while the real one loads (bilinear)."""
    out = torch.nn.functional.interpolate(image[None, None].float(), size=tuple(shape), mode="bilinear",
                                          align_corners=False)
    return out[0, 0].contiguous()


def _remember(cache: dict, key, value) -> None:
    cache.pop(key, None)
    cache[key] = value
    while len(cache) > CACHE_SIZE:
        cache.pop(next(iter(cache)))


class Workbench(QObject):
    """Builds and holds (net, op, x + d) for the model's experiment (see the module docstring)."""

    networkChanged = Signal()
    imageChanged = Signal()          # base image or details changed: x + d is new
    samplingChanged = Signal()
    problem = Signal(str, str)       # panel name, message ('' clears it)
    status = Signal(str)

    def __init__(self, settings, model: ExperimentModel, jobs, parent: QObject | None = None):
        super().__init__(parent)
        self.settings = settings
        self.model = model
        self.jobs = jobs                 # the window's `Jobs`: every background runner
        self.net = None
        self.base_image = torch.zeros(DEFAULT_SHAPE)
        self.canvas = DetailCanvas(DEFAULT_SHAPE)
        self.loader = jobs.runner("loader", lambda: self.settings.threads)
        self.image_loader = jobs.runner("image loader")
        self.generation = 0          # bumped whenever x, the network or the operator changes
        self._net_ref: NetworkRef | None = None
        self._image_key: tuple | None = None            # (ImageRef, shape) of base_image
        self._networks: dict[NetworkRef, object] = {}
        self._images: dict[tuple, torch.Tensor] = {}
        self._pinned: dict[NetworkRef, object] = {}     # networks handed over in memory
        self._image_request: tuple | None = None
        self._network_request: NetworkRef | None = None   # the model's, waiting for a running load
        self._choices = 0            # bumped by drop_pending_choice: a running load is chosen only if unchanged
        self._op_key = (self.sampling, DEFAULT_SHAPE, "cpu")
        self.op = self.sampling.operator(DEFAULT_SHAPE)
        events = model.events
        events.network.connect(lambda ref: self._show_network())
        events.image.connect(lambda ref: self._show_image())
        events.sampling.connect(lambda sampling: self._rebuild_operator())
        events.details.connect(lambda details: self._show_details())
        model.keep("workbench", self._take, self._give)

    # --- what the tests run on -------------------------------------------------------------
    @property
    def experiment(self):
        return self.model.experiment

    @property
    def sampling(self) -> Sampling:
        return self.model.experiment.sampling or Sampling()

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.net.card.image_shape) if self.net is not None else DEFAULT_SHAPE

    @property
    def device(self) -> torch.device:
        try:
            return resolve_device(self.settings.device)
        except StabviewError:
            return torch.device("cpu")

    @property
    def shown_network(self) -> NetworkRef | None:
        """The reference of the network in use (the model's, once it has loaded)."""
        return self._net_ref

    def shows_model_image(self) -> bool:
        """The image in use is the model's, at the network's shape (not a stand-in)."""
        return self._image_key == (self.model.experiment.image, self.shape)

    def built(self) -> bool:
        """What the model says is loaded and shown: its network and its image (nothing loading)."""
        return self.net is not None and self._net_ref == self.model.experiment.network and \
            not self.image_loading and self.shows_model_image()

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
        """Load a zoo network or a model file in the loader thread, then choose it (undoable);
        False if one is loading. A file that fails leaves the current network."""
        return self._load_network(lambda: NetworkRef.parse(str(name_or_path), card),
                                  os.path.basename(str(name_or_path)), choose=True)

    def _load_network(self, make_ref, label: str, *, choose: bool) -> bool:
        """Load in the loader thread (`make_ref` runs there: a file's hash takes a while).

        A load the model asks for (undo, a session) while another runs waits for it and wins:
        the running load's network is kept for later, but not chosen; so is a user's load when
        the model's network changed while it ran (undo) or `drop_pending_choice` was called."""
        if self.loader.busy and not choose:
            self._network_request = make_ref()
            return True
        device = self.device
        asked_on = self.model.experiment.network, self._choices   # a choice while these stay

        def work(job: Job):
            ref = make_ref()
            return ref, ref.load(device)

        def done(loaded) -> None:
            ref, net = loaded
            net.eval()
            net.requires_grad_(False)          # weights are frozen once here: attacks never train
            _remember(self._networks, ref, net)
            if self._next_network_load():
                return
            if choose and (self.model.experiment.network, self._choices) == asked_on:
                self._choose_network(ref, net)
            elif ref == self.model.experiment.network:
                self._show_network()

        def failed(message: str) -> None:
            if not self._next_network_load():
                self.problem.emit("network", message)  # the window shows it where the user looks

        self.status.emit(f"loading network {label} …")
        return self.loader.submit(Job(work, on_done=done, on_error=failed, name="load network"))

    def _next_network_load(self) -> bool:
        """Start the model's waiting load, if any (True: the load that ended is not chosen)."""
        ref, self._network_request = self._network_request, None
        if ref is None:
            return False
        if ref == self.model.experiment.network:
            if ref in self._networks or ref in self._pinned:
                self._show_network()
            else:
                self._load_network(lambda: ref, ref.label, choose=False)
        return True

    def drop_pending_choice(self) -> None:
        """A network still loading for a user's choice will be kept but not chosen: a session or a
        study case is about to set the model's network (even to the one it holds now)."""
        self._choices += 1

    def set_network(self, net, ref: NetworkRef | None = None) -> None:
        """Use `net` (a `ReconstructionNetwork` already in memory), as if it had been loaded."""
        net.eval()
        net.requires_grad_(False)
        ref = ref or NetworkRef(name=net.card.name)
        self._pinned[ref] = net
        self._choose_network(ref, net)

    def is_in_memory(self) -> bool:
        """The current network was handed over in memory (a session cannot load it again)."""
        return self._net_ref in self._pinned

    def _choose_network(self, ref: NetworkRef, net) -> None:
        """The model's change for a newly loaded network: its trained sampling, and the details
        kept when the image keeps its shape."""
        same_shape = tuple(net.card.image_shape) == self.shape
        details = self.model.experiment.details if same_shape else ()
        first, was_modified = self.net is None, self.model.modified
        changed = self.model.update(f"network {net.card.name}", record=not first, network=ref,
                                    details=details, sampling=Sampling.trained(net.card))
        if not changed:
            self._show_network()
        if first and not was_modified:
            self.model.mark_saved()            # the first network of a window: nothing to save yet
        self.problem.emit("network", "")
        self.status.emit(f"network {net.card.name}: {net.card.modality}, trained at {net.card.rate:.0%}")

    def _show_network(self) -> None:
        """Build what the model's network needs: the network (loading it if it is not kept),
        the image and details at its shape, and the operator."""
        ref = self.model.experiment.network
        net = self._pinned.get(ref) or self._networks.get(ref)
        if net is None:
            if ref != self._net_ref:
                self._load_network(lambda: ref, ref.label, choose=False)
            return
        if net is self.net and ref == self._net_ref:
            return
        self.net, self._net_ref = net, ref
        self.problem.emit("network", "")
        details = self._show_details(emit=False)        # first: the details take the new shape
        image = self._show_image(emit=False)
        self._rebuild_operator()
        if details or image:
            self._image_changed()
        self.networkChanged.emit()          # last: listeners see the new image and operator

    # --- image and details -----------------------------------------------------------------
    def set_image(self, spec: str, slice_index: int | None = None, on_done=None) -> bool:
        """Load a built-in image or an image file in the background (the newest request wins),
        then choose it (undoable; the details start empty). `on_done(ok)` is called in the GUI
        thread. An error goes to the Image panel and the last good image stays."""
        ref = ImageRef(str(spec), slice_index)
        return self._load_image(ref, choose=True, on_done=on_done)

    @property
    def image_loading(self) -> bool:
        return self.image_loader.busy or self._image_request is not None

    def _show_image(self, emit: bool = True) -> bool:
        """Show the model's image at the network's shape: kept, or loaded in the background
        (a resized stand-in meanwhile, so what is shown always has the right shape).
        True when the image shown changed (`emit`: say so)."""
        key = (self.model.experiment.image, self.shape)
        if key == self._image_key:
            return False
        image = self._images.get(key)
        if image is None:
            self._load_image(key[0], choose=False)
            if tuple(self.base_image.shape) == tuple(self.shape):
                return False
            image = _resized(self.base_image, self.shape)
        else:
            self._image_key = key
            self.problem.emit("image", "")
        self.base_image = image
        if emit:
            self._image_changed()
        return True

    def _load_image(self, ref: ImageRef, *, choose: bool, on_done=None) -> bool:
        # chosen when it arrives only if the model's image and choices stay as they are now (a
        # session opened meanwhile must keep its own image and details), as for networks
        self._image_request = (ref, choose, on_done, (self.model.experiment.image, self._choices))
        if self.image_loader.busy:
            self.image_loader.cancel()          # its result is dropped; the newest request follows
            return True
        return self._start_image_load()

    def _start_image_load(self) -> bool:
        ref, choose, on_done, asked_on = self._image_request
        self._image_request = None
        shape = self.shape
        kwargs = {} if ref.slice is None else {"slice_index": int(ref.slice)}

        def work(job: Job):
            if is_large(ref.spec):       # read where it cannot stall the window (image_process.py)
                array = load_in_child(ref.spec, shape, kwargs, should_stop=job.cancelled)
                if array is None:
                    raise StabviewError("cancelled")
                image = torch.from_numpy(array)
            else:
                image = load_image_or_builtin(ref.spec, shape, **kwargs)
            if image.is_complex():
                image = image.abs()
            return image.float().contiguous()

        def done(image) -> None:
            if self._next_image_load():
                return
            _remember(self._images, (ref, tuple(image.shape)), image)
            if tuple(image.shape) != tuple(self.shape):     # the network changed meanwhile
                self._load_image(ref, choose=choose, on_done=on_done)
                return
            if choose and (self.model.experiment.image, self._choices) == asked_on:
                if not self.model.update(f"image {os.path.basename(ref.spec)}", image=ref, details=()):
                    self._show_image()
            else:
                self._show_image()
            self.problem.emit("image", "")
            self.status.emit(f"image {os.path.basename(ref.spec)} ({shape[0]}×{shape[1]})")
            if on_done is not None:
                on_done(True)

        def failed(message: str) -> None:
            if self._next_image_load():
                return
            self.problem.emit("image", message)        # the window shows it where the user looks
            if on_done is not None:
                on_done(False)

        self.status.emit(f"loading image {os.path.basename(ref.spec)} …")
        return self.image_loader.submit(Job(work, on_done=done, on_error=failed, name="load image"))

    def _next_image_load(self) -> bool:
        """Start the newest waiting request, if any (True: this result is out of date)."""
        if self._image_request is None:
            return False
        self._start_image_load()
        return True

    def edit_details(self, label: str, edit) -> None:
        """Apply `edit(canvas)` (stamp, stroke, clear) to a copy of the details; one undoable change."""
        canvas = DetailCanvas.from_dict({"shape": list(self.shape),
                                         "operations": list(self.model.experiment.details)})
        edit(canvas)                           # a bad stamp raises here, before anything changed
        self.model.update(label, details=tuple(canvas.to_dict()["operations"]))

    def set_details(self, operations) -> None:
        """Replace the details layer by saved operations (checked against the image's shape first)."""
        canvas = DetailCanvas.from_dict({"shape": list(self.shape), "operations": list(operations)})
        canvas.tensor()
        self.model.update("details", details=tuple(canvas.to_dict()["operations"]))

    def _show_details(self, emit: bool = True) -> bool:
        """Draw the model's details at the image's shape; True when they changed (`emit`: say so)."""
        details = list(self.model.experiment.details)
        if self.canvas.shape == tuple(self.shape) and self.canvas.to_dict()["operations"] == details:
            return False
        try:
            self.canvas.reset(self.shape, DetailCanvas.from_dict({"shape": list(self.shape),
                                                                   "operations": details}).operations)
        except StabviewError as exc:
            self.problem.emit("image", f"the details could not be drawn: {exc}")
            self.canvas.reset(self.shape)
        if emit:
            self._image_changed()
        return True

    def _image_changed(self) -> None:
        self.generation += 1
        self.imageChanged.emit()

    # --- sampling --------------------------------------------------------------------------
    def set_sampling(self, **changes) -> bool:
        """Change modality/kind/rate/seed (undoable); False (message in the Sampling panel) if
        the operator cannot be built."""
        sampling = self.sampling.with_(**changes)
        if sampling == self.sampling:
            return True
        try:
            sampling.operator(self.shape)      # a bad choice fails here, before anything changed
        except StabviewError as exc:
            self.problem.emit("sampling", str(exc))
            return False
        self.model.update("sampling", sampling=sampling)
        return True

    def reset_sampling(self) -> None:
        if self.net is not None:
            self.model.update("trained sampling", sampling=Sampling.trained(self.net.card))

    def _rebuild_operator(self) -> bool:
        key = (self.sampling, tuple(self.shape), str(self.device))
        if key == self._op_key:
            return True
        try:
            op = self.sampling.operator(self.shape)
        except StabviewError as exc:
            self.problem.emit("sampling", str(exc))
            return False
        self.op = op.to(self.device) if self.device.type != "cpu" else op
        self._op_key = key
        self.generation += 1
        self.problem.emit("sampling", self.compatibility_error() if self.net is not None else "")
        self.samplingChanged.emit()
        return True

    # --- history ---------------------------------------------------------------------------
    def _take(self) -> dict:
        """What the history keeps of this state: the network and image objects (no reloading)."""
        return {"network": (self._net_ref, self.net), "image": (self._image_key, self.base_image)}

    def _give(self, kept: dict | None) -> None:
        if not kept:
            return
        ref, net = kept["network"]
        if ref is not None and net is not None:
            _remember(self._networks, ref, net)
        key, image = kept["image"]
        if key is not None:
            _remember(self._images, key, image)
