"""The accuracy–stability trade-off: held-out PSNR/SSIM against the linearised gain, per checkpoint.

Longer training made our networks more accurate and less stable together (DESIGN.md §11); this
module measures one point of that curve — mean held-out PSNR/SSIM of the network at its trained
sampling, and the linearised gain (the ceiling of any attack, `stability.sensitivity.linear_gain`)
on a few held-out images — and writes the curve: `tradeoff.json` (every number) and
`tradeoff.png` (PSNR against gain, one point per checkpoint, labelled by iteration). Training
calls it every `--track-gain` steps; `stabview tradeoff` calls it on a user's checkpoints.
"""

from __future__ import annotations

import json
import math
import pathlib
import time
from typing import Callable

import torch
from PIL import Image, ImageDraw, ImageFont

from ..data.resources import resource_path
from ..errors import StabviewError
from ..networks.base import ReconstructionNetwork
from ..operators import LinearOperator
from ..stability.sensitivity import linear_gain
from .evaluate import evaluate

#: power iterations for the gain at each point (the attack command's default)
GAIN_ITERATIONS = 30


def gain_subset(images: torch.Tensor, count: int) -> torch.Tensor:
    """`count` held-out images spread evenly over the set (first, last and between)."""
    count = max(1, min(count, len(images)))
    index = torch.linspace(0, len(images) - 1, count).round().long()
    return images[index]


def measure(net: ReconstructionNetwork, op: LinearOperator, images: torch.Tensor, *, iteration: int | None,
            gain_images: int = 2, gain_iterations: int = GAIN_ITERATIONS, label: str | None = None,
            should_stop: Callable[[], bool] | None = None) -> dict:
    """One point: held-out accuracy on `images` and the linearised gain on `gain_images` of them.

    The network is measured in eval mode and left in the mode it was in; nothing here draws from
    the global random state, so tracking does not change the bits of the training it watches.
    """
    t0 = time.monotonic()
    accuracy = evaluate(net, op, images)
    was_training = net.training
    net.eval()
    subset = gain_subset(images, gain_images).to(op.device)
    x = subset.to(torch.complex64) if op.complex_images else subset
    gain = linear_gain(net, op, x, iterations=gain_iterations, should_stop=should_stop)
    net.train(was_training)
    point = {"iteration": iteration, "label": label if label is not None else f"{iteration}",
             "psnr": round(accuracy["psnr_network"], 4), "ssim": round(accuracy["ssim_network"], 4),
             "psnr_input": round(accuracy["psnr_input"], 4), "ssim_input": round(accuracy["ssim_input"], 4),
             "images": accuracy["images"], "gain": round(sum(gain.gain) / len(gain.gain), 4),
             "gains": [round(g, 4) for g in gain.gain], "gain_images": len(subset),
             "gain_iterations": gain.iterations, "gain_converged": gain.converged,
             "measure_seconds": round(time.monotonic() - t0, 2)}
    return point


def write_curve(directory: pathlib.Path, points: list[dict], *, title: str, about: dict | None = None) -> pathlib.Path:
    """`tradeoff.json` + `tradeoff.png` in `directory`; returns the JSON path."""
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "tradeoff.json"
    document = {"title": title, **(about or {}),
                "metrics": "held-out PSNR/SSIM at the card's sampling (stabview.training.evaluate); gain = "
                           "linearised gain σ‖x‖/‖f(Ax)‖ (stabview.stability.sensitivity.linear_gain), "
                           "mean over gain_images held-out images",
                "points": points}
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    figure(points, title=title).save(directory / "tradeoff.png")
    return path


def read_curve(path: pathlib.Path) -> list[dict]:
    """The points of a `tradeoff.json`."""
    try:
        return list(json.loads(pathlib.Path(path).read_text(encoding="utf-8"))["points"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StabviewError(f"{path} is not a readable tradeoff.json: {exc}") from None


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(resource_path("fonts", "DejaVuSans-Bold.ttf")), size)


def _ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    step = 10 ** math.floor(math.log10((hi - lo) / count))
    step *= next(m for m in (1, 2, 5, 10) if (hi - lo) / (step * m) <= count)
    first = math.ceil(lo / step) * step
    return [first + k * step for k in range(int((hi - first) / step + 1e-9) + 1)]


def figure(points: list[dict], *, title: str, size: tuple[int, int] = (640, 440)) -> Image.Image:
    """PSNR (y) against linearised gain (x), points joined in checkpoint order, labelled by iteration."""
    width, height = size
    left, right, top, bottom = 64, 24, 40, 52
    canvas = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    ink, colour, font, small = (20, 20, 20), (31, 119, 180), _font(13), _font(11)
    draw.text((left, 10), title, font=font, fill=ink)
    shown = [p for p in points if math.isfinite(p["gain"]) and math.isfinite(p["psnr"])]
    if not shown:
        draw.text((left, height // 2), "no points yet", font=font, fill=ink)
        return canvas
    gains, psnrs = [p["gain"] for p in shown], [p["psnr"] for p in shown]
    x_lo, x_hi = min(gains), max(gains)
    y_lo, y_hi = min(psnrs), max(psnrs)
    x_pad, y_pad = 0.08 * (x_hi - x_lo or 1.0), 0.08 * (y_hi - y_lo or 1.0)
    x_lo, x_hi, y_lo, y_hi = x_lo - x_pad, x_hi + x_pad, y_lo - y_pad, y_hi + y_pad

    def px(gx: float, gy: float) -> tuple[float, float]:
        return (left + (gx - x_lo) / (x_hi - x_lo) * (width - left - right),
                height - bottom - (gy - y_lo) / (y_hi - y_lo) * (height - top - bottom))

    draw.rectangle([left, top, width - right, height - bottom], outline=ink)
    for t in _ticks(y_lo, y_hi):
        _, yy = px(x_lo, t)
        draw.line([left - 4, yy, left, yy], fill=ink)
        draw.text((6, yy - 7), f"{t:g}", font=small, fill=ink)
    for t in _ticks(x_lo, x_hi):
        xx, _ = px(t, y_lo)
        draw.line([xx, height - bottom, xx, height - bottom + 4], fill=ink)
        draw.text((xx - 12, height - bottom + 6), f"{t:g}", font=small, fill=ink)
    draw.text((left + 4, height - 20), "linearised gain at held-out images (ceiling of any attack)",
              font=font, fill=ink)
    draw.text((6, top - 16), "held-out PSNR (dB)", font=small, fill=ink)
    xy = [px(g, p) for g, p in zip(gains, psnrs)]
    if len(xy) > 1:
        draw.line(xy, fill=(160, 190, 220), width=2)
    for (xx, yy), p in zip(xy, shown):
        draw.ellipse([xx - 4, yy - 4, xx + 4, yy + 4], fill=colour)
        draw.text((xx + 6, yy - 14), str(p["label"]), font=small, fill=ink)
    return canvas


def _card(card, settings: dict | None):
    """The card given (a ModelCard, a zoo name or a card.json path), or the recipe's with a checkpoint's levers."""
    from ..networks import zoo  # noqa: PLC0415
    from ..networks.card import ModelCard  # noqa: PLC0415
    if isinstance(card, ModelCard):
        return card
    if card is not None:
        return zoo.card_of(str(card)) if str(card) in zoo.names() else ModelCard.load(card)
    if settings is None:
        raise StabviewError("a model file that is not a training checkpoint needs --card")
    from .loop import apply_levers  # noqa: PLC0415
    from .recipes import recipe  # noqa: PLC0415
    return apply_levers(recipe(settings["name"]), settings).card_template()


def load_checkpoint_network(path: pathlib.Path, card=None, device="cpu"):
    """(network in eval mode, its card, iteration label) for a training checkpoint or any model file."""
    from ..networks.architectures import build_network  # noqa: PLC0415
    from ..networks.model_files import sniff  # noqa: PLC0415
    from . import checkpoint  # noqa: PLC0415
    path = pathlib.Path(path)
    if not path.is_file():
        raise StabviewError(f"no checkpoint file at {path}")
    if sniff(path) == "torch-zip":
        state = checkpoint.load(path)
        card = _card(card, state["settings"])
        net = build_network(card)
        net.load_state_dict(state["model"])
        return net.eval().to(device), card, int(state["iteration"])
    from ..networks import zoo  # noqa: PLC0415
    card = _card(card, None)
    net = zoo.load(path, card, device=device)
    label = path.stem
    if sniff(path) == "safetensors":
        from safetensors import safe_open  # noqa: PLC0415
        with safe_open(str(path), "pt") as f:
            label = (f.metadata() or {}).get("iterations", label)
    return net, card, int(label) if str(label).isdigit() else label


def held_out_images(card, images: list[str] | None = None) -> torch.Tensor:
    """The recipe's held-out images for a zoo network's card, or the images given (built-in image names or files)."""
    if images:
        from ..data.builtin_images import load_image_or_builtin  # noqa: PLC0415
        return torch.stack([load_image_or_builtin(spec, tuple(card.image_shape)).real.float() for spec in images])
    from .recipes import RECIPES  # noqa: PLC0415
    if card.name not in RECIPES:
        raise StabviewError(f"'{card.name}' has no training recipe, so no held-out set: give --images")
    from .loop import make_data  # noqa: PLC0415
    return make_data(RECIPES[card.name]).evaluation_images()


def curve_of_checkpoints(paths: list[pathlib.Path], card=None, *, images: list[str] | None = None,
                         gain_images: int = 2, gain_iterations: int = GAIN_ITERATIONS, device="cpu",
                         progress: Callable[[int, int, dict], None] | None = None,
                         should_stop: Callable[[], bool] | None = None) -> list[dict]:
    """One trade-off point per checkpoint or model file, in the order given (stops early on `should_stop`)."""
    from ..networks.base import operator_for_card  # noqa: PLC0415
    points, held_out = [], None
    for k, path in enumerate(paths):
        if should_stop is not None and should_stop():
            break
        net, used, label = load_checkpoint_network(path, card, device)
        if held_out is None:
            held_out = held_out_images(used, images)
        point = measure(net, operator_for_card(used, device), held_out,
                        iteration=label if isinstance(label, int) else None, label=str(label),
                        gain_images=gain_images, gain_iterations=gain_iterations, should_stop=should_stop)
        point["file"] = str(path)
        points.append(point)
        if progress is not None:
            progress(k + 1, len(paths), point)
    return points
