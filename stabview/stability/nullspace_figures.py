"""Paper-style figures for the null-space maps and the targeted attacks (Pillow, like figures.py).

`nullspace_figure`: one row per reconstructor and case — x̂, |P_R(x̂ − x)|, |P_N(x̂ − x)| — the two
error maps on one shared, stated magnification so they compare. `overlay`: the null-space error
in red over the reconstruction (one scale for all panels), the picture of what a reconstruction
put where no measurement looks.
`target_figure`: input, r, the outputs with and without r and the detail each one shows.
"""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image, ImageDraw

from .figures import INK, BACKGROUND, _font, image_grid


def _magnitude(image) -> np.ndarray:
    return torch.as_tensor(image).detach().abs().double().cpu().numpy()


def _gain(reference, *maps) -> float:
    """Factor that brings the largest map up to the reference's peak (1 if all maps are zero)."""
    top = max(float(_magnitude(m).max()) for m in maps)
    peak = float(_magnitude(reference).max())
    return peak / top if top > 0 and peak > 0 else 1.0


def nullspace_figure(outcome, title: str) -> Image.Image:
    """Rows: the truth's split, then each reconstructor's error split, clean then perturbed."""
    x = outcome.x
    truth_gain = _gain(x, outcome.truth_null)
    size = float(x.norm()) or 1.0
    rows = [("truth", [("x", x), ("P_R x (what A measures)", x - outcome.truth_null),
                       (f"|P_N x| ×{truth_gain:.0f}  ({float(outcome.truth_null.norm()) / size:.1%})",
                        outcome.truth_null.abs() * truth_gain)])]
    for case, by_name in outcome.splits.items():
        for name, split in by_name.items():
            rec = outcome.reconstructions[case][name]
            k = _gain(rec, split.measured, split.null)
            rows.append((f"{name}, {case}", [
                (f"{name}(y)  error {split.error_rel:.1%}", rec),
                (f"|P_R(x̂ − x)| ×{k:.0f}  {split.range_error_rel:.1%}", split.measured.abs() * k),
                (f"|P_N(x̂ − x)| ×{k:.0f}  {split.null_space_error_rel:.1%}", split.null.abs() * k)]))
    return image_grid(rows, title=title)


def overlay(image, null_error, scale: float) -> Image.Image:
    """|image| in grey, blended towards red by |null_error| / scale (full red at `scale`)."""
    grey = _magnitude(image)
    grey = grey / grey.max() if grey.max() > 0 else grey
    alpha = np.clip(_magnitude(null_error) / scale, 0, 1) if scale > 0 else np.zeros_like(grey)
    rgb = np.stack([grey * (1 - alpha) + alpha, grey * (1 - alpha), grey * (1 - alpha)], -1)
    return Image.fromarray((rgb * 255 + 0.5).astype(np.uint8), mode="RGB")


def overlay_strip(panels: list[tuple[str, Image.Image]], *, cell: int = 192,
                  title: str | None = None) -> Image.Image:
    """Captioned RGB panels side by side."""
    pad, caption_h, title_h = 6, 22, 30 if title else 0
    size = (pad + len(panels) * (cell + pad), title_h + cell + caption_h + 2 * pad)
    canvas = Image.new("RGB", size, BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    if title:
        draw.text((pad, 6), title, font=_font(16), fill=INK)
    for j, (caption, panel) in enumerate(panels):
        left = pad + j * (cell + pad)
        canvas.paste(panel.resize((cell, cell), Image.Resampling.NEAREST), (left, title_h + pad))
        draw.text((left, title_h + pad + cell + 3), caption, font=_font(12), fill=INK)
    return canvas


def nullspace_overlays(outcome, title: str) -> Image.Image:
    """Every reconstruction with its null-space error in red, all on one scale (the largest error)."""
    splits = [(case, name, split) for case, by_name in outcome.splits.items()
              for name, split in by_name.items()]
    scale = max(float(_magnitude(split.null).max()) for _, _, split in splits)
    peak = float(_magnitude(outcome.x).max()) or 1.0
    panels = [(f"{name}, {case}: {split.null_space_error_rel:.1%}",
               overlay(outcome.reconstructions[case][name], split.null, scale)) for case, name, split in splits]
    return overlay_strip(panels, title=f"{title} (full red: |P_N(x̂ − x)| = {scale / peak:.1%} of max |x|)")


def target_figure(outcome, title: str) -> Image.Image:
    """Rows: the input and r; then per reconstructor its clean output, its output on the attacked
    input, and the detail it shows there (|rec(attacked)| − |rec(Ax)|, clipped at 0)."""
    images, numbers = outcome.images, outcome.numbers
    remove = numbers["mode"] == "remove"
    input_caption = "x + d + r (truth x + d)" if remove else "x + r (truth x)"
    rows = [("input", [("x", images["x"]), ("d", images["detail"]), (input_caption, images["input"])]),
            ("|r| (rescaled)", [(f"‖r‖/‖x‖ {numbers['perturbation_rel']:.2%}  ‖r‖/‖d‖ "
                                 f"{numbers['r_over_d']:.2f}  corr(r, d) {numbers['r_d_correlation']:.2f}",
                                 images["r"].abs())], "each")]
    for name in ("network", "baseline"):
        if f"{name}_attacked" not in images:
            continue
        clean, attacked = images[f"{name}_clean"], images[f"{name}_attacked"]
        shown = (attacked.abs() - clean.abs()).clamp_min(0)
        cells = [(f"{name}(Ax)", clean)]
        if remove:
            with_d = images[f"{name}_detail"]
            before = numbers["measures_without_r"][name]["verdict"]
            cells.append((f"with d: d {before}", with_d))
        verdict = numbers["measures"][name]["verdict"]
        k = _gain(clean, images["detail"])
        cells += [(f"attacked: d {verdict}", attacked), (f"detail shown ×{k:.1f}", shown * k)]
        rows.append((name, cells))
    return image_grid(rows, title=title)
