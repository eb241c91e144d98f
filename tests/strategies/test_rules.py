"""Market closures, point-in-time weights, successions and delistings."""

from __future__ import annotations

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
    user_strategy(
        naion_home,
        "scr",
        """
name: scr
title: Screen
type: screen-driven
universe: sodium-ion
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
        "300750.SZ: the store holds none prices from 2023-06-01; the run needs them from "
        "2023-01-03" in err
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
        ("name: bad\ntitle: B\ntype: momentum\n", "type: Input should be"),
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
