"""Market rules as arrays, for the kernel: lots, stamp duty, commission, price limits, FX pairs.

Lots (real shares)
    A-share main board and ChiNext: buys in 100-share lots. STAR: every order >= 200 shares,
    BSE: >= 100, then any whole share. HK: the listing's board lot (none known: fractional,
    noted). US: whole shares. Sells: a lot-multiple of at least the minimum, or the whole
    holding when that is nearer; a holding below the minimum (an odd remainder) can only be
    sold whole, in one order, as the exchanges require.
Commission
    max(bps x traded value, per-order minimum in the listing currency at the day's FX).
Stamp duty (by trade date)
    A-shares: sells only, 0.1% until 2023-08-27, 0.05% from 2023-08-28. Hong Kong: buys and
    sells, 0.1% until 2021-07-31, 0.13% from 2021-08-01, 0.1% again from 2023-11-17. US: none.
A-share daily price limits
    Main board ±10%, ChiNext ±20% (±10% before 2020-08-24), STAR ±20%, BSE ±30%; ±5% on days
    the store knows a main-board (or pre-reform ChiNext) name was ST. None on the first five
    trading days of a STAR / ChiNext (from 2020-08-24) / main-board (from 2023-04-10) listing,
    on the first day of any other. A name closing at its upper limit cannot be bought, at its
    lower limit cannot be sold: the order waits (see :mod:`strategies.kernel`). The limit price
    is the reference close x (1 ± limit) rounded to the cent; the reference is the previous
    unadjusted close (on an ex-date: today's close x the adjusted series' return). Where no
    unadjusted close is held, a close-to-close adjusted move within 0.2 pp of the limit counts.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

MARKETS = ("A", "HK", "US")
MARKET_INDEX = {m: i for i, m in enumerate(MARKETS)}
# the stored FX pair (units of CNY per 1 unit) of each currency
FX_PAIRS = {"USD": "USDCNY", "HKD": "HKDCNY"}
# where a market's trading days come from when the store holds no exchange calendar
CALENDAR_SOURCES = {"A": ("000300.SH",), "US": ("SPX", "SPY"), "HK": ()}

_STAMP = {
    "A": ((dt.date(1900, 1, 1), 0.001), (dt.date(2023, 8, 28), 0.0005)),
    "HK": (
        (dt.date(1900, 1, 1), 0.001),
        (dt.date(2021, 8, 1), 0.0013),
        (dt.date(2023, 11, 17), 0.001),
    ),
}
_STAMP_ON_BUYS = {"A": False, "HK": True, "US": False}
_CHINEXT_REFORM = dt.date(2020, 8, 24)
_MAIN_BOARD_REGISTRATION = dt.date(2023, 4, 10)
_FREE_DAYS = 5  # trading days without a limit after a registration-system listing


def fx_pairs(currencies: set[str], base: str) -> list[str]:
    """The stored pairs a run with listings in ``currencies`` converts through to ``base``."""
    every = set(currencies) | {base}
    if len(every) < 2:
        return []
    return sorted(FX_PAIRS[c] for c in every if c in FX_PAIRS)


def stamp_rate(market: str, day: dt.date, sell: bool) -> float:
    """Stamp duty as a fraction of traded value for one order."""
    steps = _STAMP.get(market)
    if not steps or (not sell and not _STAMP_ON_BUYS.get(market, False)):
        return 0.0
    rate = 0.0
    for first, r in steps:
        if day >= first:
            rate = r
    return rate


def stamp_table(dates: np.ndarray) -> np.ndarray:
    """``[T, 3 markets, 2 sides (buy, sell)]`` stamp-duty rates by trade date."""
    import numpy as np

    d = np.asarray(dates).astype("datetime64[D]")
    out = np.zeros((len(d), len(MARKETS), 2))
    for m, market in enumerate(MARKETS):
        for side in (0, 1):
            if side == 0 and not _STAMP_ON_BUYS.get(market, False):
                continue
            for first, rate in _STAMP.get(market, ()):
                out[d >= np.datetime64(first, "D"), m, side] = rate
    return out


def lot_rule(code: str, market: str, member_lot: int | None) -> tuple[float, float]:
    """(lot, minimum order) in real shares; (0, 0) = fractional (no lot known)."""
    from universes.codes import board_of

    if market == "HK":
        return (float(member_lot), float(member_lot)) if member_lot else (0.0, 0.0)
    if market == "US":
        return 1.0, 1.0
    b = board_of(code)
    return float(member_lot or b.lot), float(member_lot or b.min_order)


def limit_matrix(
    codes: list[str], dates: np.ndarray, listed_row: np.ndarray, st: np.ndarray
) -> np.ndarray:
    """``[T, N]`` daily price limit of A-shares (0.1 = ±10%; 0 = no limit that day).

    ``listed_row[j]``: the row of listing j's first trading day (-1: listed before the rows or
    unknown); ``st``: ``[T, N]`` bool, the days the store knows j traded as ST.
    """
    import numpy as np

    from universes.codes import board_of

    d = np.asarray(dates).astype("datetime64[D]")
    T, N = len(d), len(codes)
    boards = [board_of(c).name for c in codes]
    after_reform = (d >= np.datetime64(_CHINEXT_REFORM, "D"))[:, None]
    lim = np.full((T, N), 0.1)
    star = np.array([b == "STAR" for b in boards], dtype=np.bool_)
    chinext = np.array([b == "ChiNext" for b in boards], dtype=np.bool_)
    bse = np.array([b == "BSE" for b in boards], dtype=np.bool_)
    main = ~(star | chinext | bse)
    lim[:, star] = 0.2
    lim[:, bse] = 0.3
    lim = np.where(chinext[None, :] & after_reform, 0.2, lim)
    lim = np.where(st & (lim == 0.1), 0.05, lim)
    row = np.asarray(listed_row)
    known = (row >= 0) & (row < T)
    first = d[np.clip(row, 0, max(T - 1, 0))] if T else d
    registration = known & (
        star
        | (chinext & (first >= np.datetime64(_CHINEXT_REFORM, "D")))
        | (main & (first >= np.datetime64(_MAIN_BOARD_REGISTRATION, "D")))
    )
    free = np.where(registration, _FREE_DAYS, np.where(known, 1, 0))
    since = np.arange(T)[:, None] - row[None, :]
    lim[(since >= 0) & (since < free[None, :])] = 0.0
    return lim


def _cent(x: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.floor(x * 100.0 + 0.5 + 1e-7) / 100.0  # exchanges round half up


def limit_flags(
    raw: np.ndarray, adj: np.ndarray, bar: np.ndarray, lim: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``(at_upper, at_lower)`` ``[T, N]``: the listing closed at its limit that day.

    ``raw``: unadjusted closes on the days held (NaN elsewhere); ``adj``: the run's adjusted
    closes carried forward; ``bar``: a bar that day; ``lim``: :func:`limit_matrix`.
    """
    import numpy as np

    T = raw.shape[0]
    up = np.zeros(raw.shape, dtype=np.bool_)
    dn = np.zeros(raw.shape, dtype=np.bool_)
    if T < 2:
        return up, dn
    carried = carry_forward(raw)
    with np.errstate(invalid="ignore", divide="ignore"):
        r0, r1 = carried[:-1], raw[1:]
        a0, a1 = adj[:-1], adj[1:]
        k0, k1 = a0 / r0, a1 / r1
        same_basis = np.isfinite(k0) & np.isfinite(k1) & (np.abs(k1 / k0 - 1.0) < 1e-6)
        # the reference close: yesterday's, or on an ex-date today's close x the adjusted move
        ref = np.where(same_basis, r0, r1 * a0 / a1)
        tol = np.where(same_basis, 1e-6, 0.01)
        hi, lo = _cent(ref * (1.0 + lim[1:])), _cent(ref * (1.0 - lim[1:]))
        have_raw = np.isfinite(ref) & np.isfinite(r1)
        move = a1 / a0 - 1.0
        u = np.where(have_raw, r1 >= hi - tol, move >= lim[1:] - 0.002)
        w = np.where(have_raw, r1 <= lo + tol, move <= -lim[1:] + 0.002)
        ok = bar[1:] & (lim[1:] > 0) & np.isfinite(move)
    up[1:] = ok & u
    dn[1:] = ok & w
    return up, dn


def carry_forward(a: np.ndarray) -> np.ndarray:
    """Each NaN replaced by the last finite value above it in its column (NaN before any)."""
    import numpy as np

    if a.shape[0] == 0:
        return a.copy()
    ok = np.isfinite(a)
    idx = np.where(ok, np.arange(a.shape[0]).reshape((-1,) + (1,) * (a.ndim - 1)), 0)
    np.maximum.accumulate(idx, axis=0, out=idx)
    out = np.take_along_axis(a, idx, axis=0)
    out[~np.take_along_axis(ok, idx, axis=0)] = np.nan
    return out
