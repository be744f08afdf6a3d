"""The reweighted split Bregman solver: objective history, stopping rules, cancelling, batches."""

import pytest
import torch

from stabview.baselines import reconstruct, shearlet_tgv
from stabview.baselines.linear_step import FourierStep, FrequencySolver, Penalties, PcgSolver, SolverSetupError
from stabview.baselines.presets import PRESETS, ParameterError, ShearletTgvParams
from stabview.baselines.reweighted import penalties_for
from stabview.baselines.shearlets import ShearletTransform
from stabview.baselines.tgv import gradient, gradient_adjoint, symmetric_gradient, symmetric_gradient_adjoint
from stabview.operators import FourierOperator, MaskSpec, RadonOperator


@pytest.fixture(scope="module")
def small():
    x = torch.zeros(2, 32, 32)
    x[0, 8:24, 10:20] = 1.0
    x[1, 4:12, 4:28] = 0.5
    op = FourierOperator.from_spec((32, 32), MaskSpec("cartesian", 0.4))
    return op, op.forward(x), x


def normal_equations_residual(op, y, psi, pen, z, v, ps, pg, pe):
    rz = pen.beta * op.adjoint(y) + pen.shearlet * psi.adjoint(ps) + pen.gradient * gradient_adjoint(pg)
    rv = -pen.gradient * pg + pen.second_order * symmetric_gradient_adjoint(pe)
    g = gradient(z) - v
    kz = pen.beta * op.adjoint(op.forward(z)) + pen.shearlet * z + pen.gradient * gradient_adjoint(g)
    kv = -pen.gradient * g + pen.second_order * symmetric_gradient_adjoint(symmetric_gradient(v))
    return float((kz - rz).norm() / rz.norm()), float((kv - rv).norm() / rv.norm())


def test_fourier_step_solves_its_normal_equations_exactly():
    torch.manual_seed(0)
    op = FourierOperator.from_spec((24, 24), MaskSpec("gaussian-lines", 0.3))
    y = op.forward(torch.randn(1, 24, 24, dtype=torch.complex128))
    psi = ShearletTransform((24, 24), 2, (0, 1), dtype=torch.float64)
    pen = Penalties(beta=7.0, shearlet=3.0, gradient=2.0, second_order=5.0)
    step = FourierStep(op, y, psi, pen)
    step.sampled = step.sampled.double()
    step.solver = FrequencySolver(step.sampled, pen, dtype=torch.complex128)
    ps = torch.randn(1, psi.count, 24, 24, dtype=torch.complex128)
    pg, pe = torch.randn(1, 2, 24, 24, dtype=torch.complex128), torch.randn(1, 3, 24, 24, dtype=torch.complex128)
    z, v, c, misfit = step(None, torch.zeros_like(pg), ps, pg, pe)
    assert max(normal_equations_residual(op, y, psi, pen, z, v, ps, pg, pe)) < 1e-8
    assert torch.allclose(c, psi.forward(z), atol=1e-10)
    assert torch.allclose(misfit, (op.forward(z) - y).abs().square().sum((-2, -1)), rtol=1e-8)


def test_pcg_step_reduces_the_residual_of_a_radon_system():
    torch.manual_seed(1)
    op = RadonOperator.from_spec((32, 32), MaskSpec("uniform-angles", 0.05), n_full=400)
    pen = Penalties(beta=0.5, shearlet=10.0, gradient=10.0, second_order=0.0)
    solver = PcgSolver(lambda u: op.adjoint(op.forward(u)), (32, 32), pen, real=True,
                       device=torch.device("cpu"), image_dtype=torch.float64, steps=10)
    rz = torch.randn(1, 32, 32, dtype=torch.float64)
    z0 = torch.zeros_like(rz)
    z, _ = solver.solve(rz, None, z0, None)
    residual = (solver.apply(z, None)[0] - rz).norm() / rz.norm()
    assert float(residual) < 1e-3


def test_records_the_objective_every_iteration_and_stops_on_the_iteration_limit(small):
    op, y, _ = small
    result = shearlet_tgv(op, y, ShearletTgvParams(max_iterations=7, tol=0.0, mu=(10, 10, 20)))
    assert result.iterations == 7 and result.stopped_by == "iterations"
    assert len(result.objective) == 7 and len(result.objective[0]) == 2      # per batch item
    assert len(result.relative_change) == 7
    assert result.params["ffts_per_iteration"] == 2 * 41 + 6


def test_stops_on_tolerance(small):
    op, y, _ = small
    result = reconstruct(op, y, tol=1e-2)
    assert result.stopped_by == "tolerance"
    assert result.relative_change[-1] < 1e-2 <= max(result.relative_change)


def test_progress_returning_false_or_should_stop_cancels(small):
    op, y, _ = small
    seen = []

    def progress(iteration, total, info):
        seen.append((iteration, total, info["relative_change"]))
        return iteration < 3
    result = reconstruct(op, y, progress=progress)
    assert result.stopped_by == "cancelled" and result.iterations == 3
    assert [s[0] for s in seen] == [1, 2, 3] and seen[0][1] == PRESETS["fourier"].max_iterations
    calls = iter(range(100))       # asked once before any work, then after every iteration
    result = reconstruct(op, y, should_stop=lambda: next(calls) >= 4)
    assert result.stopped_by == "cancelled" and result.iterations == 4


def test_cancelled_before_it_began_it_does_no_work(small, monkeypatch):
    import stabview.baselines as baselines
    op, y, _ = small

    def solver(*args, **kwargs):
        raise AssertionError("the solver ran although the reconstruction was cancelled")
    monkeypatch.setattr(baselines, "shearlet_tgv", solver)
    result = reconstruct(op, y, should_stop=lambda: True)
    assert result.stopped_by == "cancelled" and result.iterations == 0
    assert torch.equal(result.image, op.warm_start(y))


def test_shearlet_filters_are_built_once_per_configuration_and_each_transform_has_its_copy(monkeypatch):
    import stabview.baselines.shearlets as shearlets
    built = []
    original = shearlets.shearlet_filters
    monkeypatch.setattr(shearlets, "shearlet_filters", lambda *a: built.append(a) or original(*a))
    shearlets._filter_bank.cache_clear()
    first, second = ShearletTransform((24, 24), 2, (1, 1)), ShearletTransform((24, 24), 2, (1, 1))
    assert len(built) == 1 and torch.equal(first.filters, second.filters)
    first.filters.mul_(0)
    assert float(second.filters.abs().sum()) > 0
    assert float(ShearletTransform((24, 24), 2, (1, 1), dtype=torch.float64).filters.abs().sum()) > 0
    ShearletTransform((24, 24), 2, (1, 2))
    assert len(built) == 2


def test_a_batch_gives_the_same_images_as_single_solves(small):
    op, y, _ = small
    both = reconstruct(op, y, max_iterations=20, tol=0.0).image
    first = reconstruct(op, y[:1], max_iterations=20, tol=0.0).image
    assert torch.allclose(both[:1], first, atol=1e-5)


def test_objective_falls_while_the_weights_are_frozen(small):
    op, y, _ = small
    params = ShearletTgvParams(mu=(10, 10, 20), alpha=(1, 1), level_weights=(0, 1e-3, 1e-3, 1e-3),
                               reweight_every=0, max_iterations=60, tol=0.0)
    values = [row[0] for row in shearlet_tgv(op, y, params).objective]
    assert values[-1] < values[5]


def test_switching_terms_off_and_bad_parameters():
    assert penalties_for(ShearletTgvParams(shearlets=False)).shearlet == 0
    assert not penalties_for(ShearletTgvParams(alpha=(1.0, 0.0))).with_field
    with pytest.raises(SolverSetupError):
        FrequencySolver(torch.ones(4, 4), Penalties(1.0, 0.0, 0.0, 0.0))
    with pytest.raises(ParameterError):
        ShearletTgvParams(mu=(1.0, 2.0)).check()
    with pytest.raises(ParameterError):
        ShearletTgvParams(level_weights=(0.0, 1.0)).check()
    with pytest.raises(ParameterError):
        ShearletTgvParams(tv_eps=-1.0).check()
