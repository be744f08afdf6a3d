"""RadonOperator: a parallel-beam Radon transform on a subset of 1000 views, with an exact
transpose, an FBP warm start, and values that agree with scikit-image."""

import math

import numpy as np
import pytest
import torch
from skimage.data import shepp_logan_phantom
from skimage.transform import iradon, radon, resize

from stabview.errors import DtypeMismatch, MaskError, ShapeMismatch, StabviewError
from stabview.operators import MaskSpec, RadonOperator
from stabview.operators.radon_geometry import RadonGeometry
from stabview.operators.radon_matrix import radon_matrices

from .helpers import dot_test_error

FIFTY_OF_1000 = MaskSpec("uniform-angles", 0.05)


def phantom(n: int) -> np.ndarray:
    return resize(shepp_logan_phantom(), (n, n), anti_aliasing=True)


def rel(a, b) -> float:
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)) / np.linalg.norm(np.asarray(b)))


def degrees(op: RadonOperator) -> np.ndarray:
    return np.rad2deg(op.angles.numpy())


def reference_matrix(shape, angles) -> np.ndarray:
    """The definition, written densely: each pixel centre projects to s = u·cos θ − v·sin θ and
    splits its value between the two nearest detector bins by linear interpolation."""
    h, w = shape
    n_det = math.ceil(math.sqrt(2) * max(h, w))
    rows, cols = np.mgrid[:h, :w]
    u, v = (cols - w // 2).ravel(), (rows - h // 2).ravel()
    a = np.zeros((len(angles), n_det, h * w))
    for k, theta in enumerate(angles):
        pos = u * np.cos(theta) - v * np.sin(theta) + n_det // 2
        for d in range(n_det):
            a[k, d] = np.maximum(0.0, 1.0 - np.abs(pos - d))
    return a.reshape(len(angles) * n_det, h * w)


# --- the operator is the transform it claims to be ---------------------------------------------
@pytest.mark.parametrize("shape,spec,n_full", [
    ((16, 16), MaskSpec("uniform-angles", 0.25), 40),      # folded onto base angles
    ((17, 17), MaskSpec("uniform-angles", 1.0), 24),
    ((16, 16), MaskSpec("golden-angles", 0.3, seed=2), 30),  # not folded
    ((12, 19), MaskSpec("uniform-angles", 0.5), 20),       # non-square: folds θ ↔ π − θ only
])
def test_matches_the_pixel_driven_definition_exactly(shape, spec, n_full):
    op = RadonOperator.from_spec(shape, spec, n_full=n_full)
    a = reference_matrix(shape, op.angles.numpy())
    x = torch.rand(2, *shape, dtype=torch.float64)
    expected = (x.reshape(2, -1).numpy() @ a.T).reshape(2, *op.measurement_shape)
    assert np.abs(op.forward(x).numpy() - expected).max() < 1e-12
    y = torch.rand(2, *op.measurement_shape, dtype=torch.float64)
    assert np.abs(op.adjoint(y).numpy() - (y.reshape(2, -1).numpy() @ a).reshape(2, *shape)).max() < 1e-12


def test_angle_and_detector_convention():
    # a pixel 20 columns right of and 10 rows above the rotation axis (H//2, W//2)
    op = RadonOperator((64, 64), n_full=4)                # views at 0°, 45°, 90°, 135°
    x = torch.zeros(1, 64, 64, dtype=torch.float64)
    x[0, 32 - 10, 32 + 20] = 1.0
    y = op.forward(x)[0]
    centre = op.n_detectors // 2
    assert op.n_detectors == math.ceil(math.sqrt(2) * 64)
    assert y[0].argmax() == centre + 20                   # θ = 0: s = u
    assert y[2].argmax() == centre + 10                   # θ = 90°: s = −v (upwards)
    assert torch.allclose(y.sum(dim=1), torch.ones(4, dtype=torch.float64))   # mass is kept


@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-5), (torch.float32, 1e-4)])
@pytest.mark.parametrize("spec", [FIFTY_OF_1000, MaskSpec("golden-angles", 0.03, seed=1)])
def test_adjoint_passes_the_dot_product_test(dtype, tol, spec):
    op = RadonOperator.from_spec((64, 64), spec)
    assert dot_test_error(op, dtype) <= tol
    assert dot_test_error(RadonOperator.from_spec((40, 56), spec), dtype) <= tol


# --- agreement with scikit-image ---------------------------------------------------------------
@pytest.mark.parametrize("n,spec", [(128, FIFTY_OF_1000), (128, MaskSpec("uniform-angles", 1.0)),
                                    (128, MaskSpec("golden-angles", 0.1)), (256, FIFTY_OF_1000)])
def test_forward_agrees_with_skimage_radon(n, spec):
    op = RadonOperator.from_spec((n, n), spec)
    x = phantom(n)
    ours = op.forward(torch.from_numpy(x)[None].float())[0].numpy()
    theirs = radon(x, degrees(op), circle=False).T        # skimage: (detector, view)
    assert ours.shape == theirs.shape
    assert rel(ours, theirs) <= 0.01


@pytest.mark.parametrize("filter_name,skimage_name", [("ram-lak", "ramp"), ("hann", "hann")])
def test_warm_start_is_skimage_iradon(filter_name, skimage_name):
    op = RadonOperator.from_spec((128, 128), FIFTY_OF_1000, filter=filter_name)
    sinogram = radon(phantom(128), degrees(op), circle=False)
    ours = op.warm_start(torch.from_numpy(sinogram.T)[None].float())[0].numpy()
    theirs = iradon(sinogram, degrees(op), circle=False, output_size=128, filter_name=skimage_name)
    assert rel(ours, theirs) <= 0.01


def test_adjoint_is_the_unfiltered_back_projection():
    op = RadonOperator.from_spec((128, 128), FIFTY_OF_1000)
    sinogram = radon(phantom(128), degrees(op), circle=False)
    ours = op.adjoint(torch.from_numpy(sinogram.T)[None])[0].numpy() * np.pi / (2 * op.n_views)
    theirs = iradon(sinogram, degrees(op), circle=False, output_size=128, filter_name=None)
    assert rel(ours, theirs) <= 1e-3


def test_fbp_inverts_the_transform_better_than_back_projection():
    op = RadonOperator.from_spec((128, 128), MaskSpec("uniform-angles", 0.5))
    x = torch.from_numpy(phantom(128))[None]
    y = op.forward(x)
    fbp = op.warm_start(y)
    bp = op.adjoint(y)
    bp = bp * (bp * x).sum() / (bp * bp).sum()            # the best scale for back-projection
    err_fbp, err_bp = rel(fbp, x), rel(bp, x)
    assert err_fbp < 0.2 and err_fbp < 0.5 * err_bp        # measured 0.14 vs 0.76
    assert rel(op.warm_start(y, filter="hann"), x) < 0.5 * err_bp   # smoother: 0.25


# --- batches, gradients, dtypes ----------------------------------------------------------------
def test_batches_are_independent():
    op = RadonOperator.from_spec((48, 48), FIFTY_OF_1000)
    x = torch.rand(3, 48, 48)
    y = op.forward(x)
    assert y.shape == (3, 50, op.n_detectors) and y.dtype == torch.float32
    for b in range(3):
        assert torch.allclose(y[b:b + 1], op.forward(x[b:b + 1]), atol=1e-5)
        assert torch.allclose(op.adjoint(y)[b:b + 1], op.adjoint(y[b:b + 1]), atol=1e-4)
    assert op.forward(x.double()).dtype == torch.float64


def test_autograd_gradient_equals_the_adjoint():
    op = RadonOperator.from_spec((32, 32), FIFTY_OF_1000)
    x = torch.randn(2, 32, 32, dtype=torch.float64, requires_grad=True)
    w = torch.randn(2, *op.measurement_shape, dtype=torch.float64)
    (op.forward(x) * w).sum().backward()
    assert torch.allclose(x.grad, op.adjoint(w))
    small = RadonOperator((9, 9), n_full=7)
    x = torch.rand(1, 9, 9, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(small.forward, x)
    y = torch.rand(1, *small.measurement_shape, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(small.warm_start, y)


# --- sampling ----------------------------------------------------------------------------------
def test_with_rate_keeps_the_kind_and_nests_the_views():
    op = RadonOperator.from_spec((64, 64), FIFTY_OF_1000)
    more = op.with_rate(0.1)
    assert more.n_views == 100 and more.spec.kind == "uniform-angles" and more.spec.rate == 0.1
    assert torch.all(more.mask[op.mask])
    x = torch.rand(1, 64, 64, dtype=torch.float64)
    rows = torch.isin(torch.nonzero(more.mask).flatten(), torch.nonzero(op.mask).flatten())
    assert torch.allclose(more.forward(x)[:, rows], op.forward(x))
    assert abs(op.rate - 0.05) < 1e-9


def test_with_mask_and_raw_masks():
    mask = torch.zeros(1000, dtype=torch.bool)
    mask[[0, 250, 500, 750]] = True
    op = RadonOperator((32, 32), mask)
    assert op.measurement_shape == (4, op.n_detectors)
    assert torch.allclose(op.angles, torch.tensor([0, 0.25, 0.5, 0.75], dtype=torch.float64) * math.pi)
    other = op.with_mask(torch.ones(1000, dtype=torch.bool))
    assert other.n_views == 1000 and other.filter == op.filter
    with pytest.raises(MaskError):
        op.with_rate(0.1)                                  # a raw mask cannot be re-drawn
    assert RadonOperator((32, 32)).n_views == 1000        # no mask: the full set


def test_golden_angles_are_nested_too():
    op = RadonOperator.from_spec((32, 32), MaskSpec("golden-angles", 0.05))
    assert torch.all(op.with_rate(0.2).mask[op.mask])


def test_construction_is_lazy_and_matrices_are_shared():
    op = RadonOperator.from_spec((64, 64), MaskSpec("uniform-angles", 0.2))
    assert op._matrices == {}                              # nothing built until used
    op.forward(torch.rand(1, 64, 64))
    again = RadonOperator.from_spec((64, 64), MaskSpec("uniform-angles", 0.2))
    again.forward(torch.rand(1, 64, 64))
    assert again._matrices[torch.float32].forward is op._matrices[torch.float32].forward


def test_the_full_set_folds_onto_a_quarter_of_the_angles():
    # what keeps 1000 views at 256² under 1 GB: the matrices hold 251 base angles, not 1000
    folding = RadonGeometry((256, 256), 1000).fold(list(range(1000)))
    assert len(folding.base) == 251 and folding.variants == (0, 1, 2, 3)
    nnz = 2 * 257 ** 2 * len(folding.base)
    assert 2 * nnz * (4 + 4) < 2 ** 30                    # A and Aᵀ, fp32 values, int32 indices
    small = RadonGeometry((32, 32), 1000)
    m = radon_matrices(small, small.fold(list(range(1000))), torch.float32, torch.device("cpu"))
    assert m.forward.col_indices().dtype == torch.int32 and m.n_base == 251


# --- errors ------------------------------------------------------------------------------------
def test_clear_errors():
    op = RadonOperator.from_spec((32, 32), FIFTY_OF_1000)
    with pytest.raises(ShapeMismatch, match="expects"):
        op.forward(torch.rand(1, 32, 30))
    with pytest.raises(ShapeMismatch):
        op.forward(torch.rand(32, 32))
    with pytest.raises(DtypeMismatch, match="real"):
        op.forward(torch.rand(1, 32, 32, dtype=torch.complex64))
    with pytest.raises(ShapeMismatch):
        op.adjoint(torch.rand(1, 49, op.n_detectors))
    with pytest.raises(DtypeMismatch):
        op.adjoint(torch.rand(1, *op.measurement_shape, dtype=torch.complex64))
    with pytest.raises(ShapeMismatch, match="1000 views"):
        RadonOperator((32, 32), torch.ones(999, dtype=torch.bool))
    with pytest.raises(ShapeMismatch):
        op.with_mask(torch.ones(32, 32, dtype=torch.bool))
    with pytest.raises(MaskError):
        RadonOperator((32, 32), torch.zeros(1000, dtype=torch.bool))
    with pytest.raises(MaskError):
        RadonOperator.from_spec((32, 32), MaskSpec("cartesian", 0.3))
    with pytest.raises(StabviewError):
        RadonOperator((32, 32), filter="butterworth")


# --- devices -----------------------------------------------------------------------------------
def test_to_cpu_gives_the_same_operator():
    op = RadonOperator.from_spec((32, 32), FIFTY_OF_1000, filter="hann").to("cpu")
    assert op.device.type == "cpu" and op.filter == "hann" and op.spec == FIFTY_OF_1000
    x = torch.rand(1, 32, 32)
    assert torch.equal(op.forward(x), RadonOperator.from_spec((32, 32), FIFTY_OF_1000).forward(x))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_matches_cpu():
    cpu = RadonOperator.from_spec((64, 64), FIFTY_OF_1000)
    gpu = cpu.to("cuda")
    x = torch.rand(2, 64, 64)
    y = gpu.forward(x.cuda())
    assert y.device.type == "cuda"
    assert torch.allclose(y.cpu(), cpu.forward(x), atol=1e-4)
    assert torch.allclose(gpu.warm_start(y).cpu(), cpu.warm_start(cpu.forward(x)), atol=1e-4)
    with pytest.raises(StabviewError, match="op.to"):
        gpu.forward(x)
    assert dot_test_error(gpu.to("cpu"), torch.float64) <= 1e-5
