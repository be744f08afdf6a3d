"""Small networks with the layers users' MRI networks have, exported to ONNX as users export them.

Each network is built here (instance norm with reflection padding, a tiny U-Net with upsampling, a
fastMRI NormUnet-style wrapper that normalises inside and pads by sizes computed from the input,
a zero-padded residual network, an attention block with layer norm and GELU), exported with the
legacy exporter (`dynamo=False`) and with torch's default (dynamo) exporter at two opsets each,
loaded through stabview's loader with a card written here, and compared with the TorchScript
export of the same module: outputs and gradients with respect to the measurements within 1e-5
relative. The dynamo exports take seconds each, so they are marked slow.
"""

import json
import shutil
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

onnx = pytest.importorskip("onnx", reason="ONNX support needs the optional 'onnx' package")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from stabview.networks.errors import ModelFormatError, OnnxNodeError  # noqa: E402
from stabview.networks.model_files import load_model_file  # noqa: E402

SIZE = 32
CARD = {"name": "users-net", "modality": "fourier", "image_shape": [SIZE, SIZE],
        "mask": {"kind": "cartesian", "rate": 0.4, "seed": 0, "options": {}}, "rate": 0.4,
        "accepts_other_rates": True, "input_convention": "warm_start_channels", "output_convention": "channels"}


class ConvBlock(nn.Module):
    """Reflection-padded convolutions with instance norm and leaky ReLU (fastMRI-style)."""

    def __init__(self, cin, cout):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(cin, cout, 3, padding=1, padding_mode="reflect", bias=False), nn.InstanceNorm2d(cout),
            nn.LeakyReLU(0.2), nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.InstanceNorm2d(cout, affine=True),
            nn.LeakyReLU(0.2))

    def forward(self, x):
        return self.layers(x)


class TinyUNet(nn.Module):
    """Two levels: average pooling down, bilinear upsampling and a transposed convolution up, skips."""

    def __init__(self, base=4):
        super().__init__()
        self.down0, self.down1 = ConvBlock(2, base), ConvBlock(base, 2 * base)
        self.bottom = ConvBlock(2 * base, 2 * base)
        self.up1 = nn.ConvTranspose2d(base, base, 2, stride=2)
        self.dec1 = ConvBlock(4 * base, base)
        self.dec0 = ConvBlock(2 * base, base)
        self.out = nn.Conv2d(base, 2, 1)

    def forward(self, x):
        s0 = self.down0(x)
        s1 = self.down1(F.avg_pool2d(s0, 2))
        h = self.bottom(F.max_pool2d(s1, 2))
        h = F.interpolate(h, scale_factor=2.0, mode="bilinear", align_corners=False)
        h = self.dec1(torch.cat([h, s1], 1))
        h = self.dec0(torch.cat([self.up1(h), s0], 1))
        return x + self.out(h)


class ZeroPadResNet(nn.Module):
    """Residual blocks with zero padding, explicit F.pad, nearest upsampling and a flip."""

    def __init__(self, width=6):
        super().__init__()
        self.head = nn.Conv2d(2, width, 3, padding=1)
        self.blocks = nn.ModuleList(nn.Conv2d(width, width, 3) for _ in range(2))
        self.down = nn.Conv2d(width, width, 3, stride=2, padding=1)
        self.tail = nn.Conv2d(width, 2, 3, padding=1)

    def forward(self, x):
        h = torch.relu(self.head(x))
        for conv in self.blocks:
            h = h + torch.tanh(conv(F.pad(h, (1, 1, 1, 1))))
        h = F.interpolate(torch.relu(self.down(h)), scale_factor=2.0, mode="nearest")
        h = F.pad(h, (0, 0, 2, 0), mode="replicate")[:, :, :-2]
        return x + self.tail(h).flip(-1).flip(-1) * torch.sigmoid(h.mean((1, 2, 3), keepdim=True))


class AttentionNet(nn.Module):
    """Patch tokens through layer norm, multi-head self-attention and a GELU MLP, back to an image."""

    def __init__(self, dim=8, patch=4):
        super().__init__()
        self.embed = nn.Conv2d(2, dim, patch, stride=patch)
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attention = nn.MultiheadAttention(dim, 2, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))
        self.unembed = nn.ConvTranspose2d(dim, 2, patch, stride=patch)

    def forward(self, x):
        h = self.embed(x)
        b, c, height, width = h.shape
        t = h.flatten(2).transpose(1, 2)
        q = self.norm1(t)
        t = t + self.attention(q, q, q, need_weights=False)[0]
        t = t + self.mlp(self.norm2(t))
        return x + self.unembed(t.transpose(1, 2).reshape(b, c, height, width))


class NormPadUNet(nn.Module):
    """fastMRI NormUnet-style wrapper: per-channel normalisation inside, zero padding to a multiple
    of 16 computed from the input's shape, the U-Net, then cropping and un-normalising."""

    def __init__(self):
        super().__init__()
        self.unet = TinyUNet(base=4)

    def forward(self, x):
        b, c, h, w = x.shape
        flat = x.reshape(b, c, h * w)
        mean = flat.mean(2).reshape(b, c, 1, 1)
        std = flat.std(2).reshape(b, c, 1, 1)
        ph, pw = (16 - h % 16) % 16 + 8, (16 - w % 16) % 16 + 8
        x = F.pad((x - mean) / std, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2])
        out = self.unet(x)[..., ph // 2: ph // 2 + h, pw // 2: pw // 2 + w]
        return out * std + mean


NETWORKS = {"unet": TinyUNet, "resnet": ZeroPadResNet, "attention": AttentionNet, "normunet": NormPadUNet}
LEGACY_OPSETS = (14, 17)
DYNAMO_OPSETS = (18, 20)


def _module(name):
    torch.manual_seed(0)
    module = NETWORKS[name]().eval()
    with torch.no_grad():                      # non-trivial affine norms and biases
        for p in module.parameters():
            p.add_(0.1 * torch.randn_like(p))
    return module


def _export(module, path, *, dynamo, opset):
    x = torch.randn(2, 2, SIZE, SIZE)          # batch 2: a batch of 1 would be specialised
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            torch.onnx.export(module, (x,), str(path), dynamo=True, opset_version=opset, input_names=["x"],
                              output_names=["y"], dynamic_shapes={"x": {0: torch.export.Dim("batch")}},
                              verbose=False)
        else:
            torch.onnx.export(module, (x,), str(path), dynamo=False, opset_version=opset, input_names=["x"],
                              output_names=["y"], dynamic_axes={"x": {0: "b"}, "y": {0: "b"}})
    (path.parent / (path.stem + ".json")).write_text(json.dumps(CARD))
    return path


def _torchscript(module, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.jit.trace(module, torch.randn(1, 2, SIZE, SIZE), check_trace=False).save(str(path))
    (path.parent / (path.stem + ".json")).write_text(json.dumps(CARD))
    return path


def _output_and_gradient(net):
    op = net.default_operator()
    torch.manual_seed(1)
    y = op.forward(torch.rand(2, SIZE, SIZE).to(torch.complex64)).requires_grad_(True)
    out = net(y, op)
    weights = torch.randn(out.shape, dtype=out.dtype)
    (out * weights.conj()).real.sum().backward()
    return out.detach(), y.grad


def _relative(a, b):
    return float(((a - b).abs().norm() / b.abs().norm()).detach())


def _check_against_torchscript(name, tmp_path, *, dynamo, opset):
    module = _module(name)
    reference = load_model_file(_torchscript(module, tmp_path / f"{name}.pt"))
    translated = load_model_file(_export(module, tmp_path / f"{name}.onnx", dynamo=dynamo, opset=opset))
    out_ts, grad_ts = _output_and_gradient(reference)
    out_onnx, grad_onnx = _output_and_gradient(translated)
    assert grad_ts.abs().sum() > 0
    assert _relative(out_onnx, out_ts) <= 1e-5
    assert _relative(grad_onnx, grad_ts) <= 1e-5
    return translated


@pytest.mark.parametrize("opset", LEGACY_OPSETS)
@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_legacy_export_matches_torchscript(name, opset, tmp_path):
    torch.set_num_threads(1)
    _check_against_torchscript(name, tmp_path, dynamo=False, opset=opset)


@pytest.mark.slow
@pytest.mark.parametrize("opset", DYNAMO_OPSETS)
@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_default_exporter_matches_torchscript(name, opset, tmp_path):
    pytest.importorskip("onnxscript", reason="torch's default ONNX exporter needs onnxscript")
    torch.set_num_threads(1)
    net = _check_against_torchscript(name, tmp_path, dynamo=True, opset=opset)
    assert net.module.opset == opset


def test_the_unet_uses_the_operators_users_exports_have(tmp_path):
    module = load_model_file(_export(_module("unet"), tmp_path / "unet.onnx", dynamo=False, opset=17)).module
    assert {"InstanceNormalization", "Pad", "Resize", "ConvTranspose", "Concat"} <= set(module.operators)


def _with_external_weights(tmp_path):
    path = _export(_module("unet"), tmp_path / "unet.onnx", dynamo=False, opset=17)
    model = onnx.load(str(path))
    onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="unet.onnx.data", size_threshold=0)
    return path


def test_weights_beside_the_model_load_and_a_missing_weights_file_is_named(tmp_path):
    path = _with_external_weights(tmp_path)
    assert (tmp_path / "unet.onnx.data").stat().st_size > 1000
    net = load_model_file(path)
    reference = load_model_file(_torchscript(_module("unet"), tmp_path / "unet.pt"))
    assert _relative(_output_and_gradient(net)[0], _output_and_gradient(reference)[0]) <= 1e-5
    alone = tmp_path / "copied"
    alone.mkdir()
    shutil.copy(path, alone / "unet.onnx")
    shutil.copy(tmp_path / "unet.json", alone / "unet.json")
    with pytest.raises(ModelFormatError, match=r"unet\.onnx\.data") as caught:
        load_model_file(alone / "unet.onnx")
    assert "\n" not in str(caught.value)


@pytest.mark.slow
def test_the_default_exporter_writes_weights_beside_the_model_which_load(tmp_path):
    pytest.importorskip("onnxscript", reason="torch's default ONNX exporter needs onnxscript")
    path = _export(_module("unet"), tmp_path / "unet.onnx", dynamo=True, opset=18)
    assert (tmp_path / "unet.onnx.data").exists()
    load_model_file(path)
    (tmp_path / "unet.onnx.data").unlink()
    with pytest.raises(ModelFormatError, match=r"unet\.onnx\.data"):
        load_model_file(path)


def test_weights_file_outside_the_model_folder_is_refused(tmp_path):
    path = _with_external_weights(tmp_path)
    model = onnx.load(str(path), load_external_data=False)
    for tensor in model.graph.initializer:
        for entry in tensor.external_data:
            if entry.key == "location":
                entry.value = "../elsewhere/unet.onnx.data"
    onnx.save_model(model, str(path))
    with pytest.raises(ModelFormatError, match="outside its folder"):
        load_model_file(path)


def test_a_card_that_disagrees_with_the_onnx_input_names_the_field(tmp_path):
    path = _export(_module("unet"), tmp_path / "unet.onnx", dynamo=False, opset=17)
    (tmp_path / "unet.json").write_text(json.dumps({**CARD, "image_shape": [64, 64]}))
    with pytest.raises(ModelFormatError, match=r"image_shape 64×64 .* accepts 32×32"):
        load_model_file(path)
    (tmp_path / "unet.json").write_text(json.dumps({**CARD, "input_convention": "warm_start_magnitude"}))
    with pytest.raises(ModelFormatError, match=r"input_convention 'warm_start_magnitude' .* accepts 2"):
        load_model_file(path)


@pytest.mark.slow
def test_attack_runs_on_an_onnx_unet(tmp_path, monkeypatch):
    from stabview import cli
    path = _export(_module("unet"), tmp_path / "unet.onnx", dynamo=False, opset=17)
    monkeypatch.chdir(tmp_path)
    code = cli.main(["attack", "--network", str(path), "--iterations", "3", "--no-baseline", "--threads", "1",
                     "--gain-iterations", "2", "--out", str(tmp_path / "out")])
    assert code == 0
    result = json.loads((tmp_path / "out" / "result.json").read_text())
    assert result


def test_a_graph_exported_with_a_fixed_batch_still_takes_one_image(tmp_path):
    module = _module("resnet")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.randn(2, 2, SIZE, SIZE),), str(tmp_path / "fixed.onnx"), dynamo=False,
                          opset_version=17)
    (tmp_path / "fixed.json").write_text(json.dumps(CARD))
    net = load_model_file(tmp_path / "fixed.onnx")
    assert net.module.input_shapes[0] == [2, 2, SIZE, SIZE]
    op = net.default_operator()
    y = op.forward(torch.rand(1, SIZE, SIZE).to(torch.complex64))
    with torch.no_grad():
        expected = module(torch.view_as_real(op.adjoint(y)).permute(0, 3, 1, 2))
    assert _relative(torch.view_as_real(net(y, op)).permute(0, 3, 1, 2), expected) <= 1e-5


def test_a_node_that_fails_is_named_and_not_blamed_on_the_card(tmp_path):
    steps = [numpy_helper.from_array(np.array(v, np.int64), n)
             for n, v in (("starts", [0]), ("ends", [8]), ("axes", [3]), ("steps", [0]))]
    graph = helper.make_graph([helper.make_node("Slice", ["x", "starts", "ends", "axes", "steps"], ["y"],
                                                name="bad_slice")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 2, SIZE, SIZE])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], initializer=steps)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(tmp_path / "bad.onnx"))
    (tmp_path / "bad.json").write_text(json.dumps(CARD))
    with pytest.raises(OnnxNodeError) as caught:
        load_model_file(tmp_path / "bad.onnx")
    message = str(caught.value)
    assert "ONNX node 'bad_slice' (Slice)" in message and "step of 0" in message
    assert "does not fit its card" not in message
