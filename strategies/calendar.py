"""Rebalance calendars: the one place that turns a calendar name into check days.

``D`` every trading day, ``W`` / ``M`` / ``Q`` / ``A`` the first trading day of each ISO week /
month / quarter / year, ``none`` only the first day. Day 0 of a run is always a check day
(the initial purchase); explicit ``dates`` add the first trading day on or after each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

CALENDARS = ("D", "W", "M", "Q", "A", "none")
_ALIASES = {
    "Y": "A",
    "YEARLY": "A",
    "ANNUAL": "A",
    "QUARTERLY": "Q",
    "MONTHLY": "M",
    "WEEKLY": "W",
    "DAILY": "D",
    "NONE": "none",
}


def normalize_calendar(text: str) -> str:
    """``m`` → ``M``, ``monthly`` → ``M``, ``y`` → ``A``; unknown names come back unchanged."""
    t = str(text).strip()
    u = t.upper()
    if u in _ALIASES:
        return _ALIASES[u]
    return u if u in CALENDARS else t


def check_mask(dates: np.ndarray, calendar: str, explicit: Sequence[dt.date] = ()) -> np.ndarray:
    """Bool ``[T]``: the check days of ``calendar`` over the trading days ``dates``."""
    import numpy as np

    d = np.asarray(dates).astype("datetime64[D]")
    mask = np.zeros(len(d), dtype=np.bool_)
    if len(d) == 0:
        return mask
    cal = normalize_calendar(calendar)
    if cal not in CALENDARS:
        from naion.errors import InputError

        raise InputError(
            f"unknown rebalance calendar {calendar!r}", hint="use D, W, M, Q, A or none"
        )
    if cal == "D":
        mask[:] = True
    elif cal != "none":
        if cal == "W":
            key = (d.astype(np.int64) + 3) // 7  # 1970-01-01 was a Thursday: weeks from Monday
        elif cal == "M":
            key = d.astype("datetime64[M]").astype(np.int64)
        elif cal == "Q":
            key = d.astype("datetime64[M]").astype(np.int64) // 3
        else:
            key = d.astype("datetime64[Y]").astype(np.int64)
        mask[1:] = key[1:] != key[:-1]
    mask[0] = True
    for x in explicit:
        k = int(np.searchsorted(d, np.datetime64(x, "D")))
        if k < len(d):
            mask[k] = True
    return mask
