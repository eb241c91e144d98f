"""Issue 10, items 1, 2 and 6: price bases never chained silently, no made-up unadjusted
prices, windows and messages that name the real gap (each test plants the fault)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from naion.store import Store
from strategies.engine import Backtest
from strategies.spec import get_spec
from tests.helpers import run_cli
from tests.strategies.conftest import export, import_export, put_bars, user_strategy

DAYS = pd.bdate_range("2023-01-02", "2023-12-29")
SOLO = """
name: solo
title: CATL alone
type: sleeves
rebalance: {calendar: none}
sleeves: {s: {weight: 1.0, members: {300750.SZ: 1}}}
benchmark: {000300.SH: 1}
"""
EX_DATE = pd.Timestamp("2023-06-15")  # a 3-for-10 bonus issue: the raw close falls 1/1.3


def true_value(rng: np.random.Generator) -> pd.Series:
    """The value of one share bought on day 0 with its bonus shares (what returns must show)."""
    return pd.Series(200 * np.exp(np.cumsum(rng.normal(0.0005, 0.02, len(DAYS)))), index=DAYS)


def planted(home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> pd.Series:
    export(tmp_path / "x", DAYS)  # calendars, the index and FX
    import_export(tmp_path / "x", capsys)
    value = true_value(np.random.default_rng(11)).round(2)
    raw = value.where(DAYS < EX_DATE, value / 1.3).round(2)
    qfq = (raw * np.where(DAYS < EX_DATE, 1 / 1.3, 1.0))  # rebased to the latest price
    put_bars(home, {("300750.SZ", "none"): raw, ("300750.SZ", "qfq"): qfq})
    user_strategy(home, "solo", SOLO)
    return raw


def run_solo(home: Path, **kw: object) -> object:
    with Store(home / "store.duckdb", read_only=True) as st:
        spec = get_spec("solo", home / "strategies")
        return Backtest(spec, DAYS[0].date(), DAYS[-1].date(), fees=0, lots=False, **kw).run(st)


def test_a_partial_adjusted_series_joins_through_the_factor_of_its_first_day(
    tmp_path: Path, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = planted(naion_home, capsys, tmp_path)
    # the fault: the adjusted series covers only part of the window (from March)
    with Store(naion_home / "store.duckdb") as st:
        st.con.execute("DELETE FROM bars WHERE code = '300750.SZ' AND adjust = 'qfq'"
                       " AND date < DATE '2023-03-01'")  # fmt: skip
    run = run_solo(naion_home)
    eq = run.equity
    # the bonus issue is no loss: across the ex-date the run moves with the adjusted series
    i = eq.index.get_loc(EX_DATE)
    adj_move = (raw.iloc[i] * 1.0) / (raw.iloc[i - 1] / 1.3)
    assert eq.iloc[i] / eq.iloc[i - 1] == pytest.approx(adj_move, rel=1e-12)
    # before March: the unadjusted closes x the factor of 2023-03-01 (1/1.3), i.e. raw returns
    j = eq.index.get_loc(pd.Timestamp("2023-02-01"))
    assert eq.iloc[j] / eq.iloc[0] == pytest.approx(raw.iloc[j] / raw.iloc[0], rel=1e-12)
    total = (raw.iloc[-1]) / (raw.iloc[0] / 1.3) - 1
    assert run.metrics["total_return"] == pytest.approx(total, rel=1e-9)
    assert any("before 2023-03-01 its unadjusted closes x 0.769231" in n for n in run.notes)
    assert run.assets.set_index("code").loc["300750.SZ", "adjustment"] == "unadjusted → adjusted"


def test_without_a_factor_on_the_join_day_the_name_starts_with_its_adjusted_series(
    tmp_path: Path, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    planted(naion_home, capsys, tmp_path)
    with Store(naion_home / "store.duckdb") as st:
        st.con.execute("DELETE FROM bars WHERE code = '300750.SZ' AND adjust = 'qfq'"
                       " AND date < DATE '2023-03-01'")  # fmt: skip
        st.con.execute("DELETE FROM bars WHERE code = '300750.SZ' AND adjust = 'none'"
                       " AND date = DATE '2023-03-01'")  # fmt: skip
    run = run_solo(naion_home, rebalance="M")
    w = run.weights["300750.SZ"]
    assert w.loc[:"2023-02-28"].eq(0).all() and w.loc["2023-03-01"] > 0.99
    assert any("its adjusted series starts 2023-03-01 and no factor joins" in n
               for n in run.notes)  # fmt: skip


def test_no_made_up_unadjusted_prices_after_the_raw_series_ends(
    tmp_path: Path, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    planted(naion_home, capsys, tmp_path)
    # the fault: unadjusted closes end in May, the adjusted series runs on
    with Store(naion_home / "store.duckdb") as st:
        st.con.execute("DELETE FROM bars WHERE code = '300750.SZ' AND adjust = 'none'"
                       " AND date > DATE '2023-05-31'")  # fmt: skip
        qfq = st.bars(["300750.SZ"], "qfq").set_index("date")["close"]
    spec = get_spec("solo", naion_home / "strategies")
    with Store(naion_home / "store.duckdb", read_only=True) as st:
        run = Backtest(spec, DAYS[0].date(), DAYS[-1].date(), rebalance="M").run(st)
    t = run.trades
    late = t[t["date"] > "2023-05-31"]
    assert len(late) and not late["lots"].any()
    # their local price is the adjusted close of the day, not adjusted x a stale ratio
    adj = qfq.reindex(pd.DatetimeIndex(late["date"]).date).to_numpy()
    assert np.allclose(late["price_local"].to_numpy(), adj)
    early = t[t["date"] <= "2023-05-31"]
    assert early["lots"].all() and (early["shares"] % 100 == 0).all()
    note = next(n for n in run.notes if "fractional units without lot rules" in n)
    assert "300750.SZ 2023-06-01 → 2023-12-29" in note
    a = run.assets.set_index("code").loc["300750.SZ"]
    assert str(a["fractional_from"]) == "2023-06-01"


CLOSED_A = [d.strftime("%Y-%m-%d") for d in pd.bdate_range("2023-09-29", "2023-10-06")]
PAIR = """
name: pair
title: Pair
type: sleeves
rebalance: {calendar: M}
sleeves: {s: {weight: 1.0, members: {300750.SZ: 1, TSLA: 1}}}
"""


def test_an_end_on_a_one_market_holiday_is_no_gap(
    tmp_path: Path, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export(tmp_path / "x", DAYS, closed={"A": CLOSED_A})
    import_export(tmp_path / "x", capsys)
    user_strategy(naion_home, "pair", PAIR)
    code, _, err = run_cli(
        ["backtest", "pair", "--start", "2023-03-01", "--end", "2023-10-06", "--offline",
         "-f", "json", "--no-save"], capsys,
    )  # fmt: skip
    assert code == 0, err
    # the store's prices end on the holiday's eve: still no gap (the A market was shut)
    with Store(naion_home / "store.duckdb") as st:
        st.con.execute("DELETE FROM bars WHERE code = '300750.SZ' AND date > DATE '2023-10-06'")
    code, _, err = run_cli(
        ["backtest", "pair", "--start", "2023-03-01", "--end", "2023-10-06", "--offline",
         "-f", "json", "--no-save"], capsys,
    )  # fmt: skip
    assert code == 0, err
    # a real gap names the dates in words, not the adjustment's code name
    code, _, err = run_cli(
        ["backtest", "pair", "--start", "2023-03-01", "--end", "2023-12-29", "--offline",
         "--no-save"], capsys,
    )  # fmt: skip
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "300750.SZ: the store holds its prices up to 2023-09-28; the run needs them up to "
    assert "2023-12-29" in err and "none prices" not in err and "qfq" not in err


LATE = """
name: late
title: Late listing
segments: {a: {title: A}, b: {title: B}}
members:
  - {code: 300750.SZ, segment: a}
  - {code: 002594.SZ, segment: a}
  - {code: 688005.SH, segment: b}
"""
TYPES = {
    "segment-equal": "",
    "valuation-tilt": "tilt: {field: pe_ttm}\n",
    "screen-driven": 'screen: {where: "close > 0", min_count: 1}\n',
}


@pytest.mark.parametrize("late", ["002594.SZ", "300750.SZ"])
def test_every_type_follows_one_coverage_rule(
    late: str, tmp_path: Path, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A member's prices start in July. 002594.SZ has no listing date in any universe: a late
    listing, it joins then. 300750.SZ listed in 2018: a gap every type refuses alike."""
    from tests.helpers import write

    export(tmp_path / "x", DAYS)
    import_export(tmp_path / "x", capsys)
    with Store(naion_home / "store.duckdb") as st:
        st.con.execute(f"DELETE FROM bars WHERE code = '{late}' AND date < DATE '2023-07-03'")
    write(naion_home / "universes" / "late.yaml", LATE)
    results = {}
    for kind, extra in TYPES.items():
        user_strategy(naion_home, kind, f"name: {kind}\ntitle: T\ntype: {kind}\nuniverse: late\n"
                      f"rebalance: {{calendar: M}}\n{extra}")  # fmt: skip
        results[kind] = run_cli(
            ["backtest", kind, "--start", "2023-02-01", "--end", "2023-12-29", "--offline",
             "-f", "json"], capsys,
        )  # fmt: skip
    codes = {k: r[0] for k, r in results.items()}
    if late == "002594.SZ":
        assert codes == dict.fromkeys(TYPES, 0), results
        assert all(f"{late} 2023-07-03" in r[2] for r in results.values())
        import json

        from strategies.runs import load_run

        for _, out, _ in results.values():
            w = load_run(json.loads(out)["run_id"]).weights[late]
            assert w.loc[:"2023-06-30"].eq(0).all() and w.loc["2023-07-03":].gt(0).any()
    else:
        assert codes == dict.fromkeys(TYPES, 2), results
        lines = {r[2].strip() for r in results.values()}
        assert len(lines) == 1
        assert f"{late}: the store holds its prices from 2023-07-03, but it listed on " in (
            lines.pop()
        )
