"""How each zoo network is trained: architecture, sampling, data, batch, steps and loss.

A recipe is plain data plus a card template; `stabview.training.loop.train` runs it. Iteration
counts are the budget (wall time only caps it): with the same seed and thread count a run gives
bit-identical weights. Counts were chosen so each network trains in ≤ 20 minutes on one thread of
our 2-core CPU.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import UnknownName
from ..networks.card import ModelCard
from ..operators import MaskSpec

@dataclass
class Recipe:
    """Everything `train` needs for one network."""

    name: str
    architecture: str
    config: dict
    modality: str
    image_shape: tuple[int, int]
    mask: MaskSpec
    data: str                         # 't1', 'ct' (brain slices) or 'ellipses'
    iterations: int
    batch_size: int
    lr: float
    loss: str = "mse"                 # 'mse', 'magnitude', 'dagan', 'automap'
    random_masks: int = 0             # > 0: draw the training mask from this many seeds per batch
    n_coils: int | None = None
    n_full: int | None = None
    input_convention: str = "warm_start_channels"
    output_convention: str = "image"
    accepts_other_rates: bool = True
    attack_preset: dict | None = None
    notes: str = ""
    loss_text: str = "mean squared error against the true image"
    extra: dict = field(default_factory=dict)

    def card_template(self) -> ModelCard:
        """The card before training fills in data, command, metrics and training details."""
        preset = dict(self.attack_preset) if self.attack_preset else None
        return ModelCard(name=self.name, modality=self.modality, image_shape=self.image_shape,
                         mask=self.mask.to_dict(), rate=self._rate(), accepts_other_rates=self.accepts_other_rates,
                         input_convention=self.input_convention, output_convention=self.output_convention,
                         architecture=self.architecture, config=dict(self.config), n_coils=self.n_coils,
                         n_full=self.n_full, attack_preset=preset, notes=self.notes)

    def _rate(self) -> float:
        shape = (self.n_full,) if self.modality == "radon" else self.image_shape
        return float(self.mask.build(shape).float().mean())


def _preset(name: str, source: str) -> dict:
    """The paper's Table 1 values (via `stability.params`), the starting point for tuning."""
    from ..stability.params import paper_preset  # noqa: PLC0415
    values = paper_preset(source).to_dict()
    keep = {k: values[k] for k in ("lam", "momentum", "lr", "init_scale", "target")}
    return {**keep, "source": f"paper Table 1 ({source}); not yet tuned for this network"}


RECIPES: dict[str, Recipe] = {
    "deepmri": Recipe(
        name="deepmri", architecture="cascade", config={"n_blocks": 5, "n_convs": 5, "features": 32},
        modality="fourier", image_shape=(128, 128), mask=MaskSpec("cartesian", 0.33, 0),
        data="t1", iterations=1800, batch_size=4, lr=1e-3, random_masks=64,
        input_convention="operator", attack_preset=_preset("deepmri", "deepmri"),
        notes="5 blocks × 5 convs with 32 filters (the paper's 64 halved); data consistency λ = ∞; "
              "trained on a new random 33% Cartesian mask per batch (64 seeds), evaluated on seed 0."),
    "ell50": Recipe(
        name="ell50", architecture="fbpconvnet", config={"base": 16, "depth": 4},
        modality="radon", image_shape=(128, 128), mask=MaskSpec("uniform-angles", 0.05, 0), n_full=1000,
        data="ellipses", iterations=1600, batch_size=4, lr=1e-3, attack_preset=_preset("ell50", "med50"),
        notes="FBPConvNet U-Net (base 16 channels, the paper's 64 quartered, 4 poolings) on the FBP "
              "of 50 of 1000 views, global residual. Target: the phantom itself (the paper used the "
              "1000-view FBP)."),
    "med50": Recipe(
        name="med50", architecture="fbpconvnet", config={"base": 16, "depth": 4},
        modality="radon", image_shape=(128, 128), mask=MaskSpec("uniform-angles", 0.05, 0), n_full=1000,
        data="ct", iterations=3200, batch_size=4, lr=1e-3, attack_preset=_preset("med50", "med50"),
        notes="Same architecture as ell50, trained on MNI-derived pseudo-CT slices (GM/WM maps with "
              "a synthetic skull and scalp, linear attenuation over -1000..1000 HU), not on real CT "
              "(the paper's Med 50 used Mayo Clinic CT)."),
    "dagan": Recipe(
        name="dagan", architecture="dagan", config={"base": 16, "depth": 7},
        modality="fourier", image_shape=(128, 128), mask=MaskSpec("gaussian-lines", 0.2, 0),
        data="t1", iterations=5000, batch_size=8, lr=5e-4, loss="dagan",
        attack_preset=_preset("dagan", "deepmri"),
        loss_text="15·image MSE + 0.1·k-space MSE on the sampled lines + 0.002·adversarial "
                  "(a 5-layer conv discriminator); no VGG perceptual term (no downloadable weights)",
        notes="DAGAN generator: 7 strided 4×4 convs down and 7 transposed convs up (base 16 "
              "channels), concatenated skips, tanh residual on the zero-filled magnitude; output "
              "is a magnitude image with zero phase. Trained on a fixed 20% Gaussian-lines mask."),
    "mrivn": Recipe(
        name="mrivn", architecture="variational",
        config={"n_stages": 10, "n_filters": 24, "kernel_size": 11, "n_nodes": 31, "i_max": 2.0},
        modality="multicoil", image_shape=(128, 128), n_coils=15,
        mask=MaskSpec("equispaced", 0.156, 0, {"centre_lines": 10}),
        data="t1", iterations=1200, batch_size=2, lr=2e-3, loss="magnitude",
        input_convention="operator", attack_preset=_preset("mrivn", "mrivn"),
        loss_text="mean squared error of smoothed magnitudes |x|_ε (ε = 1e-12), as in the paper",
        notes="10 stages × 24 filters 11×11 on real/imag, Gaussian-RBF activations (31 nodes on "
              "[-2, 2] after scaling by the RMS of H y, evaluated by interpolation on a fixed grid), "
              "learnable data-term weight per stage. 15 simulated birdcage coil maps (no raw "
              "multi-coil data ships). 128 phase encodes cannot hold 28 centre lines at 15%: the "
              "centre block is scaled to 10 lines + 10 equispaced lines (20 of 128, 15.6%)."),
    "automap": Recipe(
        name="automap", architecture="automap", config={"hidden": 2048, "features": 32},
        modality="fourier", image_shape=(64, 64), mask=MaskSpec("poisson-disc", 0.6, 0),
        data="t1", iterations=2500, batch_size=32, lr=1e-3, loss="automap",
        input_convention="samples_vector", accepts_other_rates=False, extra={"init": "fourier"},
        attack_preset=_preset("automap", "automap"),
        loss_text="squared error of magnitudes + 1e-4 · ℓ1 of the second conv layer's activations",
        notes="AUTOMAP at 64² with hidden width 2048 (the paper's 25000 at 128² does not fit the "
              "zoo): dense 2m→2048 (tanh) → 4096, mean subtraction, conv 5×5 (tanh), conv 5×5 "
              "(ReLU), transposed conv 7×7, with 32 conv features (the paper: 64). Poisson-disc 60% "
              "mask with an 8×8 calibration block; it takes the samples on this one mask only (no "
              "other rates). Initialisation: the dense layers start at a low-rank zero-filled "
              "inverse FFT (the 1024 sampled frequencies nearest the centre) and learn at 1/10 of "
              "the conv layers' rate; from a random start AUTOMAP stayed well below the "
              "zero-filled image within our CPU budget."),
}


def recipe(name: str) -> Recipe:
    if name not in RECIPES:
        raise UnknownName(f"no training recipe for '{name}'; choose from {', '.join(RECIPES)}")
    return RECIPES[name]
