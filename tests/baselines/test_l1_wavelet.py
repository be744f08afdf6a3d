"""ℓ1-wavelet basis pursuit denoising: SPGL1 and the ADMM solve the same constrained problem."""

import pytest
import torch

from stabview.baselines import L1WaveletParams, WaveletTransform, reconstruct
from stabview.baselines.l1_wavelet import l1_wavelet
from stabview.baselines.spgl1 import project_l1_ball, spgl1
from stabview.operators import FourierOperator, MaskSpec, MultiCoilOperator


def test_l1_ball_projection():
    torch.manual_seed(0)
    z = torch.randn(2, 40, dtype=torch.complex128)
    radius = torch.tensor([2.0, 1e3], dtype=torch.float64)
    p = project_l1_ball(z, radius)
    assert abs(float(p[0].abs().sum()) - 2.0) < 1e-9
    assert torch.equal(p[1], z[1])                                   # already inside
    angle = torch.angle(p[0][p[0] != 0]) - torch.angle(z[0][p[0] != 0])
    assert float(torch.remainder(angle + 1e-12, 2 * torch.pi).abs().max()) < 1e-6   # phases kept


def test_spgl1_recovers_a_sparse_vector():
    torch.manual_seed(0)
    m, n = 60, 200
    a = torch.randn(m, n, dtype=torch.float64) / m ** 0.5
    x = torch.zeros(1, n, dtype=torch.float64)
    x[0, torch.randperm(n)[:8]] = torch.randn(8, dtype=torch.float64)
    y = x @ a.T
    out = spgl1(lambda z: z @ a.T, lambda r: r @ a, y, torch.tensor([1e-4]), torch.zeros_like(x),
                max_iterations=500, tol=1e-6)
    assert out.stopped_by == "tolerance"
    assert float((out.z - x).norm() / x.norm()) < 1e-2


@pytest.mark.parametrize("solver", ["admm", "spgl1"])
def test_both_solvers_meet_the_constraint_and_agree(solver):
    x = torch.zeros(1, 32, 32)
    x[0, 8:24, 8:24] = 1.0
    x[0, 12:20, 12:16] = 0.3
    op = MultiCoilOperator.from_spec((32, 32), MaskSpec("equispaced", 0.5, options={"centre_lines": 6}),
                                     n_coils=4)
    y = op.forward(x)
    params = L1WaveletParams(solver=solver, max_iterations=3000, tol=1e-5, rho=100.0)
    result = l1_wavelet(op, y, params)
    sigma = params.delta * torch.view_as_real(y).norm()
    residual = torch.view_as_real(op.forward(result.image) - y).norm()
    assert float(residual) <= 1.01 * float(sigma)
    psi = WaveletTransform((32, 32), "db2", 3)
    l1 = float(psi.forward(result.image).abs().sum())
    l1_truth = float(psi.forward(x.to(torch.complex64)).abs().sum())
    assert l1 <= l1_truth                               # the truth is feasible, so not better
    assert result.method == f"l1-wavelet-{solver}"


def test_single_coil_fourier_can_use_the_wavelet_method_too():
    x = torch.zeros(1, 32, 32)
    x[0, 10:22, 6:26] = 1.0
    op = FourierOperator.from_spec((32, 32), MaskSpec("cartesian", 0.5))
    result = reconstruct(op, op.forward(x), "multicoil", max_iterations=200)
    assert result.image.shape == (1, 32, 32)
