"""Gradients through a network: a user's model that cannot be differentiated is named as the cause.

The attacks, the ceiling and the targeted search differentiate through the network. A user's
model can run forward and still fail backward (an operation without a derivative, a custom
autograd function that raises, an output detached from its input). That is the model's problem,
not ours, so it is reported as `ModelRuntimeError` with the model's name and the exception's
type and first line; the same failure in a built-in network stays a bug of ours.
"""

from __future__ import annotations

from contextlib import contextmanager

from ..errors import StabviewError
from .errors import ModelRuntimeError
from .external import ExternalNetwork
from .messages import describe

#: autograd's words for an output that does not depend on the input through gradients
_NO_GRAPH = "does not require grad"


@contextmanager
def differentiating(net):
    """Around the `torch.autograd.grad` call whose graph runs through `net` (not its forward)."""
    try:
        yield
    except StabviewError:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever a user's model raises is reported as it is
        if not isinstance(net, ExternalNetwork):     # a built-in network: our bug
            raise
        cause = describe(exc)
        if _NO_GRAPH in str(exc):
            cause = ("its output is not connected to its input by gradients (detached, or computed "
                     f"without autograd) ({cause})")
        raise ModelRuntimeError(f"network '{net.card.name}' ({net.source}) failed while computing its gradient, "
                                f"which this test needs: {cause}") from exc
