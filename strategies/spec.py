"""Strategy files: what to hold, how much, when to rebalance, at what cost.

Curated presets live in ``strategies/presets``; users add theirs in NAION_HOME/strategies
(a user file with a preset's name replaces it). A file names its ``type``:

``sleeves``        fixed sleeves with relative member weights (core-satellite, thematic)
``segment-equal``  equal weight per supply-chain segment of a universe, equal inside
``valuation-tilt`` per segment, weight by 1/field (e.g. pe_ttm) as of each rebalance
``screen-driven``  at each rebalance, hold the names a screen passes as of that date

Example (``sleeves``)::

    name: core-satellite
    title: Core-satellite
    type: sleeves
    base_currency: USD
    rebalance: {calendar: Q, band: 0.05}
    sleeves:
      core: {weight: 0.7, members: {TSLA: 1, FSLR: 1, ENPH: 1}}
      satellite: {weight: 0.3, members: {300750.SZ: 2, 688005.SH: 1}}
    benchmark: {SPY: 0.7, 000300.SH: 0.3}
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from naion.errors import ConfigError, InputError

PRESET_DIR = Path(__file__).parent / "presets"
Calendar = Literal["D", "W", "M", "Q", "A", "none"]
CALENDARS = ("D", "W", "M", "Q", "A", "none")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Rebalance(_Strict):
    """When to rebalance: a calendar (first trading day of each period) and/or a band.

    ``band`` > 0: on a calendar day, trade only if some weight is more than ``band``
    (a fraction: 0.05 = 5 percentage points) away from its target. ``dates`` adds explicit
    rebalance dates. ``calendar: D`` with a band checks the band every trading day.
    """

    calendar: Calendar = "Q"
    band: float = Field(0.0, ge=0, lt=1)
    dates: list[dt.date] = Field(default_factory=list)

    @field_validator("calendar", mode="before")
    @classmethod
    def _cal(cls, v: Any) -> Any:
        aliases = {
            "Y": "A",
            "YEARLY": "A",
            "ANNUAL": "A",
            "QUARTERLY": "Q",
            "MONTHLY": "M",
            "WEEKLY": "W",
            "DAILY": "D",
            "NONE": "none",
        }
        if isinstance(v, str):
            return aliases.get(v.upper(), v.upper() if v.upper() in CALENDARS else v)
        return v


class Costs(_Strict):
    """Trading costs by market (A, HK, US). Commission is charged on traded value with a
    per-order minimum in the listing currency; stamp duty follows each market's schedule."""

    commission_bps: dict[str, float] = Field(
        default_factory=lambda: {"A": 2.5, "HK": 3.0, "US": 1.0}
    )
    min_commission: dict[str, float] = Field(
        default_factory=lambda: {"A": 5.0, "HK": 50.0, "US": 1.0}
    )
    stamp_duty: bool = True

    @field_validator("commission_bps", "min_commission")
    @classmethod
    def _markets(cls, v: dict[str, float]) -> dict[str, float]:
        bad = set(v) - {"A", "HK", "US"}
        if bad:
            raise ValueError(f"unknown market {sorted(bad)[0]!r}: use A, HK or US")
        if any(x < 0 for x in v.values()):
            raise ValueError("costs cannot be negative")
        return v


class Sleeve(_Strict):
    weight: float = Field(ge=0, le=1)
    members: dict[str, float] = Field(min_length=1)

    @field_validator("members")
    @classmethod
    def _rel(cls, v: dict[str, float]) -> dict[str, float]:
        if any(w <= 0 for w in v.values()):
            raise ValueError("relative member weights must be positive")
        return v


class ScreenRule(_Strict):
    preset: str | None = None
    where: str | None = None
    weighting: Literal["equal", "score"] = "equal"
    score: str | None = None  # field to weight by (score weighting) or rank by
    top: int | None = Field(default=None, ge=1)
    min_count: int = Field(1, ge=1)
    fallback: Literal["previous", "cash", "universe"] = "previous"

    @model_validator(mode="after")
    def _need(self) -> ScreenRule:
        if not self.preset and not self.where:
            raise ValueError("a screen needs a preset or a where condition")
        if self.weighting == "score" and not self.score:
            raise ValueError("score weighting needs 'score: FIELD'")
        return self


class Tilt(_Strict):
    field: str = "pe_ttm"
    inverse: bool = True
    cap: float = Field(0.25, gt=0, le=1)  # max weight of one name in the whole portfolio


class StrategySpec(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    description: str | None = None
    type: Literal["sleeves", "segment-equal", "valuation-tilt", "screen-driven"]
    base_currency: Literal["CNY", "USD", "HKD"] = "CNY"
    capital: float = Field(1_000_000.0, gt=0)
    rebalance: Rebalance = Field(default_factory=Rebalance)
    costs: Costs = Field(default_factory=Costs)
    lots: bool = True
    benchmark: dict[str, float] = Field(default_factory=lambda: {"000300.SH": 1.0})
    sleeves: dict[str, Sleeve] | None = None
    universe: str | None = None
    segments: list[str] | None = None
    exclude: list[str] = Field(default_factory=list)  # universes whose members are refused
    tilt: Tilt | None = None
    screen: ScreenRule | None = None
    origin: str = "curated"

    @model_validator(mode="after")
    def _check(self) -> StrategySpec:
        if self.type == "sleeves":
            if not self.sleeves:
                raise ValueError("type sleeves needs 'sleeves'")
            total = sum(s.weight for s in self.sleeves.values())
            if total > 1 + 1e-9:
                raise ValueError(f"sleeve weights add up to {total:g}, more than 1")
        elif not self.universe:
            raise ValueError(f"type {self.type} needs 'universe'")
        if self.type == "valuation-tilt" and self.tilt is None:
            self.tilt = Tilt()
        if self.type == "screen-driven" and self.screen is None:
            raise ValueError("type screen-driven needs 'screen'")
        if not self.benchmark or any(w <= 0 for w in self.benchmark.values()):
            raise ValueError("benchmark needs positive weights, e.g. {000300.SH: 1}")
        return self

    def sleeve_weights(self) -> dict[str, float]:
        """code → target weight of a sleeves strategy (sleeve weight x relative weight)."""
        out: dict[str, float] = {}
        for sleeve in (self.sleeves or {}).values():
            total = sum(sleeve.members.values())
            for code, rel in sleeve.members.items():
                out[code] = out.get(code, 0.0) + sleeve.weight * rel / total
        return out


def _parse(data: Any, origin: str) -> StrategySpec:
    from pydantic import ValidationError

    from naion.yamlfiles import validation_message

    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: expected a mapping with name, title, type")
    try:
        return StrategySpec.model_validate({**data, "origin": origin})
    except ValidationError as exc:
        raise ConfigError(f"{origin}: {validation_message(exc)}") from None


def load_file(path: Path, origin: str) -> StrategySpec:
    from naion.yamlfiles import read_yaml

    return _parse(read_yaml(path), str(path) if origin != "curated" else origin)


def load_specs(user_dir: Path | None = None) -> dict[str, StrategySpec]:
    from naion.yamlfiles import load_named

    return load_named(
        PRESET_DIR, user_dir, lambda p, user: load_file(p, f"user:{p}" if user else "curated")
    )


def get_spec(name: str, user_dir: Path | None = None) -> StrategySpec:
    """A strategy by name, or from a YAML file path."""
    p = Path(name)
    if p.suffix in (".yaml", ".yml") and p.exists():
        return load_file(p, f"user:{p}")
    specs = load_specs(user_dir)
    if name not in specs:
        raise InputError(f"unknown strategy {name!r}", hint=f"strategies: {', '.join(specs)}")
    return specs[name]
