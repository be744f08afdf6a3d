"""Paper-style figures drawn with Pillow (no Qt, no plotting library): image grids and PSNR plots.

A grid has one row per kind of image (perturbed inputs, network outputs, baseline outputs) and
one column per perturbation, each cell captioned, like the paper's Figures 1–4. Plots show PSNR
against the subsampling rate with the trained rate as a red line. Both save as PNG or PDF.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..export import to_display

BACKGROUND = (255, 255, 255)
INK = (20, 20, 20)
SERIES_COLOURS = [(31, 119, 180), (44, 160, 44), (148, 103, 189), (255, 127, 14), (140, 86, 75)]
TRAINED_COLOUR = (214, 39, 40)


def _font(size: int) -> ImageFont.FreeTypeFont:
    from .details import _font as glyph_font   # the shipped DejaVu Sans Bold
    return glyph_font(size)


def display_name(spec) -> str:
    """How a figure names an image or network: a file by its file name, not its whole path.

    A built-in image name ('brain:3') is kept as it is; anything that names a file (it has a folder
    separator or a file ending) is shortened to the file's name.
    """
    text = str(spec)
    if "/" in text or "\\" in text or Path(text).suffix:
        return Path(text.replace("\\", "/")).name or text
    return text


def fit_text(text: str, font, width: float) -> str:
    """`text`, cut with an ellipsis where it would run past `width` pixels."""
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text + "…"


def image_grid(rows: list[tuple], *, cell: int = 192, title: str | None = None,
               window: tuple[float, float] | None = None) -> Image.Image:
    """Rows of captioned images: `[(row_label, [(caption, image), ...]), ...]`.

    `image` is an `(H, W)` tensor/array shown as its magnitude (None leaves the cell blank),
    windowed to `window` (default: 0 to the max of each row's first image, so a row shares one
    grey scale). A row given as `(label, cells, "each")` scales every image to its own maximum
    (for perturbations, which are tiny next to the image).
    """
    n_cols = max(len(row[1]) for row in rows)
    label_w, caption_h, pad = 28, 22, 6
    title_h = 30 if title else 0
    width = label_w + n_cols * (cell + pad) + pad
    height = title_h + len(rows) * (cell + caption_h + pad) + pad
    canvas = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    small, big = _font(12), _font(16)
    if title:
        draw.text((pad, 6), fit_text(title, big, width - 2 * pad), font=big, fill=INK)
    for i, (row_label, cells, *mode) in enumerate(rows):
        top = title_h + pad + i * (cell + caption_h + pad)
        shown = [img for _, img in cells if img is not None]
        if shown:
            vmin, vmax = window if window else (0.0, float(np.abs(np.asarray(shown[0])).max()))
        label = Image.new("RGB", (cell, label_w - 6), BACKGROUND)
        ImageDraw.Draw(label).text((2, 2), row_label, font=small, fill=INK)
        canvas.paste(label.rotate(90, expand=True), (2, top))
        for j, (caption, image) in enumerate(cells):
            left = label_w + pad + j * (cell + pad)
            draw.text((left, top + cell + 3), fit_text(caption, small, cell + pad), font=small, fill=INK)
            if image is None:
                continue
            lo, hi = (None, None) if mode == ["each"] else (vmin, vmax)
            grey = Image.fromarray(to_display(image, vmin=lo, vmax=hi), mode="L")
            canvas.paste(grey.resize((cell, cell), Image.Resampling.NEAREST).convert("RGB"), (left, top))
    return canvas


def _nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    span = hi - lo if hi > lo else 1.0
    step = 10 ** math.floor(math.log10(span / count))
    for mult in (1, 2, 5, 10):
        if span / (step * mult) <= count:
            step *= mult
            break
    start = math.ceil(lo / step) * step
    return [start + k * step for k in range(int((hi - start) / step) + 1)]


def line_plot(x: list[float], series: dict[str, tuple[list[float], list[float] | None]], *,
              xlabel: str = "subsampling rate", ylabel: str = "PSNR (dB)",
              vline: float | None = None, vline_label: str = "trained rate",
              title: str | None = None, size: tuple[int, int] = (640, 420)) -> Image.Image:
    """Lines with markers and ±spread bars; `series` maps names to (means, spreads or None)."""
    width, height = size
    left, right, top, bottom = 64, 150, 36 if title else 16, 48
    canvas = Image.new("RGB", size, BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    font, small = _font(13), _font(11)
    values = [v for mean, spread in series.values() for k, v in enumerate(mean)
              for v in ([v] if spread is None else [v - spread[k], v + spread[k]]) if math.isfinite(v)]
    y_lo, y_hi = (min(values), max(values)) if values else (0.0, 1.0)
    y_pad = 0.05 * (y_hi - y_lo or 1.0)
    y_lo, y_hi = y_lo - y_pad, y_hi + y_pad
    x_all = list(x) + ([vline] if vline is not None else [])
    x_lo, x_hi = min(x_all), max(x_all)
    x_pad = 0.05 * (x_hi - x_lo or 1.0)
    x_lo, x_hi = x_lo - x_pad, x_hi + x_pad

    def px(xv, yv):
        return (left + (xv - x_lo) / (x_hi - x_lo) * (width - left - right),
                height - bottom - (yv - y_lo) / (y_hi - y_lo) * (height - top - bottom))

    draw.rectangle([left, top, width - right, height - bottom], outline=INK)
    for t in _nice_ticks(y_lo, y_hi):
        _, yy = px(x_lo, t)
        draw.line([left - 4, yy, left, yy], fill=INK)
        draw.text((6, yy - 7), f"{t:g}", font=small, fill=INK)
    for t in _nice_ticks(x_lo, x_hi):
        xx, _ = px(t, y_lo)
        draw.line([xx, height - bottom, xx, height - bottom + 4], fill=INK)
        draw.text((xx - 12, height - bottom + 6), f"{t:g}", font=small, fill=INK)
    draw.text((left + 4, height - 18), xlabel, font=font, fill=INK)
    draw.text((6, top - 16 if top > 16 else 0), ylabel, font=small, fill=INK)
    if title:
        draw.text((left, 8), fit_text(title, font, width - left - 8), font=font, fill=INK)
    if vline is not None:
        xx, _ = px(vline, y_lo)
        draw.line([xx, top, xx, height - bottom], fill=TRAINED_COLOUR, width=2)
    for k, (name, (mean, spread)) in enumerate(series.items()):
        colour = SERIES_COLOURS[k % len(SERIES_COLOURS)]
        points = [px(a, b) for a, b in zip(x, mean) if math.isfinite(b)]
        if len(points) > 1:
            draw.line(points, fill=colour, width=2)
        for i, (a, b) in enumerate(zip(x, mean)):
            if not math.isfinite(b):
                continue
            xx, yy = px(a, b)
            draw.ellipse([xx - 4, yy - 4, xx + 4, yy + 4], fill=colour)
            if spread is not None:
                _, y1 = px(a, b - spread[i])
                _, y2 = px(a, b + spread[i])
                draw.line([xx, y1, xx, y2], fill=colour)
        ly = top + 8 + 20 * k
        draw.line([width - right + 10, ly + 7, width - right + 30, ly + 7], fill=colour, width=3)
        draw.text((width - right + 36, ly), name, font=small, fill=INK)
    if vline is not None:
        ly = top + 8 + 20 * len(series)
        draw.line([width - right + 10, ly + 7, width - right + 30, ly + 7], fill=TRAINED_COLOUR, width=2)
        draw.text((width - right + 36, ly), vline_label, font=small, fill=INK)
    return canvas


def save_figure(image: Image.Image, path: str | Path) -> Path:
    """Save as PNG or PDF by the file's suffix."""
    path = Path(path)
    if path.suffix.lower() == ".pdf":
        image.convert("RGB").save(path, "PDF", resolution=150)
    else:
        image.save(path)
    return path
