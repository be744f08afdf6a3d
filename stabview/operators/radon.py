"""CT: A = P_Ω R, the parallel-beam Radon transform R restricted to the views Ω of a full set.

The full set is `n_full` views on [0, π) (θ_j = j·π/n_full; the paper samples every k-th of
1000). Images are real `(B, H, W)`; measurements are sinograms `(B, n_views, n_detectors)`
holding only the views in Ω. The geometry is that of `skimage.transform.radon(circle=False)`:
n_detectors = ceil(√2·max(H, W)), rotation axis through the centre of pixel (H//2, W//2),
detector coordinate s = u·cos θ − v·sin θ for a pixel at column offset u and row offset v
(rows point down, so with x = u, y = −v this is s = x·cos θ + y·sin θ: θ turns counter-clockwise
as the image is displayed), bin d centred at s = d − n_detectors//2. See `radon_geometry`
and `radon_matrix` for how it is computed.

Values (Shepp-Logan, 128² and 256², 50 or 1000 views): A agrees with skimage's `radon` to
0.3–0.7% relative ℓ2 (skimage sums a bilinearly rotated image; we split each pixel between
two bins, a footprint of nearly the same width). Aᵀ is the linear-interpolation back-projection
of skimage's (and MATLAB's) `iradon`, so the warm start H = π/(2·n_views)·Aᵀ·(ramp filter)
is `iradon(…, circle=False)`: to rounding, except ~1e-4 from corner pixels that project past
the centre of the last detector bin (we interpolate there against a zero bin, skimage drops it).
"""

from __future__ import annotations

import torch

from ..errors import DtypeMismatch, MaskError, ShapeMismatch, StabviewError
from .base import LinearOperator, as_bool_mask
from .fbp import check_filter, filter_sinogram
from .masks import MaskSpec
from .radon_geometry import RadonGeometry
from .radon_matrix import BackProject, Project, RadonMatrices, radon_matrices


def check_angle_mask(mask, n_full: int) -> torch.Tensor:
    """A view mask is a bool (or 0/1) vector over the full set of `n_full` views, keeping one or more."""
    mask = torch.as_tensor(mask)
    if mask.dim() != 1 or mask.shape[0] != n_full:
        raise ShapeMismatch(f"a Radon mask is a bool vector over the {n_full} views of the full "
                            f"set, got shape {tuple(mask.shape)}")
    return as_bool_mask(mask, "Radon view")


class RadonOperator(LinearOperator):
    """A = P_Ω R on real `(B, H, W)` images; H (`warm_start`) is the filtered back-projection.

    `RadonOperator((256, 256))` uses all 1000 views; `RadonOperator.from_spec((256, 256),
    MaskSpec('uniform-angles', 0.05))` the paper's 50. The sparse matrices are built on the first
    `forward`/`adjoint` and shared through a cache, so constructing, `with_rate` and `to` are cheap.
    """

    modality = "radon"
    complex_images = False

    def __init__(self, image_shape: tuple[int, int], mask=None, *, n_full: int = 1000,
                 spec: MaskSpec | None = None, filter: str = "ram-lak"):
        super().__init__(image_shape, spec)
        if spec is not None and spec.family != "radon":
            raise MaskError(f"mask kind '{spec.kind}' samples k-space, not views; use "
                            "'uniform-angles' or 'golden-angles'")
        if int(n_full) < 1:
            raise MaskError(f"the full set needs at least one view, got n_full={n_full}")
        self.n_full = int(n_full)
        if mask is None:
            full = torch.ones(self.n_full, dtype=torch.bool)
            mask = spec.build((self.n_full,)) if spec is not None else full
        self._mask = check_angle_mask(mask, self.n_full)
        self.filter = check_filter(filter)
        self.geometry = RadonGeometry(self.image_shape, self.n_full)
        views = torch.nonzero(self._mask.cpu()).flatten().tolist()
        self._folding = self.geometry.fold(views)
        self._matrices: dict[torch.dtype, RadonMatrices] = {}

    @classmethod
    def from_spec(cls, image_shape: tuple[int, int], spec: MaskSpec, *, n_full: int = 1000,
                  filter: str = "ram-lak") -> "RadonOperator":
        """Views drawn from `spec` (kinds 'uniform-angles', 'golden-angles') out of `n_full`."""
        return cls(image_shape, None, n_full=n_full, spec=spec, filter=filter)

    # --- the operator --------------------------------------------------------------------
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.check_image(x)
        return Project.apply(x, self._matrices_for(x), self.image_shape)

    def adjoint(self, y: torch.Tensor) -> torch.Tensor:
        y = self._check_sinogram(y)
        return BackProject.apply(y, self._matrices_for(y), self.image_shape)

    def warm_start(self, y: torch.Tensor, filter: str | None = None) -> torch.Tensor:
        """Filtered back-projection, scaled so that warm_start(forward(x)) ≈ x with many views.

        `filter` overrides the operator's ('ram-lak', 'hann' or 'none'). Every view gets the
        weight π/n_views, exact for evenly spaced views and an approximation for golden angles.
        """
        y = self._check_sinogram(y)
        name = self.filter if filter is None else check_filter(filter)
        scale = torch.pi / (2 * self.n_views)
        return self.adjoint(filter_sinogram(y, name)) * scale

    def _check_sinogram(self, y: torch.Tensor) -> torch.Tensor:
        y = self.check_measurement(y)
        if y.is_complex():
            raise DtypeMismatch(f"sinograms are real, got {y.dtype}")
        if not y.is_floating_point():
            y = y.float()
        return y if y.dtype == torch.float64 else y.to(torch.float32)

    def _matrices_for(self, t: torch.Tensor) -> RadonMatrices:
        if t.device != self.device:
            raise StabviewError(f"the data is on {t.device} but this Radon operator is on "
                                f"{self.device}: move one of them (op.to(device))")
        if t.dtype not in self._matrices:
            self._matrices[t.dtype] = radon_matrices(self.geometry, self._folding, t.dtype, self.device)
        return self._matrices[t.dtype]

    def prepare(self, dtype: torch.dtype = torch.float32) -> "RadonOperator":
        """Build (or fetch from the cache) the matrices now rather than on first use, e.g. in a
        worker thread before an attack starts. Seconds at 256² with 1000 views."""
        self._matrices_for(torch.empty(0, dtype=dtype, device=self.device))
        return self

    @property
    def matrix_bytes(self) -> int:
        """Memory held by this operator's sparse matrices (0 until built)."""
        return sum(m.nbytes for m in self._matrices.values())

    # --- description ---------------------------------------------------------------------
    @property
    def n_views(self) -> int:
        return len(self._folding.view_base)

    @property
    def n_detectors(self) -> int:
        return self.geometry.n_detectors

    @property
    def angles(self) -> torch.Tensor:
        """θ (radians, float64) of the views used, in the order of the sinogram's rows."""
        return self.geometry.angles(torch.nonzero(self._mask.cpu()).flatten())

    @property
    def measurement_shape(self) -> tuple[int, ...]:
        return (self.n_views, self.n_detectors)

    def to(self, device) -> "RadonOperator":
        return RadonOperator(self.image_shape, self._mask.to(device), n_full=self.n_full,
                             spec=self.spec, filter=self.filter)

    def with_mask(self, mask: torch.Tensor) -> "RadonOperator":
        mask = check_angle_mask(mask, self.n_full).to(self.device)
        return RadonOperator(self.image_shape, mask, n_full=self.n_full, filter=self.filter)

    def describe(self) -> dict:
        out = super().describe()
        out.update(n_full=self.n_full, n_views=self.n_views, n_detectors=self.n_detectors,
                   filter=self.filter)
        return out
