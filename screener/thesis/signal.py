"""The thesis signal, point in time: the Na-ion cost advantage implied by the lithium price.

For each date D: the composite lithium carbonate price known on D (:mod:`screener.thesis.series`),
the model's advantage at that price (CNY/Wh, :mod:`screener.thesis.model`), the parity price
and the distance to it. Everything on D is computed from rows dated on or before D.

Frame columns (one row per date)::

    date                  the as-of date
    li2co3_cny_per_t      the lithium carbonate price used (NaN when unavailable)
    series, price_date    which series and which date that price comes from
    age_days              trading days between price_date and date
    advantage_cny_per_wh  the Na-ion cell's cost advantage over LFP at that price
    parity_cny_per_t      the price at which the advantage is zero (the model's, every row)
    distance_cny_per_t    price - parity (positive: Na-ion cheaper)
    distance_pct          price / parity - 1
    available             False when no price within max_stale trading days
    note                  why a row is unavailable
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from naion.errors import InputError
from screener.thesis.days import trading_days
from screener.thesis.model import ThesisModel
from screener.thesis.series import Composite, composite

if TYPE_CHECKING:
    import pandas as pd

    from naion.store import Reader

COLUMNS = (
    "date",
    "li2co3_cny_per_t",
    "series",
    "price_date",
    "age_days",
    "advantage_cny_per_wh",
    "parity_cny_per_t",
    "distance_cny_per_t",
    "distance_pct",
    "available",
    "note",
)


@dataclass
class Signal:
    """The signal frame (see the module docstring), its model and the notes behind it."""

    frame: pd.DataFrame
    model: ThesisModel
    composite: Composite
    notes: list[str] = field(default_factory=list)

    @property
    def last(self) -> pd.Series:
        return self.frame.iloc[-1]


def _reader_until(reader: Reader, day: dt.date) -> Reader:
    """A reader that sees nothing after ``day`` (nor after its own as-of date)."""
    if reader.as_of is not None and reader.as_of <= day:
        return reader
    return reader.at(day)


def signal(reader: Reader, model: ThesisModel, dates: Sequence[dt.date]) -> Signal:
    """The signal on each of ``dates`` (sorted, unique), from rows dated on or before each."""
    import numpy as np

    if not len(dates):
        raise InputError("no dates to compute the thesis signal on")
    end = max(dates)
    r = _reader_until(reader, end)
    comp = composite(r, model.price.series, list(dates), model.price.max_stale_days)
    f = comp.frame
    price = f["li2co3_cny_per_t"].to_numpy(dtype="float64")
    parity = float(model.parity)
    out = f[["date", "li2co3_cny_per_t", "series", "price_date", "age_days"]].copy()
    out["advantage_cny_per_wh"] = np.asarray(model.advantage(price), dtype="float64")
    out["parity_cny_per_t"] = parity
    out["distance_cny_per_t"] = price - parity
    out["distance_pct"] = price / parity - 1.0
    out["available"] = f["available"].to_numpy()
    out["note"] = _row_notes(f, model.price.max_stale_days)
    notes = [
        f"model {model.name}: {model.describe_line()}",
        f"source: {model.source}",
        *comp.notes,
        *(f"caveat: {c}" for c in model.caveats),
    ]
    return Signal(out[list(COLUMNS)], model, comp, notes)


def _row_notes(frame: pd.DataFrame, max_stale: int) -> list[str]:
    notes = []
    for row in frame.itertuples(index=False):
        if row.available:
            notes.append("")
        elif row.series is None:
            notes.append("no lithium carbonate price held on or before this date")
        else:
            notes.append(
                f"unavailable: the last price ({row.series}, {row.price_date.date()}) is"
                f" {row.age_days} trading days old (limit {max_stale})"
            )
    return notes


def signal_on(reader: Reader, model: ThesisModel, day: dt.date) -> Signal:
    """The signal as of ``day`` (one row), from rows dated on or before it."""
    return signal(reader, model, [day])


def signal_range(reader: Reader, model: ThesisModel, start: dt.date, end: dt.date) -> Signal:
    """The signal on every trading day from ``start`` to ``end`` (SSE days; see days.py)."""
    import numpy as np

    if start > end:
        raise InputError(
            f"--from {start} is after --to {end}", hint="give a start on or before the end"
        )
    r = _reader_until(reader, end)
    days = trading_days(r, start, end).days
    if not len(days):
        raise InputError(
            f"no trading day between {start} and {end}", hint="widen the --from/--to window"
        )
    return signal(r, model, [d.astype(dt.date) for d in np.asarray(days)])


def latest_price_date(reader: Reader, model: ThesisModel) -> dt.date | None:
    """The most recent date any of the model's series holds a price (as the reader sees it)."""
    latest = None
    for sid in model.price.series:
        rows = reader.commodity(sid)
        if len(rows):
            d = rows["date"].iloc[-1]
            d = d.date() if hasattr(d, "date") else d
            latest = d if latest is None or d > latest else latest
    return latest


def first_price_date(reader: Reader, model: ThesisModel) -> dt.date | None:
    """The earliest date any of the model's series holds a price."""
    first = None
    for sid in model.price.series:
        rows = reader.commodity(sid)
        if len(rows):
            d = rows["date"].iloc[0]
            d = d.date() if hasattr(d, "date") else d
            first = d if first is None or d < first else first
    return first
