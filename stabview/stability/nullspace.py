"""What the measurements see and what they cannot: projections onto range(A*) and null(A).

Every image splits as x = P_R x + P_N x, where P_R = A⁺A projects onto the range of A* (the part
of x that the measurements y = A x determine) and P_N = I − P_R onto the null space of A (the
part no measurement sees, which a reconstruction can only guess or invent). Following the
hallucination-map idea of Bhadra et al., the error of a reconstruction x̂ splits the same way:
the measured-part error P_R(x̂ − x) and the null-space error P_N(x̂ − x).

Single-coil Fourier sampling is exact: A A* = P_Ω is a projection, so P_R = A*A = F* P_Ω F.
For multi-coil and Radon A*A is not a projection; P_R x = A⁺(A x) is the minimum-norm solution
of min ‖A z − A x‖, computed by CGLS (conjugate gradients on A*A z = A*A x) started from 0, whose
iterates stay in range(A*). The solve stops when ‖A(x − z)‖ ≤ tolerance·‖A‖·‖x‖ (so
‖A P_N x‖ is that small) or after `max_iterations`; the result says which. In the image norm the
split is then accurate to tolerance·‖A‖/σ⁺ (σ⁺ the smallest non-zero singular value of A): where
the spectrum has a gap (Radon with few views) that is tight, but where singular values trail off
without one (many coils, smooth coil maps) the directions A sees only faintly stay in P_N, and
the split is that of the part A measures to the stated tolerance. Solves run in double precision.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ..errors import StabviewError
from ..operators.base import LinearOperator

#: default relative residual ‖A(x − P_R x)‖ / ‖A x‖ at which the CGLS solve stops
TOLERANCE = 1e-6
#: default cap on CGLS iterations (one forward and one adjoint each)
MAX_ITERATIONS = 500


class Cancelled(StabviewError):
    """A long computation was stopped by its should_stop callback."""


@dataclass
class SolveInfo:
    """How the last range projection was computed (exact, or CGLS and how far it got)."""

    method: str                # 'exact' or 'cgls'
    iterations: int
    residual_rel: float        # max over the batch of ‖A(x − P_R x)‖ / ‖A x‖
    converged: bool

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _norms(t: torch.Tensor) -> torch.Tensor:
    return t.flatten(1).norm(dim=1)


def _per_item(values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return values.view(-1, *([1] * (like.dim() - 1)))


def _double(t: torch.Tensor) -> torch.Tensor:
    return t.to(torch.complex128 if t.is_complex() else torch.float64)


class NullSpaceProjector:
    """P_R and P_N for one operator; `tolerance` and `max_iterations` govern the CGLS solves.

    A solve for P_R x stops once ‖A(x − z)‖ ≤ tolerance·‖A‖·‖x‖ (‖A‖ by power iteration,
    once), so an image already in the null space to that precision needs no iteration and P_N² = P_N.
    `should_stop()` is asked before every CGLS iteration (a stop raises `Cancelled`);
    `progress(iteration, max_iterations, residual_rel)` is told after each one.
    """

    def __init__(self, op: LinearOperator, *, tolerance: float = TOLERANCE,
                 max_iterations: int = MAX_ITERATIONS, should_stop=None, progress=None):
        if not 0 < tolerance < 1:
            raise StabviewError(f"the projection tolerance must lie in (0, 1), got {tolerance}")
        if max_iterations < 1:
            raise StabviewError(f"the projection needs at least one iteration, got {max_iterations}")
        self.op = op
        self.tolerance, self.max_iterations = float(tolerance), int(max_iterations)
        self.should_stop, self.progress = should_stop, progress
        self.last_solve: SolveInfo | None = None
        self._norm: float | None = None

    @property
    def exact(self) -> bool:
        """True when P_R is computed in closed form (single-coil Fourier)."""
        return self.op.modality == "fourier"

    @property
    def operator_norm(self) -> float:
        """‖A‖, the top singular value (1 for single-coil Fourier; power iteration otherwise)."""
        if self._norm is None:
            self._norm = 1.0 if self.exact else operator_norm(self.op)
        return self._norm

    def range_part(self, x: torch.Tensor) -> torch.Tensor:
        """P_R x = A⁺A x, in x's dtype (complex for MRI, real for CT)."""
        x = self.op.check_image(x)
        return self.pseudo_inverse(self.op.forward(x), scale=_norms(x)).to(x.dtype)

    def null_part(self, x: torch.Tensor) -> torch.Tensor:
        """P_N x = x − P_R x."""
        x = self.op.check_image(x)
        return x - self.range_part(x)

    def split(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(P_R x, P_N x) with one solve."""
        x = self.op.check_image(x)
        measured = self.range_part(x)
        return measured, x - measured

    def pseudo_inverse(self, y: torch.Tensor, *, scale: torch.Tensor | None = None) -> torch.Tensor:
        """A⁺ y, the minimum-norm least-squares image (double precision).

        The solve stops when ‖A z − y‖ ≤ tolerance·‖A‖·scale per item (default scale:
        ‖A* y‖/‖A‖², the size of the image that explains y through the top singular value).
        """
        y = self.op.check_measurement(y)
        if self.exact:
            self.last_solve = SolveInfo("exact", 0, 0.0, True)
            return self.op.adjoint(_double(y))
        return self._cgls(_double(y), scale)

    def _cgls(self, b: torch.Tensor, scale: torch.Tensor | None) -> torch.Tensor:
        """Minimum-norm z minimising ‖A z − b‖, by CGLS from z = 0 (every iterate lies in range(A*))."""
        op = self.op
        norm = self.operator_norm
        g = op.adjoint(b)
        if scale is None:
            scale = _norms(g) / norm ** 2
        goal = self.tolerance * norm * scale.to(device=b.device, dtype=torch.float64)
        z = torch.zeros_like(g)
        s = b.clone()                                  # s = b − A z
        p = g.clone()
        gamma = _norms(g) ** 2
        residual = _norms(s)
        done = residual <= goal
        iterations = 0
        while iterations < self.max_iterations and not bool(done.all()):
            if self.should_stop is not None and self.should_stop():
                raise Cancelled("the null-space projection was cancelled")
            iterations += 1
            q = op.forward(p)
            alpha = torch.where(done, torch.zeros_like(gamma), gamma / (_norms(q) ** 2).clamp_min(1e-300))
            z = z + _per_item(alpha, z) * p
            s = s - _per_item(alpha, s) * q
            residual = _norms(s)
            done = done | (residual <= goal)
            if self.progress is not None:
                self.progress(iterations, self.max_iterations, self._relative(residual, goal))
            g = op.adjoint(s)
            gamma_new = _norms(g) ** 2
            beta = torch.where(done, torch.zeros_like(gamma), gamma_new / gamma.clamp_min(1e-300))
            p = g + _per_item(beta, p) * p
            gamma = gamma_new
        self.last_solve = SolveInfo("cgls", iterations, self._relative(residual, goal), bool(done.all()))
        return z

    def _relative(self, residual: torch.Tensor, goal: torch.Tensor) -> float:
        """max over the batch of ‖A z − b‖ / (‖A‖·scale), the number compared with the tolerance."""
        return float((residual * self.tolerance / goal.clamp_min(1e-300)).max())

    def describe(self) -> dict:
        """The projection's settings, for result.json."""
        out = {"method": "exact" if self.exact else "cgls", "tolerance": self.tolerance,
               "max_iterations": self.max_iterations, "operator_norm": self.operator_norm}
        if self.last_solve is not None:
            out["last_solve"] = self.last_solve.to_dict()
        return out


def operator_norm(op: LinearOperator, *, iterations: int = 50, tol: float = 1e-6, seed: int = 0) -> float:
    """‖A‖ by power iteration on A*A from a seeded random image (double precision)."""
    g = torch.Generator().manual_seed(seed)
    shape = (1, *op.image_shape)
    v = torch.randn(shape, generator=g, dtype=torch.float64)
    if op.complex_images:
        v = torch.complex(v, torch.randn(shape, generator=g, dtype=torch.float64))
    v = v.to(op.device)
    v = v / v.norm()
    sigma = 0.0
    for _ in range(iterations):
        w = op.adjoint(op.forward(v))
        new = float(w.norm()) ** 0.5
        v = w / max(float(w.norm()), 1e-300)
        if abs(new - sigma) <= tol * new:
            return new
        sigma = new
    return sigma


@dataclass
class ErrorSplit:
    """x̂ − x split into the measured part P_R(x̂ − x) and the null-space part P_N(x̂ − x)."""

    measured: torch.Tensor = field(repr=False)   # (H, W)
    null: torch.Tensor = field(repr=False)       # (H, W)
    range_error_rel: float                       # ‖P_R(x̂ − x)‖ / ‖x‖
    null_space_error_rel: float                  # ‖P_N(x̂ − x)‖ / ‖x‖
    error_rel: float                             # ‖x̂ − x‖ / ‖x‖

    def numbers(self) -> dict:
        return {"range_error_rel": self.range_error_rel, "null_space_error_rel": self.null_space_error_rel,
                "error_rel": self.error_rel}


def split_errors(projector: NullSpaceProjector, estimates: dict[str, torch.Tensor],
                 truth: torch.Tensor, *, size: float | None = None) -> dict[str, ErrorSplit]:
    """Split x̂ − x for every named estimate `(H, W)` against one truth `(H, W)`, in one batched solve.

    Norms are relative to `size` (default ‖truth‖; the perturbed case passes ‖x‖, not ‖x + r‖).
    """
    op = projector.op
    truth = op.check_image(truth[None])[0]
    names = list(estimates)
    errors = torch.stack([op.check_image(estimates[n][None])[0] - truth for n in names])
    measured, null = projector.split(errors)
    size = size or float(truth.norm()) or 1.0
    return {n: ErrorSplit(measured[k], null[k], float(measured[k].norm()) / size,
                          float(null[k].norm()) / size, float(errors[k].norm()) / size)
            for k, n in enumerate(names)}


@dataclass
class NullSpaceOutcome:
    """Reconstructions and their error splits, clean (y = A x) and perturbed (y = A(x + r))."""

    x: torch.Tensor = field(repr=False)                        # (H, W)
    truth_null: torch.Tensor = field(repr=False)               # P_N x: what no measurement sees
    reconstructions: dict = field(repr=False)                  # {case: {name: (H, W)}}
    splits: dict = field(repr=False)                           # {case: {name: ErrorSplit}}
    r: torch.Tensor | None = field(default=None, repr=False)
    projection: dict = field(default_factory=dict)

    def numbers(self) -> dict:
        """result.json numbers: {null_space_error_rel: {name: {case: v}}, range_error_rel: …, …}."""
        size = float(self.x.norm()) or 1.0
        out = {"truth_null_rel": float(self.truth_null.norm()) / size,
               "null_space_error_rel": {}, "range_error_rel": {}, "error_rel": {}}
        for case, by_name in self.splits.items():
            for name, split in by_name.items():
                for key, value in split.numbers().items():
                    out[key].setdefault(name, {})[case] = value
        if self.r is not None:
            out["perturbation_rel"] = float(self.r.norm()) / size
        return out


def nullspace_test(reconstructors: dict, op: LinearOperator, x: torch.Tensor, r: torch.Tensor | None = None,
                   *, projector: NullSpaceProjector | None = None, progress=None,
                   should_stop=None) -> NullSpaceOutcome:
    """Reconstruct A x (and A(x + r)) with each named reconstructor (y, op) → image batch, split errors.

    The truth of the perturbed case is x + r, the image that was measured. `progress(done, total,
    what)` is told after each reconstruction and solve; `should_stop()` cancels (raises `Cancelled`).
    """
    projector = projector or NullSpaceProjector(op, should_stop=should_stop)
    x = op.check_image(x)[:1]
    cases = {"clean": x}
    if r is not None:
        r = torch.as_tensor(r).to(op.device)
        r = r[None] if r.dim() == 2 else r[:1]
        if tuple(r.shape[-2:]) != op.image_shape:
            raise StabviewError(f"the perturbation is {tuple(r.shape[-2:])} but the images are "
                                f"{op.image_shape}")
        if r.is_complex() and not op.complex_images:
            raise StabviewError("a complex perturbation cannot perturb a real (CT) image")
        cases["perturbed"] = x + r.to(x.dtype if x.is_complex() else x.real.dtype)
    total = len(cases) * (len(reconstructors) + 1) + 1
    done = 0

    def step(what: str):
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total, what)
        if should_stop is not None and should_stop():
            raise Cancelled("the null-space test was cancelled")

    recs, splits = {}, {}
    with torch.no_grad():
        truth_null = projector.null_part(x)[0]
        step("P_N x")
        for case, truth in cases.items():
            y = op.forward(truth)
            recs[case] = {}
            for name, rec in reconstructors.items():
                recs[case][name] = rec(y, op)[0].detach()
                step(f"{name} ({case})")
            splits[case] = split_errors(projector, recs[case], truth[0], size=float(x.norm()))
            step(f"split ({case})")
    return NullSpaceOutcome(x[0], truth_null, recs, splits, None if r is None else r[0],
                            projector.describe())
