"""One experiment: the network, the image, the sampling, the details layer and the tests' settings.

`Experiment` is what the window edits, what a command builds from its flags and what a study
sends to its workers. `build(device)` is the one place that turns it into the network f, the
operator A and the image x + d; `Setup.reconstructors()` gives the network, the baseline and the
linear reconstruction as the same `(y, op) → image` callables everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

import torch

from ..errors import StabviewError
from .choices import ImageRef, NetworkRef, Sampling
from .settings import AttackSettings, MoreSamplesSettings

#: version of `Experiment.to_dict()`'s layout (and of the session files holding it)
SCHEMA_VERSION = 2

Reconstructor = Callable[[torch.Tensor, object], torch.Tensor]


@dataclass(frozen=True)
class Experiment:
    """Everything a user chooses for one image (see the module docstring).

    `sampling` None means the network's trained sampling. `details` holds the details layer's
    operations (`DetailCanvas.to_dict()['operations']`): stamps and brush strokes, in order.
    """

    network: NetworkRef
    image: ImageRef = field(default_factory=ImageRef)
    sampling: Sampling | None = None
    details: tuple[dict, ...] = ()
    attack: AttackSettings = field(default_factory=AttackSettings)
    more_samples: MoreSamplesSettings = field(default_factory=MoreSamplesSettings)

    def with_(self, **changes) -> "Experiment":
        return replace(self, **changes)

    def build(self, device: torch.device | str = "cpu", *, net=None) -> "Setup":
        """(f, A, x + d) after every compatibility check; `net` reuses a network already loaded."""
        net = self.network.load(device) if net is None else net
        net.eval()
        sampling = self.sampling or Sampling.trained(net.card)
        shape = tuple(net.card.image_shape)
        op = sampling.operator(shape, device)
        image = self.image.load(shape)
        detail = details_image(self.details, shape)
        if image.is_complex():
            image = image.abs()
        x = op.check_image((image.float() + detail)[None].to(device))
        net.check_compatible(op, x)
        return Setup(self, net, op, x, sampling)

    def to_dict(self) -> dict:
        return {"schema": SCHEMA_VERSION, "network": self.network.to_dict(), "image": self.image.to_dict(),
                "sampling": None if self.sampling is None else self.sampling.to_dict(),
                "details": [dict(d) for d in self.details], "attack": self.attack.to_dict(),
                "more_samples": self.more_samples.to_dict()}

    @classmethod
    def from_dict(cls, data: dict) -> "Experiment":
        schema = int(data.get("schema", SCHEMA_VERSION))
        if schema > SCHEMA_VERSION:
            raise StabviewError(f"this experiment was written by a newer stabview (schema {schema}); "
                                f"this one reads schema {SCHEMA_VERSION}")
        return cls(NetworkRef.from_dict(data["network"]), ImageRef.from_dict(data.get("image", {})),
                   None if data.get("sampling") is None else Sampling.from_dict(data["sampling"]),
                   tuple(dict(d) for d in data.get("details", ())),
                   AttackSettings.from_dict(data.get("attack", {})),
                   MoreSamplesSettings.from_dict(data.get("more_samples", {})))


def details_image(operations, shape: tuple[int, int]) -> torch.Tensor:
    """The details layer d `(H, W)` drawn from its operations (zeros when there are none)."""
    if not operations:
        return torch.zeros(shape)
    from ..stability.detail_canvas import DetailCanvas
    return DetailCanvas.from_dict({"shape": list(shape), "operations": list(operations)}).tensor()


def linear_name(op) -> str:
    """The linear reconstruction H: 'FBP' for Radon, 'zero-filled' (A*) for MRI."""
    return "FBP" if op.modality == "radon" else "zero-filled"


def network_reconstructor(net) -> Reconstructor:
    return lambda y, op: net(y, op)


def baseline_reconstructor(*, max_iterations: int | None = None, should_stop=None) -> Reconstructor:
    """The comparison method as a `(y, op) → image` callable (iterations capped if given)."""
    from ..baselines import reconstruct
    overrides = {} if max_iterations is None else {"max_iterations": int(max_iterations)}

    def run(y, op):
        return reconstruct(op, y, should_stop=should_stop, **overrides).image
    return run


def linear_reconstructor(y, op) -> torch.Tensor:
    return op.warm_start(y)


def reconstructors(net, op, *, baseline: bool = True, linear: bool = False, baseline_iterations: int | None = None,
                   should_stop=None) -> dict[str, Reconstructor]:
    """'network', then 'baseline' and the linear reconstruction (named for `op`) when asked for."""
    recs = {"network": network_reconstructor(net)}
    if baseline:
        recs["baseline"] = baseline_reconstructor(max_iterations=baseline_iterations, should_stop=should_stop)
    if linear:
        recs[linear_name(op)] = linear_reconstructor
    return recs


@dataclass
class Setup:
    """A built experiment: the network `net`, operator `op`, image batch `x` (x + d, `(1, H, W)`)."""

    experiment: Experiment
    net: object
    op: object
    x: torch.Tensor
    sampling: Sampling

    def reconstructors(self, *, baseline: bool = True, linear: bool = False,
                       baseline_iterations: int | None = None, should_stop=None) -> dict[str, Reconstructor]:
        """'network', then 'baseline' and the linear reconstruction when asked for."""
        return reconstructors(self.net, self.op, baseline=baseline, linear=linear,
                              baseline_iterations=baseline_iterations, should_stop=should_stop)
