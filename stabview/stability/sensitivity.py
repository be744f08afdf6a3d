"""How much can a tiny perturbation move the network at all? The linearised gain at x.

The attack finds *a* perturbation; this measures the ceiling it is climbing towards. Near x,
f(A(x + r)) ≈ f(Ax) + J r, and the largest relative change a perturbation of relative size ε
can cause is, to first order, ε·σ·‖x‖/‖f(Ax)‖ with σ = ‖J‖ the top singular value. We call
that factor the *gain*: the relative change of the output per relative change of the input.
A stable method has a gain near 1 (it reconstructs x + r faithfully); the paper's unstable
networks have gains of tens to hundreds. Comparing an attack's achieved gain (change ÷ size)
with this ceiling says whether a longer or better-tuned search could find more.

σ comes from power iteration on JᵀJ: Jᵀu is one backward pass through the network (exact, by
autograd), J v a central difference of two forward passes (any network, including TorchScript
and ONNX imports, which may not support forward-mode differentiation). For piecewise-linear
networks the difference step sets the scale at which "locally" holds; the default, 0.1% of ‖x‖,
is well below the perturbations the attack finds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ..networks.gradients import differentiating
from ..operators.base import LinearOperator
from .interruption import Interrupted, interruptible
from .perturbation import frozen
from .validation import checked_output


@dataclass
class Sensitivity:
    """The top singular value of r ↦ f(A(x + r)) at r = 0, per image, and what it means."""

    sigma: list[float]          # ‖J‖ (output units per input unit)
    gain: list[float]           # σ·‖x‖/‖f(Ax)‖: relative output change per relative input change
    iterations: int
    converged: bool             # every σ changed by less than `tol` (relative) in the last step
    direction: torch.Tensor = field(repr=False)   # unit top right-singular vectors, like x

    def to_dict(self) -> dict:
        return {"sigma": self.sigma, "gain": self.gain, "iterations": self.iterations,
                "converged": self.converged}


def _norms(t: torch.Tensor) -> torch.Tensor:
    return t.flatten(1).norm(dim=1).view(-1, *([1] * (t.dim() - 1)))


def linear_gain(net, op: LinearOperator, x: torch.Tensor, *, iterations: int = 30, tol: float = 1e-3,
                step: float = 1e-3, seed: int = 0, complex_perturbation: bool = False,
                should_stop=None, progress=None) -> Sensitivity:
    """Power iteration for the network's linearised gain at each image of the batch `x` `(B, H, W)`.

    Perturbations live in the image domain and are real (the paper's r, the attack's default)
    unless `complex_perturbation` and the images are complex. The difference step is `step`·‖x‖.
    `should_stop()` ends the iteration early, also part-way through the network's passes (the
    result is then that of the last whole iteration and says `converged=False`), and
    `progress(done, iterations, gains)` is called after each step.
    """
    x = op.check_image(x.to(op.device))
    complex_r = x.is_complex() and complex_perturbation
    with torch.no_grad(), frozen(net):
        y = op.forward(x)
        clean = checked_output(net(y, op), op, "f(Ax)")
    h = step * _norms(x).clamp_min(1e-30)

    def jvp(v: torch.Tensor) -> torch.Tensor:
        with torch.no_grad(), frozen(net):
            plus = net(y + op.forward(h * v), op)
            minus = net(y - op.forward(h * v), op)
        return (plus - minus) / (2 * h)

    def vjp(u: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        r = torch.zeros_like(like, requires_grad=True)
        with torch.enable_grad(), frozen(net):
            out = net(y + op.forward(r), op)
            inner = (out.conj() * u).real.sum() if out.is_complex() else (out * u).sum()
            with differentiating(net):
                (grad,) = torch.autograd.grad(inner, r)
        return grad

    g = torch.Generator().manual_seed(seed)
    real = x.real.dtype
    v = torch.randn(x.shape, generator=g, dtype=real)
    if complex_r:
        v = torch.complex(v, torch.randn(x.shape, generator=g, dtype=real))
    v = v.to(op.device)
    v = v / _norms(v)
    sigma = torch.zeros(x.shape[0], dtype=real, device=op.device)
    converged, done = False, 0
    while done < iterations and not converged and not (should_stop is not None and should_stop()):
        try:        # an iteration interrupted between the network's layers is dropped whole
            with interruptible(net, should_stop):
                w = vjp(jvp(v), v)
        except Interrupted:
            break
        done += 1
        if not complex_r and w.is_complex():
            w = w.real
        size = _norms(w).clamp_min(1e-30)
        new_sigma = size.flatten().sqrt()
        v = w / size
        converged = bool(((new_sigma - sigma).abs() <= tol * new_sigma).all())
        sigma = new_sigma
        if progress is not None:
            progress(done, iterations, _gains(sigma, x, clean))
    return Sensitivity([float(s) for s in sigma], _gains(sigma, x, clean), done, converged, v.detach())


def _gains(sigma: torch.Tensor, x: torch.Tensor, clean: torch.Tensor) -> list[float]:
    gain = sigma * _norms(x).flatten() / _norms(clean).flatten().clamp_min(1e-30)
    return [float(g) for g in gain]
