"""Price fields per (as-of date, code): one basis per window, never batch-dependent, never zero
for missing inputs. Every expected value is recomputed here with plain pandas."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from naion.store import Batch, Store
from screener.engine import Screen
from screener.fields import FIELDS, price_field
from tests.screener.plant import bar_frame, securities, universe_file, write
from universes.loader import Registry, load_registry

DAYS = pd.bdate_range("2020-01-02", "2022-06-30")
PRICE = ["close", "adv_20d", "ret_1m", "ret_3m", "ret_12m", "vol_60d", "drawdown_1y"]
CODES = ["300750.SZ", "920185.BJ", "600348.SH", "688707.SH", "002407.SZ", "1211.HK"]
QFQ_START, QFQ_END = pd.Timestamp("2021-06-01"), pd.Timestamp("2022-03-31")
RAW_GAP = (pd.Timestamp("2021-03-01"), pd.Timestamp("2021-04-15"))
SUSPENDED = (pd.Timestamp("2021-11-01"), pd.Timestamp("2021-11-19"))
NO_AMOUNT = pd.Timestamp("2021-09-15")


def _series() -> dict[str, dict[str, pd.DataFrame]]:
    """code -> {"none": bars, "qfq": bars} (frames indexed by date: close, amount)."""
    rng = np.random.default_rng(5)
    out: dict[str, dict[str, pd.DataFrame]] = {}
    for code in CODES:
        days = DAYS[DAYS >= "2021-01-04"] if code == "688707.SH" else DAYS
        if code == "002407.SZ":
            days = days[(days < SUSPENDED[0]) | (days > SUSPENDED[1])]
        close = 20 * np.exp(np.cumsum(rng.normal(0, 0.02, len(days))))
        amount = rng.uniform(1e6, 1e8, len(days))
        raw = pd.DataFrame({"close": close, "amount": amount}, index=days)
        # a dividend on 2021-09-01: forward-adjusted history before it is scaled by 0.9
        qfq = raw[["close"]].assign(amount=np.nan)
        qfq.loc[qfq.index < "2021-09-01", "close"] *= 0.9
        if code == "1211.HK":
            raw["amount"] = np.nan  # the vendor gives no traded value
        if code == "002407.SZ":
            raw.loc[NO_AMOUNT, "amount"] = np.nan
        if code == "920185.BJ":  # the qfq series starts late and ends early
            qfq = qfq[(qfq.index >= QFQ_START) & (qfq.index <= QFQ_END)]
        if code == "600348.SH":  # unadjusted bars missing for six weeks, qfq complete
            raw = raw[(raw.index < RAW_GAP[0]) | (raw.index > RAW_GAP[1])]
        series = {"none": raw}
        if code != "688707.SH":
            series["qfq"] = qfq
        out[code] = series
    return out


SERIES = _series()


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Registry]]:
    home = tmp_path_factory.mktemp("basis")
    b = Batch()
    b.add(
        "securities",
        securities([(c, c, "HK" if c.endswith(".HK") else "A", None) for c in CODES]),
    )
    for code, series in SERIES.items():
        for adjust, frame in series.items():
            b.add(
                "bars",
                bar_frame(frame.index, frame["close"].to_numpy(), frame["amount"].to_numpy()),
                code=code,
                adjust=adjust,
            )
    write(home, b)
    universe_file(home, "pit", CODES)
    store = Store(home / "store.duckdb", read_only=True)
    yield store, load_registry(home / "universes")
    store.close()


def screen() -> Screen:
    return Screen(universe="pit", columns=PRICE)


def calendar(market: str, d: dt.date) -> pd.DatetimeIndex:
    """The market's trading days: dates on which any of its codes has a bar of any kind."""
    codes = [c for c in CODES if c.endswith(".HK") == (market == "HK")]
    days = set()
    for c in codes:
        for frame in SERIES[c].values():
            days |= set(frame.index)
    return pd.DatetimeIndex(sorted(x for x in days if x <= pd.Timestamp(d)))


def expected_return(code: str, d: dt.date, k: int, adjust: str) -> float:
    cal = calendar("HK" if code.endswith(".HK") else "A", d)
    s = SERIES[code][adjust]["close"].reindex(cal).ffill()
    return float(s.iloc[-1] / s.iloc[-1 - k] - 1)


def expected_adv(code: str, d: dt.date) -> float:
    cal = calendar("A", d)[-20:]
    raw = SERIES[code]["none"]["amount"]
    on_bars = raw.reindex(cal)
    traded = on_bars.where(cal.isin(raw.index), 0.0)  # no bar: suspended, 0 traded
    return float(traded.sum() / 20) if traded.notna().all() else float("nan")


def rows(result: object) -> pd.DataFrame:
    return result.all_rows.set_index("code")  # type: ignore[attr-defined]


def test_a_dates_result_does_not_depend_on_the_batch(planted: tuple[Store, Registry]) -> None:
    store, reg = planted
    rnd = random.Random(11)
    pool = sorted(rnd.sample([d.date() for d in DAYS[280:]], 24))
    pool += [dt.date(2021, 7, 15), dt.date(2021, 12, 15), dt.date(2022, 5, 16)]
    pool += [dt.date(2021, 11, 27)]  # a Saturday
    alone = {d: screen().run_many(store, [d], reg)[d] for d in pool}
    for _ in range(25):
        batch = rnd.sample(pool, rnd.randint(2, 8))
        together = screen().run_many(store, batch, reg)
        for d in batch:
            pd.testing.assert_frame_equal(
                rows(together[d])[PRICE], rows(alone[d])[PRICE], check_exact=True, obj=str(d)
            )
            assert together[d].notes == alone[d].notes, d
            # and run() of that date alone agrees too
    for d in pool[:4]:
        single = Screen(universe="pit", columns=PRICE, as_of=d).run(store, reg)
        pd.testing.assert_frame_equal(rows(single)[PRICE], rows(alone[d])[PRICE])


def test_the_audit_case_a_later_date_does_not_switch_the_basis(
    planted: tuple[Store, Registry],
) -> None:
    """920185.BJ: qfq held 2021-06-01..2022-03-31 only, unadjusted bars throughout."""
    store, reg = planted
    early, mid, late = dt.date(2021, 7, 15), dt.date(2021, 11, 15), dt.date(2022, 5, 16)
    alone = screen().run_many(store, [early], reg)[early]
    batch = screen().run_many(store, [early, mid, late], reg)
    for res in (alone, batch[early]):
        # qfq does not cover the 63-day window yet: unadjusted closes, said in the notes
        got = rows(res).loc["920185.BJ", "ret_3m"]
        assert got == pytest.approx(expected_return("920185.BJ", early, 63, "none"), rel=1e-12)
        assert any("920185.BJ" in n and "unadjusted closes" in n for n in res.notes)
    # once qfq covers the window it is used (the 2021-09-01 dividend is inside the window)
    got = rows(batch[mid]).loc["920185.BJ", "ret_3m"]
    assert got == pytest.approx(expected_return("920185.BJ", mid, 63, "qfq"), rel=1e-12)
    assert got != pytest.approx(expected_return("920185.BJ", mid, 63, "none"), rel=1e-6)
    # after qfq ends, a carried-forward qfq close would be stale: unadjusted again
    got = rows(batch[late]).loc["920185.BJ", "ret_1m"]
    assert got == pytest.approx(expected_return("920185.BJ", late, 21, "none"), rel=1e-12)
    # a name whose qfq covers everything stays on qfq at every date
    for d in (early, mid, late):
        got = rows(batch[d]).loc["300750.SZ", "ret_12m"]
        assert got == pytest.approx(expected_return("300750.SZ", d, 252, "qfq"), rel=1e-12)


def test_a_basis_with_holes_in_the_window_is_not_used(planted: tuple[Store, Registry]) -> None:
    """600348.SH has no unadjusted bars 2021-03-01..04-15 (qfq has them)."""
    store, reg = planted
    inside, after = dt.date(2021, 4, 9), dt.date(2021, 4, 30)
    res = screen().run_many(store, [inside, after], reg)
    r = rows(res[inside]).loc["600348.SH"]
    # the unadjusted close of February is not "the close" while qfq shows trading since
    assert np.isnan(r["close"]) and np.isnan(r["adv_20d"])
    assert r["ret_1m"] == pytest.approx(expected_return("600348.SH", inside, 21, "qfq"))
    r = rows(res[after]).loc["600348.SH"]
    assert r["close"] == SERIES["600348.SH"]["none"]["close"].loc[:"2021-04-30"].iloc[-1]
    assert np.isnan(r["adv_20d"])  # its 20-day window still reaches into the gap


def test_unavailable_is_not_zero(planted: tuple[Store, Registry]) -> None:
    store, reg = planted
    d = dt.date(2021, 12, 1)
    res = Screen(universe="pit", where="adv_20d < 1e6", as_of=d).run(store, reg)
    assert res.rows.empty  # 1211.HK has no traded value: it does not pass a "< 1e6" test
    assert np.isnan(rows(res).loc["1211.HK", "adv_20d"])
    assert rows(res).loc["1211.HK", "close"] == pytest.approx(
        SERIES["1211.HK"]["none"]["close"].loc[:"2021-12-01"].iloc[-1]
    )
    # a bar without its traded value makes the 20-day mean unavailable while in the window
    for d, available in ((dt.date(2021, 9, 30), False), (dt.date(2021, 10, 20), True)):
        got = Screen(universe="pit", columns=["adv_20d"], as_of=d).run(store, reg)
        value = rows(got).loc["002407.SZ", "adv_20d"]
        if available:
            assert value == pytest.approx(expected_adv("002407.SZ", d), rel=1e-12)
        else:
            assert np.isnan(value) and np.isnan(expected_adv("002407.SZ", d))
    # a suspension (no bar at all) is a day with nothing traded, not a missing input
    d = dt.date(2021, 11, 26)
    got = rows(Screen(universe="pit", columns=["adv_20d"], as_of=d).run(store, reg))
    assert got.loc["002407.SZ", "adv_20d"] == pytest.approx(expected_adv("002407.SZ", d))
    assert 0 < got.loc["002407.SZ", "adv_20d"] < got.loc["300750.SZ", "adv_20d"] * 2


def test_a_new_price_field_is_one_declaration(
    planted: tuple[Store, Registry], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, reg = planted
    monkeypatch.setitem(
        FIELDS,
        "ret_5d",
        price_field(
            "ret_5d",
            window=5,
            lookback=20,
            compute=lambda close: close[-1] / close[0] - 1,
            unit="fraction",
            formula="close[t] / close[t-5] - 1",
            better="high",
            display="pct",
        ),
    )
    d = dt.date(2021, 12, 15)
    res = Screen(universe="pit", where="ret_5d > -1", rank_by="ret_5d", as_of=d).run(store, reg)
    got = res.rows.set_index("code")["ret_5d"]
    assert got.loc["300750.SZ"] == pytest.approx(expected_return("300750.SZ", d, 5, "qfq"))
    assert got.loc["688707.SH"] == pytest.approx(expected_return("688707.SH", d, 5, "none"))
    assert list(got) == sorted(got, reverse=True)
