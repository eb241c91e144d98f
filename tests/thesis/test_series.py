"""The composite Li2CO3 series: splice date, overlap ratio, tie rule, stale gaps, point in time.

The planted data (CNY/t)::

    spot_t   every weekday 2024-01-01 .. 2024-01-19 (holidays included, like 100ppi)
    fut_t    SSE trading days 2024-01-10 .. 2024-02-09, then a gap, then 2024-03-11 .. 03-29

The SSE calendar planted has 2024-01-01 and the Spring Festival week 2024-02-12..16 off, so
the gap after 2024-02-09 is 15 trading days (02-19 .. 03-08) but 20 weekdays.
"""

from __future__ import annotations

import datetime as dt
import statistics
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from naion.errors import NotInStoreError
from naion.store import Store
from screener.thesis.days import trading_days
from screener.thesis.series import composite
from tests.thesis.helpers import plant_calendar, plant_series

HOLIDAYS = {dt.date(2024, 1, 1), *(dt.date(2024, 2, d) for d in range(12, 17))}


def weekdays(a: str, b: str) -> list[dt.date]:
    return [d.date() for d in pd.bdate_range(a, b)]


def sse(a: str, b: str) -> list[dt.date]:
    return [d for d in weekdays(a, b) if d not in HOLIDAYS]


SPOT = {d: 100_000.0 + 1_000 * i for i, d in enumerate(weekdays("2024-01-01", "2024-01-19"))}
FUT = {
    d: 90_000.0 + 500 * i
    for i, d in enumerate(sse("2024-01-10", "2024-02-09") + sse("2024-03-11", "2024-03-29"))
}
SERIES = ["spot_t", "fut_t"]


def plant(home: Path, calendar: bool = True, spot: dict | None = None) -> None:
    plant_series(home, "spot_t", {d.isoformat(): v for d, v in (spot or SPOT).items()})
    plant_series(home, "fut_t", {d.isoformat(): v for d, v in FUT.items()}, kind="futures")
    if calendar:
        plant_calendar(home, [d.isoformat() for d in sse("2023-12-01", "2024-06-28")])


@pytest.fixture
def store(naion_home: Path):
    plant(naion_home)
    with Store(naion_home / "store.duckdb", read_only=True) as st:
        yield st


def frame_by_date(c) -> pd.DataFrame:
    f = c.frame.copy()
    f.index = [d.date() for d in f["date"]]
    return f


def test_splice_date_is_the_first_futures_day_after_the_spot_ends(store: Store) -> None:
    days = sse("2024-01-02", "2024-01-31")
    c = composite(store, SERIES, days, max_stale=10)
    f = frame_by_date(c)
    splice = dt.date(2024, 1, 22)  # spot ends Friday 01-19; futures quote again Monday 01-22
    for d in days:
        want_series, want_px = ("spot_t", SPOT[d]) if d < splice else ("fut_t", FUT[d])
        assert f.loc[d, "series"] == want_series, d
        assert f.loc[d, "li2co3_cny_per_t"] == want_px, d
        assert f.loc[d, "price_date"].date() == d and f.loc[d, "age_days"] == 0
    assert len(c.splices) == 1
    s = c.splices[0]
    assert (s.date, s.from_series, s.to_series) == (splice, "spot_t", "fut_t")


def test_overlap_ratio_is_futures_over_spot_on_the_dates_both_quote(store: Store) -> None:
    c = composite(store, SERIES, sse("2024-01-02", "2024-01-31"))
    s = c.splices[0]
    overlap = [d for d in FUT if d in SPOT and d <= s.date]
    assert overlap == sse("2024-01-10", "2024-01-19")  # 8 trading days
    ratios = [FUT[d] / SPOT[d] for d in overlap]
    assert s.overlap_days == 8
    assert (s.overlap_first, s.overlap_last) == (overlap[0], overlap[-1])
    assert s.ratio_median == pytest.approx(statistics.median(ratios), rel=1e-12)
    assert s.ratio_min == pytest.approx(min(ratios)) and s.ratio_max == pytest.approx(max(ratios))
    assert s.ratio_last == pytest.approx(FUT[overlap[-1]] / SPOT[overlap[-1]])
    note = next(n for n in c.notes if n.startswith("splice:"))
    assert "fut_t takes over from spot_t on 2024-01-22" in note
    assert f"median {statistics.median(ratios):.3f}" in note
    assert "not rescaled" in note


def test_on_the_same_date_the_series_listed_first_wins(store: Store) -> None:
    days = sse("2024-01-02", "2024-01-31")
    f = frame_by_date(composite(store, ["fut_t", "spot_t"], days))
    for d in days:
        # futures first: they win every date they quote; spot only before they start
        assert f.loc[d, "series"] == ("spot_t" if d < dt.date(2024, 1, 10) else "fut_t"), d


def test_a_gap_longer_than_the_limit_goes_unavailable_after_ten_trading_days(
    store: Store,
) -> None:
    days = sse("2024-02-01", "2024-03-15")
    c = composite(store, SERIES, days, max_stale=10)
    f = frame_by_date(c)
    last = dt.date(2024, 2, 9)
    in_gap = sse("2024-02-19", "2024-03-08")
    assert len(in_gap) == 15
    for age, d in enumerate(in_gap, start=1):
        assert f.loc[d, "price_date"].date() == last and f.loc[d, "age_days"] == age
        if age <= 10:  # carried: nobody knows yet how long the gap will last
            assert f.loc[d, "available"] and f.loc[d, "li2co3_cny_per_t"] == FUT[last]
        else:
            assert not f.loc[d, "available"] and np.isnan(f.loc[d, "li2co3_cny_per_t"])
    assert f.loc[dt.date(2024, 3, 11), "available"]
    assert f.loc[dt.date(2024, 3, 11), "li2co3_cny_per_t"] == FUT[dt.date(2024, 3, 11)]
    gap_notes = [n for n in c.notes if n.startswith("signal unavailable")]
    assert gap_notes == [
        "signal unavailable 2024-03-04 to 2024-03-08 (5 dates): the last price"
        " (fut_t, 2024-02-09) was more than 10 trading days old"
    ]
    assert "the SSE calendar" in c.notes[-1]


@pytest.mark.parametrize(("limit", "unavailable"), [(15, 0), (14, 1), (0, 15)])
def test_the_stale_limit_counts_trading_days(store: Store, limit: int, unavailable: int) -> None:
    c = composite(store, SERIES, sse("2024-02-19", "2024-03-08"), max_stale=limit)
    assert int((~c.frame["available"]).sum()) == unavailable


def test_without_a_calendar_weekdays_count_and_the_notes_say_so(naion_home: Path) -> None:
    plant(naion_home, calendar=False)
    with Store(naion_home / "store.duckdb", read_only=True) as st:
        c = composite(st, SERIES, weekdays("2024-02-19", "2024-03-08"))
    f = frame_by_date(c)
    # weekdays: 02-12..16 count, so the 10th day after 02-09 is 02-23
    assert f.loc[dt.date(2024, 2, 23), "available"]
    assert not f.loc[dt.date(2024, 2, 26), "available"]
    assert "weekdays" in c.notes[-1] and "sooner" in c.notes[-1]


def test_the_csi300_bars_serve_as_the_calendar_when_no_calendar_is_held(
    naion_home: Path,
) -> None:
    from naion.store import Batch

    plant(naion_home, calendar=False)
    bars = pd.DataFrame({"date": pd.to_datetime(sse("2023-12-01", "2024-03-29")), "close": 1.0})
    b = Batch()
    b.add("bars", bars.astype({"date": "datetime64[us]"}), code="000300.SH", adjust="none")
    with Store(naion_home / "store.duckdb") as st:
        st.write(b)
    with Store(naion_home / "store.duckdb", read_only=True) as st:
        td = trading_days(st, dt.date(2024, 2, 1), dt.date(2024, 4, 5))
        c = composite(st, SERIES, sse("2024-02-19", "2024-03-08"))
    assert td.source == "index" and "weekdays after 2024-03-29" in td.note
    assert dt.date(2024, 2, 14) not in set(td.days.astype(dt.date))
    assert int((~c.frame["available"]).sum()) == 5  # same as on the SSE calendar


def test_the_value_on_a_date_never_depends_on_later_rows(naion_home: Path) -> None:
    plant(naion_home)
    days = sse("2024-01-02", "2024-03-29")
    with Store(naion_home / "store.duckdb", read_only=True) as st:
        before = frame_by_date(composite(st, SERIES, days))
        single = {d: frame_by_date(composite(st, SERIES, [d])).loc[d] for d in days[::7]}
    # one composite per date equals the range computed at once
    for d, row in single.items():
        assert row["series"] == before.loc[d, "series"]
        assert row["available"] == before.loc[d, "available"]
        assert row["age_days"] == before.loc[d, "age_days"]
        np.testing.assert_equal(row["li2co3_cny_per_t"], before.loc[d, "li2co3_cny_per_t"])
    # the spot resumes 2024-01-29 (rows that arrive later): dates before it are unchanged
    late = {d: 200_000.0 for d in weekdays("2024-01-29", "2024-02-02")}
    plant_series(naion_home, "spot_t", {d.isoformat(): v for d, v in late.items()})
    with Store(naion_home / "store.duckdb", read_only=True) as st:
        after = frame_by_date(composite(st, SERIES, days))
    cut = dt.date(2024, 1, 29)
    early = [d for d in days if d < cut]
    pd.testing.assert_frame_equal(before.loc[early], after.loc[early])
    assert after.loc[cut, "series"] == "spot_t"  # the tie goes to the spot again


def test_splice_notes_as_of_a_date_use_no_later_row(naion_home: Path) -> None:
    plant(naion_home)
    with Store(naion_home / "store.duckdb", read_only=True) as st:
        pre = composite(st.at(dt.date(2024, 1, 19)), SERIES, [dt.date(2024, 1, 19)])
        at = composite(st.at(dt.date(2024, 1, 22)), SERIES, [dt.date(2024, 1, 22)])
        full = composite(st, SERIES, sse("2024-01-02", "2024-03-29"))
    assert pre.splices == []  # the spot has not stopped yet as of 01-19
    assert at.splices == [full.splices[0]]
    assert at.held["fut_t"][1] == dt.date(2024, 1, 22)  # nothing after the as-of date read


def test_an_as_of_reader_sees_no_row_after_its_date(naion_home: Path) -> None:
    plant(naion_home)
    with Store(naion_home / "store.duckdb", read_only=True) as st:
        c = composite(st.at(dt.date(2024, 1, 31)), SERIES, sse("2024-01-29", "2024-02-29"))
    f = frame_by_date(c)
    assert (f["price_date"].dropna() <= pd.Timestamp("2024-01-31")).all()
    assert f.loc[dt.date(2024, 2, 2), "li2co3_cny_per_t"] == FUT[dt.date(2024, 1, 31)]
    assert not f.loc[dt.date(2024, 2, 29), "available"]


def test_no_series_held_at_all_is_one_not_in_store_error(naion_home: Path) -> None:
    plant(naion_home)
    with Store(naion_home / "store.duckdb", read_only=True) as st:
        with pytest.raises(NotInStoreError, match="holds no lithium carbonate prices"):
            composite(st, ["nope_a", "nope_b"], [dt.date(2024, 1, 5)])
        # known series, but no row yet on the date: unavailable, with the reason
        c = composite(st, SERIES, [dt.date(2023, 12, 29)])
    assert not c.frame["available"].iloc[0] and c.frame["series"].iloc[0] is None
    assert any("no lithium carbonate price held before then" in n for n in c.notes)


def test_a_series_in_another_unit_is_refused(naion_home: Path) -> None:
    from naion.errors import DataError

    plant(naion_home)
    plant_series(naion_home, "usd_t", {"2024-01-02": 13_000.0}, unit="USD/t")
    with Store(naion_home / "store.duckdb", read_only=True) as st:
        with pytest.raises(DataError, match="usd_t is quoted in USD/t, the cost model needs"):
            composite(st, ["spot_t", "usd_t"], [dt.date(2024, 1, 5)])
