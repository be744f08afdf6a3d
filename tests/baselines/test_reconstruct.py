"""`baselines.reconstruct`: one entry point that picks the method by operator type."""

import pytest
import torch

from stabview.baselines import PAPER, PRESETS, ParameterError, preset, preset_name, reconstruct
from stabview.errors import StabviewError, UnknownName
from stabview.operators import FourierOperator, MaskSpec, MultiCoilOperator, RadonOperator


@pytest.fixture(scope="module")
def disk():
    yy, xx = torch.meshgrid(torch.arange(32.0), torch.arange(32.0), indexing="ij")
    return (((yy - 15) ** 2 + (xx - 17) ** 2) < 80).float()[None]


def test_method_by_operator_type(disk):
    fourier = FourierOperator.from_spec((32, 32), MaskSpec("cartesian", 0.4))
    multi = MultiCoilOperator.from_spec((32, 32), MaskSpec("equispaced", 0.4, options={"centre_lines": 4}),
                                        n_coils=4)
    radon = RadonOperator.from_spec((32, 32), MaskSpec("uniform-angles", 0.05), n_full=400)
    assert [preset_name(op) for op in (fourier, multi, radon)] == ["fourier", "multicoil", "radon"]
    assert reconstruct(fourier, fourier.forward(disk), max_iterations=5).method == "shearlet-tgv"
    assert reconstruct(multi, multi.forward(disk), max_iterations=5).method == "l1-wavelet-admm"
    out = reconstruct(radon, radon.forward(disk), max_iterations=5)
    assert out.method == "shearlet-tgv" and not out.image.is_complex()


def test_presets_keep_the_paper_values_and_name_the_tuned_ones():
    paper = PAPER["fourier"]
    assert (paper.mu, paper.alpha, paper.beta, paper.eps) == ((5000, 10, 20), (1, 1), 1e5, 1e-5)
    assert (paper.scales, paper.directions) == (3, (1, 2, 2))
    radon = PAPER["radon"]
    assert (radon.mu, radon.alpha, radon.beta, radon.eps) == ((500, 0, 0), (1, 0), 50, 1e-8)
    assert (radon.scales, radon.directions) == (4, (0, 0, 1, 1))
    assert PAPER["multicoil"].wavelet == "db2" and PAPER["multicoil"].levels == 3
    assert PAPER["multicoil"].delta == 0.01
    assert preset("paper-fourier") == paper
    assert preset("fourier-tv").shearlets is False
    assert PRESETS["fourier"].directions == (1, 2, 2)
    with pytest.raises(UnknownName):
        preset("nonsense")


def test_overrides_are_checked(disk):
    op = FourierOperator.from_spec((32, 32), MaskSpec("cartesian", 0.4))
    y = op.forward(disk)
    assert reconstruct(op, y, max_iterations=3, tol=0).iterations == 3
    with pytest.raises(ParameterError, match="no parameter"):
        reconstruct(op, y, iterations=3)
    with pytest.raises(StabviewError):
        reconstruct(op, y[..., :16])


def test_scaling_the_data_scales_the_image(disk):
    op = FourierOperator.from_spec((32, 32), MaskSpec("cartesian", 0.4))
    y = op.forward(disk)
    one = reconstruct(op, y, max_iterations=30).image
    hundred = reconstruct(op, 100 * y, max_iterations=30).image
    assert float((hundred - 100 * one).norm() / (100 * one).norm()) < 1e-3


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("modality", ["fourier", "multicoil", "radon"])
def test_runs_on_cuda_and_matches_the_cpu(disk, modality):
    if modality == "radon":
        op = RadonOperator.from_spec((32, 32), MaskSpec("uniform-angles", 0.05), n_full=400)
    elif modality == "multicoil":
        op = MultiCoilOperator.from_spec((32, 32), MaskSpec("equispaced", 0.4, options={"centre_lines": 4}),
                                         n_coils=4)
    else:
        op = FourierOperator.from_spec((32, 32), MaskSpec("cartesian", 0.4))
    y = op.forward(disk)
    cpu = reconstruct(op, y, max_iterations=20, tol=0).image
    gpu_op = op.to("cuda")
    gpu = reconstruct(gpu_op, y.to("cuda"), max_iterations=20, tol=0).image
    assert gpu.device.type == "cuda"
    assert float((gpu.cpu() - cpu).abs().max()) < 1e-3 * float(cpu.abs().max())
