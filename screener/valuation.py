"""Valuation and consensus-EPS fields as of many dates, from the store.

* Valuation (pe_ttm, pb, ps_ttm, market_cap): the latest valuation row dated on or before
  the as-of date, if it is at most 31 days old. Non-positive values (losses, negative book)
  are kept in the store and unavailable in screens; a value the row does not hold is
  unavailable.
* Consensus EPS: fiscal years are counted from the as-of date. fy0 is the last fiscal year
  whose annual results are published by then: the year before last until April 30 (the
  A-share deadline for annual reports), the last year from May 1, or a later year the
  code's snapshot already reports as actual. The code's latest snapshot taken on or before
  the as-of date gives eps_fy0 (only if it reports fy0 as *actual*) and eps_fy1..eps_fy3
  (the estimates for fy0+1..fy0+3), the estimates only while the snapshot is at most
  ``max_age_days`` old (default 120): an older snapshot's estimates are stale, not used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from naion.fx import rate_on, rate_series
from screener.fields import STALE_DAYS

if TYPE_CHECKING:
    import pandas as pd

    from naion.store import Reader

MAX_AGE_DAYS = STALE_DAYS
ESTIMATE_MAX_AGE_DAYS = 120
RESULTS_DEADLINE = (4, 30)  # month, day by which last year's annual results are published
VALUATION_FIELDS = ("pe_ttm", "pb", "ps_ttm", "market_cap", "market_cap_base")
ESTIMATE_FIELDS = ("pe_fy1", "pe_fy2", "pe_fy3", "eps_cagr", "peg")


def valuation_at(
    reader: Reader,
    codes: Sequence[str],
    as_of: Sequence[dt.date],
    currencies: dict[str, str],
    base: str,
) -> dict[dt.date, pd.DataFrame]:
    """Valuation fields per as-of date: code, pe_ttm, pb, ps_ttm, market_cap(_base)."""
    import numpy as np
    import pandas as pd

    rows = reader.valuation_asof(list(codes), as_of)
    age = (rows["as_of"] - rows["date"]).dt.days
    fresh = age.le(MAX_AGE_DAYS).fillna(False).to_numpy(dtype=bool)
    for col in ("pe_ttm", "pb", "ps_ttm", "total_mv"):
        v = rows[col].to_numpy(dtype="float64", na_value=np.nan)
        with np.errstate(invalid="ignore"):
            rows[col] = np.where(fresh & (v > 0), v, np.nan)
    rows = rows.rename(columns={"total_mv": "market_cap"})
    rows["market_cap_base"] = rows["market_cap"] * _fx_to_base(reader, rows, currencies, base)
    out = {}
    by_day = {day: part for day, part in rows.groupby("as_of", sort=False)}
    empty = pd.DataFrame({"code": list(codes), **{f: np.nan for f in VALUATION_FIELDS}})
    for d in as_of:
        part = by_day.get(pd.Timestamp(d))
        out[d] = empty if part is None else part[["code", *VALUATION_FIELDS]].reset_index(drop=True)
    return out


def _fx_to_base(
    reader: Reader, rows: pd.DataFrame, currencies: dict[str, str], base: str
) -> pd.Series:
    import numpy as np
    import pandas as pd

    factor = pd.Series(np.nan, index=rows.index)
    cur = rows["code"].map(currencies).fillna("CNY")
    for c in cur.unique():
        sel = cur == c
        if c == base:
            factor[sel] = 1.0
            continue
        if not rows.loc[sel, "market_cap"].notna().any():
            continue
        series = rate_series(reader, c, base, end=rows["as_of"].max())
        factor[sel] = rate_on(series, rows.loc[sel, "as_of"]).to_numpy()
    return factor


def fiscal_year0(day: dt.date) -> int:
    """The last fiscal year whose annual results are surely published by ``day``."""
    return day.year - 1 if (day.month, day.day) > RESULTS_DEADLINE else day.year - 2


@dataclass
class ConsensusUse:
    """Which snapshot each code's consensus fields came from on one date (for notes)."""

    fy0: int  # counted from the date alone (a code's snapshot may report a later actual)
    max_age: int
    snapshot: dict[str, dt.date] = field(default_factory=dict)  # code -> snapshot used
    stale: set[str] = field(default_factory=set)  # snapshot too old: estimates not used
    no_actual: set[str] = field(default_factory=set)  # snapshot does not report fy0 as actual


def eps_at(
    reader: Reader,
    codes: Sequence[str],
    as_of: Sequence[dt.date],
    max_age_days: int = ESTIMATE_MAX_AGE_DAYS,
) -> tuple[dict[dt.date, pd.DataFrame], dict[dt.date, ConsensusUse]]:
    """EPS inputs per as-of date (code, fy0, eps_fy0..eps_fy3) and the snapshots used."""
    import numpy as np
    import pandas as pd

    code_list = list(codes)
    rows = reader.eps_rows(code_list)
    position = pd.Series(np.arange(len(code_list)), index=pd.Index(code_list))
    out: dict[dt.date, pd.DataFrame] = {}
    used: dict[dt.date, ConsensusUse] = {}
    for d in as_of:
        base_fy0 = fiscal_year0(d)
        cols = {f"eps_fy{k}": np.full(len(code_list), np.nan) for k in range(4)}
        fy0s = np.full(len(code_list), base_fy0, dtype="int64")
        use = ConsensusUse(base_fy0, max_age_days)
        avail = rows[rows["snapshot_date"] <= pd.Timestamp(d)]
        if len(avail):
            latest = avail.groupby("code")["snapshot_date"].transform("max")
            snap = avail[avail["snapshot_date"] == latest]
            per_code = snap.groupby("code")["snapshot_date"].first().to_frame("snapshot")
            actuals = snap[snap["kind"] == "actual"].groupby("code")["fiscal_year"].max()
            last_actual = actuals.reindex(per_code.index).fillna(base_fy0)
            fy0_of = last_actual.clip(lower=base_fy0).astype("int64")
            fresh_of = (pd.Timestamp(d) - per_code["snapshot"]).dt.days <= max_age_days
            fy0s[position[per_code.index].to_numpy()] = fy0_of.to_numpy()
            k = snap["fiscal_year"].to_numpy() - snap["code"].map(fy0_of).to_numpy()
            kind = snap["kind"].to_numpy()
            fresh = snap["code"].map(fresh_of).to_numpy(dtype=bool)
            at = position[snap["code"]].to_numpy()
            eps = snap["eps"].to_numpy(dtype="float64", na_value=np.nan)
            take0 = (k == 0) & (kind == "actual")
            cols["eps_fy0"][at[take0]] = eps[take0]
            for j in (1, 2, 3):
                take = (k == j) & (kind == "estimate") & fresh
                cols[f"eps_fy{j}"][at[take]] = eps[take]
            use.snapshot = {str(c): s.date() for c, s in per_code["snapshot"].items()}
            use.stale = {str(c) for c in fresh_of.index[~fresh_of.to_numpy()]}
            has0 = set(snap.loc[take0, "code"].tolist())
            use.no_actual = {str(c) for c in per_code.index if c not in has0}
        frame = pd.DataFrame({"code": code_list, **cols})
        frame["fy0"] = pd.array(fy0s, dtype="Int64")
        out[d] = frame
        used[d] = use
    return out, used
