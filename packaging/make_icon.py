"""Draw the application icon (packaging/stabview.png, 256×256) with Pillow.

A dark rounded square holding a brain-like grey disc split in two: the left half clean, the
right half broken by a thin stripe pattern — an image reconstruction gone unstable.
Run: python packaging/make_icon.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SIZE = 256


def draw_icon(size: int = SIZE) -> Image.Image:
    scale = 4
    big = size * scale
    canvas = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    draw.rounded_rectangle([0, 0, big - 1, big - 1], radius=big // 6, fill=(24, 40, 64, 255))
    yy, xx = np.mgrid[0:big, 0:big] / big - 0.5
    disc = (xx / 0.36) ** 2 + (yy / 0.40) ** 2 <= 1
    shade = np.clip(0.55 + 0.35 * np.cos(9 * np.hypot(xx, yy * 1.1)), 0, 1)
    stripes = 0.5 + 0.5 * np.sign(np.sin(70 * (xx + 0.4 * yy)))
    grey = np.where(xx < 0, shade, 0.35 * shade + 0.65 * stripes)
    rgb = np.stack([grey * 235, grey * 235, grey * 240], -1).astype(np.uint8)
    alpha = (disc * 255).astype(np.uint8)
    brain = Image.fromarray(np.dstack([rgb, alpha]), "RGBA")
    canvas.alpha_composite(brain)
    draw.line([(big // 2, big // 8), (big // 2, 7 * big // 8)], fill=(214, 39, 40, 255), width=big // 40)
    return canvas.resize((size, size), Image.Resampling.LANCZOS).filter(ImageFilter.SMOOTH_MORE)


def main() -> Path:
    out = Path(__file__).resolve().parent / "stabview.png"
    draw_icon().save(out)
    return out


if __name__ == "__main__":
    print(main())
