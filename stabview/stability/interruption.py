"""Stop a network's forward or backward pass part-way, between two of its layers.

One search step is one forward and one backward pass through the network, 0.4–0.8 s for Deep MRI
at 128² on one busy thread: longer than a Pause may take. Inside `interruptible(net, should_stop)`
each submodule asks `should_stop()` before it runs and again once the gradient of its input is
computed, and raises `Interrupted` when it says yes. The pass is abandoned; a caller that changes
its own state only after the passes (as `PerturbationSearch.step` does) is left exactly as it was.

Only the thread that entered the block is checked, so other threads may use the same network
meanwhile. TorchScript submodules take no hooks: a scripted network is checked before its forward
and between the passes only.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Callable

import torch


class Interrupted(BaseException):
    """`should_stop()` turned true during a network's pass.

    A BaseException, as KeyboardInterrupt is, so that the `except Exception` which turns a user's
    model's errors into messages lets it through.
    """


def check(should_stop: Callable[[], bool] | None) -> None:
    """Raise `Interrupted` when `should_stop()` says so."""
    if should_stop is not None and should_stop():
        raise Interrupted


@contextmanager
def interruptible(net, should_stop: Callable[[], bool] | None):
    """Check `should_stop()` between the layers of `net` (forward and backward) inside the block."""
    if should_stop is None or not isinstance(net, torch.nn.Module):
        check(should_stop)
        yield
        return
    owner = threading.get_ident()

    def after_gradient(grad):
        check(should_stop)                 # returns None: the gradient is left as it is

    def before_layer(module, args):
        if threading.get_ident() != owner:
            return None
        check(should_stop)
        if torch.is_grad_enabled():
            for arg in args:
                if isinstance(arg, torch.Tensor) and arg.requires_grad:
                    arg.register_hook(after_gradient)
        return None

    handles = []
    try:
        for module in net.modules():
            if isinstance(module, torch.jit.ScriptModule):
                continue
            handles.append(module.register_forward_pre_hook(before_layer))
        check(should_stop)
        yield
    finally:
        for handle in handles:
            handle.remove()
