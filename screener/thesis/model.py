"""The thesis cost model: the Na-ion cell's cost advantage over LFP as a line in the lithium price.

A model file (curated ones ship in ``screener/thesis/models``; users add or replace them under
``NAION_HOME/models``, matched by ``name``)::

    name: na-ion-vs-lfp
    title: Na-ion cell cost advantage over an LFP cell
    source: Everbright Securities, sodium-ion report (2022-11), section 1.3 ...
    points:                       # price (CNY/t) -> advantage (CNY/Wh)
      - {li2co3_cny_per_t: 560000, advantage_cny_per_wh: 0.25}
      - {li2co3_cny_per_t: 250000, advantage_cny_per_wh: 0.09}
    price:
      series: [li2co3_spot_100ppi, li2co3_gfex_main]
      max_stale_days: 10

The line is ``advantage(P) = a + b * P`` (CNY/Wh, P in CNY/t). With two points it passes through
both exactly (evaluated in the two-point form, so the anchors come back bit for bit); with more
it is the least-squares line. ``parity`` is the price at which the advantage is zero.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from naion.errors import ConfigError, InputError

if TYPE_CHECKING:
    import numpy as np

BUILTIN_DIR = Path(__file__).parent / "models"
DEFAULT_MODEL = "na-ion-vs-lfp"

Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
_SERIES_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")


class Point(BaseModel):
    """One anchor: at this lithium carbonate price, the Na-ion cell costs this much less."""

    model_config = ConfigDict(extra="forbid")

    li2co3_cny_per_t: Annotated[Number, Field(gt=0)]
    advantage_cny_per_wh: Number


class PriceSource(BaseModel):
    """Which commodity series of the store price lithium carbonate, and how stale is too old."""

    model_config = ConfigDict(extra="forbid")

    series: list[str] = Field(min_length=1)
    max_stale_days: int = Field(default=10, ge=0, le=260, strict=True)

    @model_validator(mode="after")
    def _ids(self) -> PriceSource:
        for i, sid in enumerate(self.series):
            if not isinstance(sid, str) or not _SERIES_ID.match(sid):
                raise ValueError(
                    f"series[{i}] {sid!r} is not a series id"
                    " (a letter or digit, then letters, digits, _.:-)"
                )
        if len(set(self.series)) != len(self.series):
            raise ValueError("a series is listed twice")
        return self


class ThesisModel(BaseModel):
    """A cost line and the price series it reads; see the module docstring."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=1)
    source: str = Field(min_length=1)
    description: str | None = None
    assumptions: list[str] = Field(default_factory=list)
    caveats: list[str] = Field(default_factory=list)
    points: list[Point] = Field(min_length=2)
    price: PriceSource
    origin: str = Field(default="curated", exclude=True)

    @model_validator(mode="after")
    def _line(self) -> ThesisModel:
        prices = [p.li2co3_cny_per_t for p in self.points]
        if len(set(prices)) != len(prices):
            dup = next(p for p in prices if prices.count(p) > 1)
            raise ValueError(
                f"two points share the price {dup:,.0f} CNY/t; a line needs distinct prices"
            )
        if self.slope == 0:
            raise ValueError(
                "the advantage does not change with the price (flat line): no parity price"
            )
        return self

    # -- the line ----------------------------------------------------------------------
    @property
    def slope(self) -> float:
        """b: CNY/Wh of advantage per CNY/t of lithium carbonate."""
        if len(self.points) == 2:
            (p1, g1), (p2, g2) = self._xy()
            return (g1 - g2) / (p1 - p2)
        return self._fit()[1]

    @property
    def intercept(self) -> float:
        """a: the advantage (CNY/Wh) at a lithium carbonate price of zero."""
        if len(self.points) == 2:
            _, (p2, g2) = self._xy()
            return g2 - self.slope * p2
        return self._fit()[0]

    @property
    def parity(self) -> float:
        """The lithium carbonate price (CNY/t) at which the Na-ion advantage is zero (-a/b)."""
        if len(self.points) == 2:
            (p1, g1), (p2, g2) = self._xy()
            return (g1 * p2 - g2 * p1) / (g1 - g2)
        a, b = self._fit()
        return -a / b

    def advantage(self, price: Any) -> Any:
        """The Na-ion cost advantage in CNY/Wh at ``price`` (CNY/t; a number or an array)."""
        if len(self.points) == 2:
            (p1, g1), (p2, g2) = self._xy()
            return (g1 * (price - p2) + g2 * (p1 - price)) / (p1 - p2)
        a, b = self._fit()
        return a + b * price

    def describe_line(self) -> str:
        how = (
            "through its two points"
            if len(self.points) == 2
            else (f"least-squares line through {len(self.points)} points")
        )
        return (
            f"advantage = {self.intercept:+.6f} + {self.slope:.6e} x price ({how});"
            f" parity at {self.parity:,.0f} CNY/t"
        )

    def _xy(self) -> list[tuple[float, float]]:
        return [(float(p.li2co3_cny_per_t), float(p.advantage_cny_per_wh)) for p in self.points]

    def _fit(self) -> tuple[float, float]:
        xy = self._xy()
        n = len(xy)
        mx = sum(x for x, _ in xy) / n
        my = sum(y for _, y in xy) / n
        sxx = sum((x - mx) ** 2 for x, _ in xy)
        sxy = sum((x - mx) * (y - my) for x, y in xy)
        b = sxy / sxx
        return my - b * mx, b


def parse_model(data: Any, origin: str) -> ThesisModel:
    """Validate a parsed YAML mapping; any problem is one ConfigError line naming the key."""
    from naion.yamlfiles import validation_message

    if not isinstance(data, dict):
        raise ConfigError(
            f"{origin}: expected a mapping with name, title, source, points and price"
        )
    try:
        model = ThesisModel.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(
            f"{origin}: {validation_message(exc)}",
            hint="see screener/thesis/models/na-ion-vs-lfp.yaml for the layout",
        ) from None
    model.origin = origin
    return model


def load_file(path: Path, origin: str | None = None) -> ThesisModel:
    from naion.yamlfiles import read_yaml

    return parse_model(read_yaml(path), origin or str(path))


def load_models(user_dir: Path | None = None) -> dict[str, ThesisModel]:
    """Every curated model, then the user's (a user file with the same name replaces one)."""
    from naion.yamlfiles import load_named

    return load_named(
        BUILTIN_DIR,
        user_dir,
        lambda p, user: load_file(p, f"user:{p}" if user else f"curated:{p.name}"),
    )


def get_model(name: str | None = None, user_dir: Path | None = None) -> ThesisModel:
    """The model called ``name`` (default :data:`DEFAULT_MODEL`), curated or the user's."""
    if user_dir is None:
        from naion.settings import paths

        user_dir = paths().models
    models = load_models(user_dir)
    key = name or DEFAULT_MODEL
    if key not in models:
        raise InputError(f"unknown thesis model {key!r}", hint=f"models: {', '.join(models)}")
    return models[key]


def advantage_array(model: ThesisModel, prices: np.ndarray) -> np.ndarray:
    """``model.advantage`` over a float array (NaN stays NaN)."""
    import numpy as np

    return np.asarray(model.advantage(np.asarray(prices, dtype="float64")), dtype="float64")
