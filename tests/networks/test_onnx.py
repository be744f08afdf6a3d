"""ONNX models are translated to torch (gradients flow); unsupported operations are named."""

import json
import warnings

import pytest
import torch

onnx = pytest.importorskip("onnx", reason="ONNX support needs the optional 'onnx' package")

from stabview.networks import zoo  # noqa: E402
from stabview.networks.errors import ModelFormatError  # noqa: E402
from stabview.networks.unet import FBPConvUNet  # noqa: E402

CARD = {"name": "onnx-unet", "modality": "fourier", "image_shape": [32, 32],
        "mask": {"kind": "gaussian-lines", "rate": 0.3, "seed": 0, "options": {}}, "rate": 0.3,
        "accepts_other_rates": True, "input_convention": "warm_start_channels", "output_convention": "channels"}


def _export(module, path, channels=2):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module.eval(), (torch.randn(1, channels, 32, 32),), str(path), dynamo=False,
                          input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "b"}, "y": {0: "b"}})


def test_onnx_unet_matches_torch_and_passes_gradients(tmp_path):
    torch.manual_seed(0)
    unet = FBPConvUNet(2, 2, base=4, depth=2).eval()
    _export(unet, tmp_path / "unet.onnx")
    (tmp_path / "unet.json").write_text(json.dumps(CARD))
    net = zoo.load(tmp_path / "unet.onnx")
    op = net.default_operator()
    y = op.forward(torch.rand(2, 32, 32).to(torch.complex64)).requires_grad_(True)
    out = net(y, op)
    x0 = torch.view_as_real(op.adjoint(y)).permute(0, 3, 1, 2)
    expected = unet(x0)
    assert torch.allclose(torch.view_as_real(out).permute(0, 3, 1, 2), expected, atol=1e-5)
    out.abs().sum().backward()
    assert y.grad.abs().sum() > 0


def test_unsupported_onnx_operation_is_named(tmp_path):
    class Odd(torch.nn.Module):
        def forward(self, x):
            return x * torch.linalg.det(x)[..., None, None]
    _export(Odd(), tmp_path / "odd.onnx")
    (tmp_path / "odd.json").write_text(json.dumps(CARD))
    with pytest.raises(ModelFormatError, match="cannot translate: Det"):
        zoo.load(tmp_path / "odd.onnx")
