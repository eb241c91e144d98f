"""Every field a screen can filter, rank or show: a declaration of what it is and how it is made.

Fields are declarations (as zipline's Pipeline terms are): name, unit, source, formula, the
natural ranking direction, how tables show it, and which engine computes it. A
*price-derived* field also carries its inputs, its window and its compute function, so a
new one is one :func:`price_field` entry below; :mod:`screener.market` evaluates every
declared price field for many codes and dates at once. Valuation and consensus fields are
computed by :mod:`screener.valuation` and :mod:`screener.formulas`.

A value that cannot be computed honestly — missing inputs, a loss or zero EPS under a PE, too
little price history under a 12-month return, a stale snapshot — is *unavailable* (NaN in
frames, empty in CSV, null in JSON), never inf and never zero. Unavailable values fail every
condition, including negated ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from naion.errors import InputError

if TYPE_CHECKING:
    import numpy as np

Better = Literal["low", "high", "none"]
Display = Literal["money", "pct", "int", "number", "text"]
Group = Literal["identity", "price", "listing", "valuation", "consensus", "scalar"]
Basis = Literal["adjusted", "unadjusted"]

STALE_DAYS = 31  # a price or valuation row older than this (calendar days) is not current


@dataclass(frozen=True)
class Field:
    """One screen field.

    ``group`` names the engine that computes it. For ``price`` fields: ``inputs`` are the
    daily arrays the compute function takes (``close``: closes on the field's ``basis``,
    carried over days without a bar; ``amount``: traded value, 0 on a day without a bar),
    ``window`` the trading days it looks back from the as-of day (its arrays hold
    ``window + 1`` rows), ``lookback`` the calendar days that window must fit in, and
    ``compute(*arrays) -> values`` maps ``[window + 1, n]`` arrays to ``n`` values.
    """

    name: str
    unit: str
    source: str
    formula: str
    better: Better = "none"  # the natural ranking direction
    kind: Literal["number", "text"] = "number"
    display: Display = "number"
    group: Group = "identity"
    inputs: tuple[str, ...] = ()
    basis: Basis = "adjusted"
    window: int = 0
    lookback: int = 0
    compute: Callable[..., Any] | None = None
    needs: tuple[str, ...] = ()  # other fields its value is made from


@dataclass
class Scalars:
    """What a scalar field's compute returns: per field, one value per date; per date, notes."""

    values: dict[str, dict[Any, float]]  # field -> as-of date -> value (NaN: unavailable)
    notes: dict[Any, list[str]]  # as-of date -> what the values came from, why one is missing


def scalar_field(
    name: str,
    *,
    compute: Callable[..., Scalars],
    lookback: int,
    unit: str,
    source: str,
    formula: str,
    better: Better = "none",
    display: Display = "number",
) -> Field:
    """A field with ONE value per as-of date, the same for every row (a market-wide series).

    ``compute(reader, dates) -> Scalars`` reads the store (only rows dated on or before each
    date count for it) and returns the values of this field and of the others sharing the same
    compute function: fields declared with one function are computed together, once.
    ``lookback`` is the calendar days of history the value looks back over (for the docs).
    """
    return Field(
        name,
        unit,
        source,
        formula,
        better=better,
        display=display,
        group="scalar",
        lookback=lookback,
        compute=compute,
    )


def price_field(
    name: str,
    *,
    window: int,
    lookback: int,
    compute: Callable[..., Any],
    unit: str,
    formula: str,
    inputs: tuple[str, ...] = ("close",),
    basis: Basis = "adjusted",
    better: Better = "none",
    display: Display = "number",
) -> Field:
    """A field computed from daily prices of one basis over ``window`` trading days."""
    if "amount" in inputs and basis != "unadjusted":
        raise ValueError(f"{name}: traded value exists on unadjusted bars only")
    source = "store: " + ("unadjusted bars" if basis == "unadjusted" else "bars")
    if "amount" in inputs:
        source += " (amount)"
    return Field(
        name,
        unit,
        source,
        formula,
        better=better,
        display=display,
        group="price",
        inputs=inputs,
        basis=basis,
        window=window,
        lookback=lookback,
        compute=compute,
    )


# -- compute functions of the price fields: arrays [window + 1, n] -> values [n] ----------
def _last(close: np.ndarray) -> np.ndarray:
    return close[-1]


def _change(close: np.ndarray) -> np.ndarray:
    return close[-1] / close[0] - 1.0


def _mean_traded(amount: np.ndarray) -> np.ndarray:
    return amount.sum(axis=0) / amount.shape[0]


def _annual_vol(close: np.ndarray) -> np.ndarray:
    import numpy as np

    returns = close[1:] / close[:-1] - 1.0
    return returns.std(axis=0, ddof=1) * np.sqrt(252.0)


def _drawdown(close: np.ndarray) -> np.ndarray:
    return close[-1] / close.max(axis=0) - 1.0


def _thesis(reader: Any, dates: Any) -> Scalars:
    from screener.thesis.screen import thesis_scalars

    return thesis_scalars(reader, dates)


_TD = "trading days of the listing's market"
_ADJ = (
    "forward-adjusted (qfq) closes where a qfq series covers the whole window, else "
    "unadjusted closes (said in the notes); never both inside one window"
)

FIELDS: dict[str, Field] = {
    f.name: f
    for f in [
        # -- identity ---------------------------------------------------------------------
        Field("code", "text", "universe / store", "naion code", kind="text", display="text"),
        Field("name", "text", "universe / store", "short name", kind="text", display="text"),
        Field(
            "industry",
            "text",
            "store: securities.industry",
            "the vendor's industry of the listing, as imported (not point-in-time)",
            kind="text",
            display="text",
        ),
        Field(
            "segment",
            "text",
            "universe",
            "supply-chain segment (only while a member: see since/until)",
            kind="text",
            display="text",
        ),
        Field("market", "text", "universe / store", "A, HK or US", kind="text", display="text"),
        Field(
            "currency", "text", "universe / store", "listing currency", kind="text", display="text"
        ),
        # -- market, point-in-time from prices --------------------------------------------
        price_field(
            "close",
            window=0,
            lookback=45,
            compute=_last,
            basis="unadjusted",
            unit="listing currency",
            formula=f"last unadjusted close on or before the as-of date (at most {STALE_DAYS}"
            " days old, and no later bar of another kind held)",
        ),
        price_field(
            "adv_20d",
            window=19,
            lookback=75,
            compute=_mean_traded,
            inputs=("amount",),
            basis="unadjusted",
            unit="listing currency",
            formula=f"mean traded value over the last 20 {_TD}; a day without a bar"
            " (suspended) counts as 0; unavailable when a bar in the window has no traded"
            " value",
            better="high",
            display="money",
        ),
        price_field(
            "ret_1m",
            window=21,
            lookback=75,
            compute=_change,
            unit="fraction",
            formula=f"close[t] / close[t-21] - 1 on {_ADJ}",
            better="high",
            display="pct",
        ),
        price_field(
            "ret_3m",
            window=63,
            lookback=150,
            compute=_change,
            unit="fraction",
            formula=f"close[t] / close[t-63] - 1 on {_ADJ}",
            better="high",
            display="pct",
        ),
        price_field(
            "ret_12m",
            window=252,
            lookback=420,
            compute=_change,
            unit="fraction",
            formula=f"close[t] / close[t-252] - 1 on {_ADJ}",
            better="high",
            display="pct",
        ),
        price_field(
            "vol_60d",
            window=60,
            lookback=150,
            compute=_annual_vol,
            unit="fraction per year",
            formula=f"std of the last 60 daily returns (ddof=1) x sqrt(252), on {_ADJ}",
            better="low",
            display="pct",
        ),
        price_field(
            "drawdown_1y",
            window=251,
            lookback=420,
            compute=_drawdown,
            unit="fraction (<= 0)",
            formula=f"close[t] / max(close over the last 252 {_TD}) - 1, on {_ADJ}",
            better="high",
            display="pct",
        ),
        Field(
            "listed_days",
            "calendar days",
            "universe listing date / store",
            "as-of date minus the curated listing date, else minus the first price held"
            " (then a lower bound)",
            better="high",
            display="int",
            group="listing",
        ),
        # -- valuation, point-in-time from the valuation history ---------------------------
        Field(
            "pe_ttm",
            "x",
            "store: valuation (vendor PE TTM)",
            "market cap / trailing-12-month net profit, from the latest valuation row at most"
            f" {STALE_DAYS} days old; unavailable when <= 0 (a loss: kept in the store, no PE"
            " in screens)",
            better="low",
            group="valuation",
        ),
        Field(
            "pb",
            "x",
            "store: valuation",
            f"market cap / latest book equity (row at most {STALE_DAYS} days old);"
            " unavailable when <= 0",
            better="low",
            group="valuation",
        ),
        Field(
            "ps_ttm",
            "x",
            "store: valuation",
            f"market cap / trailing-12-month revenue (row at most {STALE_DAYS} days old);"
            " unavailable when <= 0",
            better="low",
            group="valuation",
        ),
        Field(
            "market_cap",
            "listing currency",
            "store: valuation (total_mv)",
            "total market value on the latest valuation row on or before the as-of date"
            f" (at most {STALE_DAYS} days old); unavailable where that row has none",
            better="high",
            display="money",
            group="valuation",
        ),
        Field(
            "market_cap_base",
            "base currency",
            "valuation + FX",
            "market_cap x FX close of the as-of date (or the last before it)",
            better="high",
            display="money",
            group="valuation",
        ),
        # -- consensus EPS, from the latest snapshot taken on or before the as-of date ----
        Field(
            "eps_fy0",
            "listing currency per share",
            "store: EPS snapshot (actual)",
            "reported EPS of fy0, the last fiscal year whose annual results are published by"
            " the as-of date (by April 30 of the next year, or earlier where the snapshot"
            " reports it); unavailable where the snapshot does not report it as actual",
            group="consensus",
        ),
        Field(
            "eps_fy1",
            "listing currency per share",
            "store: EPS snapshot (estimate)",
            "consensus EPS estimate for fiscal year fy0+1; unavailable when the snapshot is"
            " older than the estimate age limit (default 120 days)",
            group="consensus",
        ),
        Field(
            "eps_fy2",
            "listing currency per share",
            "store: EPS snapshot (estimate)",
            "consensus EPS estimate for fiscal year fy0+2 (same age limit as eps_fy1)",
            group="consensus",
        ),
        Field(
            "eps_fy3",
            "listing currency per share",
            "store: EPS snapshot (estimate)",
            "consensus EPS estimate for fiscal year fy0+3 (same age limit as eps_fy1)",
            group="consensus",
        ),
        Field(
            "pe_fy0",
            "x",
            "close / eps_fy0",
            "close / EPS(fy0); unavailable when EPS <= 0",
            better="low",
            group="consensus",
            needs=("close",),
        ),
        Field(
            "pe_fy1",
            "x",
            "close / eps_fy1",
            "close / consensus EPS(fy0+1); unavailable when EPS <= 0 or the snapshot is"
            " older than the estimate age limit",
            better="low",
            group="consensus",
            needs=("close",),
        ),
        Field(
            "pe_fy2",
            "x",
            "close / eps_fy2",
            "close / consensus EPS(fy0+2); unavailable when EPS <= 0 or the snapshot is"
            " older than the estimate age limit",
            better="low",
            group="consensus",
            needs=("close",),
        ),
        Field(
            "pe_fy3",
            "x",
            "close / eps_fy3",
            "close / consensus EPS(fy0+3); unavailable when EPS <= 0 or the snapshot is"
            " older than the estimate age limit",
            better="low",
            group="consensus",
            needs=("close",),
        ),
        Field(
            "eps_cagr",
            "fraction per year",
            "EPS snapshot",
            "(EPS(last estimate year) / EPS(fy0)) ** (1 / years) - 1; both must be > 0",
            better="high",
            display="pct",
            group="consensus",
        ),
        Field(
            "peg",
            "x",
            "pe_fy1 / eps_cagr",
            "pe_fy1 / (eps_cagr x 100); unavailable unless both are > 0",
            better="low",
            group="consensus",
            needs=("close",),
        ),
        Field(
            "fy0",
            "year",
            "as-of date / EPS snapshot",
            "last fiscal year whose annual results are published by the as-of date",
            display="int",
            group="consensus",
        ),
        # -- the Na-ion thesis, one value per date (screener.thesis) ----------------------
        scalar_field(
            "li2co3",
            compute=_thesis,
            lookback=15,
            unit="CNY/t",
            source="store: commodities (the thesis model's composite lithium carbonate series)",
            formula="the composite lithium carbonate price known on the as-of date (the"
            " thesis model's series in order; freshest wins); unavailable when the last price is"
            " more than the model's max_stale_days (10) SSE trading days old; same for every row",
        ),
        scalar_field(
            "li2co3_ret_3m",
            compute=_thesis,
            lookback=100,
            unit="fraction",
            source="store: commodities (composite lithium carbonate series)",
            formula="li2co3 as of the as-of date / li2co3 as of the SSE trading day 63 trading"
            " days before - 1; unavailable when either price is; a note says when the two"
            " prices come from different series",
            display="pct",
        ),
        scalar_field(
            "naion_cost_advantage",
            compute=_thesis,
            lookback=15,
            unit="CNY/Wh",
            source="store: commodities + thesis cost model (NAION_HOME/models overrides it)",
            formula="the Na-ion cell's cost advantage over LFP at li2co3, on the thesis model's"
            " line (default na-ion-vs-lfp: 0.09 CNY/Wh at 250,000 CNY/t, 0.25 at 560,000;"
            " parity 75,625); unavailable when li2co3 is",
            better="high",
        ),
    ]
}

DEFAULT_COLUMNS = ("close", "market_cap_base", "pe_ttm", "pe_fy1", "peg", "adv_20d", "ret_3m")
SEED_COLUMNS = ("close", "pe_fy0", "pe_fy1", "pe_fy2", "pe_fy3", "eps_cagr", "peg", "market_cap")


def field(name: str) -> Field:
    try:
        return FIELDS[name]
    except KeyError:
        raise InputError(
            f"unknown field {name!r}",
            hint=f"fields: {', '.join(FIELDS)} (see 'naion screen --fields')",
        ) from None


def numeric_fields() -> list[str]:
    return [n for n, f in FIELDS.items() if f.kind == "number"]


def with_inputs(needed: set[str] | None) -> set[str] | None:
    """``needed`` plus every field their values are made from (None: all fields)."""
    if needed is None:
        return None
    out, todo = set(), list(needed)
    while todo:
        name = todo.pop()
        if name in out:
            continue
        out.add(name)
        f = FIELDS.get(name)
        if f is not None:
            todo.extend(f.needs)
    return out


def price_fields(needed: set[str] | None = None) -> list[Field]:
    """The declared price fields (those in ``needed``; None: all)."""
    return [
        f for f in FIELDS.values() if f.group == "price" and (needed is None or f.name in needed)
    ]


def lookback_days(needed: set[str] | None) -> int:
    """Calendar days of prices to load before an as-of date for the ``needed`` fields."""
    return max([f.lookback for f in price_fields(needed)] + [FIELDS["close"].lookback])


def scalar_values(
    reader: Any, dates: Any, needed: set[str] | None = None
) -> tuple[dict[Any, dict[str, float]], dict[Any, list[str]]]:
    """(as-of date -> {scalar field: value}, as-of date -> notes) for the ``needed`` fields.

    Fields sharing a compute function are computed by one call; a field nobody needs is not.
    """
    fields = [
        f
        for f in FIELDS.values()
        if f.group == "scalar" and f.compute is not None and (needed is None or f.name in needed)
    ]
    values: dict[Any, dict[str, float]] = {d: {} for d in dates}
    notes: dict[Any, list[str]] = {d: [] for d in dates}
    by_compute: dict[Callable[..., Any], list[Field]] = {}
    for f in fields:
        by_compute.setdefault(f.compute, []).append(f)  # type: ignore[arg-type]
    for compute, group in by_compute.items():
        got = compute(reader, list(dates))
        for f in group:
            for d in dates:
                values[d][f.name] = got.values[f.name].get(d, float("nan"))
        for d in dates:
            notes[d] += [n for n in got.notes.get(d, []) if n not in notes[d]]
    return values, notes


def display_kinds() -> dict[str, str]:
    """How tables and pages format each number field that is not a plain number."""
    return {n: f.display for n, f in FIELDS.items() if f.display not in ("number", "text")}


KINDS = display_kinds()
