"""Equal-weight basket levels of a universe, for charting the thesis against prices.

This is a chart, not a backtest: no costs, lots, limits or cash. The conventions:

* prices are forward-adjusted closes (``qfq``, total-return-like); a listing without any
  adjusted close in the window uses its unadjusted close, and a note says so;
* every close is converted to the base currency at that day's FX close (the last rate on or
  before the day);
* on each day the basket's return is the plain mean of its members' returns that day
  (equal weight, rebalanced daily), close to close; a listing's last close is carried over days
  its market is closed (so only FX moves it) but never past its last close held;
* a member counts from its ``listed``/``since`` date to its ``delisted``/``until`` date;
  successions and cash-outs are not followed (the listing simply leaves the basket);
* a day on which no member has a price is a gap (NaN); after it the level resumes where it
  stopped, and the change over the gap is not counted (a note names the gap).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from naion.errors import NotInStoreError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from naion.store import Reader
    from universes.model import Member, Universe

CONVENTIONS = (
    "Baskets: equal weight, rebalanced daily, close to close, from forward-adjusted closes"
    " (unadjusted where a listing has none), in the base currency at each day's FX close; a chart,"
    " not a backtest (no costs, lots or trading rules)."
)
_LOOKBACK_DAYS = 14  # calendar days read before start, to have a close to start from


@dataclass
class Basket:
    """Daily levels (100 on the first priced day) of one universe's equal-weight basket."""

    name: str
    title: str
    base: str
    level: pd.Series  # indexed by date; NaN on gap days
    members: pd.Series  # members with a return that day
    notes: list[str] = field(default_factory=list)


def _life(m: Member) -> tuple[dt.date | None, dt.date | None]:
    lo = max((d for d in (m.listed, m.since) if d), default=None)
    hi = min((d for d in (m.delisted, m.until) if d), default=None)
    return lo, hi


def _ffill_within(col: np.ndarray) -> np.ndarray:
    """Carry each value forward, from the first finite value to the last one only."""
    import numpy as np

    ok = np.isfinite(col)
    if not ok.any():
        return col
    idx = np.where(ok, np.arange(len(col)), -1)
    np.maximum.accumulate(idx, out=idx)
    out = np.where(idx >= 0, col[np.maximum(idx, 0)], np.nan)
    last = np.flatnonzero(ok)[-1]
    out[last + 1 :] = np.nan
    return out


def equal_weight(
    reader: Reader, universe: Universe, start: dt.date, end: dt.date, base: str = "CNY"
) -> Basket:
    """The equal-weight basket of ``universe`` from ``start`` to ``end`` in ``base`` currency."""
    import numpy as np
    import pandas as pd

    from naion.fx import rate_on, rate_series

    base = base.upper()
    members = [m for m in universe.members if m.kind != "index"]
    codes = [m.code for m in members]
    notes: list[str] = []
    mx = reader.matrix(
        codes, ("qfq", "none"), ("close",), start - dt.timedelta(days=_LOOKBACK_DAYS), end
    )
    dates = pd.DatetimeIndex(mx.dates.astype("datetime64[us]"))
    n = len(dates)
    in_window = np.asarray(dates >= pd.Timestamp(start))
    prices = np.full((n, len(codes)), np.nan)
    fx_cache: dict[str, np.ndarray | None] = {}
    for j, m in enumerate(members):
        q, raw = mx.get("qfq")[:, j], mx.get("none")[:, j]
        if np.isfinite(q[in_window]).any():
            col = q
        elif np.isfinite(raw[in_window]).any():
            col = raw
            notes.append(f"{m.code}: no adjusted close held, unadjusted closes used")
        else:
            notes.append(f"{m.code}: no close held from {start} to {end}; left out")
            continue
        cur = (m.currency or "CNY").upper()
        if cur not in fx_cache:
            try:
                series = rate_series(reader, cur, base, None, end)
                fx_cache[cur] = (
                    np.ones(n)
                    if cur == base
                    else rate_on(series, dates).to_numpy(dtype="float64", na_value=np.nan)
                )
            except NotInStoreError:
                fx_cache[cur] = None
                notes.append(f"no FX rate {cur}->{base} held: {cur} listings left out")
        rate = fx_cache[cur]
        if rate is None:
            continue
        local = _ffill_within(col.astype("float64"))
        lo, hi = _life(m)
        alive = np.ones(n, dtype=bool)
        if lo is not None:
            alive &= np.asarray(dates >= pd.Timestamp(lo))
        if hi is not None:
            alive &= np.asarray(dates <= pd.Timestamp(hi))
        prices[:, j] = np.where(alive, local * rate, np.nan)
        held = np.flatnonzero(np.isfinite(col) & in_window & alive)
        until = min(hi, end) if hi is not None else end
        if len(held) and (until - dates[held[-1]].date()).days > _LOOKBACK_DAYS:
            why = f"before it left ({hi})" if hi is not None and hi <= end else f"before {end}"
            notes.append(
                f"{m.code}: closes held end {dates[held[-1]].date()}, {why}; out of the"
                " basket after that"
            )
    prev = np.vstack([np.full((1, len(codes)), np.nan), prices[:-1]])
    with np.errstate(invalid="ignore", divide="ignore"):
        rets = prices / prev - 1.0
    valid = np.isfinite(rets)
    count = valid.sum(axis=1)
    mean = np.where(
        count > 0, np.nansum(np.where(valid, rets, 0.0), axis=1) / np.maximum(count, 1), np.nan
    )
    priced = np.isfinite(prices).sum(axis=1)
    level = np.full(n, np.nan)
    current = np.nan
    gap_from: int | None = None
    for t in np.flatnonzero(in_window):
        if priced[t] == 0:
            if not np.isnan(current) and gap_from is None:
                gap_from = t
            continue
        if np.isnan(current):
            current = 100.0
        elif count[t] > 0:
            current *= 1.0 + mean[t]
        if gap_from is not None:
            notes.append(
                f"{universe.name}: no member priced {dates[gap_from].date()} to"
                f" {dates[t - 1].date()}; the level resumes where it stopped"
            )
            gap_from = None
        level[t] = current
    idx = dates[in_window]
    return Basket(
        universe.name,
        universe.title,
        base,
        pd.Series(level[in_window], index=idx, name=universe.name),
        pd.Series(count[in_window], index=idx, name="members"),
        notes,
    )
