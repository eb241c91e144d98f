"""The lithium carbonate price the signal uses: one composite of several commodity series.

Rules (all evaluated per date D from rows dated on or before D, so a value never depends on
later data):

* **freshest wins**: on D each series offers its latest price dated on or before D; the composite
  takes the most recent of them, and on a tie the series listed first. With the curated list
  (100ppi spot, then the GFEX main contract) this is "spot where held, futures after the spot
  series ends": the spot quotes every weekday, so the futures only win once the spot stops.
* **no rescaling**: a splice joins the series as they are. The ratio of the two series on the
  dates both quote (up to the splice) is reported in the notes, never applied: the cost model
  is written in absolute CNY/t.
* **stale prices expire**: a price may be carried forward for at most ``max_stale`` trading
  days (SSE calendar, see :mod:`screener.thesis.days`). Older than that, the signal is
  unavailable on D and says why. This is decided from what is known on D: in a gap longer than
  ``max_stale`` days the first ``max_stale`` days still carry the last price (nobody knows on
  those days how long the gap will last), every later day is unavailable.
* **point in time**: the splice dates and overlap ratios in the notes are computed from the rows
  the reader sees (an as-of reader sees only rows dated on or before its date), so the notes of
  a signal as of D use no row dated after D either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from naion.errors import DataError, NotInStoreError
from screener.thesis.days import TradingDays, trading_days

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from naion.store import Reader

_NONE = -(2**62)  # day number meaning "no price yet"
UNIT = "CNY/t"


@dataclass(frozen=True)
class Splice:
    """Where the composite moves from one series to another (``date`` = first day on ``to``)."""

    date: dt.date
    from_series: str
    to_series: str
    overlap_days: int  # dates on or before the splice on which both series quote
    overlap_first: dt.date | None
    overlap_last: dt.date | None
    ratio_median: float | None  # to / from on the overlap
    ratio_min: float | None
    ratio_max: float | None
    ratio_last: float | None  # on the last overlap date

    def describe(self) -> str:
        text = f"{self.to_series} takes over from {self.from_series} on {self.date}"
        if not self.overlap_days:
            return text + "; the two series never quote on the same date, so no ratio is known"
        return text + (
            f"; on the {self.overlap_days} dates both quote ({self.overlap_first} to"
            f" {self.overlap_last}) {self.to_series}/{self.from_series} was median"
            f" {self.ratio_median:.3f} (range {self.ratio_min:.3f} to {self.ratio_max:.3f},"
            f" {self.ratio_last:.3f} on the last); the series are joined as they are, not rescaled"
        )


@dataclass
class Composite:
    """The composite price on each requested date, with the splices and notes behind it.

    ``frame`` columns: ``date``, ``li2co3_cny_per_t`` (NaN when unavailable), ``series`` and
    ``price_date`` (the price used, or the last one seen when it is too old), ``age_days``
    (trading days since ``price_date``), ``available``.
    """

    frame: pd.DataFrame
    series: list[str]
    max_stale: int
    splices: list[Splice] = field(default_factory=list)
    held: dict[str, tuple[dt.date, dt.date, int]] = field(default_factory=dict)
    days: TradingDays | None = None
    notes: list[str] = field(default_factory=list)


def _day_numbers(values: Any) -> np.ndarray:
    import numpy as np

    return np.asarray(values, dtype="datetime64[D]").astype(np.int64)


def _as_day(n: int) -> dt.date:
    import numpy as np

    return np.datetime64(int(n), "D").astype(dt.date)


def _observations(reader: Reader, sid: str, end: dt.date) -> tuple[np.ndarray, np.ndarray]:
    import numpy as np

    rows = reader.commodity(sid, None, end)
    if rows.empty:
        return np.array([], dtype=np.int64), np.array([], dtype="float64")
    close = np.asarray(rows["close"].to_numpy(dtype="float64", na_value=np.nan))
    days = _day_numbers(rows["date"].to_numpy())
    keep = np.isfinite(close) & (close > 0)
    order = np.argsort(days[keep], kind="stable")
    return days[keep][order], close[keep][order]


def _latest(obs_days: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Index of the latest observation on or before each query day (-1: none)."""
    import numpy as np

    return np.searchsorted(obs_days, query, side="right") - 1


def _choose(obs: list[tuple[np.ndarray, np.ndarray]], query: np.ndarray):  # type: ignore[no-untyped-def]
    """Per query day: (chosen series index, its price day, its price); -1 / _NONE / NaN if none."""
    import numpy as np

    k, n = len(obs), len(query)
    last_day = np.full((k, n), _NONE, dtype=np.int64)
    last_px = np.full((k, n), np.nan)
    for i, (days, px) in enumerate(obs):
        if not len(days):
            continue
        idx = _latest(days, query)
        ok = idx >= 0
        last_day[i, ok] = days[idx[ok]]
        last_px[i, ok] = px[idx[ok]]
    best = np.argmax(last_day, axis=0)  # the first maximum: ties go to the earlier series
    cols = np.arange(n)
    day = last_day[best, cols]
    px = last_px[best, cols]
    best = np.where(day == _NONE, -1, best)
    return best, day, px


def _splices(series: Sequence[str], obs: list[tuple[np.ndarray, np.ndarray]]) -> list[Splice]:
    import numpy as np

    every = np.unique(np.concatenate([d for d, _ in obs])) if obs else np.array([], np.int64)
    if not len(every):
        return []
    best, _, _ = _choose(obs, every)
    out = []
    for j in np.flatnonzero((best[1:] != best[:-1]) & (best[:-1] >= 0)) + 1:
        a, b = int(best[j - 1]), int(best[j])
        day = int(every[j])
        (da, pa), (db, pb) = obs[a], obs[b]
        both, ia, ib = np.intersect1d(da[da <= day], db[db <= day], return_indices=True)
        if len(both):
            ratio = pb[ib] / pa[ia]
            stats = (
                float(np.median(ratio)),
                float(ratio.min()),
                float(ratio.max()),
                float(ratio[-1]),
            )
            first, last = _as_day(both[0]), _as_day(both[-1])
        else:
            stats = (None, None, None, None)
            first = last = None
        out.append(Splice(_as_day(day), series[a], series[b], len(both), first, last, *stats))
    return out


def _stretches(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) positions of each run of True in ``mask``."""
    import numpy as np

    if not mask.any():
        return []
    m = mask.astype(np.int8)
    edges = np.diff(np.concatenate([[0], m, [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def composite(
    reader: Reader,
    series: Sequence[str],
    dates: Sequence[dt.date] | np.ndarray,
    max_stale: int = 10,
) -> Composite:
    """The composite lithium carbonate price on each of ``dates`` (see the module docstring).

    ``reader`` may be an as-of reader; rows after the last of ``dates`` are never read.
    Raises :class:`NotInStoreError` when the store holds none of ``series`` at all.
    """
    import numpy as np
    import pandas as pd

    query = np.unique(_day_numbers(dates))
    if not len(query):
        raise ValueError("composite() needs at least one date")
    end = _as_day(query[-1])
    meta = reader.commodity_series().set_index("series")
    for sid in series:
        unit = meta["unit"].get(sid) if sid in meta.index else None
        if unit is not None and str(unit).replace(" ", "").upper() != UNIT.upper():
            raise DataError(
                f"commodity series {sid} is quoted in {unit}, the cost model needs {UNIT}",
                hint="list only CNY/t series in the model's price.series",
            )
    obs = [_observations(reader, sid, end) for sid in series]
    if not any(len(d) for d, _ in obs):
        known = set(meta.index)
        if not known & set(series):
            raise NotInStoreError(
                f"the store holds no lithium carbonate prices (series {', '.join(series)})",
                hint="import the commodities/ folder with 'naion data import PATH' or run"
                " 'naion data sync', or name other series in the model's price.series",
            )
    first_obs = min((int(d[0]) for d, _ in obs if len(d)), default=int(query[0]))
    cal = trading_days(reader, _as_day(min(first_obs, int(query[0]))), end)
    best, day, px = _choose(obs, query)
    has = best >= 0
    age = np.full(len(query), -1, dtype=np.int64)
    if has.any():
        age[has] = cal.count_after(
            day[has].astype("datetime64[D]"), query[has].astype("datetime64[D]")
        )
    available = has & (age <= max_stale)
    names = np.array([*series, None], dtype=object)
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(query.astype("datetime64[D]")).astype("datetime64[us]"),
            "li2co3_cny_per_t": np.where(available, px, np.nan),
            "series": names[np.where(has, best, len(series))],
            "price_date": pd.to_datetime(np.where(has, day, 0).astype("datetime64[D]"))
            .astype("datetime64[us]")
            .where(has),
            "age_days": pd.Series(np.where(has, age, 0), dtype="Int64").where(has),
            "available": available,
        }
    )
    out = Composite(frame, list(series), max_stale, _splices(series, obs), days=cal)
    for sid, (d, _) in zip(series, obs, strict=True):
        if len(d):
            out.held[sid] = (_as_day(d[0]), _as_day(d[-1]), len(d))
    out.notes = _notes(out, query, has)
    return out


def _notes(c: Composite, query: np.ndarray, has: np.ndarray) -> list[str]:
    notes = []
    for sid in c.series:
        if sid in c.held:
            first, last, rows = c.held[sid]
            notes.append(f"{sid}: {rows} prices held, {first} to {last}")
        else:
            notes.append(f"{sid}: no prices held up to {_as_day(query[-1])}")
    for s in c.splices[:6]:
        notes.append("splice: " + s.describe())
    if len(c.splices) > 6:
        notes.append(f"... and {len(c.splices) - 6} more switches between the series")
    unavailable = ~c.frame["available"].to_numpy()
    for lo, hi in _stretches(unavailable):
        span = f"{_as_day(query[lo])} to {_as_day(query[hi])}"
        count = hi - lo + 1
        if not has[lo]:
            why = "no lithium carbonate price held before then"
        else:
            row = c.frame.iloc[lo]
            why = (
                f"the last price ({row['series']}, {row['price_date'].date()}) was more than"
                f" {c.max_stale} trading days old"
            )
        notes.append(f"signal unavailable {span} ({count} dates): {why}")
    if c.days is not None:
        notes.append(c.days.note)
    return notes
