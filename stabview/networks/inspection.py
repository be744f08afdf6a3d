"""What a network file (or zoo network) is, and whether its card fits it: the inspection report.

`inspect_network` reads the model without trusting the card, then checks the card against it:
format, ONNX operators or layers, parameter count, the card's facts, a timed run at the card's
input shape (on a phantom's measurements), and the output's range on a built-in image. Anything wrong is listed
in plain words (a card field that disagrees with what the model accepts, an output far outside
the card's value range, an exception raised inside the model). The report is plain data, so the
command line prints it and the window can show it.
"""

from __future__ import annotations

import dataclasses
import pathlib
import time

import torch

from ..errors import StabviewError
from .base import ReconstructionNetwork
from .card import ModelCard
from .errors import CardError, ModelRuntimeError, NetworkOutputError, UnknownName
from .external import ExternalNetwork, probe_measurements

#: built-in image used for the output-range check, by modality
SAMPLE_FOR = {"fourier": "brain", "multicoil": "brain", "radon": "ct"}
#: an output whose magnitude leaves the value range by more than this many range widths is reported
#: (a trained network overshoots its range a little; an order of magnitude means another scaling)
RANGE_SLACK = 2.0


@dataclasses.dataclass
class Inspection:
    """The report on one network: facts, measurements and problems in plain words."""

    source: str
    format: str
    operators: dict[str, int] = dataclasses.field(default_factory=dict)
    n_parameters: int = 0
    card: dict | None = None
    input_shape: tuple[int, ...] | None = None
    input_kind: str = "model input"
    probe_seconds: float | None = None
    sample: str | None = None
    output_range: tuple[float, float] | None = None
    problems: list[str] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out["input_shape"] = list(self.input_shape) if self.input_shape else None
        out["output_range"] = list(self.output_range) if self.output_range else None
        out["ok"] = self.ok
        return out

    def to_text(self) -> str:
        kind = "operators" if self.format == "onnx" else "layers"
        used = ", ".join(f"{name} ×{n}" for name, n in self.operators.items()) or "—"
        lines = [f"{self.source}", f"  format       {self.format}",
                 f"  parameters   {self.n_parameters:,}", f"  {kind:<12} {used}"]
        if self.card:
            c = self.card
            lines += [f"  card         {c['name']}: {c['modality']}"
                      f"{' ×' + str(c['n_coils']) + ' coils' if c.get('n_coils') else ''}, "
                      f"{c['image_shape'][0]}×{c['image_shape'][1]}, {c['mask']['kind']} at {c['rate']:.1%}"
                      f"{'' if c['accepts_other_rates'] else ' only'}",
                      f"  convention   in: {c['input_convention']}"
                      f"{', ' + c['channel_order'] if c['input_convention'] == 'warm_start_channels' and c['modality'] != 'radon' else ''}"
                      f"{', normalised per image' if c['input_normalisation'] == 'per_image' else ''}; "
                      f"out: {c['output_convention']}; value range {c['value_range'][0]:g}…{c['value_range'][1]:g}"]
        if self.input_shape is not None:
            timing = f" in {self.probe_seconds * 1000:.1f} ms" if self.probe_seconds is not None else " (failed)"
            lines.append(f"  probe        {self.input_kind} of shape {tuple(self.input_shape)}{timing}")
        if self.output_range is not None:
            lines.append(f"  output       magnitude {self.output_range[0]:.3g}…{self.output_range[1]:.3g} "
                         f"on the built-in image '{self.sample}'")
        lines += ["  problems     none"] if self.ok else [f"  problem      {p}" for p in self.problems]
        return "\n".join(lines)


def _layers(module: torch.nn.Module) -> dict[str, int]:
    counts: dict[str, int] = {}
    for sub in module.modules():
        if next(sub.children(), None) is not None:
            continue                                   # containers: count only their leaves
        name = getattr(sub, "original_name", type(sub).__name__)
        counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _card_facts(card: ModelCard) -> dict:
    keep = ("name", "modality", "image_shape", "mask", "rate", "accepts_other_rates", "input_convention",
            "output_convention", "value_range", "channel_order", "input_normalisation", "n_coils", "n_full",
            "architecture", "psnr_network", "psnr_input")
    facts = {**card.to_dict(), "channel_order": card.channel_order, "input_normalisation": card.input_normalisation}
    return {k: v for k, v in facts.items() if k in keep}


def _open(target: str, card) -> tuple[ReconstructionNetwork | None, str, dict[str, int], int, list[str]]:
    """(network or None, format, operators/layers, parameters, problems) without trusting the card."""
    from . import zoo  # noqa: PLC0415 - zoo imports loading, which imports this package's modules
    from .model_files import find_card, load_model_file, read_state_dict, sniff  # noqa: PLC0415
    if target in zoo.names():
        net = zoo.load(target)
        return net, f"zoo network ({net.card.architecture})", _layers(net), net.n_parameters, []
    path = pathlib.Path(target)
    if not path.is_file():
        raise UnknownName(f"'{target}' is neither a zoo network ({', '.join(zoo.names()) or 'none shipped'}) "
                        f"nor an existing model file")
    kind = sniff(path)
    if kind in ("pickle", "torch-zip"):
        read_state_dict(path)          # refuses pickled objects before anything else
    try:
        the_card = find_card(path, card)
    except CardError as exc:
        if kind not in ("onnx", "torchscript"):
            raise
        module = _bare_module(path, kind)
        operators = module.operators if kind == "onnx" else _layers(module)
        return None, kind, operators, sum(p.numel() for p in module.parameters()), [str(exc)]
    net = load_model_file(path, the_card, probe=False)
    if isinstance(net, ExternalNetwork):
        operators = net.module.operators if kind == "onnx" else _layers(net.module)
    else:
        operators = _layers(net)
    return net, kind, operators, net.n_parameters, []


def _bare_module(path: pathlib.Path, kind: str) -> torch.nn.Module:
    if kind == "onnx":
        from .onnx_import import onnx_to_torch  # noqa: PLC0415
        return onnx_to_torch(path)
    from .model_files import read_torchscript  # noqa: PLC0415
    return read_torchscript(path)


def _probe(net: ReconstructionNetwork, report: Inspection) -> bool:
    """Timed run at the card's input shape; False (with the problem) when it fails."""
    op = net.default_operator()
    y = probe_measurements(net.card, op)
    if isinstance(net, ExternalNetwork):
        inp = net.model_input(y, op)
        report.input_shape = tuple(inp.shape)
        problem = net.declared_problem(report.input_shape)
        if problem:
            report.problems.append(problem)
            return False
    else:
        report.input_shape, report.input_kind = tuple(y.shape), "measurements"
    try:
        with torch.no_grad():
            net(y, op)                                       # first call: warms up caches and masks
            start = time.perf_counter()
            net(y, op)
            report.probe_seconds = time.perf_counter() - start
        return True
    except ModelRuntimeError as exc:
        accepted = net.accepted_input(report.input_shape, inp.dtype) if isinstance(net, ExternalNetwork) else None
        report.problems.append(net.explain(report.input_shape, accepted) if accepted is not None
                               else f"at the card's input shape the model raised: {exc}")
    except NetworkOutputError as exc:
        report.problems.append(f"output_convention '{net.card.output_convention}' does not fit the model: {exc}")
    return False


def _output_range(net: ReconstructionNetwork, report: Inspection) -> None:
    from ..data import load_builtin_image  # noqa: PLC0415
    card = net.card
    report.sample = SAMPLE_FOR[card.modality]
    op = net.default_operator()
    x = load_builtin_image(report.sample, card.image_shape)[None]
    low, high = card.value_range
    x = low + (high - low) * x
    y = op.forward(x.to(torch.complex64) if op.complex_images else x)
    try:
        with torch.no_grad():
            out = net(y, op).abs()
    except StabviewError as exc:
        report.problems.append(f"on the built-in image '{report.sample}' the model failed: {exc}")
        return
    report.output_range = (float(out.min()), float(out.max()))
    width = max(high - low, 1e-12)
    if report.output_range[1] > high + RANGE_SLACK * width or report.output_range[0] < low - RANGE_SLACK * width:
        report.problems.append(
            f"on the built-in image '{report.sample}' (scaled to the card's value_range {low:g}…{high:g}) the "
            f"output's magnitude spans {report.output_range[0]:.3g}…{report.output_range[1]:.3g}, far outside "
            f"that range: check value_range and input_normalisation in the card")


def inspect_network(target: str | pathlib.Path, card: ModelCard | str | pathlib.Path | None = None) -> Inspection:
    """The inspection report on a zoo name or model file (with its card beside it or given)."""
    net, kind, operators, n_parameters, problems = _open(str(target), card)
    report = Inspection(source=str(target), format=kind, operators=operators, n_parameters=n_parameters,
                        problems=problems)
    if net is None:
        return report
    report.card = _card_facts(net.card)
    if _probe(net, report):
        _output_range(net, report)
    return report
