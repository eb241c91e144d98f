"""The engine against independent plain-pandas loops (frictionless, then with costs/lots)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from naion.store import Store
from strategies.engine import Backtest
from strategies.spec import get_spec
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


def base_prices(px: dict[str, pd.Series]) -> pd.DataFrame:
    cal = DAYS
    fx = {"300750.SZ": 1.0, "688005.SH": 1.0, "002594.SZ": 1.0}
    out = {}
    for code in WEIGHTS:
        local = px[code].reindex(cal).ffill()
        if code == "TSLA":
            local = local * px["USDCNY"].reindex(cal).ffill()
        elif code == "1211.HK":
            local = local * px["HKDCNY"].reindex(cal).ffill()
        else:
            local = local * fx[code]
        out[code] = local
    return pd.DataFrame(out)


def month_starts(cal: pd.DatetimeIndex) -> set:
    s = pd.Series(cal, index=cal)
    return set(s.groupby(cal.to_period("M")).min())


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
    prices = base_prices(px)
    checks = month_starts(DAYS)
    cash, h = 1_000_000.0, pd.Series(0.0, index=prices.columns)
    loop = []
    for d, p in prices.iterrows():
        value = cash + float((h * p).sum())
        if d in checks:
            h = pd.Series({c: WEIGHTS[c] * value / p[c] for c in prices.columns})
            cash = value - float((h * p).sum())
        loop.append(cash + float((h * p).sum()))
    loop = pd.Series(loop, index=prices.index)
    got = run.equity.reindex(loop.index)
    assert np.allclose(got.to_numpy(), loop.to_numpy(), rtol=1e-9, atol=0)
    assert run.metrics["fees"] == 0.0
    assert run.metrics["total_return"] == pytest.approx(loop.iloc[-1] / 1e6 - 1, rel=1e-9)


def stamp(code: str, day: dt.date, sell: bool) -> float:
    if code.endswith((".SZ", ".SH")):
        return 0.0 if not sell else (0.001 if day < dt.date(2023, 8, 28) else 0.0005)
    if code.endswith(".HK"):
        return 0.0013 if day < dt.date(2023, 11, 17) else 0.001
    return 0.0


LOT = {
    "300750.SZ": (100, 100),
    "688005.SH": (1, 200),
    "002594.SZ": (100, 100),
    "1211.HK": (500, 500),
    "TSLA": (1, 1),
}
BPS = {"A": 2.5e-4, "HK": 3e-4, "US": 1e-4}
MIN = {"A": 5.0, "HK": 50.0, "US": 1.0}


def mkt(code: str) -> str:
    return "HK" if code.endswith(".HK") else "US" if code == "TSLA" else "A"


def test_costs_stamp_duty_and_lots_match_a_plain_loop(store) -> None:
    st, px, home = store
    spec = get_spec("mix", home / "strategies")
    run = Backtest(spec, DAYS[0].date(), DAYS[-1].date()).run(st)
    prices = base_prices(px)
    fxs = {
        "TSLA": px["USDCNY"].reindex(DAYS).ffill(),
        "1211.HK": px["HKDCNY"].reindex(DAYS).ffill(),
    }
    checks = month_starts(DAYS)
    cash = 1_000_000.0
    h = dict.fromkeys(prices.columns, 0.0)
    fees_total = 0.0
    loop = []
    for d, p in prices.iterrows():
        day = d.date()
        value = cash + sum(h[c] * p[c] for c in h)
        if d in checks:
            orders = {}
            for c in h:
                lot, min_buy = LOT[c]
                delta = WEIGHTS[c] * value / p[c] - h[c]
                if delta < 0 and h[c] + delta <= lot / 2:
                    q = -h[c]
                else:
                    q = round(abs(delta) / lot) * lot
                    if delta > 0 and q < min_buy:
                        q = min_buy if abs(delta) >= min_buy / 2 else 0
                    q = q if delta > 0 else -min(q, h[c])
                orders[c] = q
            fx = {c: (fxs[c][d] if c in fxs else 1.0) for c in h}

            def cost(c, v, sell, fx=fx, day=day):
                return max(BPS[mkt(c)] * v, MIN[mkt(c)] * fx[c]) + stamp(c, day, sell) * v

            for c in [c for c in h if orders[c] < 0]:
                v = -orders[c] * p[c]
                f = cost(c, v, True)
                cash += v - f
                fees_total += f
                h[c] += orders[c]
            for c in sorted((c for c in h if orders[c] > 0), key=lambda c: orders[c] * p[c]):
                q = orders[c]
                while q > 0 and q * p[c] + cost(c, q * p[c], False) > cash + 1e-9:
                    lot, min_buy = LOT[c]
                    q = q - lot if q - lot >= min_buy else 0
                if q <= 0:
                    continue
                f = cost(c, q * p[c], False)
                cash -= q * p[c] + f
                fees_total += f
                h[c] += q
        loop.append(cash + sum(h[c] * p[c] for c in h))
    assert abs(run.metrics["fees"] - fees_total) < 0.005  # to the cent
    assert run.metrics["taxes"] > 0 and run.metrics["commission"] > 0
    assert np.allclose(run.equity.to_numpy(), np.array(loop), rtol=1e-9, atol=0)
    # lots: A main board in hundreds, HK in board lots of 500, STAR buys of >= 200
    t = run.trades
    assert (t.loc[t["code"] == "300750.SZ", "shares"] % 100 == 0).all()
    assert (t.loc[t["code"] == "1211.HK", "shares"] % 500 == 0).all()
    star_buys = t[(t["code"] == "688005.SH") & (t["side"] == "buy")]
    assert (star_buys["shares"] >= 200).all()
    # stamp duty: A-share buys pay none; A-share sells after 2023-08-28 pay 0.05%
    a = t[t["code"].str.endswith((".SZ", ".SH"))]
    assert (a.loc[a["side"] == "buy", "stamp_duty"] == 0).all()
    late = a[(a["side"] == "sell") & (a["date"] >= "2023-08-28")]
    assert np.allclose(late["stamp_duty"], late["value"] * 0.0005)
