"""Strategy files: what to hold, how much, when to rebalance, at what cost.

Curated presets live in ``strategies/presets``; users add theirs in NAION_HOME/strategies
(a user file with a preset's name replaces it). A file names its ``type``; each type is one
module of :mod:`strategies.types` (``sleeves``, ``segment-equal``, ``valuation-tilt``,
``screen-driven``, ...), and the spec is the union of their models, told apart by ``type``.

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

Parameters (``naion backtest --set KEY=VALUE``, ``naion sweep --grid KEY=...``) are the same
keys everywhere (:func:`with_params`): ``rebalance`` (calendar), ``band``, ``fees_bps`` (like
``--fees``: commission in bps for every market, 0 = frictionless), ``capital``, ``lots``, a
dotted path into the file (``tilt.cap``, ``screen.top``, ``costs.commission_bps.A``) and the
keys a type adds (``<sleeve>_weight`` for sleeves).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from naion.errors import ConfigError, InputError
from strategies.calendar import CALENDARS, normalize_calendar

if TYPE_CHECKING:
    import numpy as np

    from naion.store import Reader
    from strategies.types.base import Context
    from universes.loader import Registry

PRESET_DIR = Path(__file__).parent / "presets"
MARKETS = ("A", "HK", "US")
MAX_FEES_BPS = 1000.0  # 10% of traded value: anything above is a typo, not a commission
Finite = Annotated[float, Field(allow_inf_nan=False)]
Calendar = Literal["D", "W", "M", "Q", "A", "none"]

# parameter keys that change how orders execute, never which weights are targeted
EXECUTION_KEYS = ("band", "rebalance.band", "fees_bps", "capital", "lots")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Rebalance(_Strict):
    """When to rebalance: a calendar (first trading day of each period) and/or a band.

    ``band`` > 0: on a calendar day, trade only if some weight is more than ``band``
    (a fraction: 0.05 = 5 percentage points) away from its target. ``dates`` adds explicit
    rebalance dates. ``calendar: D`` with a band checks the band every trading day.
    """

    calendar: Calendar = "Q"
    band: Finite = Field(0.0, ge=0, lt=1)
    dates: list[dt.date] = Field(default_factory=list)

    @field_validator("calendar", mode="before")
    @classmethod
    def _cal(cls, v: Any) -> Any:
        return normalize_calendar(v) if isinstance(v, str) else v


class Costs(_Strict):
    """Trading costs by market (A, HK, US). Commission is charged on traded value with a
    per-order minimum in the listing currency; stamp duty follows each market's schedule."""

    commission_bps: dict[str, Finite] = Field(
        default_factory=lambda: {"A": 2.5, "HK": 3.0, "US": 1.0}
    )
    min_commission: dict[str, Finite] = Field(
        default_factory=lambda: {"A": 5.0, "HK": 50.0, "US": 1.0}
    )
    stamp_duty: bool = True

    @field_validator("commission_bps", "min_commission")
    @classmethod
    def _markets(cls, v: dict[str, float]) -> dict[str, float]:
        bad = set(v) - set(MARKETS)
        if bad:
            raise ValueError(f"unknown market {sorted(bad)[0]!r}: use A, HK or US")
        if any(x < 0 for x in v.values()):
            raise ValueError("costs cannot be negative")
        return v

    @field_validator("commission_bps")
    @classmethod
    def _sane(cls, v: dict[str, float]) -> dict[str, float]:
        if any(x > MAX_FEES_BPS for x in v.values()):
            raise ValueError(f"a commission above {MAX_FEES_BPS:g} bps is not a commission")
        return v


class StrategySpec(_Strict):
    """What every strategy file holds; each type (:mod:`strategies.types`) adds its fields
    and implements :meth:`members` and :meth:`targets`."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    description: str | None = None
    type: str
    base_currency: Literal["CNY", "USD", "HKD"] = "CNY"
    capital: Finite = Field(1_000_000.0, gt=0)
    rebalance: Rebalance = Field(default_factory=Rebalance)
    costs: Costs = Field(default_factory=Costs)
    lots: bool = True
    benchmark: dict[str, Finite] = Field(default_factory=lambda: {"000300.SH": 1.0})
    exclude: list[str] = Field(default_factory=list)  # universes whose members are refused
    origin: str = "curated"

    @model_validator(mode="after")
    def _bench(self) -> StrategySpec:
        if not self.benchmark or any(w <= 0 for w in self.benchmark.values()):
            raise ValueError("benchmark needs positive weights, e.g. {000300.SH: 1}")
        return self

    # -- what a type implements -----------------------------------------------------------
    def members(self, reg: Registry, reader: Reader | None = None) -> list[str]:
        """Every code the strategy may hold (canonical), before exclusions."""
        raise NotImplementedError

    def targets(self, ctx: Context, days: np.ndarray) -> np.ndarray:
        """Target weights ``[len(days), N]`` over ``ctx.codes`` on the panel rows ``days``."""
        raise NotImplementedError

    def universe_name(self) -> str | None:
        """The universe the members come from (None: the file names them)."""
        return None

    def check(self, reg: Registry) -> None:
        """Checks that need more than the file (screen fields, ...); raise ConfigError."""

    def set_param(self, key: str, value: str) -> bool:
        """Apply a type's own parameter key (e.g. ``core_weight``); False: not one of them."""
        return False

    def param_keys(self) -> list[str]:
        """The type's own parameter keys, for error hints."""
        return []


def parse_spec(data: Any, origin: str) -> StrategySpec:
    """A strategy from its YAML mapping; every problem is one ConfigError line.

    The ``type`` key picks the model from the registry of types (a discriminated union)."""
    from pydantic import ValidationError

    from naion.yamlfiles import validation_message
    from strategies.types import names, spec_class

    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: expected a mapping with name, title, type")
    kind = data.get("type")
    types = names()
    if kind not in types:
        raise ConfigError(
            f"{origin}: type: unknown strategy type {kind!r}"
            if kind is not None
            else f"{origin}: type: required key is missing",
            hint=f"use one of: {', '.join(types)}",
        )
    try:
        return spec_class(kind).model_validate({**data, "origin": origin})
    except ValidationError as exc:
        raise ConfigError(f"{origin}: {validation_message(_typos_first(exc))}") from None


class _typos_first:
    """A misspelt key explains a missing one: report unknown keys first."""

    def __init__(self, exc: Any) -> None:
        self._errors = sorted(exc.errors(), key=lambda e: e.get("type") != "extra_forbidden")

    def errors(self) -> list[Any]:
        return self._errors


def load_file(path: Path, origin: str) -> StrategySpec:
    from naion.yamlfiles import read_yaml

    return parse_spec(read_yaml(path), str(path) if origin != "curated" else origin)


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
    # most files are named after their strategy: read just that one when it says so
    for folder, user in ((user_dir, True), (PRESET_DIR, False)):
        if folder is None or not folder.is_dir():
            continue
        if user and any(folder.glob("*.y*ml")):
            break  # a user file may carry any name: read them all
        f = folder / f"{name}.yaml"
        if f.exists():
            spec = load_file(f, f"user:{f}" if user else "curated")
            if spec.name == name:
                return spec
    specs = load_specs(user_dir)
    if name not in specs:
        raise InputError(f"unknown strategy {name!r}", hint=f"strategies: {', '.join(specs)}")
    return specs[name]


# -- parameters: --set KEY=VALUE and --grid KEY=... ------------------------------------------


def number(key: str, text: str) -> float:
    """A finite number typed by the user; anything else is one InputError line."""
    try:
        x = float(str(text).strip())
    except ValueError:
        raise InputError(f"{key}={text}: not a number") from None
    if not math.isfinite(x):
        raise InputError(f"{key}={text}: must be a finite number")
    return x


def _bool(key: str, text: str) -> bool:
    t = str(text).strip().lower()
    if t in ("1", "true", "yes", "on"):
        return True
    if t in ("0", "false", "no", "off"):
        return False
    raise InputError(f"{key}={text}: use true or false")


def check_fees(key: str, x: float, text: str | None = None) -> float:
    if x < 0 or x > MAX_FEES_BPS:
        raise InputError(
            f"{key}={text if text is not None else f'{x:g}'}: a commission is between 0 and "
            f"{MAX_FEES_BPS:g} bps",
            hint="e.g. 2.5 (0 = frictionless: no commission, minimum or stamp duty)",
        )
    return x


def _apply_common(data: dict[str, Any], key: str, value: str) -> bool:
    if key == "rebalance":
        cal = normalize_calendar(str(value))
        if cal not in CALENDARS:
            raise InputError(
                f"rebalance={value}: unknown calendar", hint="use D, W, M, Q, A or none"
            )
        data["rebalance"] = {**data["rebalance"], "calendar": cal}
    elif key in ("band", "rebalance.band"):
        x = number(key, value)
        if not 0 <= x < 1:
            raise InputError(
                f"{key}={value}: a drift band is a fraction in [0, 1)", hint="e.g. 0.05"
            )
        data["rebalance"] = {**data["rebalance"], "band": x}
    elif key == "fees_bps":
        x = check_fees(key, number(key, value), value)
        costs = dict(data["costs"])
        costs["commission_bps"] = dict.fromkeys(MARKETS, x)
        if x == 0:
            costs["min_commission"] = dict.fromkeys(MARKETS, 0.0)
            costs["stamp_duty"] = False
        data["costs"] = costs
    elif key == "capital":
        x = number(key, value)
        if x <= 0:
            raise InputError(f"capital={value}: the starting cash must be positive")
        data["capital"] = x
    elif key == "lots":
        data["lots"] = _bool(key, value)
    else:
        return False
    return True


def _apply_path(data: dict[str, Any], key: str, value: str) -> bool:
    """A dotted path to a scalar already in the file (``tilt.cap``, ``screen.top``)."""
    parts = key.split(".")
    node: Any = data
    for p in parts[:-1]:
        if not isinstance(node, dict) or not isinstance(node.get(p), dict):
            return False
        child = dict(node[p])
        node[p] = child
        node = child
    leaf = parts[-1]
    if not isinstance(node, dict) or leaf not in node or isinstance(node[leaf], (dict, list)):
        return False
    old = node[leaf]
    if isinstance(old, bool):
        node[leaf] = _bool(key, value)
    elif isinstance(old, (int, float)) and not isinstance(old, bool):
        node[leaf] = number(key, value)
        if isinstance(old, int) and float(node[leaf]).is_integer():
            node[leaf] = int(node[leaf])
    else:
        node[leaf] = value
    return True


def with_params(spec: StrategySpec, params: Mapping[str, Any]) -> StrategySpec:
    """``spec`` with parameter keys set (in the given order), validated like the file.

    This is the one place ``--set``, ``--grid`` and the backtest options change a spec, so a
    sweep row and ``naion backtest --set`` with its keys run the same strategy.
    """
    if not params:
        return spec
    from pydantic import ValidationError

    from naion.yamlfiles import validation_message

    s = spec.model_copy(deep=True)
    typed = []
    for key, value in params.items():
        if s.set_param(key, str(value)):
            continue
        typed.append((key, value))
    data = s.model_dump()
    for key, value in typed:
        if _apply_common(data, key, str(value)):
            continue
        if key not in ("name", "type", "origin") and _apply_path(data, key, str(value)):
            continue
        keys = ["rebalance", "band", "fees_bps", "capital", "lots", *s.param_keys()]
        raise InputError(
            f"unknown parameter {key!r} for {spec.name}",
            hint=f"use {', '.join(keys)} or a dotted path into the file (e.g. costs.stamp_duty)",
        )
    try:
        return type(s).model_validate(data)
    except ValidationError as exc:
        raise InputError(f"{', '.join(f'{k}={v}' for k, v in params.items())}: "
                         f"{validation_message(exc)}") from None


def is_execution_key(key: str) -> bool:
    """A key that changes only how orders execute (one target schedule serves them all)."""
    return key in EXECUTION_KEYS or key.startswith("costs.")
