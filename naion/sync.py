"""``naion data sync``: fetch what the store lacks from a provider, then write it at once.

Incremental by construction: the store's ``coverage`` table remembers, per dataset and
security, the date range already requested. A sync asks only for the missing head
(``start`` .. first held - 1) and the missing tail (last held + 1 .. the last settled day);
a second sync with nothing new makes no price request at all.

Forward-adjusted (qfq) prices are rebased by the vendor at every dividend or split, so a
qfq tail is fetched with one day of overlap: if the overlapping close differs from the one
held, the whole qfq history of that security is fetched again and replaces the old one.

Nothing is written until every request has answered; then one transaction writes it all.
A failed or interrupted sync leaves the store exactly as it was.

A coverage that runs past the last settled day (a bar dated in the future, e.g. 9999-12-31
from an old import) would stop every later sync of that series: such a coverage is
re-derived from the rows held up to the settled day, corrected in the store, and said.

Commodity series (:data:`naion.providers.base.COMMODITIES`, the lithium carbonate prices the
thesis signal reads) are planned like the rest: what neither the coverage nor the rows held
(an import writes rows without coverage) account for is fetched in one request per series,
and rows already held are kept as they are (a sync adds dates, it never rewrites an import).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from naion.errors import ProviderError
from naion.providers.base import COMMODITIES, Provider, SecurityRef
from naion.store import Batch, Reader, WriteReport

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_START = dt.date(2018, 1, 1)
CALENDAR_REFRESH_DAYS = 30  # the exchange publishes each year's holidays in advance
FX_PAIRS = {"USD": "USDCNY", "HKD": "HKDCNY"}

# local time after which a market's daily close is final (vendor bars of today before this
# hour are intraday snapshots and are dropped)
_SETTLE = {"A": ("Asia/Shanghai", 17), "HK": ("Asia/Hong_Kong", 17), "US": ("America/New_York", 18)}
_UTC_OFFSET = {"Asia/Shanghai": 8, "Asia/Hong_Kong": 8, "America/New_York": -5}


def settled_through(market: str, now: dt.datetime | None = None) -> dt.date:
    """The last date whose daily close is final in ``market`` at ``now`` (UTC)."""
    tzname, hour = _SETTLE.get("A" if market == "INDEX" else market, _SETTLE["A"])
    now = now or dt.datetime.now(dt.UTC)
    try:
        from zoneinfo import ZoneInfo

        local = now.astimezone(ZoneInfo(tzname))
    except Exception:  # no tz database: fixed offsets are close enough for a cut-off
        local = now.astimezone(dt.timezone(dt.timedelta(hours=_UTC_OFFSET[tzname])))
    day = local.date()
    return day if local.hour >= hour else day - dt.timedelta(days=1)


@dataclass(frozen=True)
class Task:
    """One provider request: a dataset of one security (or FX pair) over a date range."""

    dataset: str  # bars:none, bars:qfq, valuation, fx, eps, calendar, commodity
    key: str  # naion code, FX pair or commodity series
    start: dt.date
    end: dt.date
    sec: SecurityRef | None = None
    overlap: bool = False  # qfq tail fetched with one held day to detect a rebase
    fix: tuple[dt.date, dt.date] | None = None  # coverage to write instead of the held one

    @property
    def label(self) -> str:
        if self.dataset == "eps":
            return "consensus EPS snapshot"
        return f"{self.key} {self.dataset} {self.start}..{self.end}"


@dataclass
class SyncResult:
    requests: int = 0
    rows: int = 0
    skipped: list[str] = field(default_factory=list)  # datasets already held
    failed: list[str] = field(default_factory=list)  # one line each (--keep-going)
    rebased: list[str] = field(default_factory=list)  # qfq histories fetched again
    notes: list[str] = field(default_factory=list)  # coverages corrected (future dates)
    written: WriteReport = field(default_factory=WriteReport)


def _missing(
    held: tuple[dt.date, dt.date] | None, start: dt.date, end: dt.date
) -> list[tuple[dt.date, dt.date, str]]:
    """Date ranges of [start, end] not yet requested, given the held coverage."""
    if end < start:
        return []
    if held is None:
        return [(start, end, "all")]
    first, last = held
    out = []
    if start < first:
        out.append((start, first - dt.timedelta(days=1), "head"))
    if end > last:
        out.append((last + dt.timedelta(days=1), end, "tail"))
    return out


def _held_until(
    reader: Reader, dataset: str, key: str, day: dt.date
) -> tuple[dt.date, dt.date] | None:
    """First and last date of the rows held for ``dataset``/``key`` up to ``day``."""
    import pandas as pd

    seen = reader.at(day)
    if dataset.startswith("bars:"):
        spans = seen.spans([key], [dataset.split(":", 1)[1]])
        if spans.empty:
            return None
        first, last = spans["first_date"].iloc[0], spans["last_date"].iloc[0]
    elif dataset == "valuation":
        rows = seen.valuation([key])
        if rows.empty:
            return None
        first, last = rows["date"].min(), rows["date"].max()
    elif dataset == "fx":
        rates = seen.fx(key)
        if rates.empty:
            return None
        first, last = rates.index.min(), rates.index.max()
    else:
        return None
    return pd.Timestamp(first).date(), pd.Timestamp(last).date()


def _covered(
    reader: Reader, dataset: str, key: str, last_ok: dt.date, notes: list[str]
) -> tuple[tuple[dt.date, dt.date] | None, tuple[dt.date, dt.date] | None]:
    """The held coverage, and the correction to write when it runs past ``last_ok``."""
    held = reader.covered(dataset, key)
    if held is None or held[1] <= last_ok:
        return held, None
    real = _held_until(reader, dataset, key, last_ok)
    notes.append(
        f"{key} {dataset}: the store said it held data through {held[1]}, after the last"
        f" settled day {last_ok}; sync goes by the rows dated up to {last_ok}"
    )
    if real is None:
        return None, None
    return real, (min(held[0], real[0]), real[1])


def plan(
    reader: Reader,
    secs: Sequence[SecurityRef],
    start: dt.date,
    end: dt.date,
    now: dt.datetime | None = None,
    valuation: bool = True,
    eps: bool = True,
    fx: bool = True,
    calendar: bool = True,
    notes: list[str] | None = None,
    commodities: Sequence[str] = (),
) -> tuple[list[Task], list[str]]:
    """The requests a sync of ``secs`` over [start, end] needs, and what is already held.

    ``notes`` receives one line per coverage that ran past the last settled day;
    ``commodities``: series ids of :data:`COMMODITIES` to bring up to date as well.
    """
    tasks: list[Task] = []
    held_msgs: list[str] = []
    notes = [] if notes is None else notes
    for sec in secs:
        settled = settled_through(sec.market, now)
        last_ok = min(end, settled)
        adjusts = ["none"] if sec.market == "INDEX" else ["none", "qfq"]
        datasets = [f"bars:{a}" for a in adjusts]
        if valuation and sec.market == "A":
            datasets.append("valuation")
        for ds in datasets:
            held, fix = _covered(reader, ds, sec.code, settled, notes)
            gaps = _missing(held, start, last_ok)
            if not gaps:
                held_msgs.append(f"{sec.code} {ds}")
            for lo, hi, where in gaps:
                overlap = ds == "bars:qfq" and where == "tail"
                if overlap:
                    lo = lo - dt.timedelta(days=1)
                tasks.append(Task(ds, sec.code, lo, hi, sec, overlap, fix))
                fix = None  # written once, with the first request of the series
    if fx:
        currencies = {s.currency for s in secs} | {"USD", "HKD"}
        settled = settled_through("A", now)
        fx_end = min(end, settled)
        for cur in sorted(currencies):
            pair = FX_PAIRS.get(cur)
            if not pair:
                continue
            held, fix = _covered(reader, "fx", pair, settled, notes)
            gaps = _missing(held, start, fx_end)
            if not gaps:
                held_msgs.append(f"{pair} fx")
            for lo, hi, _ in gaps:
                tasks.append(Task("fx", pair, lo, hi, fix=fix))
                fix = None
    a_shares = [s for s in secs if s.market == "A"]
    if eps and a_shares:
        today = (now or dt.datetime.now(dt.UTC)).date()
        if today in reader.at(None).eps_snapshot_dates():
            held_msgs.append("consensus EPS snapshot of today")
        else:
            tasks.append(Task("eps", "consensus", today, today))
    if calendar and a_shares:
        today = (now or dt.datetime.now(dt.UTC)).date()
        held = reader.covered("calendar", "SSE")
        if held is not None and (today - held[1]).days <= CALENDAR_REFRESH_DAYS:
            held_msgs.append("A-share trading calendar")
        else:
            tasks.append(Task("calendar", "SSE", today, today))
    for series in commodities:
        last_ok = min(end, settled_through("A", now))
        gaps = _missing(_commodity_held(reader, series), start, last_ok)
        if not gaps:
            held_msgs.append(f"{series} commodity")
            continue
        # the vendors answer with the whole history: one request spans every gap
        tasks.append(Task("commodity", series, gaps[0][0], gaps[-1][1]))
    return tasks, held_msgs


def commodity_targets(targets: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split sync targets into commodity series ids and the rest (universes, codes)."""
    series = [t for t in targets if t in COMMODITIES]
    return series, [t for t in targets if t not in COMMODITIES]


def _commodity_held(reader: Reader, series: str) -> tuple[dt.date, dt.date] | None:
    """First and last date of ``series`` accounted for: requested (coverage) or held (rows)."""
    spans = []
    covered = reader.covered("commodity", series)
    if covered is not None:
        spans.append((_day(covered[0]), _day(covered[1])))
    rows = reader.commodity(series)
    if len(rows):
        spans.append((_day(rows["date"].iloc[0]), _day(rows["date"].iloc[-1])))
    if not spans:
        return None
    return min(a for a, _ in spans), max(b for _, b in spans)


def _day(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return value.date()  # type: ignore[attr-defined]


def _fetch(provider: Provider, task: Task, secs: Sequence[SecurityRef]) -> pd.DataFrame:
    if task.dataset.startswith("bars:"):
        assert task.sec is not None
        return provider.bars(task.sec, task.dataset.split(":", 1)[1], task.start, task.end)
    if task.dataset == "valuation":
        assert task.sec is not None
        return provider.valuation(task.sec, task.start, task.end)
    if task.dataset == "fx":
        return provider.fx(task.key, task.start, task.end)
    if task.dataset == "eps":
        return provider.consensus_eps([s for s in secs if s.market == "A"])
    if task.dataset == "calendar":
        return provider.trading_calendar()
    if task.dataset == "commodity":
        return provider.commodity(task.key, task.start, task.end)
    raise ValueError(task.dataset)


def _qfq_rebased(reader: Reader, task: Task, frame: pd.DataFrame) -> bool:
    """Does the fetched overlap day disagree with the qfq close held for it?"""
    held = reader.bars([task.key], "qfq", task.start, task.start, fields=("close",))
    if held.empty or frame.empty:
        return False
    got = frame.loc[frame["date"] == held["date"].iloc[0], "close"]
    if got.empty:
        return False
    old, new = float(held["close"].iloc[0]), float(got.iloc[0])
    return abs(new - old) > 1e-6 * max(abs(old), 1.0)


def run(
    reader: Reader,
    provider: Provider,
    tasks: Sequence[Task],
    secs: Sequence[SecurityRef],
    on_step: Callable[[int, Task], None] | None = None,
    keep_going: bool = False,
    now: dt.datetime | None = None,
) -> tuple[Batch, SyncResult]:
    """Run every task against ``provider`` and gather the rows into one :class:`Batch`.

    Stops at the first failure (re-raised as a one-line ProviderError) unless
    ``keep_going``, in which case failures are listed and the rest is still written.
    """
    batch = Batch()
    result = SyncResult()
    source = getattr(provider, "name", "provider")
    for i, task in enumerate(tasks):
        if on_step:
            on_step(i, task)
        if task.fix is not None:  # the held coverage ran past the settled day
            batch.cover(task.dataset, task.key, *task.fix, f"{source}:corrected", reset=True)
        try:
            frame = _fetch(provider, task, secs)
            result.requests += 1
            if task.overlap and _qfq_rebased(reader, task, frame):
                held = reader.covered(task.dataset, task.key)
                first = held[0] if held else task.start
                frame = provider.bars(task.sec, "qfq", first, task.end)  # type: ignore[arg-type]
                result.requests += 1
                result.rebased.append(task.key)
                batch.delete("bars", code=task.key, adjust="qfq")
        except ProviderError as exc:
            if not keep_going:
                raise
            result.failed.append(exc.one_line())
            continue
        if task.sec is not None and len(frame):
            market = task.sec.market
            limit = settled_through(market, now)
            frame = frame[frame["date"] <= _ts(limit)]
        elif task.dataset == "commodity" and len(frame):
            frame = frame[frame["date"] <= _ts(settled_through("A", now))]
        _add(batch, task, frame, source)
        result.rows += len(frame)
    return batch, result


def _ts(day: dt.date) -> object:
    import pandas as pd

    return pd.Timestamp(day)


def _add(batch: Batch, task: Task, frame: pd.DataFrame, source: str) -> None:
    src = f"{source}:{task.dataset}"
    if task.dataset.startswith("bars:"):
        adjust = task.dataset.split(":", 1)[1]
        batch.add(
            "bars", frame.assign(source=src), label=task.dataset, code=task.key, adjust=adjust
        )
    elif task.dataset == "valuation":
        batch.add("valuation", frame.assign(source=src), code=task.key)
    elif task.dataset == "fx":
        batch.add("fx", frame.assign(source=src), pair=task.key)
    elif task.dataset == "eps":
        batch.add("eps", frame.assign(source=src), snapshot_date=task.start)
        return
    elif task.dataset == "commodity":
        spec = COMMODITIES[task.key]
        rows = frame.assign(source=_vendor_source(source, frame))
        batch.add("commodities", rows, keep_existing=True, label="commodity", series=task.key)
        meta = {"name": spec.name, "unit": spec.unit, "kind": spec.kind, "exchange": spec.exchange}
        batch.add(
            "commodity_series",
            _one_row({"series": spec.series, **meta, "source": src}),
            keep_existing=True,
        )
    elif task.dataset == "calendar":
        batch.add("calendar", frame.assign(source=src), exchange=task.key)
        # coverage here records when the calendar was fetched, not the days it lists
        batch.cover("calendar", task.key, task.start, task.end, src)
        return
    batch.cover(task.dataset, task.key, task.start, task.end, src)


def _vendor_source(source: str, frame: pd.DataFrame) -> object:
    """Per row ``provider:function`` (the function that answered), else ``provider:commodity``."""
    if "vendor" in frame.columns:
        return (source + ":" + frame["vendor"].fillna("commodity").astype("str")).to_numpy()
    return f"{source}:commodity"


def _one_row(values: dict[str, object]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame([values])


def security_rows(
    secs: Sequence[SecurityRef], names: dict[str, tuple[str | None, str | None]]
) -> pd.DataFrame:
    """Rows for the store's securities table from the universe registry."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "code": s.code,
                "name": names.get(s.code, (None, None))[0],
                "name_en": names.get(s.code, (None, None))[1],
                "market": s.market,
                "exchange": s.exchange,
                "currency": s.currency,
                "source": "universe",
            }
            for s in secs
        ]
    )
