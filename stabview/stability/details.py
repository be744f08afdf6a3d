"""Test 2: add a small structural detail d to x and check whether a reconstruction keeps it.

Details are card symbols (♠ ♥ ♦ ♣), text (default "CAN U SEE IT") rendered with the DejaVu Sans
Bold font shipped in resources/fonts, or any user mask. Whether a reconstruction `rec` recovers
d is measured on the recovered detail  e = |rec(x + d)| − |rec(x)|  (magnitudes, as displayed):

- correlation: Pearson correlation of e and d over the detail's support grown by a margin of
  `margin` pixels (the margin gives the pattern contrast against its surroundings);
- contrast: mean of e inside the support divided by the mean of d there (1 = full intensity).

Verdict (thresholds documented here and in the README):
    recovered  correlation ≥ 0.7 and contrast ≥ 0.5
    blurred    correlation ≥ 0.3 and contrast ≥ 0.2   (seen, but smeared or faint)
    lost       otherwise
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage

from ..errors import StabviewError

SYMBOLS = {"spade": "♠", "heart": "♥", "diamond": "♦", "club": "♣"}
DEFAULT_TEXT = "CAN U SEE IT"
RECOVERED = (0.7, 0.5)
BLURRED = (0.3, 0.2)


@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont:
    from ..data.resources import resource_path
    return ImageFont.truetype(str(resource_path("fonts", "DejaVuSans-Bold.ttf")), size)


def render_glyphs(text: str, shape: tuple[int, int], centre: tuple[float, float], size: int) -> torch.Tensor:
    """Antialiased glyphs (a symbol or text) of height ≈ `size` pixels centred at (row, col); [0,1]."""
    if size < 3:
        raise StabviewError(f"detail size must be at least 3 pixels, got {size}")
    if not text:
        raise StabviewError("detail text is empty")
    h, w = shape
    if size > max(h, w):
        raise StabviewError(f"detail size {size} pixels is larger than the {h}×{w} image")
    scale = 4   # render large and downsample: smooth edges at small sizes
    font = _font(int(size * scale))
    canvas = Image.new("L", (w * scale, h * scale), 0)
    draw = ImageDraw.Draw(canvas)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    cy, cx = centre
    draw.text((cx * scale - (left + right) / 2, cy * scale - (top + bottom) / 2), text, font=font, fill=255)
    small = canvas.resize((w, h), Image.Resampling.BOX)
    return torch.from_numpy(np.asarray(small, dtype=np.float32) / 255.0)


@dataclass(frozen=True)
class Detail:
    """A stamp: `kind` 'symbol' (content = spade/heart/diamond/club or the glyph) or 'text'."""

    kind: str
    content: str
    centre: tuple[float, float]
    size: int
    intensity: float = 0.5

    def render(self, shape: tuple[int, int]) -> torch.Tensor:
        """d as a real `(H, W)` image: the glyph mask times the intensity."""
        if self.kind == "symbol":
            glyph = SYMBOLS.get(self.content, self.content)
            if glyph not in SYMBOLS.values():
                raise StabviewError(f"unknown symbol '{self.content}'; choose from {', '.join(SYMBOLS)}")
        elif self.kind == "text":
            glyph = self.content or DEFAULT_TEXT
        else:
            raise StabviewError(f"a detail is a 'symbol' or 'text', got '{self.kind}'")
        if not math.isfinite(self.intensity):
            raise StabviewError(f"detail intensity must be a finite number, got {self.intensity}")
        return self.intensity * render_glyphs(glyph, shape, self.centre, self.size)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "content": self.content, "centre": list(self.centre),
                "size": self.size, "intensity": self.intensity}

    @classmethod
    def from_dict(cls, data: dict) -> "Detail":
        return cls(data["kind"], data["content"], tuple(data["centre"]), int(data["size"]),
                   float(data.get("intensity", 0.5)))


@dataclass
class DetailMeasure:
    """How well one reconstruction keeps the detail."""

    correlation: float
    contrast: float
    verdict: str

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def verdict(correlation: float, contrast: float) -> str:
    """'recovered', 'blurred' or 'lost' by the thresholds in the module docstring."""
    if correlation >= RECOVERED[0] and contrast >= RECOVERED[1]:
        return "recovered"
    if correlation >= BLURRED[0] and contrast >= BLURRED[1]:
        return "blurred"
    return "lost"


def measure_detail(rec_with: torch.Tensor, rec_without: torch.Tensor, detail: torch.Tensor,
                   *, margin: int = 3) -> DetailMeasure:
    """Compare the recovered detail |rec(x+d)| − |rec(x)| with d (all `(H, W)`)."""
    d = torch.as_tensor(detail).abs().double().cpu().numpy()
    if d.max() <= 0:
        raise StabviewError("the detail is empty (all zero): stamp or draw something first")
    e = (torch.as_tensor(rec_with).abs() - torch.as_tensor(rec_without).abs()).double().cpu().numpy()
    support = d > 0.25 * d.max()
    region = ndimage.binary_dilation(support, iterations=margin)
    a, b = e[region], d[region]
    a_c, b_c = a - a.mean(), b - b.mean()
    denom = np.sqrt((a_c ** 2).sum() * (b_c ** 2).sum())
    correlation = float((a_c * b_c).sum() / denom) if denom > 0 else 0.0
    contrast = float(e[support].mean() / d[support].mean())
    return DetailMeasure(correlation, contrast, verdict(correlation, contrast))


def apply_detail(x: torch.Tensor, detail: torch.Tensor) -> torch.Tensor:
    """x + d on `(B, H, W)` images (d real; added to the magnitude image's real part)."""
    if tuple(detail.shape[-2:]) != tuple(x.shape[-2:]):
        raise StabviewError(f"detail is {tuple(detail.shape)} but the image is {tuple(x.shape[-2:])}")
    return x + detail.to(device=x.device, dtype=x.real.dtype)


def structural_test(reconstructors: dict, op, x: torch.Tensor, detail: torch.Tensor) -> dict:
    """Run each named reconstructor (callable y, op → image batch) on A x and A(x + d).

    Returns {name: {"with": rec(x+d), "without": rec(x), "measure": DetailMeasure}} for the
    first image of the batch.
    """
    x = op.check_image(x)
    x_d = apply_detail(x, detail)
    out = {}
    with torch.no_grad():
        y, y_d = op.forward(x), op.forward(x_d)
        for name, rec in reconstructors.items():
            without, with_ = rec(y, op), rec(y_d, op)
            out[name] = {"with": with_, "without": without,
                         "measure": measure_detail(with_[0], without[0], detail)}
    return out
