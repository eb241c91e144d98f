"""Market fields (close, liquidity, returns, volatility, drawdown) for many codes and dates.

Prices are loaded once per market as dense matrices (trading day × code) straight from
DuckDB, then every requested as-of date is one row lookup plus a few window reductions, so
a screen at every month-end costs little more than one screen.

Conventions (also in ``naion screen --fields``):

* A market's trading days are the dates on which any of its codes has a bar in the store.
* ``close`` is the last unadjusted close on or before the as-of date, at most 31 days old;
  a code whose last price of any kind is older than that (suspended, delisted) has no
  market fields at all.
* Returns, volatility and drawdown use forward-adjusted (qfq) closes where the store holds
  a qfq series for the code, else unadjusted closes; closes are carried forward over
  suspended days; each needs its full window of history (21/63/252 days for returns, 61
  closes for vol_60d, 252 for drawdown_1y), else the field is unavailable.
* ``adv_20d`` = total traded value over the last 20 trading days / 20 (a day without a
  trade counts as zero).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from naion.store import Reader

STALE_DAYS = 31
LOOKBACK_DAYS = 420  # calendar days that surely hold 252 trading days plus holidays
# the history each field needs, in calendar days (trading-day windows plus holidays)
_FIELD_LOOKBACK = {
    "ret_12m": LOOKBACK_DAYS,
    "drawdown_1y": LOOKBACK_DAYS,
    "ret_3m": 150,
    "vol_60d": 150,
    "ret_1m": 75,
    "adv_20d": 75,
    "close": 45,
}


def lookback_days(needed: set[str] | None) -> int:
    """Calendar days of prices to load before the first as-of date for ``needed`` fields."""
    if needed is None:
        return LOOKBACK_DAYS
    return max([_FIELD_LOOKBACK.get(f, 0) for f in needed] + [45])


WINDOWS = {"ret_1m": 21, "ret_3m": 63, "ret_12m": 252}
MARKET_FIELDS = ("close", "adv_20d", "ret_1m", "ret_3m", "ret_12m", "vol_60d", "drawdown_1y")


@dataclass
class PriceMatrix:
    """Dense daily matrices for the codes of one market."""

    dates: np.ndarray  # datetime64[D], ascending
    codes: list[str]
    close: np.ndarray  # [T, N] unadjusted close, NaN where no bar
    amount: np.ndarray  # [T, N] traded value, NaN where unknown
    adj: np.ndarray  # [T, N] qfq close where held for the code, else the unadjusted close


def codes_source(reader: Reader, codes: Sequence[str] | None, market: str) -> str:
    """A SQL relation of the codes to load (registered as a view; caller unregisters)."""
    import pandas as pd

    con = reader._con
    if codes is not None:
        con.register("_scr_codes", pd.DataFrame({"code": list(dict.fromkeys(codes))}))
        return "_scr_codes"
    if market == "A":
        # all A-shares held, without B shares (quoted in USD/HKD)
        sql = (
            "SELECT code FROM securities WHERE market = 'A'"
            " AND NOT (code LIKE '900%.SH' OR code LIKE '200%.SZ')"
        )
    else:
        sql = f"SELECT code FROM securities WHERE market = '{market}'"
    con.register("_scr_codes", con.execute(sql).df())
    return "_scr_codes"


_CACHE: dict[tuple[object, ...], PriceMatrix] = {}
_CACHE_SIZE = 4


def _store_token(reader: Reader) -> tuple[object, ...]:
    """Changes whenever bars are written (every write of bars also updates coverage)."""
    con = reader._con
    files = tuple(r[2] for r in con.execute("PRAGMA database_list").fetchall())
    rows = con.execute("SELECT max(updated_at), count(*) FROM coverage").fetchall()
    return (files, *rows[0])


def load_matrix(
    reader: Reader,
    market: str,
    codes: Sequence[str] | None,
    start: dt.date,
    end: dt.date,
) -> PriceMatrix:
    """Matrices of the codes of ``market`` (None: every code of the market) in [start, end].

    Loaded matrices are kept for the process (a few, keyed by store state and request), so
    repeated screens over one store read it once.
    """
    if reader.as_of is not None:
        end = min(end, reader.as_of)
    key = (_store_token(reader), market, tuple(codes) if codes is not None else None, start, end)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    matrix = _load_matrix(reader, market, codes, start, end)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = matrix
    return matrix


def _load_matrix(
    reader: Reader, market: str, codes: Sequence[str] | None, start: dt.date, end: dt.date
) -> PriceMatrix:
    import numpy as np

    con = reader._con
    src = codes_source(reader, codes, market)
    try:
        code_list = [
            str(c)
            for c in con.execute(f"SELECT code FROM {src} ORDER BY code").fetchnumpy()["code"]
        ]
        rows = con.execute(
            "SELECT c.ci, (b.date - ?::DATE)::INTEGER AS di, b.adjust = 'qfq' AS q, b.close,"
            " b.amount FROM bars b JOIN (SELECT code, (row_number() OVER (ORDER BY code) - 1)"
            f"::INTEGER AS ci FROM {src}) c USING (code)"
            " WHERE b.adjust IN ('none', 'qfq') AND b.date BETWEEN ? AND ?",
            [start, start, end],
        ).fetchnumpy()
    finally:
        con.unregister("_scr_codes")
    ci = np.asarray(rows["ci"], dtype=np.int64)
    di = np.asarray(rows["di"], dtype=np.int64)
    present = np.zeros(int(di.max()) + 1 if len(di) else 0, dtype=bool)
    present[di] = True
    days = np.flatnonzero(present)
    ti = (np.cumsum(present) - 1)[di]
    dates = np.datetime64(start, "D") + days.astype("timedelta64[D]")
    shape = (len(dates), len(code_list))
    close = np.full(shape, np.nan)
    amount = np.full(shape, np.nan)
    adj = np.full(shape, np.nan)
    q = np.asarray(rows["q"], dtype=bool)
    cl = np.asarray(rows["close"], dtype="float64")
    am = np.asarray(rows["amount"], dtype="float64")
    close[ti[~q], ci[~q]] = cl[~q]
    amount[ti[~q], ci[~q]] = am[~q]
    adj[ti[q], ci[q]] = cl[q]
    has_qfq = np.zeros(len(code_list), dtype=bool)
    has_qfq[ci[q]] = True
    adj[:, ~has_qfq] = close[:, ~has_qfq]
    return PriceMatrix(dates, code_list, close, amount, adj)


def _ffill(a: np.ndarray) -> np.ndarray:
    """Carry the last finite value forward along axis 0."""
    import numpy as np

    idx = np.where(np.isfinite(a), np.arange(a.shape[0])[:, None], 0)
    np.maximum.accumulate(idx, axis=0, out=idx)
    out = a[idx, np.arange(a.shape[1])[None, :]]
    return out


def _last_trade_index(a: np.ndarray) -> np.ndarray:
    import numpy as np

    idx = np.where(np.isfinite(a), np.arange(a.shape[0])[:, None], -1)
    np.maximum.accumulate(idx, axis=0, out=idx)
    return idx


def market_fields(m: PriceMatrix, as_of: Sequence[dt.date]) -> dict[dt.date, pd.DataFrame]:
    """Market fields of every code in ``m`` at each as-of date (one frame per date)."""
    import numpy as np
    import pandas as pd

    out: dict[dt.date, pd.DataFrame] = {}
    n = len(m.codes)
    empty = {f: np.full(n, np.nan) for f in MARKET_FIELDS}
    if not len(m.dates):
        for d in as_of:
            out[d] = pd.DataFrame({"code": m.codes, **empty})
        return out
    close_ff = _ffill(m.close)
    adj_ff = _ffill(m.adj)
    last_idx = _last_trade_index(m.adj)
    last_raw = _last_trade_index(m.close)
    traded = np.nan_to_num(m.amount, nan=0.0)
    for d in as_of:
        t = int(np.searchsorted(m.dates, np.datetime64(d, "D"), side="right")) - 1
        if t < 0:
            out[d] = pd.DataFrame({"code": m.codes, **empty})
            continue
        li = last_idx[t]
        last_dates = np.where(li >= 0, m.dates[np.maximum(li, 0)], np.datetime64("NaT"))
        fresh = (li >= 0) & (
            (np.datetime64(d, "D") - last_dates).astype("timedelta64[D]").astype("float64")
            <= STALE_DAYS
        )
        cols = {f: np.full(n, np.nan) for f in MARKET_FIELDS}
        raw_dates = np.where(
            last_raw[t] >= 0, m.dates[np.maximum(last_raw[t], 0)], np.datetime64("NaT")
        )
        raw_fresh = (last_raw[t] >= 0) & (
            (np.datetime64(d, "D") - raw_dates).astype("timedelta64[D]").astype("float64")
            <= STALE_DAYS
        )
        cols["close"] = np.where(raw_fresh, close_ff[t], np.nan)
        now = adj_ff[t]
        for name, k in WINDOWS.items():
            if t - k >= 0:
                with np.errstate(invalid="ignore", divide="ignore"):
                    cols[name] = now / adj_ff[t - k] - 1.0
        if t - 19 >= 0:
            adv = traded[t - 19 : t + 1].sum(axis=0) / 20.0
            has_amount = np.isfinite(m.amount[t - 19 : t + 1]).any(axis=0)
            cols["adv_20d"] = np.where(raw_fresh & has_amount, adv, np.nan)
        if t - 60 >= 0:
            w = adj_ff[t - 60 : t + 1]
            full = np.isfinite(w).all(axis=0)
            r = w[1:] / w[:-1] - 1.0
            vol = np.full(n, np.nan)
            if full.any():
                vol[full] = r[:, full].std(axis=0, ddof=1) * np.sqrt(252.0)
            cols["vol_60d"] = vol
        if t - 251 >= 0:
            w = adj_ff[t - 251 : t + 1]
            full = np.isfinite(w[0])
            dd = np.full(n, np.nan)
            if full.any():
                dd[full] = now[full] / np.nanmax(w[:, full], axis=0) - 1.0
            cols["drawdown_1y"] = dd
        for f in MARKET_FIELDS[2:]:
            cols[f] = np.where(fresh & np.isfinite(cols[f]), cols[f], np.nan)
        out[d] = pd.DataFrame({"code": m.codes, **cols})
    return out
