"""Generated test images: the Shepp-Logan phantom and seeded random ellipses.

Both are drawn from ellipses given in continuous coordinates on [-1, 1]² (x to the right,
y up), so they can be rendered at any size without resampling. Edges are antialiased by
drawing on a 2× finer grid and averaging each 2×2 block (area coverage), which keeps every
value inside the range of the ellipse values. Everything lies inside the unit disc, so a
parallel-beam CT scan of these images sees the whole object at every angle.
"""

from __future__ import annotations

import numpy as np

#: Shepp-Logan head phantom with the higher-contrast intensities of the "modified" version
#: (Toft, 1996): rows are (value, semi-axis a, semi-axis b, centre x, centre y, angle in degrees).
#: Values add where ellipses overlap; the result lies in [0, 1].
SHEPP_LOGAN = np.array([
    [1.00, 0.6900, 0.9200, 0.00, 0.0000, 0.0],
    [-0.80, 0.6624, 0.8740, 0.00, -0.0184, 0.0],
    [-0.20, 0.1100, 0.3100, 0.22, 0.0000, -18.0],
    [-0.20, 0.1600, 0.4100, -0.22, 0.0000, 18.0],
    [0.10, 0.2100, 0.2500, 0.00, 0.3500, 0.0],
    [0.10, 0.0460, 0.0460, 0.00, 0.1000, 0.0],
    [0.10, 0.0460, 0.0460, 0.00, -0.1000, 0.0],
    [0.10, 0.0460, 0.0230, -0.08, -0.6050, 0.0],
    [0.10, 0.0230, 0.0230, 0.00, -0.6060, 0.0],
    [0.10, 0.0230, 0.0460, 0.06, -0.6050, 0.0],
])

SUPERSAMPLE = 2


def _grid(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates of an n×n grid on [-1, 1]²; row 0 is the top (y = +1)."""
    c = (np.arange(n) + 0.5) * (2.0 / n) - 1.0
    return c[None, :], -c[:, None]


def _inside(x: np.ndarray, y: np.ndarray, a: float, b: float, x0: float, y0: float, deg: float) -> np.ndarray:
    t = np.deg2rad(deg)
    cos, sin = np.cos(t), np.sin(t)
    u = (x - x0) * cos + (y - y0) * sin
    v = -(x - x0) * sin + (y - y0) * cos
    return (u / a) ** 2 + (v / b) ** 2 <= 1.0


def _area_average(fine: np.ndarray, n: int) -> np.ndarray:
    s = fine.shape[0] // n
    return fine.reshape(n, s, n, s).mean(axis=(1, 3))


def draw_ellipses(ellipses: np.ndarray, n: int, *, paint: bool = False) -> np.ndarray:
    """Render rows (value, a, b, x0, y0, angle°) on an n×n grid as float32.

    `paint=False` adds overlapping values (Shepp-Logan); `paint=True` lets each later ellipse
    cover the earlier ones, so every region takes one ellipse's value.
    """
    if n < 1:
        raise ValueError(f"image size must be positive, got {n}")
    fine = n * SUPERSAMPLE
    x, y = _grid(fine)
    img = np.zeros((fine, fine), dtype=np.float64)
    for value, a, b, x0, y0, deg in np.asarray(ellipses, dtype=np.float64):
        inside = _inside(x, y, a, b, x0, y0, deg)
        if paint:
            img[inside] = value
        else:
            img[inside] += value
    return _area_average(img, n).astype(np.float32)


def shepp_logan(n: int = 256) -> np.ndarray:
    """The (modified) Shepp-Logan phantom, n×n, values in [0, 1]."""
    return np.clip(draw_ellipses(SHEPP_LOGAN, n), 0.0, 1.0)


def random_ellipse_parameters(seed: int, *, count: tuple[int, int] = (25, 40)) -> np.ndarray:
    """Parameters of a dense random-ellipse image, reproducible from `seed`.

    Between `count[0]` and `count[1]` ellipses; semi-axes 0.04–0.40, any angle, intensity
    uniform in [0.1, 1], each ellipse entirely inside the disc of radius 0.95. Drawn in order,
    later ones covering earlier ones: dense, piecewise-constant images with foreground in
    [0.1, 1] on a zero background, in the spirit of the paper's Ell 50 training data.
    """
    rng = np.random.default_rng(int(seed))
    k = int(rng.integers(count[0], count[1] + 1))
    rows = []
    for _ in range(k):
        a, b = rng.uniform(0.04, 0.40, size=2)
        reach = 0.95 - max(a, b)  # the centre's distance from 0 keeps the ellipse in the disc
        r = reach * np.sqrt(rng.uniform())
        phi = rng.uniform(0.0, 2 * np.pi)
        rows.append([rng.uniform(0.1, 1.0), a, b, r * np.cos(phi), r * np.sin(phi), rng.uniform(0.0, 180.0)])
    return np.array(rows)


def random_ellipses(n: int = 256, seed: int = 0) -> np.ndarray:
    """A dense random-ellipse image, n×n, foreground in [0.1, 1], background 0; same seed, same image."""
    return draw_ellipses(random_ellipse_parameters(seed), n, paint=True)
