"""Null-space maps: P_R and P_N for every operator, checked against dense eigendecompositions."""

import pytest
import torch

from stabview.data import load_image_or_builtin
from stabview.operators import FourierOperator, MaskSpec, MultiCoilOperator, RadonOperator
from stabview.stability.nullspace import (Cancelled, NullSpaceProjector, nullspace_test, operator_norm,
                                          split_errors)

SIZE = 32
TOLERANCE = 1e-8


def _operators():
    shape = (SIZE, SIZE)
    return {
        "fourier": FourierOperator.from_spec(shape, MaskSpec("cartesian", 0.33, 0)),
        # two coils at 15.6%: fewer samples than unknowns, so A has a true null space
        "multicoil": MultiCoilOperator.from_spec(shape, MaskSpec("equispaced", 0.15, 0, {"centre_lines": 2}),
                                                 n_coils=2),
        "radon": RadonOperator.from_spec(shape, MaskSpec("uniform-angles", 0.1, 0), n_full=60),   # 6 views
    }


def _dense_range_projection(op):
    """P_R as a matrix from the eigenvectors of the dense A*A, and ‖A‖/σ⁺ (σ⁺ the smallest non-zero)."""
    n = SIZE * SIZE
    dtype = torch.complex128 if op.complex_images else torch.float64
    eye = torch.eye(n, dtype=dtype).reshape(n, SIZE, SIZE)
    gram = torch.cat([op.adjoint(op.forward(eye[i:i + 256])).reshape(-1, n) for i in range(0, n, 256)]).T
    values, vectors = torch.linalg.eigh(gram)
    keep = values > 1e-11 * values.max()      # each operator here has a gap of 3+ decades around it
    basis = vectors[:, keep]
    kappa = float((values.max() / values[keep].min()).sqrt())
    return basis @ basis.conj().T, kappa, float(values.max().sqrt())


@pytest.fixture(scope="module", params=["fourier", "multicoil", "radon"])
def case(request):
    op = _operators()[request.param]
    matrix, kappa, top = _dense_range_projection(op)
    dtype = torch.complex128 if op.complex_images else torch.float64
    x = load_image_or_builtin("brain", op.image_shape)[None].to(dtype)
    g = torch.Generator().manual_seed(3)
    x = x + 0.2 * torch.randn(x.shape, generator=g, dtype=torch.float64)   # not only smooth content
    return request.param, op, matrix, kappa, x, top


def _exact_range(matrix, x):
    return (matrix @ x.reshape(x.shape[0], -1).T).T.reshape(x.shape)


def test_power_iteration_finds_the_operator_norm(case):
    *_, op_top = case
    op = case[1]
    estimate = operator_norm(op)        # from below; near-equal top values make the last digits slow
    assert 0.99 * op_top <= estimate <= op_top * (1 + 1e-9)


def test_range_projection_matches_the_dense_one_to_the_stated_tolerance(case):
    name, op, matrix, kappa, x, _ = case
    proj = NullSpaceProjector(op, tolerance=TOLERANCE, max_iterations=5000)
    measured = proj.range_part(x)
    assert proj.last_solve.converged and proj.last_solve.residual_rel <= TOLERANCE
    # ‖z − P_R x‖ ≤ ‖A(z − x)‖/σ⁺ ≤ tolerance·(‖A‖/σ⁺)·‖x‖
    bound = 2 * TOLERANCE * kappa if name != "fourier" else 1e-12
    assert float((measured - _exact_range(matrix, x)).norm() / x.norm()) <= bound
    # the split is not trivial: part of x is invisible to A
    assert float((x - measured).norm() / x.norm()) > 0.05


def test_projections_are_complementary_idempotent_and_annihilated_by_a(case):
    name, op, _, kappa, x, _ = case
    proj = NullSpaceProjector(op, tolerance=TOLERANCE, max_iterations=5000)
    measured, null = proj.split(x)
    norm = float(x.norm())
    assert float((measured + null - x).norm()) <= 1e-12 * norm                      # P_R + P_N = I
    assert float(op.forward(null).norm()) <= 1.01 * TOLERANCE * proj.operator_norm * norm   # A P_N ≈ 0
    bound = 4 * TOLERANCE * kappa if name != "fourier" else 1e-12
    assert float((proj.range_part(measured) - measured).norm()) / norm <= bound     # P_R² = P_R
    assert float((proj.null_part(null) - null).norm()) / norm <= bound              # P_N² = P_N
    assert abs(complex((measured.conj() * null).sum())) / norm ** 2 <= bound        # P_R ⟂ P_N


def test_a_faithful_network_that_adds_null_space_content_shows_exactly_that_content(case):
    """f(y) = A⁺y + n with n in null(A): null-space error n − P_N x, measured-part error 0."""
    name, op, _, kappa, x, _ = case
    proj = NullSpaceProjector(op, tolerance=TOLERANCE, max_iterations=5000)
    g = torch.Generator().manual_seed(7)
    noise = torch.randn(x.shape, generator=g, dtype=torch.float64)
    n = proj.null_part(noise.to(x.dtype))                 # a fixed image in the null space
    n = 0.3 * n * x.norm() / n.norm()

    def network(y, o):
        return proj.pseudo_inverse(y) + n                  # A⁺ = A* for single-coil Fourier

    outcome = nullspace_test({"network": network}, op, x, projector=proj)
    split = outcome.splits["clean"]["network"]
    expected = n[0] - outcome.truth_null
    bound = 8 * TOLERANCE * kappa if name != "fourier" else 1e-12
    assert float((split.null - expected).norm() / x.norm()) <= bound
    assert split.range_error_rel <= bound
    assert split.null_space_error_rel == pytest.approx(float(expected.norm() / x.norm()), abs=bound)


def test_a_perturbed_case_is_split_against_the_image_that_was_measured():
    op = _operators()["fourier"]
    proj = NullSpaceProjector(op)
    x = load_image_or_builtin("brain", op.image_shape)[None]
    r = 0.05 * torch.ones(SIZE, SIZE)
    outcome = nullspace_test({"zero-filled": lambda y, o: o.adjoint(y)}, op, x, r, projector=proj)
    numbers = outcome.numbers()
    # zero-filling loses exactly the null-space part of what was measured and nothing else
    truth = op.check_image(x) + r
    assert numbers["range_error_rel"]["zero-filled"]["perturbed"] <= 1e-6
    assert numbers["null_space_error_rel"]["zero-filled"]["perturbed"] == pytest.approx(
        float(proj.null_part(truth).norm() / x.norm()), rel=1e-5)
    assert numbers["perturbation_rel"] == pytest.approx(float(r.norm() / x.norm()), rel=1e-6)


def test_split_errors_measures_each_estimate_against_the_truth():
    op = _operators()["fourier"]
    proj = NullSpaceProjector(op)
    x = op.check_image(load_image_or_builtin("brain", op.image_shape)[None])[0]
    splits = split_errors(proj, {"same": x, "double": 2 * x}, x)
    assert splits["same"].error_rel == 0 and splits["same"].null_space_error_rel == 0
    assert splits["double"].error_rel == pytest.approx(1.0, rel=1e-6)
    assert splits["double"].range_error_rel ** 2 + splits["double"].null_space_error_rel ** 2 == \
        pytest.approx(1.0, rel=1e-5)


def test_a_capped_solve_says_it_did_not_converge():
    op = _operators()["radon"]
    proj = NullSpaceProjector(op, tolerance=1e-10, max_iterations=3)
    proj.range_part(load_image_or_builtin("brain", op.image_shape)[None])
    assert proj.last_solve.iterations == 3 and not proj.last_solve.converged
    assert proj.last_solve.residual_rel > 1e-10


def test_the_solve_can_be_cancelled_and_reports_progress():
    op = _operators()["multicoil"]
    seen = []
    proj = NullSpaceProjector(op, tolerance=1e-12, progress=lambda i, n, res: seen.append(i),
                              should_stop=lambda: len(seen) >= 4)
    with pytest.raises(Cancelled):
        proj.range_part(load_image_or_builtin("brain", op.image_shape)[None])
    assert seen == [1, 2, 3, 4]


def test_bad_settings_are_refused():
    op = _operators()["fourier"]
    with pytest.raises(Exception, match="tolerance"):
        NullSpaceProjector(op, tolerance=0)
    with pytest.raises(Exception, match="perturbation is"):
        nullspace_test({}, op, load_image_or_builtin("brain", op.image_shape)[None], torch.zeros(8, 8))
