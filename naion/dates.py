"""Parsing dates the user types."""

from __future__ import annotations

import datetime as dt

from naion.errors import InputError

# Market data starts in the 1990s; a year outside this range is a typo, and years near 1 or
# 9999 overflow the date arithmetic and pandas' timestamps downstream.
FIRST_YEAR, LAST_YEAR = 1900, 2199


def parse_date(text: str | None, option: str) -> dt.date | None:
    """``YYYY-MM-DD`` (or ``today``) → date; anything else is a one-line InputError.

    Years outside 1900-2199 are refused too.
    """
    if text is None or text == "":
        return None
    t = text.strip().lower()
    if t == "today":
        return dt.date.today()
    try:
        day = dt.date.fromisoformat(t)
    except ValueError:
        raise InputError(f"bad date {text!r} for {option}", hint="use YYYY-MM-DD") from None
    check_year(day, option)
    return day


def check_year(day: dt.date, what: str) -> None:
    """Refuse a date outside 1900-2199 (one line naming ``what``)."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InputError(
            f"date {day.isoformat()} for {what} is outside {FIRST_YEAR}-{LAST_YEAR}",
            hint="give a date between 1900-01-01 and 2199-12-31",
        )


def check_window(start: dt.date | None, end: dt.date | None) -> None:
    if start and end and start > end:
        raise InputError(
            f"--start {start} is after --end {end}", hint="give a start on or before the end"
        )
