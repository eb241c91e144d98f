"""Every field a screen can filter, rank or show: name, unit, source and formula.

Fields are declarations (as in zipline's Pipeline terms); :mod:`screener.market` and
:mod:`screener.valuation` compute them for many codes and dates at once. A value that cannot
be computed honestly — a loss or zero EPS under a PE, too little price history under a
12-month return — is *unavailable* (NaN in frames, empty in CSV, null in JSON), never inf.
Unavailable values fail every condition, including negated ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from naion.errors import InputError

Better = Literal["low", "high", "none"]


@dataclass(frozen=True)
class Field:
    name: str
    unit: str
    source: str
    formula: str
    better: Better = "none"  # the natural ranking direction
    kind: Literal["number", "text"] = "number"


_TD = "trading days of the listing's market"
_ADJ = "forward-adjusted (qfq) closes where the store holds them, else unadjusted closes"

FIELDS: dict[str, Field] = {
    f.name: f
    for f in [
        # -- identity ---------------------------------------------------------------------
        Field("code", "text", "universe / store", "naion code", kind="text"),
        Field("name", "text", "universe / store", "short name", kind="text"),
        Field("segment", "text", "universe", "supply-chain segment", kind="text"),
        Field("market", "text", "universe / store", "A, HK or US", kind="text"),
        Field("currency", "text", "universe / store", "listing currency", kind="text"),
        # -- market, point-in-time from prices --------------------------------------------
        Field(
            "close",
            "listing currency",
            "store: unadjusted bars",
            "last unadjusted close on or before the as-of date (at most 31 days old)",
        ),
        Field(
            "adv_20d",
            "listing currency",
            "store: unadjusted bars (amount)",
            f"mean traded value over the last 20 {_TD}; a suspended day counts as 0",
            better="high",
        ),
        Field(
            "ret_1m",
            "fraction",
            "store: bars",
            f"close[t] / close[t-21] - 1 on {_ADJ}",
            better="high",
        ),
        Field(
            "ret_3m",
            "fraction",
            "store: bars",
            f"close[t] / close[t-63] - 1 on {_ADJ}",
            better="high",
        ),
        Field(
            "ret_12m",
            "fraction",
            "store: bars",
            f"close[t] / close[t-252] - 1 on {_ADJ}",
            better="high",
        ),
        Field(
            "vol_60d",
            "fraction per year",
            "store: bars",
            f"std of the last 60 daily returns (ddof=1) x sqrt(252), on {_ADJ}",
            better="low",
        ),
        Field(
            "drawdown_1y",
            "fraction (<= 0)",
            "store: bars",
            f"close[t] / max(close over the last 252 {_TD}) - 1, on {_ADJ}",
            better="high",
        ),
        Field(
            "listed_days",
            "calendar days",
            "universe listing date / store",
            "as-of date minus the curated listing date, else minus the first price held"
            " (then a lower bound)",
            better="high",
        ),
        # -- valuation, point-in-time from the valuation history ---------------------------
        Field(
            "pe_ttm",
            "x",
            "store: valuation (vendor PE TTM)",
            "market cap / trailing-12-month net profit; unavailable when <= 0 (a loss)",
            better="low",
        ),
        Field(
            "pb",
            "x",
            "store: valuation",
            "market cap / latest book equity; unavailable <= 0",
            better="low",
        ),
        Field(
            "ps_ttm",
            "x",
            "store: valuation",
            "market cap / trailing-12-month revenue",
            better="low",
        ),
        Field(
            "market_cap",
            "listing currency",
            "store: valuation (total_mv)",
            "total market value on the latest valuation row on or before the as-of date",
            better="high",
        ),
        Field(
            "market_cap_base",
            "base currency",
            "valuation + FX",
            "market_cap x FX close of the as-of date (or the last before it)",
            better="high",
        ),
        # -- consensus EPS, from the latest snapshot taken on or before the as-of date ----
        Field(
            "eps_fy0",
            "listing currency per share",
            "store: EPS snapshot (actual)",
            "EPS of the last reported fiscal year fy0",
        ),
        Field(
            "eps_fy1",
            "listing currency per share",
            "store: EPS snapshot (estimate)",
            "consensus EPS estimate for fiscal year fy0+1",
        ),
        Field(
            "pe_fy0",
            "x",
            "close / eps_fy0",
            "close / EPS(fy0); unavailable when EPS <= 0",
            better="low",
        ),
        Field(
            "pe_fy1",
            "x",
            "close / eps_fy1",
            "close / consensus EPS(fy0+1); unavailable when EPS <= 0",
            better="low",
        ),
        Field(
            "pe_fy2",
            "x",
            "close / eps_fy2",
            "close / consensus EPS(fy0+2); unavailable when EPS <= 0",
            better="low",
        ),
        Field(
            "pe_fy3",
            "x",
            "close / eps_fy3",
            "close / consensus EPS(fy0+3); unavailable when EPS <= 0",
            better="low",
        ),
        Field(
            "eps_cagr",
            "fraction per year",
            "EPS snapshot",
            "(EPS(last estimate year) / EPS(fy0)) ** (1 / years) - 1; both must be > 0",
            better="high",
        ),
        Field(
            "peg",
            "x",
            "pe_fy1 / eps_cagr",
            "pe_fy1 / (eps_cagr x 100); unavailable unless both are > 0",
            better="low",
        ),
        Field("fy0", "year", "EPS snapshot", "last reported fiscal year"),
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
