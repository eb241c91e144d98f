"""The price panel of a run: every asset's close in its currency and in the base currency.

Conventions:

* Series: forward-adjusted (qfq, dividends and splits folded in, i.e. total-return-like)
  where the store holds it for the whole window, else unadjusted closes (noted per asset).
* Calendar: the union of the trading days of the markets involved (A, HK, US) in the window.
  A market's trading days are the days on which the store holds a bar of any of its
  listings (benchmark indexes included). On a day its market is closed, or a listing has
  no bar (suspended), an asset keeps its last close for valuation but cannot trade.
* FX at the close: base-currency value = local close x the FX close of the day (the last
  quote before it when FX has none).
* Successions: a predecessor's missing history before the succession date is its
  successor's price x the exchange ratio (the history joins up); on the date its shares
  convert into the successor's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from naion.errors import NotInStoreError
from naion.fx import rate_on, rate_series

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from naion.store import Reader
    from universes.model import Member

TOLERANCE_DAYS = 7  # a series may start/end this many calendar days inside the window
_CAL_SOURCES = {"A": ("000300.SH",), "US": ("SPX", "SPY"), "HK": ()}


@dataclass
class Asset:
    code: str
    market: str  # A, HK, US
    currency: str
    member: Member | None
    adjust: str = "qfq"
    first: dt.date | None = None
    last: dt.date | None = None


@dataclass
class PricePanel:
    dates: pd.DatetimeIndex
    assets: list[Asset]
    local: np.ndarray  # [T, N] carried-forward close in listing currency (NaN before listing)
    tradable: np.ndarray  # [T, N] bool: a bar exists that day (market open, not suspended)
    fx: np.ndarray  # [T, N] base currency per unit of listing currency
    share_factor: np.ndarray  # [T, N] real shares per unit of the price series (adj / raw)
    market_open: np.ndarray  # [T, N] bool: the asset's market trades that day
    notes: list[str] = field(default_factory=list)

    @property
    def codes(self) -> list[str]:
        return [a.code for a in self.assets]

    @property
    def base(self) -> np.ndarray:
        return self.local * self.fx

    def index_of(self, code: str) -> int:
        return self.codes.index(code)


def _series(reader: Reader, code: str, adjust: str, start: dt.date, end: dt.date) -> pd.Series:
    df = reader.bars([code], adjust, start, end, fields=("close",))
    s = df.set_index("date")["close"]
    s.index = s.index.astype("datetime64[us]")
    return s


def market_days(
    reader: Reader, markets: set[str], codes: Sequence[str], start: dt.date, end: dt.date
) -> pd.DatetimeIndex:
    """Union of the trading days of ``markets``: for A-shares the exchange calendar when the
    store holds it for the window, otherwise the dates with any bar of the market's listings
    (and of its benchmark index)."""
    import pandas as pd

    parts = []
    rest = set(markets)
    if "A" in rest:
        held = reader.calendar("SSE", start, end)
        if held and (held[0] - start).days <= 7 and (end - held[-1]).days <= 7:
            parts.append(pd.Series(pd.DatetimeIndex(held)))
            rest.discard("A")
    if rest:
        extra = [c for m in rest for c in _CAL_SOURCES.get(m, ())]
        df = reader.bars(list(codes) + extra, "none", start, end, fields=("close",))
        q = reader.bars(list(codes), "qfq", start, end, fields=("close",))
        parts += [df["date"], q["date"]]
    dates = pd.DatetimeIndex(pd.concat(parts).unique()).sort_values()
    return dates.astype("datetime64[us]")


def build_panel(
    reader: Reader,
    assets: list[Asset],
    start: dt.date,
    end: dt.date,
    base: str,
    required: set[str],
    allow_partial: bool = False,
) -> PricePanel:
    """Prices of ``assets`` over [start, end] in a panel; ``required`` codes must cover it.

    A required asset whose prices do not cover the window (from its listing, to its
    delisting) is an error naming it and the dates held, unless ``allow_partial``: then
    the window shrinks to the dates every required asset covers, and a note says so.
    """
    import numpy as np
    import pandas as pd

    notes: list[str] = []
    series: dict[str, pd.Series] = {}
    factors: dict[str, pd.Series] = {}
    lookback = start - dt.timedelta(days=10)  # a close to carry into the first day
    for a in assets:
        qfq = _series(reader, a.code, "qfq", lookback, end)
        raw = _series(reader, a.code, "none", lookback, end)
        a.adjust, s = _choose(qfq, raw, start, end)
        series[a.code] = s
        if a.adjust == "qfq":
            both = pd.concat([qfq.rename("q"), raw.rename("r")], axis=1).dropna()
            factors[a.code] = (both["q"] / both["r"]).rename(a.code)
    _join_successions(assets, series, notes)
    for a in assets:
        s = series[a.code]
        a.first = s.index.min().date() if len(s) else None
        a.last = s.index.max().date() if len(s) else None
    start, end = _check_coverage(assets, required, start, end, allow_partial, notes)
    open_days: dict[str, pd.DatetimeIndex] = {}
    for market in sorted({a.market for a in assets}):
        codes = [a.code for a in assets if a.market == market]
        d = market_days(reader, {market}, codes, start, end)
        open_days[market] = d[(d >= pd.Timestamp(start)) & (d <= pd.Timestamp(end))]
    days = open_days[next(iter(open_days))]
    for d in open_days.values():
        days = days.union(d)
    if len(days) == 0:
        raise NotInStoreError(f"the store holds no trading days between {start} and {end}")
    n = len(assets)
    local = np.full((len(days), n), np.nan)
    tradable = np.zeros((len(days), n), dtype=bool)
    fx = np.ones((len(days), n))
    share_factor = np.ones((len(days), n))
    market_open = np.zeros((len(days), n), dtype=bool)
    rates: dict[str, pd.Series] = {}
    for j, a in enumerate(assets):
        s = series[a.code]
        on_day = s.reindex(days)
        market_open[:, j] = days.isin(open_days[a.market])
        tradable[:, j] = on_day.notna().to_numpy() & market_open[:, j]
        carried = s.reindex(s.index.union(days)).ffill().reindex(days)
        if a.member is not None and a.member.delisted is not None:
            gone = days > pd.Timestamp(a.member.delisted)
            carried[gone] = np.nan
            tradable[gone, j] = False
        local[:, j] = carried.to_numpy()
        k = factors.get(a.code)
        if k is not None and len(k):
            share_factor[:, j] = k.reindex(k.index.union(days)).ffill().bfill().reindex(days)
        elif a.adjust == "qfq":
            notes.append(
                f"{a.code}: no unadjusted prices held, so lot sizes are applied to "
                "forward-adjusted prices (share counts approximate)"
            )
        if a.currency != base:
            if a.currency not in rates:
                rates[a.currency] = rate_series(reader, a.currency, base, end=end)
                _check_fx(rates[a.currency], a.currency, base, days)
            fx[:, j] = rate_on(rates[a.currency], days).to_numpy()
    for a in assets:
        if a.adjust == "none":
            notes.append(
                f"{a.code}: unadjusted closes (no forward-adjusted series covers the "
                "window): dividends are not in its returns"
            )
    return PricePanel(days, assets, local, tradable, fx, share_factor, market_open, notes)


def _choose(qfq: pd.Series, raw: pd.Series, start: dt.date, end: dt.date) -> tuple[str, pd.Series]:
    def span(s: pd.Series) -> int:
        if s.empty:
            return 0
        lo = max(s.index.min().date(), start)
        hi = min(s.index.max().date(), end)
        return max((hi - lo).days, 0)

    if not qfq.empty and span(qfq) >= span(raw) - TOLERANCE_DAYS:
        return "qfq", qfq
    return ("none", raw) if not raw.empty else ("qfq", qfq)


def _join_successions(assets: list[Asset], series: dict[str, pd.Series], notes: list[str]) -> None:
    """Fill a predecessor's missing history from its successor x the exchange ratio."""
    import pandas as pd

    for a in assets:
        succ = a.member.successor if a.member is not None else None
        if succ is None or succ.code not in series:
            continue
        own = series[a.code]
        other = series[succ.code]
        cut = pd.Timestamp(succ.date)
        fill = other[other.index < cut] * succ.ratio
        fill = fill[~fill.index.isin(own.index)]
        if len(fill):
            series[a.code] = pd.concat([own, fill]).sort_index()
            notes.append(
                f"{a.code}: {len(fill)} closes before {succ.date} taken from {succ.code} x "
                f"{succ.ratio:g} (the succession's exchange ratio)"
            )


def _check_coverage(
    assets: list[Asset],
    required: set[str],
    start: dt.date,
    end: dt.date,
    allow_partial: bool,
    notes: list[str],
) -> tuple[dt.date, dt.date]:
    tol = dt.timedelta(days=TOLERANCE_DAYS)
    new_start, new_end = start, end
    problems = []
    for a in assets:
        if a.code not in required:
            continue
        m = a.member
        need_from = max(start, m.listed) if m is not None and m.listed else start
        need_to = end
        if m is not None and m.delisted is not None:
            need_to = min(end, m.delisted)
        if m is not None and m.successor is not None:
            need_to = min(need_to, m.successor.date - dt.timedelta(days=1))
        if a.first is None:
            problems.append((a, f"{a.code}: the store holds no prices"))
            continue
        if a.first > need_from + tol:
            problems.append(
                (
                    a,
                    f"{a.code}: the store holds {a.adjust} prices from {a.first}; "
                    f"the run needs them from {need_from}",
                )
            )
            new_start = max(new_start, a.first)
        if a.last is not None and a.last < need_to - tol:
            problems.append(
                (
                    a,
                    f"{a.code}: the store holds {a.adjust} prices up to {a.last}; "
                    f"the run needs them up to {need_to}",
                )
            )
            new_end = min(new_end, a.last)
    if problems and not allow_partial:
        _, first_problem = problems[0]
        raise NotInStoreError(
            first_problem,
            hint=f"run 'naion data sync {problems[0][0].code}' (or 'naion data import PATH'), "
            "pick dates inside that range, or add --allow-partial",
        )
    if problems:
        if new_start >= new_end:
            raise NotInStoreError(
                "the members have no common dates in the window",
                hint="choose other dates or members",
            )
        notes.append(
            f"--allow-partial: the window shrank from {start} → {end} to {new_start} → "
            f"{new_end}, the dates every member has ({'; '.join(p for _, p in problems)})"
        )
    return new_start, new_end


def _check_fx(rates: pd.Series, cur: str, base: str, days: pd.DatetimeIndex) -> None:
    if rates.empty or rates.index.min() > days[0] + _days(TOLERANCE_DAYS):
        first = rates.index.min().date() if not rates.empty else None
        raise NotInStoreError(
            f"FX {cur}→{base}: the store holds rates from {first}, the run starts {days[0].date()}",
            hint="run 'naion data sync' or import fx/<PAIR>.csv",
        )
    if rates.index.max() < days[-1] - _days(TOLERANCE_DAYS):
        raise NotInStoreError(
            f"FX {cur}→{base}: the store holds rates up to {rates.index.max().date()}, the run "
            f"ends {days[-1].date()}",
            hint="run 'naion data sync', import fx/<PAIR>.csv, or end the run earlier",
        )


def _days(n: int) -> object:
    import pandas as pd

    return pd.Timedelta(days=n)
