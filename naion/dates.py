"""Parsing dates the user types."""

from __future__ import annotations

import datetime as dt

from naion.errors import InputError


def parse_date(text: str | None, option: str) -> dt.date | None:
    """``YYYY-MM-DD`` (or ``today``) → date; anything else is a one-line InputError."""
    if text is None or text == "":
        return None
    t = text.strip().lower()
    if t == "today":
        return dt.date.today()
    try:
        return dt.date.fromisoformat(t)
    except ValueError:
        raise InputError(f"bad date {text!r} for {option}", hint="use YYYY-MM-DD") from None


def check_window(start: dt.date | None, end: dt.date | None) -> None:
    if start and end and start > end:
        raise InputError(
            f"--start {start} is after --end {end}", hint="give a start on or before the end"
        )
