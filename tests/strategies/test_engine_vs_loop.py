"""The engine against independent plain-Python loops (frictionless, then every rule)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from naion.store import Store
from strategies.engine import Backtest
from strategies.spec import get_spec
from tests.strategies import oracle
from tests.strategies.conftest import export, import_export, user_strategy

DAYS = pd.bdate_range("2023-01-02", "2023-12-29")
SPEC = """
name: mix
title: Mixed markets
type: sleeves
base_currency: CNY
rebalance: {calendar: M}
sleeves:
  a: {weight: 0.6, members: {300750.SZ: 2, 688005.SH: 1, 002594.SZ: 1}}
  b: {weight: 0.38, members: {1211.HK: 1, TSLA: 1}}
benchmark: {000300.SH: 1}
"""
WEIGHTS = {"300750.SZ": 0.3, "688005.SH": 0.15, "002594.SZ": 0.15, "1211.HK": 0.19, "TSLA": 0.19}
LISTINGS = {
    "300750.SZ": oracle.Listing("A", 100, 100),
    "688005.SH": oracle.Listing("A", 1, 200),
    "002594.SZ": oracle.Listing("A", 100, 100),
    "1211.HK": oracle.Listing("HK", 500, 500),
    "TSLA": oracle.Listing("US", 1, 1),
}
BPS = {"A": 2.5e-4, "HK": 3e-4, "US": 1e-4}
MIN = {"A": 5.0, "HK": 50.0, "US": 1.0}
GOLDEN_WEEK = ["2023-10-02", "2023-10-03", "2023-10-04", "2023-10-05", "2023-10-06"]
CLOSED = {"A": GOLDEN_WEEK, "US": ["2023-07-04", "2023-09-04"], "HK": ["2023-04-07"]}


def oracle_days(px: dict[str, pd.Series], closed: dict[str, list[str]]) -> list[oracle.Day]:
    """The panel as the oracle sees it: union of open days, carried closes in CNY."""
    market = {c: li.market for c, li in LISTINGS.items()}
    shut = {m: {pd.Timestamp(d) for d in v} for m, v in closed.items()}
    cal = [d for d in DAYS if any(d not in shut.get(m, set()) for m in ("A", "HK", "US"))]
    fx_of = {"TSLA": px["USDCNY"], "1211.HK": px["HKDCNY"]}
    out = []
    for d in cal:
        price, bar, open_, fx = {}, {}, {}, {}
        for c in WEIGHTS:
            s = px[c]
            local = s[s.index <= d].iloc[-1]
            f = fx_of[c][fx_of[c].index <= d].iloc[-1] if c in fx_of else 1.0
            price[c] = float(local * f)
            bar[c] = d in s.index
            open_[c] = d not in shut.get(market[c], set())
            fx[c] = float(f)
        out.append(oracle.Day(d.date(), price, bar, open_, fx))
    return out


def month_starts(days: list[oracle.Day]) -> set[dt.date]:
    seen, out = set(), set()
    for d in days:
        key = (d.date.year, d.date.month)
        if key not in seen:
            seen.add(key)
            out.add(d.date)
    return out


@pytest.fixture
def store(tmp_path: Path, naion_home: Path, capsys: pytest.CaptureFixture[str]):
    px = export(tmp_path / "x", DAYS)
    import_export(tmp_path / "x", capsys)
    user_strategy(naion_home, "mix", SPEC)
    st = Store(naion_home / "store.duckdb", read_only=True)
    yield st, px, naion_home
    st.close()


def test_frictionless_monthly_matches_a_plain_loop(store) -> None:
    st, px, home = store
    spec = get_spec("mix", home / "strategies")
    run = Backtest(spec, DAYS[0].date(), DAYS[-1].date(), fees=0, lots=False).run(st)
    days = oracle_days(px, {})
    checks = month_starts(days)
    cash, h = 1_000_000.0, dict.fromkeys(WEIGHTS, 0.0)
    loop = []
    for d in days:
        value = cash + sum(h[c] * d.price[c] for c in h)
        if d.date in checks:
            h = {c: WEIGHTS[c] * value / d.price[c] for c in h}
            cash = value - sum(h[c] * d.price[c] for c in h)
        loop.append(cash + sum(h[c] * d.price[c] for c in h))
    assert np.allclose(run.equity.to_numpy(), np.array(loop), rtol=1e-9, atol=0)
    assert run.metrics["fees"] == 0.0
    assert run.metrics["total_return"] == pytest.approx(loop[-1] / 1e6 - 1, rel=1e-9)


def test_costs_stamp_duty_and_lots_match_a_plain_loop(store) -> None:
    st, px, home = store
    spec = get_spec("mix", home / "strategies")
    run = Backtest(spec, DAYS[0].date(), DAYS[-1].date()).run(st)
    days = oracle_days(px, {})
    res = oracle.simulate(days, month_starts(days), WEIGHTS, LISTINGS, 1e6, BPS, MIN)
    assert run.metrics["fees"] == pytest.approx(res.fees + res.taxes, abs=1e-6)
    assert run.metrics["taxes"] == pytest.approx(res.taxes, abs=1e-6)
    assert run.metrics["taxes"] > 0 and run.metrics["commission"] > 0
    assert np.allclose(run.equity.to_numpy(), np.array(res.equity), rtol=1e-9, atol=0)
    assert run.metrics["trades"] == len({(d, c) for d, c, _ in res.trades})
    # lots: A main board in hundreds, HK in board lots of 500, STAR orders of >= 200
    t = run.trades
    assert (t.loc[t["code"] == "300750.SZ", "shares"] % 100 == 0).all()
    assert (t.loc[t["code"] == "1211.HK", "shares"] % 500 == 0).all()
    star = t[t["code"] == "688005.SH"]
    assert (star["shares"] >= 200).all()
    # stamp duty: A-share buys pay none; A-share sells after 2023-08-28 pay 0.05%
    a = t[t["code"].str.endswith((".SZ", ".SH"))]
    assert (a.loc[a["side"] == "buy", "stamp_duty"] == 0).all()
    late = a[(a["side"] == "sell") & (a["date"] >= "2023-08-28")]
    assert len(late) and np.allclose(late["stamp_duty"], late["value"] * 0.0005)
    hk = t[t["code"] == "1211.HK"]
    assert np.allclose(hk["stamp_duty"], hk["value"] * np.where(hk["date"] < "2023-11-17",
                                                                 0.0013, 0.001))  # fmt: skip


def test_market_closures_with_every_rule_match_a_plain_loop(
    tmp_path: Path, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Golden Week, US and HK holidays: rebalances wait, fees, stamp duty, lots, a band."""
    px = export(tmp_path / "x", DAYS, closed=CLOSED)
    import_export(tmp_path / "x", capsys)
    user_strategy(naion_home, "mix", SPEC)
    spec = get_spec("mix", naion_home / "strategies")
    with Store(naion_home / "store.duckdb", read_only=True) as st:
        run = Backtest(spec, DAYS[0].date(), DAYS[-1].date(), band=0.02, capital=300_000).run(st)
    days = oracle_days(px, CLOSED)
    assert [d.date for d in days] == [d.date() for d in run.equity.index]
    res = oracle.simulate(days, month_starts(days), WEIGHTS, LISTINGS, 300_000, BPS, MIN,
                          band=0.02)  # fmt: skip
    assert np.allclose(run.equity.to_numpy(), np.array(res.equity), rtol=1e-9, atol=0)
    assert run.metrics["fees"] == pytest.approx(res.fees + res.taxes, abs=1e-6)
    traded = {d for d, _, _ in res.trades}
    assert dt.date(2023, 10, 9) in traded or dt.date(2023, 10, 2) not in traded
    assert not {dt.date.fromisoformat(x) for x in GOLDEN_WEEK} & set(run.trades["date"].dt.date)
