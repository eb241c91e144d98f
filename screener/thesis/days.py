"""Trading days for counting how stale a commodity price is.

Chinese commodity exchanges (GFEX included) keep the same holidays as the Shanghai Stock
Exchange, so the SSE calendar is the ruler. In order of preference:

1. the ``calendar`` table (exchange ``SSE``) when it covers the window;
2. otherwise the dates of the CSI 300 index bars held (``000300.SH``), which are SSE trading
   days; before its first and after its last bar, weekdays;
3. otherwise weekdays (Monday to Friday). Weekdays count holidays as trading days, so a price
   goes stale sooner than on the real calendar, never later.

Whichever is used is named in :attr:`TradingDays.note`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from naion.store import Reader

CALENDAR_EXCHANGE = "SSE"
CALENDAR_INDEX = "000300.SH"
_SLACK_DAYS = 7  # a held calendar "covers" a window if it starts/ends within this many days


@dataclass(frozen=True)
class TradingDays:
    """Sorted trading days (``datetime64[D]``) and where they came from."""

    days: np.ndarray
    source: str  # "calendar", "index" or "weekdays"
    note: str

    def count_after(self, since: np.ndarray, until: np.ndarray) -> np.ndarray:
        """Trading days in ``(since, until]`` for each pair (int array)."""
        import numpy as np

        hi = np.searchsorted(self.days, until, side="right")
        lo = np.searchsorted(self.days, since, side="right")
        return (hi - lo).astype(np.int64)


def _weekdays(start: dt.date, end: dt.date) -> np.ndarray:
    import numpy as np

    if end < start:
        return np.array([], dtype="datetime64[D]")
    span = np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)
    return span[np.is_busday(span)]


def trading_days(reader: Reader, start: dt.date, end: dt.date) -> TradingDays:
    """SSE trading days from ``start`` to ``end`` (see the module docstring for the source)."""
    import numpy as np

    margin = dt.timedelta(days=3 * _SLACK_DAYS)  # a holiday week inside a held calendar
    held = reader.calendar(CALENDAR_EXCHANGE, start - margin, end + margin)
    if held and (held[0] - start).days <= _SLACK_DAYS and (end - held[-1]).days <= _SLACK_DAYS:
        days = np.array([d for d in held if start <= d <= end], dtype="datetime64[D]")
        return TradingDays(days, "calendar", "trading days: the SSE calendar held in the store")
    lookback = start - dt.timedelta(days=3 * _SLACK_DAYS)  # does the index begin before start?
    bars = reader.bars([CALENDAR_INDEX], "none", lookback, end, fields=("close",))
    held_days = np.unique(np.asarray(bars["date"].to_numpy(), dtype="datetime64[D]"))
    inside = held_days[held_days >= np.datetime64(start, "D")]
    if len(inside):
        first, last = inside[0].astype(dt.date), inside[-1].astype(dt.date)
        began_before = held_days[0] <= np.datetime64(start, "D")
        # weekdays fill in before the index's first bar only if it begins after start
        before = _weekdays(start, start - dt.timedelta(days=1) if began_before else first)
        before = before[before < inside[0]]
        after = _weekdays(last + dt.timedelta(days=1), end)
        note = f"trading days: the dates of the {CALENDAR_INDEX} bars held"
        filled = [f"before {first}"] * bool(len(before)) + [f"after {last}"] * bool(len(after))
        if filled:
            note += f" (weekdays {' and '.join(filled)})"
        return TradingDays(np.concatenate([before, inside, after]), "index", note)
    return TradingDays(
        _weekdays(start, end),
        "weekdays",
        "trading days: weekdays (no SSE calendar or CSI 300 bars held for the window; holidays"
        " count as trading days, so a price goes stale sooner than on the exchange calendar)",
    )
