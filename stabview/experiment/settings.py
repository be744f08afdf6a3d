"""How each test runs, as typed, immutable data: the attack (test 1) and more samples (test 3).

Test 2 needs no settings of its own: its detail is the experiment's details layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..errors import StabviewError
from ..stability.params import AttackParams

#: test 3's default rates (Fourier) and numbers of views (Radon: a nested chain of evenly
#: spaced views, every 40th … all of 1000)
DEFAULT_RATES = (0.1, 0.15, 0.2, 0.25, 0.33, 0.4, 0.5, 0.6)
DEFAULT_VIEWS = (25, 50, 100, 200, 500, 1000)


class SettingsError(StabviewError, ValueError):
    """A test setting outside the range where it means anything."""


@dataclass(frozen=True)
class AttackSettings:
    """Test 1: the search's parameters, steps per start, restarts, budget curve and controls."""

    params: AttackParams = field(default_factory=AttackParams)
    iterations: int = 100
    restarts: int = 2
    budgets: tuple[float, ...] = ()
    noise_draws: int = 8
    ceiling_iterations: int = 30
    snapshot_at: tuple[int, ...] = ()

    def __post_init__(self):
        if self.iterations < 1 or self.restarts < 0 or self.noise_draws < 1 or self.ceiling_iterations < 0:
            raise SettingsError("attack settings: iterations and noise_draws must be ≥ 1, "
                                "restarts and ceiling_iterations ≥ 0")
        if any(b <= 0 for b in self.budgets):
            raise SettingsError(f"attack settings: budgets must be > 0, got {list(self.budgets)}")

    def with_(self, **changes) -> "AttackSettings":
        return replace(self, **changes)

    def to_dict(self) -> dict:
        return {"params": self.params.to_dict(), "iterations": self.iterations, "restarts": self.restarts,
                "budgets": list(self.budgets), "noise_draws": self.noise_draws,
                "ceiling_iterations": self.ceiling_iterations, "snapshot_at": list(self.snapshot_at)}

    @classmethod
    def from_dict(cls, data: dict) -> "AttackSettings":
        return cls(AttackParams.from_dict(data.get("params", {})), int(data.get("iterations", 100)),
                   int(data.get("restarts", 2)), tuple(float(b) for b in data.get("budgets", ())),
                   int(data.get("noise_draws", 8)), int(data.get("ceiling_iterations", 30)),
                   tuple(int(i) for i in data.get("snapshot_at", ())))


@dataclass(frozen=True)
class MoreSamplesSettings:
    """Test 3: the rates (Fourier) or numbers of views (Radon) and extra images; empty = defaults."""

    rates: tuple[float, ...] = ()
    views: tuple[int, ...] = ()
    images: tuple[str, ...] = ()

    def rates_for(self, op, trained_rate: float) -> list[float]:
        """The rates to sweep on `op`: the chosen ones, else the defaults (+ the trained rate)."""
        if op.modality == "radon":
            n_full = int(op.mask.numel())
            if any(not 1 <= v <= n_full for v in self.views):
                raise SettingsError(f"numbers of views must be between 1 and {n_full}, got {list(self.views)}")
            views = self.views or [v for v in DEFAULT_VIEWS if v <= n_full]
            return [v / n_full for v in sorted(set(views))]
        if self.rates:
            return list(self.rates)
        if min(abs(r - trained_rate) for r in DEFAULT_RATES) < 0.005:
            return list(DEFAULT_RATES)
        return sorted([*DEFAULT_RATES, round(trained_rate, 4)])

    def to_dict(self) -> dict:
        return {"rates": list(self.rates), "views": list(self.views), "images": list(self.images)}

    @classmethod
    def from_dict(cls, data: dict) -> "MoreSamplesSettings":
        return cls(tuple(float(r) for r in data.get("rates", ())), tuple(int(v) for v in data.get("views", ())),
                   tuple(str(i) for i in data.get("images", ())))
