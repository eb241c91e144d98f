"""Price-derived fields (close, liquidity, returns, volatility, drawdown) for many codes and dates.

Prices come from the store as dense ``[day, code]`` arrays (:meth:`naion.store.Reader.matrix`,
one query per market), prepared once and kept with the store (:meth:`Reader.memo`); every
as-of date is then a row lookup plus one window reduction per declared field
(:func:`screener.fields.price_field`), so a screen at every month-end costs little more than
one screen.

Point-in-time rules (also in ``naion screen --fields``); a date's values never depend on the
other dates screened with it:

* A market's trading days are the dates on which any of the loaded codes has a bar.
* A code whose last bar of any kind is more than 31 days old (suspended, delisted) has no
  price fields at all.
* Each field is computed on one price *basis* per (as-of date, code), chosen from what is
  held up to that date: a series is usable for a field when it has a bar on every day in
  the field's window on which the code has any bar (it neither starts late, ends early nor
  has holes there), and when the window's first value is a bar inside the field's
  calendar lookback. Adjusted fields (returns, volatility, drawdown) use the forward-adjusted
  (qfq) series when it is usable, else the unadjusted one (a fallback, said in the notes),
  else they are unavailable; ``close`` and ``adv_20d`` use unadjusted bars only. Two bases
  are never chained inside one window.
* ``adv_20d`` counts a day without a bar as 0 and is unavailable when a bar in its window
  has no traded value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from screener.fields import STALE_DAYS, Field, price_fields

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from naion.store import Reader

_BASES = ("none", "qfq")


@dataclass
class Prepared:
    """The arrays every price field reads, for the codes of one market over one window."""

    dates: np.ndarray  # datetime64[D], ascending
    codes: list[str]
    close: dict[str, np.ndarray]  # basis -> [T, N] closes carried over days without a bar
    last: dict[str, np.ndarray]  # basis or "any" -> [T, N] index of the last bar so far, -1
    lags: dict[str, np.ndarray]  # basis -> [T, N] running count of days it misses a bar
    amount: np.ndarray  # [T, N] traded value; 0 without a bar; NaN where a bar lacks it


@dataclass
class PriceFields:
    """Price fields of one market at one date, plus which codes fell back to raw closes."""

    frame: pd.DataFrame
    fallback: dict[str, list[str]]  # field -> codes computed on unadjusted closes


def load_prices(
    reader: Reader, market: str, codes: Sequence[str] | None, start: dt.date, end: dt.date
) -> Prepared:
    """Prepared arrays of ``codes`` of ``market`` (None: all of it) in [start, end].

    Kept with the store (shared by its as-of readers, dropped on writes), so repeated screens
    over one store read it once.
    """
    if reader.as_of is not None:
        end = min(end, reader.as_of)
    key = ("screener.prices", market, tuple(codes) if codes is not None else None, start, end)
    return reader.memo(key, lambda: _prepare(reader, market, codes, start, end))


def _prepare(
    reader: Reader, market: str, codes: Sequence[str] | None, start: dt.date, end: dt.date
) -> Prepared:
    import numpy as np

    m = reader.matrix(
        list(codes) if codes is not None else None,
        adjusts=_BASES,
        fields=("close", "amount"),
        start=start,
        end=end,
        market=market,
    )
    closes = {b: m.get(b, "close") for b in _BASES}
    last = {b: _last_bar(closes[b]) for b in _BASES}
    last["any"] = np.maximum(last["none"], last["qfq"])
    lags = {b: np.cumsum(last[b] != last["any"], axis=0, dtype=np.int32) for b in _BASES}
    raw = closes["none"]
    amount = np.where(np.isfinite(raw), m.get("none", "amount"), 0.0)
    return Prepared(
        dates=m.dates,
        codes=list(m.codes),
        close={b: _carry(closes[b], last[b]) for b in _BASES},
        last=last,
        lags=lags,
        amount=amount,
    )


def _carry(a: np.ndarray, last: np.ndarray) -> np.ndarray:
    """``a`` with each column's last finite value carried forward (``last``: its row)."""
    import numpy as np

    out = a[np.maximum(last, 0), np.arange(a.shape[1])[None, :]]
    out[last < 0] = np.nan
    return out


def _last_bar(a: np.ndarray) -> np.ndarray:
    import numpy as np

    idx = np.where(np.isfinite(a), np.arange(a.shape[0])[:, None], -1)
    np.maximum.accumulate(idx, axis=0, out=idx)
    return idx


def price_values(
    p: Prepared, as_of: Sequence[dt.date], needed: set[str] | None = None
) -> dict[dt.date, PriceFields]:
    """The declared price fields in ``needed`` (None: all) of every code at each date."""
    import numpy as np
    import pandas as pd

    fields = price_fields(needed)
    n = len(p.codes)
    out: dict[dt.date, PriceFields] = {}
    for d in as_of:
        day = np.datetime64(d, "D")
        t = int(np.searchsorted(p.dates, day, side="right")) - 1
        cols: dict[str, np.ndarray] = {}
        fallback: dict[str, list[str]] = {}
        for f in fields:
            values, raw_used = _field_at(p, f, t, day)
            cols[f.name] = values
            if raw_used is not None and raw_used.any():
                fallback[f.name] = [p.codes[i] for i in np.flatnonzero(raw_used)]
        frame = pd.DataFrame({"code": p.codes, **cols}) if n else pd.DataFrame({"code": []})
        out[d] = PriceFields(frame, fallback)
    return out


def _field_at(
    p: Prepared, f: Field, t: int, day: np.datetime64
) -> tuple[np.ndarray, np.ndarray | None]:
    """One field at row ``t`` (the as-of day's row); also the codes on raw closes."""
    import numpy as np

    n = len(p.codes)
    values = np.full(n, np.nan)
    k = f.window
    lo = int(np.searchsorted(p.dates, day - np.timedelta64(f.lookback, "D"), side="left"))
    if t < 0 or t - k < lo:
        return values, None
    last_any = p.last["any"][t]
    stale_before = day - np.timedelta64(STALE_DAYS, "D")
    fresh = (last_any >= 0) & (p.dates[np.maximum(last_any, 0)] >= stale_before)

    def usable(basis: str) -> np.ndarray:
        lags = p.lags[basis]
        missed = lags[t] - (lags[t - k - 1] if t - k - 1 >= 0 else 0)
        return fresh & (missed == 0) & (p.last[basis][t - k] >= lo)

    use_raw = usable("none")
    use_q = np.zeros(n, dtype=bool)
    if f.basis == "adjusted":
        use_q = usable("qfq")
        use_raw &= ~use_q
    sel = np.flatnonzero(use_q | use_raw)
    if not len(sel):
        return values, use_raw if f.basis == "adjusted" else None
    window = slice(t - k, t + 1)
    arrays = []
    for name in f.inputs:
        if name == "close":
            raw = p.close["none"][window, sel]
            if f.basis == "adjusted":
                arrays.append(np.where(use_q[sel], p.close["qfq"][window, sel], raw))
            else:
                arrays.append(raw)
        elif name == "amount":
            arrays.append(p.amount[window, sel])
        else:
            raise ValueError(f"{f.name}: unknown input {name!r}")
    assert f.compute is not None
    with np.errstate(invalid="ignore", divide="ignore"):
        got = np.asarray(f.compute(*arrays), dtype="float64")
    values[sel] = np.where(np.isfinite(got), got, np.nan)
    return values, (use_raw & np.isfinite(values)) if f.basis == "adjusted" else None
