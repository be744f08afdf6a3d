"""What the three tests found, as typed data with a plain-dict form for JSON and studies."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class AttackResult:
    """Test 1's headline numbers (the rest of result.json's keys stay in `numbers`)."""

    perturbation_rel: float
    network_change_rel: float
    network_change_rel_random: float
    achieved_gain: float
    stopped_by: str
    baseline_change_rel: float | None = None
    change_ratio: float | None = None
    linear_gain: float | None = None
    adequacy: float | None = None
    budget: float | None = None
    curve: tuple[dict, ...] = ()
    numbers: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_numbers(cls, numbers: dict, curve=()) -> "AttackResult":
        """From `AttackOutcome.numbers` (and its budget curve)."""
        return cls(numbers["perturbation_rel"], numbers["network_change_rel"],
                   numbers["network_change_rel_random"], numbers["achieved_gain"], numbers["stopped_by"],
                   numbers.get("baseline_change_rel"), numbers.get("change_ratio"), numbers.get("linear_gain"),
                   numbers.get("adequacy"), numbers.get("budget"), tuple(dict(p) for p in curve), dict(numbers))

    def to_dict(self) -> dict:
        return {**self.numbers, "curve": [dict(p) for p in self.curve]}

    @classmethod
    def from_dict(cls, data: dict) -> "AttackResult":
        numbers = {k: v for k, v in data.items() if k != "curve"}
        return cls.from_numbers(numbers, data.get("curve", ()))


@dataclass(frozen=True)
class DetailsResult:
    """Test 2: per reconstructor, the detail's correlation, contrast and verdict."""

    measures: dict

    def verdict(self, reconstructor: str) -> str:
        return self.measures[reconstructor]["verdict"]

    def to_dict(self) -> dict:
        return {"measures": {k: dict(v) for k, v in self.measures.items()}}

    @classmethod
    def from_dict(cls, data: dict) -> "DetailsResult":
        return cls({k: dict(v) for k, v in data.get("measures", data).items()})


@dataclass(frozen=True)
class MoreSamplesResult:
    """Test 3: PSNR/SSIM per reconstructor against the rate (`SweepResult.summary()`)."""

    summary: dict

    @property
    def rates(self) -> list[float]:
        return list(self.summary["rates"])

    def psnr(self, reconstructor: str) -> list[float]:
        return list(self.summary[reconstructor]["psnr_mean"])

    def to_dict(self) -> dict:
        return dict(self.summary)

    @classmethod
    def from_dict(cls, data: dict) -> "MoreSamplesResult":
        return cls(dict(data))
