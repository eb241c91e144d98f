"""A store holding a bar dated far in the future (an old import took 9999-12-31) must not
stop `naion data sync` for good: sync goes by the rows held up to the settled day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from naion import sync
from naion.providers.base import SecurityRef
from naion.store import Batch, Store

CATL = SecurityRef(code="300750.SZ", market="A", exchange="SZSE", currency="CNY")
NOW = dt.datetime(2024, 1, 12, 12, 0, tzinfo=dt.UTC)  # 20:00 in Shanghai: the 12th settled


class Vendor:
    name = "stub"

    def __init__(self) -> None:
        self.asked: list[tuple[str, dt.date, dt.date]] = []

    def bars(self, sec: SecurityRef, adjust: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        self.asked.append((adjust, start, end))
        days = pd.bdate_range(start, end)
        return pd.DataFrame({"date": days, "close": [100.0 + i for i in range(len(days))]})


def old_store(path: Path) -> Store:
    """A store as an old import left it: bars to 2024-01-05, then one dated 9999-12-31."""
    store = Store(path)
    batch = Batch()
    days = [dt.date(2024, 1, d) for d in (2, 3, 4, 5)] + [dt.date(9999, 12, 31)]
    frame = pd.DataFrame({"date": days, "close": [10.0, 11.0, 12.0, 13.0, 99.0]})
    batch.add("bars", frame, code="300750.SZ", adjust="none", source="import:prices/x.csv")
    batch.cover("bars:none", "300750.SZ", dt.date(2024, 1, 2), dt.date(9999, 12, 31), "import")
    store.write(batch)
    return store


def plan(store: Store, notes: list[str]) -> list[sync.Task]:
    tasks, _ = sync.plan(
        store,
        [CATL],
        dt.date(2024, 1, 2),
        dt.date(2024, 1, 12),
        now=NOW,
        valuation=False,
        eps=False,
        fx=False,
        calendar=False,
        notes=notes,
    )
    return [t for t in tasks if t.dataset == "bars:none"]


def test_far_future_bar_does_not_stop_sync(tmp_path: Path) -> None:
    store = old_store(tmp_path / "s.duckdb")
    notes: list[str] = []
    tasks = plan(store, notes)
    assert [(t.start, t.end) for t in tasks] == [(dt.date(2024, 1, 6), dt.date(2024, 1, 12))]
    assert len(notes) == 1 and "9999-12-31" in notes[0] and "2024-01-12" in notes[0]
    vendor = Vendor()
    batch, _ = sync.run(store, vendor, tasks, [CATL], now=NOW)
    store.write(batch)
    assert vendor.asked == [("none", dt.date(2024, 1, 6), dt.date(2024, 1, 12))]
    assert store.covered("bars:none", "300750.SZ") == (dt.date(2024, 1, 2), dt.date(2024, 1, 12))
    held = store.at("2024-01-12").bars(["300750.SZ"], "none")["date"].dt.date.tolist()
    assert held[-1] == dt.date(2024, 1, 12) and len(held) == 4 + 5
    # the next sync finds the series up to date and has nothing more to say
    notes = []
    assert plan(store, notes) == [] and notes == []
    store.close()
