"""Market closures, point-in-time weights, successions and delistings."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from naion.store import Store
from strategies.engine import Backtest
from strategies.spec import get_spec
from tests.helpers import run_cli, write
from tests.strategies.conftest import export, import_export, user_strategy

DAYS = pd.bdate_range("2023-06-01", "2023-12-29")


def test_rebalance_waits_for_every_market_to_open(
    tmp_path: Path, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    golden_week = ["2023-10-02", "2023-10-03", "2023-10-04", "2023-10-05", "2023-10-06"]
    export(tmp_path / "x", DAYS, closed={"A": golden_week, "US": ["2023-07-04"]})
    import_export(tmp_path / "x", capsys)
    user_strategy(
        naion_home,
        "q",
        """
name: q
title: Q
type: sleeves
rebalance: {calendar: M}
sleeves: {s: {weight: 1.0, members: {300750.SZ: 1, TSLA: 1}}}
""",
    )
    with Store.open(read_only=True) as st:
        run = Backtest(
            get_spec("q", naion_home / "strategies"), DAYS[0].date(), DAYS[-1].date()
        ).run(st)
    days = sorted({d.date().isoformat() for d in run.trades["date"]})
    assert "2023-10-02" not in days and "2023-10-09" in days  # A-shares shut until the 9th
    assert "2023-07-03" in days  # July's first day: both open
    # no trade of any asset on a day without its bar
    for _, t in run.trades.iterrows():
        assert t["date"].strftime("%Y-%m-%d") not in golden_week or t["code"] == "TSLA"


TRIO = """
name: trio
title: Three A-shares
segments: {cells: {title: Cells}, cathode: {title: Cathode}}
members:
  - {code: 300750.SZ, segment: cells}
  - {code: 002594.SZ, segment: cells}
  - {code: 688005.SH, segment: cathode}
"""


def screen_weights(home: Path) -> pd.DataFrame:
    with Store.open(read_only=True) as st:
        run = Backtest(get_spec("scr", home / "strategies"), DAYS[0].date(), DAYS[-1].date()).run(
            st
        )
    return run.targets


def test_a_planted_future_row_does_not_change_past_weights(
    tmp_path: Path, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export(tmp_path / "x", DAYS)
    import_export(tmp_path / "x", capsys)
    write(naion_home / "universes" / "trio.yaml", TRIO)
    user_strategy(
        naion_home,
        "scr",
        """
name: scr
title: Screen
type: screen-driven
universe: trio
rebalance: {calendar: M}
screen: {where: "ret_1m > 0.05", min_count: 1, fallback: cash}
""",
    )
    before = screen_weights(naion_home)
    # plant a level shift in 688005.SH from the day after the November rebalance on, in the
    # direction that flips December's screen for it
    nov = before.index[before.index >= "2023-11-01"][0]
    dec = before.index[before.index > nov][0]
    held_before = before.loc[dec, "688005.SH"] > 0
    factor = 0.3 if held_before else 3.0
    planted_day = DAYS[DAYS > nov][2]  # inside the window of December's ret_1m
    p = tmp_path / "x" / "prices" / "688005.SH.csv"
    df = pd.read_csv(p)
    later = df["date"] >= planted_day.strftime("%Y-%m-%d")
    for col in ("open", "high", "low", "close"):
        df.loc[later, col] = df.loc[later, col] * factor
    df.to_csv(p, index=False)
    import_export(tmp_path / "x", capsys)
    after = screen_weights(naion_home)
    upto = before.index <= nov
    pd.testing.assert_frame_equal(before[upto], after[upto])
    # the planted rows are seen afterwards: December's screen flips for 688005.SH
    assert (after.loc[dec, "688005.SH"] > 0) != held_before


LITHIUM = pd.bdate_range("2023-10-02", "2024-03-01")


def test_succession_converts_shares_and_delisting(
    tmp_path: Path, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = np.random.default_rng(5)
    root = tmp_path / "li"
    (root / "prices").mkdir(parents=True)
    merger = pd.Timestamp("2024-01-04")
    altm = pd.Series(
        np.round(6 * np.exp(np.cumsum(rng.normal(0, 0.03, len(LITHIUM)))), 4), index=LITHIUM
    )
    lthm = (altm[altm.index < merger] * 2.406).round(4)
    alb = pd.Series(
        np.round(150 * np.exp(np.cumsum(rng.normal(0, 0.02, len(LITHIUM)))), 2), index=LITHIUM
    )
    for code, s in (("ALTM", altm), ("LTHM", lthm.iloc[:10]), ("ALB", alb), ("SPY", alb)):
        pd.DataFrame(
            {
                "date": s.index.strftime("%Y-%m-%d"),
                "open": s,
                "high": s,
                "low": s,
                "close": s,
                "volume": 1e6,
            }
        ).to_csv(root / "prices" / f"{code}.csv", index=False)
    import_export(root, capsys)
    user_strategy(
        naion_home,
        "li",
        """
name: li
title: Lithium
type: sleeves
base_currency: USD
rebalance: {calendar: none}
sleeves: {s: {weight: 0.9, members: {LTHM: 1, ALB: 1}}}
benchmark: {SPY: 1}
""",
    )
    with Store.open(read_only=True) as st:
        run = Backtest(
            get_spec("li", naion_home / "strategies"), LITHIUM[0].date(), LITHIUM[-1].date()
        ).run(st)
    t = run.trades.set_index(["date", "code"])
    bought = t.loc[(LITHIUM[0], "LTHM"), "shares"]
    conv = t.loc[(merger, "ALTM")]
    assert conv["side"] == "buy" and conv["shares"] == pytest.approx(bought * 2.406)
    assert t.loc[(merger, "LTHM"), "side"] == "sell"
    assert conv["commission"] == 0 and t.loc[(merger, "LTHM"), "commission"] == 0
    # the history joins up: LTHM's missing closes came from ALTM x 2.406
    assert any("taken from ALTM x 2.406" in n for n in run.notes)
    w = run.weights
    assert w.loc[w.index >= merger, "LTHM"].eq(0).all()
    assert w.loc[w.index >= merger, "ALTM"].gt(0).all()
    # cash does not move on the conversion day
    day = run.weights.index.get_loc(merger)
    assert run.weights["cash"].iloc[day] * run.equity.iloc[day] == pytest.approx(
        run.weights["cash"].iloc[day - 1] * run.equity.iloc[day - 1], rel=1e-12
    )


def test_window_not_covered_names_the_member(
    tmp_path: Path, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export(tmp_path / "x", DAYS)
    import_export(tmp_path / "x", capsys)
    user_strategy(
        naion_home,
        "q",
        """
name: q
title: Q
type: sleeves
sleeves: {s: {weight: 1.0, members: {300750.SZ: 1, 002594.SZ: 1}}}
""",
    )
    code, _, err = run_cli(
        ["backtest", "q", "--start", "2023-01-03", "--end", "2023-12-29", "--offline"], capsys
    )
    assert code == 2
    assert (
        "300750.SZ: the store holds its prices from 2023-06-01, but it listed on 2018-06-11; "
        "the run needs them from 2023-01-03" in err
    )
    assert "--allow-partial" in err
    code, out, err = run_cli(
        [
            "backtest",
            "q",
            "--start",
            "2023-01-03",
            "--end",
            "2023-12-29",
            "--offline",
            "--allow-partial",
            "-f",
            "json",
        ],
        capsys,
    )
    assert code == 0, err
    assert json.loads(out)["start"] == "2023-06-01"
    assert "--allow-partial: the window shrank" in err


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "name: bad\ntitle: B\ntype: sleeves\nsleeves: {s: {weight: 1, members: {ZZZZ: 1}}}\n",
            "unknown ticker 'ZZZZ'",
        ),
        ("name: bad\ntitle: B\ntype: sleeves\nsleeve: {}\n", "sleeve: unknown key"),
        (
            "name: bad\ntitle: B\ntype: sleeves\nsleeves: {s: {weight: 1.5, members: {TSLA: 1}}}\n",
            "sleeves.s.weight",
        ),
        ("name: bad\ntitle: B\ntype: momentum\n", "type: unknown strategy type 'momentum'"),
        (
            "name: bad\ntitle: B\ntype: sleeves\nexclude: [lithium-incumbents]\n"
            "sleeves: {s: {weight: 1, members: {ALB: 1}}}\n",
            "ALB belongs to an excluded universe",
        ),
    ],
)
def test_malformed_strategy_files(
    body: str, message: str, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(naion_home / "strategies" / "bad.yaml", body)
    write(naion_home / "store.duckdb.keep", "")
    code, _, err = run_cli(["backtest", "bad", "--offline"], capsys)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and message in err


def test_unknown_strategy(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["backtest", "momentum"], capsys)
    assert code == 2 and "unknown strategy 'momentum'" in err and "core-satellite" in err


LIMITS = pd.bdate_range("2023-01-02", "2023-06-30")


def _limit_store(tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    px = export(tmp_path / "x", LIMITS)
    import_export(tmp_path / "x", capsys)
    user_strategy(
        home,
        "lim",
        """
name: lim
title: Limits
type: sleeves
rebalance: {calendar: M}
sleeves: {s: {weight: 0.9, members: {300750.SZ: 1, 002594.SZ: 1, 688005.SH: 1}}}
""",
    )
    return px


def _set_close(home: Path, code: str, day: str, close: float) -> None:
    from naion.store import Store

    with Store(home / "store.duckdb") as st:
        st.con.execute(
            "UPDATE bars SET close = ? WHERE code = ? AND date = ?", [close, code, day]
        )


def test_a_buy_at_the_upper_limit_waits_for_the_next_day(
    tmp_path: Path, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    px = _limit_store(tmp_path, naion_home, capsys)
    # ChiNext (±20%): 300750.SZ closes at its upper limit on the first trading day of March
    prev = px["300750.SZ"].loc["2023-02-28"]
    _set_close(naion_home, "300750.SZ", "2023-03-01", round(prev * 1.2, 2))
    with Store.open(read_only=True) as st:
        spec = get_spec("lim", naion_home / "strategies")
        # the run starts that day: the first purchase of 300750.SZ must wait
        start = dt.date(2023, 3, 1)
        run = Backtest(spec, start, LIMITS[-1].date(), params={"lots": "false"}).run(st)
    t = run.trades.set_index(["date", "code"])
    assert ("2023-03-01", "300750.SZ") not in t.index
    assert ("2023-03-02", "300750.SZ") in t.index  # the order waited one day
    assert ("2023-03-01", "002594.SZ") in t.index  # the others traded
    assert run.metrics["waited_orders"] == 1
    assert any("1 order waited" in n and "300750.SZ" in n for n in run.notes)


def test_st_names_lock_at_five_percent(
    tmp_path: Path, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from naion.store import Batch

    px = _limit_store(tmp_path, naion_home, capsys)
    # main board 002594.SZ closes 5% up on the run's first day: its limit only while ST
    day = dt.date(2023, 4, 3)
    prev = px["002594.SZ"].loc["2023-03-31"]
    _set_close(naion_home, "002594.SZ", day.isoformat(), round(prev * 1.05, 2))
    spec = get_spec("lim", naion_home / "strategies")

    def first_buy() -> tuple[dt.date, int]:
        with Store.open(read_only=True) as st:
            run = Backtest(spec, day, LIMITS[-1].date()).run(st)
        t = run.trades[run.trades["code"] == "002594.SZ"]
        return t["date"].iloc[0].date(), run.metrics["waited_orders"]

    assert first_buy() == (day, 0)
    batch = Batch()
    batch.add(
        "st_periods",
        pd.DataFrame(
            {
                "code": ["002594.SZ"],
                "first_date": [dt.date(2023, 3, 1)],
                "last_date": [dt.date(2023, 4, 30)],
                "source": ["test"],
            }
        ),
    )
    with Store.open() as st:
        st.write(batch)
    assert first_buy() == (dt.date(2023, 4, 4), 1)


def test_star_orders_are_at_least_200_shares_and_odd_remainders_go_whole() -> None:
    from strategies.kernel import _buy_shares, _sell_shares

    assert _buy_shares(150, 1, 200) == 200 and _buy_shares(90, 1, 200) == 0
    assert _buy_shares(380.4, 1, 200) == 380
    assert _sell_shares(150, 1000, 1, 200) == 200  # a partial sell: at least 200
    assert _sell_shares(80, 1000, 1, 200) == 0
    assert _sell_shares(900, 1000, 1, 200) == 900  # leaving 100 (< 200) is allowed ...
    assert _sell_shares(60, 150, 1, 200) == 0  # ... then the odd 150 goes only whole
    assert _sell_shares(80, 150, 1, 200) == 150
    assert _sell_shares(999.7, 1000, 1, 200) == 1000
    assert _sell_shares(1234 - 1180, 1234, 100, 100) == 100  # main board: lots of 100
    assert _sell_shares(1200, 1234, 100, 100) == 1200  # an odd 34 may stay ...
    assert _sell_shares(1220, 1234, 100, 100) == 1234  # ... or go, when that is nearer


def test_membership_dates(
    tmp_path: Path, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export(tmp_path / "x", DAYS)
    import_export(tmp_path / "x", capsys)
    write(
        naion_home / "universes" / "m.yaml",
        """
name: m
title: M
segments: {a: {title: A}}
members:
  - {code: 300750.SZ, segment: a}
  - {code: 002594.SZ, segment: a, since: 2023-09-01}
  - {code: 688005.SH, segment: a, until: 2023-10-31}
""",
    )
    user_strategy(naion_home, "m", "name: m\ntitle: M\ntype: segment-equal\nuniverse: m\n"
                  "rebalance: {calendar: M}\n")  # fmt: skip
    spec = get_spec("m", naion_home / "strategies")
    with Store.open(read_only=True) as st:
        run = Backtest(spec, DAYS[0].date(), DAYS[-1].date()).run(st)
        free = Backtest(spec, DAYS[0].date(), DAYS[-1].date(),
                        ignore_membership_dates=True).run(st)  # fmt: skip
    tg = run.targets
    assert tg.loc[:"2023-08-31", "002594.SZ"].eq(0).all()
    assert tg.loc["2023-09-01", "002594.SZ"] == pytest.approx(1 / 3)
    assert tg.loc["2023-11-01":, "688005.SH"].eq(0).all()
    assert tg.loc["2023-11-01", "300750.SZ"] == pytest.approx(0.5)
    assert free.targets.loc[DAYS[0], "002594.SZ"] == pytest.approx(1 / 3)
