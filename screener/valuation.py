"""Valuation and consensus-EPS fields as of many dates, from the store.

* Valuation (pe_ttm, pb, ps_ttm, market_cap): the latest valuation row dated on or before
  the as-of date, if it is at most 31 days old. Non-positive multiples (losses, negative
  book) are unavailable.
* Consensus EPS: the latest snapshot taken on or before the as-of date. fy0 is the last
  fiscal year the snapshot reports as actual (else the year before its first estimate);
  eps_fyK is the EPS of fiscal year fy0+K.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from naion.fx import rate_on, rate_series

if TYPE_CHECKING:
    import pandas as pd

    from naion.store import Reader

MAX_AGE_DAYS = 31
VALUATION_FIELDS = ("pe_ttm", "pb", "ps_ttm", "market_cap", "market_cap_base")


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

    targets = pd.DataFrame(
        {
            "code": np.tile(np.asarray(list(codes), dtype=object), len(as_of)),
            "as_of": np.repeat(np.asarray(as_of, dtype="datetime64[us]"), len(codes)),
        }
    )
    con = reader._con
    con.register("_targets", targets)
    try:
        limit = "" if reader.as_of is None else " WHERE date <= ?"
        params = [] if reader.as_of is None else [reader.as_of]
        rows = con.execute(
            "SELECT t.code, t.as_of, v.date, v.pe_ttm, v.pb, v.ps_ttm, v.total_mv"
            " FROM _targets t ASOF LEFT JOIN (SELECT * FROM valuation" + limit + ") v"
            " ON t.code = v.code AND t.as_of >= v.date",
            params,
        ).df()
    finally:
        con.unregister("_targets")
    rows["as_of"] = pd.to_datetime(rows["as_of"])
    age = (rows["as_of"] - pd.to_datetime(rows["date"])).dt.days
    fresh = age.le(MAX_AGE_DAYS).fillna(False).to_numpy(dtype=bool)
    for col in ("pe_ttm", "pb", "ps_ttm", "total_mv"):
        v = rows[col].to_numpy(dtype="float64", na_value=np.nan)
        rows[col] = np.where(fresh & (v > 0), v, np.nan)
    rows = rows.rename(columns={"total_mv": "market_cap"})
    rows["market_cap_base"] = rows["market_cap"] * _fx_to_base(reader, rows, currencies, base)
    out = {}
    for d in as_of:
        part = rows[rows["as_of"] == pd.Timestamp(d)]
        out[d] = part[["code", *VALUATION_FIELDS]].reset_index(drop=True)
    return out


def _fx_to_base(
    reader: Reader, rows: pd.DataFrame, currencies: dict[str, str], base: str
) -> pd.Series:
    import numpy as np
    import pandas as pd

    factor = pd.Series(np.nan, index=rows.index)
    cur = pd.Series([currencies.get(c, "CNY") for c in rows["code"].tolist()], index=rows.index)
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


def eps_at(
    reader: Reader, codes: Sequence[str], as_of: Sequence[dt.date]
) -> tuple[dict[dt.date, pd.DataFrame], dict[dt.date, dt.date | None]]:
    """EPS inputs per as-of date (code, fy0, eps_fy0..eps_fy3) and the snapshot used."""
    import numpy as np
    import pandas as pd

    con = reader._con
    limit = "" if reader.as_of is None else " WHERE snapshot_date <= ?"
    con.register("_eps_codes", pd.DataFrame({"code": list(codes)}))
    try:
        rows = con.execute(
            "SELECT code, snapshot_date, fiscal_year, kind, eps FROM"
            " (SELECT * FROM eps" + limit + ") JOIN _eps_codes USING (code)",
            [] if reader.as_of is None else [reader.as_of],
        ).df()
    finally:
        con.unregister("_eps_codes")
    rows["snapshot_date"] = pd.to_datetime(rows["snapshot_date"])
    out: dict[dt.date, pd.DataFrame] = {}
    used: dict[dt.date, dt.date | None] = {}
    position = {c: i for i, c in enumerate(codes)}
    for d in as_of:
        avail = rows[rows["snapshot_date"] <= pd.Timestamp(d)]
        cols = {f"eps_fy{k}": np.full(len(codes), np.nan) for k in range(4)}
        fy0s = np.full(len(codes), np.nan)
        used[d] = None
        if not avail.empty:
            latest = avail.groupby("code")["snapshot_date"].transform("max")
            snap = avail[avail["snapshot_date"] == latest]
            used[d] = snap["snapshot_date"].max().date()
            for code, g in snap.groupby("code"):
                i = position[str(code)]
                actual = g.loc[g["kind"] == "actual", "fiscal_year"]
                fy0 = int(actual.max()) if len(actual) else int(g["fiscal_year"].min()) - 1
                fy0s[i] = fy0
                years = dict(zip(g["fiscal_year"].astype(int), g["eps"].astype(float), strict=True))
                for k in range(4):
                    if fy0 + k in years:
                        cols[f"eps_fy{k}"][i] = years[fy0 + k]
        frame = pd.DataFrame({"code": list(codes), **cols})
        frame["fy0"] = pd.array(fy0s, dtype="Float64").astype("Int64")
        out[d] = frame
    return out, used
