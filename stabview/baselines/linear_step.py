"""The quadratic (z, v) step of split Bregman: one linear system, solved per frequency or by PCG.

Each split Bregman iteration minimises over the image z and the TGV vector field v

    β/2 ‖A z − y‖² + μ1/2 ‖Ψz − p_s‖² + μ2/2 ‖∇z − v − p_g‖² + μ3/2 ‖E v − p_e‖²,

whose normal equations are K (z, v) = (r_z, r_v) with

    K = [[β A*A + μ1 Ψ*Ψ + μ2 ∇*∇,  −μ2 ∇*      ],
         [−μ2 ∇,                     μ2 + μ3 E*E]],
    r_z = β A*y + μ1 Ψ* p_s + μ2 ∇* p_g,   r_v = −μ2 p_g + μ3 E* p_e.

Ψ*Ψ = I (Parseval) and ∇, E are periodic convolutions, so K is a 3×3 (TGV), or 1×1 (TV, v ≡ 0)
matrix per frequency once A*A is. For single-coil Fourier sampling A*A = F* diag(mask) F exactly,
and `FrequencySolver` inverts K directly. For other operators (Radon, multi-coil) A*A is only
approximately a convolution; `PcgSolver` runs a few preconditioned conjugate-gradient steps with
the per-frequency inverse of the approximate K (A*A's response to a centred impulse) as the
preconditioner, warm-started from the last iterate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from ..errors import StabviewError
from ..operators import FourierOperator, LinearOperator
from .tgv import difference_symbols, gradient, gradient_adjoint, symmetric_gradient, symmetric_gradient_adjoint


class SolverSetupError(StabviewError, ValueError):
    """A parameter set that leaves the reconstruction problem without a unique solution."""


@dataclass(frozen=True)
class Penalties:
    """β and the splitting weights μ = (μ1, μ2, μ3) that are actually in use (0 = term off)."""

    beta: float
    shearlet: float
    gradient: float
    second_order: float

    @property
    def with_field(self) -> bool:
        """True when the TGV vector field v is a variable (second-order term on)."""
        return self.second_order > 0


class FrequencySolver:
    """Inverts K per frequency, with A*A replaced by the real symbol `data_symbol(ω) ≥ 0`.

    The inverse is formed once (float64) and kept as its 3×3 (or 1×1) entries on the
    unshifted DFT grid; `solve_spectra` then costs a few complex multiply-adds per pixel.
    """

    def __init__(self, data_symbol: torch.Tensor, penalties: Penalties, *, dtype=torch.complex64):
        if penalties.shearlet <= 0 and penalties.gradient <= 0:
            raise SolverSetupError("both the shearlet and the TV/TGV terms are off (μ1 = μ2 = 0): "
                                   "nothing regularises the unsampled data; switch one on")
        if penalties.with_field and penalties.gradient <= 0:
            raise SolverSetupError("the second-order TGV term (μ3 > 0) needs the first-order term "
                                   "(μ2 > 0)")
        shape = tuple(data_symbol.shape)
        device = data_symbol.device
        fx, fy, bx, by = difference_symbols(shape, device=device)
        p = penalties
        s = data_symbol.to(torch.float64)
        zz = p.beta * s + p.shearlet + p.gradient * (fx.abs() ** 2 + fy.abs() ** 2)
        zz = zz + 1e-9 * (p.beta + p.shearlet + p.gradient)      # keeps ω = 0 invertible
        if not p.with_field:
            self.entries = (1.0 / zz).to(dtype)
            self.with_field = False
            return
        m2, m3 = p.gradient, p.second_order
        k = torch.zeros(*shape, 3, 3, dtype=torch.complex128, device=device)
        k[..., 0, 0] = zz
        k[..., 0, 1], k[..., 0, 2] = -m2 * fx.conj(), -m2 * fy.conj()
        k[..., 1, 0], k[..., 2, 0] = -m2 * fx, -m2 * fy
        k[..., 1, 1] = m2 + m3 * (bx.abs() ** 2 + 0.5 * by.abs() ** 2)
        k[..., 2, 2] = m2 + m3 * (by.abs() ** 2 + 0.5 * bx.abs() ** 2)
        k[..., 1, 2] = 0.5 * m3 * by.conj() * bx
        k[..., 2, 1] = 0.5 * m3 * bx.conj() * by
        inv = torch.linalg.inv(k)
        self.entries = inv.to(dtype).permute(2, 3, 0, 1).contiguous()   # (3, 3, H, W)
        self.with_field = True

    def solve_spectra(self, rz: torch.Tensor, rv: torch.Tensor | None):
        """(ẑ, v̂) from the spectra of the right-hand sides: rz `(B, H, W)`, rv `(B, 2, H, W)`."""
        if not self.with_field:
            return rz * self.entries, None
        k = self.entries
        r0, r1, r2 = rz, rv[:, 0], rv[:, 1]
        z = k[0, 0] * r0 + k[0, 1] * r1 + k[0, 2] * r2
        v = torch.stack((k[1, 0] * r0 + k[1, 1] * r1 + k[1, 2] * r2,
                         k[2, 0] * r0 + k[2, 1] * r1 + k[2, 2] * r2), dim=1)
        return z, v

    def solve(self, rz: torch.Tensor, rv: torch.Tensor | None, real: bool):
        """Apply K⁻¹ to image-domain right-hand sides (real parts kept for real problems)."""
        zh, vh = self.solve_spectra(torch.fft.fft2(rz, norm="ortho"),
                                    None if rv is None else torch.fft.fft2(rv, norm="ortho"))
        z = torch.fft.ifft2(zh, norm="ortho")
        v = None if vh is None else torch.fft.ifft2(vh, norm="ortho")
        if real:
            z = z.real.contiguous()
            v = None if v is None else v.real.contiguous()
        return z, v


def impulse_symbol(normal: Callable[[torch.Tensor], torch.Tensor], shape: tuple[int, int],
                   *, device, dtype) -> torch.Tensor:
    """Real Fourier symbol of a nearly shift-invariant A*A, from its response to a centred impulse."""
    h, w = shape
    delta = torch.zeros(1, h, w, dtype=dtype, device=device)
    delta[0, h // 2, w // 2] = 1
    response = normal(delta)[0]
    response = torch.roll(response, (-(h // 2), -(w // 2)), (-2, -1))
    return torch.fft.fft2(response.to(torch.complex128)).real.clamp_min(0.0)


class PcgSolver:
    """A few preconditioned CG steps on K (z, v) = (r_z, r_v) for a general operator A."""

    def __init__(self, normal: Callable[[torch.Tensor], torch.Tensor], shape: tuple[int, int],
                 penalties: Penalties, *, real: bool, device, image_dtype, steps: int = 3):
        self.normal = normal
        self.penalties = penalties
        self.real = real
        self.steps = int(steps)
        symbol = impulse_symbol(normal, shape, device=device, dtype=image_dtype)
        self.preconditioner = FrequencySolver(symbol, penalties)

    def apply(self, z: torch.Tensor, v: torch.Tensor | None):
        """K (z, v)."""
        p = self.penalties
        kz = p.beta * self.normal(z) + p.shearlet * z
        if v is None:
            return kz + p.gradient * gradient_adjoint(gradient(z)), None
        g = gradient(z) - v
        kz = kz + p.gradient * gradient_adjoint(g)
        kv = -p.gradient * g + p.second_order * symmetric_gradient_adjoint(symmetric_gradient(v))
        return kz, kv

    @staticmethod
    def _dot(a, b) -> torch.Tensor:
        total = (a[0].conj() * b[0]).real.flatten(1).sum(1)
        if a[1] is not None:
            total = total + (a[1].conj() * b[1]).real.flatten(1).sum(1)
        return total

    def solve(self, rz, rv, z, v):
        """PCG from (z, v); batch items are independent systems."""
        kz, kv = self.apply(z, v)
        r = (rz - kz, None if rv is None else rv - kv)
        s = self.preconditioner.solve(*r, self.real)
        d = s
        rs = self._dot(r, s)
        for _ in range(self.steps):
            kd = self.apply(*d)
            denom = self._dot(d, kd)
            step = torch.where(denom > 0, rs / denom.clamp_min(1e-300), torch.zeros_like(rs))
            shape = (-1,) + (1,) * (z.dim() - 1)
            z = z + step.view(shape).to(z.dtype) * d[0]
            r0 = r[0] - step.view(shape).to(z.dtype) * kd[0]
            if v is not None:
                fshape = (-1,) + (1,) * (v.dim() - 1)
                v = v + step.view(fshape).to(v.dtype) * d[1]
                r = (r0, r[1] - step.view(fshape).to(v.dtype) * kd[1])
            else:
                r = (r0, None)
            s = self.preconditioner.solve(*r, self.real)
            rs_new = self._dot(r, s)
            ratio = torch.where(rs > 0, rs_new / rs.clamp_min(1e-300), torch.zeros_like(rs))
            d = (s[0] + ratio.view(shape).to(z.dtype) * d[0],
                 None if v is None else s[1] + ratio.view(fshape).to(v.dtype) * d[1])
            rs = rs_new
        return z, v


class FourierStep:
    """Exact (z, v) step for A = P_Ω F: every linear map is diagonal in the Fourier domain.

    Works on unshifted spectra: fft2(A* y) equals mask ⊙ ỹ on that grid, so the data term
    needs no shifts, and Ψz comes straight from ẑ (no extra FFT). FFTs per iteration:
    J inverse (analysis) + J forward (synthesis) + 1 (z) + 1 (∇*p_g) [+ 2 for r_v, 2 for v].
    """

    def __init__(self, op: FourierOperator, y: torch.Tensor, transform, penalties: Penalties):
        self.transform, self.p = transform, penalties
        self.sampled = torch.fft.ifftshift(op.mask.to(device=y.device, dtype=torch.float32), dim=(-2, -1))
        self.start = op.adjoint(y)
        self.data = torch.fft.fft2(self.start, norm="ortho")
        self.solver = FrequencySolver(self.sampled, penalties)
        shear = 2 * transform.count if transform is not None else 0
        self._work = None
        self.fft_count = shear + 1 + (1 if penalties.gradient > 0 else 0) + (4 if penalties.with_field else 0)

    def __call__(self, z, v, ps, pg, pe):
        p = self.p
        rz = p.beta * self.data
        if ps is not None:
            if self._work is None or self._work.shape != ps.shape:
                self._work = torch.empty_like(ps)
            rz = rz + p.shearlet * self.transform.spectrum_of_adjoint(ps)
        rv = None
        if pg is not None:
            rz = rz + torch.fft.fft2(p.gradient * gradient_adjoint(pg), norm="ortho")
            if v is not None:
                rv = torch.fft.fft2(p.second_order * symmetric_gradient_adjoint(pe) - p.gradient * pg,
                                    norm="ortho")
        zh, vh = self.solver.solve_spectra(rz, rv)
        z = torch.fft.ifft2(zh, norm="ortho")
        v = None if vh is None else torch.fft.ifft2(vh, norm="ortho")
        c = None if ps is None else self.transform.analysis_from_spectrum(zh, work=self._work)
        misfit = torch.view_as_real(self.sampled * zh - self.data).square().flatten(1).sum(1)
        return z, v, c, misfit


class IterativeStep:
    """(z, v) step by warm-started PCG, for any operator with an exact adjoint (Radon, multi-coil)."""

    def __init__(self, op: LinearOperator, y: torch.Tensor, transform, penalties: Penalties,
                 cg_steps: int):
        self.op, self.y, self.transform, self.p = op, y, transform, penalties
        self.start = op.warm_start(y)
        self.back = op.adjoint(y)
        real = not self.start.is_complex()
        self.solver = PcgSolver(lambda u: op.adjoint(op.forward(u)), op.image_shape, penalties,
                                real=real, device=y.device, image_dtype=self.start.dtype, steps=cg_steps)
        self.fft_count = None

    def __call__(self, z, v, ps, pg, pe):
        p = self.p
        rz = p.beta * self.back
        if ps is not None:
            rz = rz + p.shearlet * self.transform.adjoint(ps)
        rv = None
        if pg is not None:
            rz = rz + p.gradient * gradient_adjoint(pg)
            if v is not None:
                rv = p.second_order * symmetric_gradient_adjoint(pe) - p.gradient * pg
        z, v = self.solver.solve(rz, rv, z, v)
        c = None if ps is None else self.transform.forward(z)
        residual = self.op.forward(z) - self.y
        misfit = (torch.view_as_real(residual) if residual.is_complex() else residual).square().flatten(1).sum(1)
        return z, v, c, misfit
