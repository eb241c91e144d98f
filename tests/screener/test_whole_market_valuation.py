"""Whole-market valuation screens: names with industry, losses and stale rows never pass."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from naion.store import Batch, Store
from tests.helpers import run_cli
from tests.screener.plant import bar_frame, securities, write
from universes.loader import load_registry

WHERE = "pe_ttm between 0 and 15 and pb < 1.5"
SECS = [
    ("000001.SZ", "平安银行", "A", "银行"),
    ("000002.SZ", "万科A", "A", "全国地产"),
    ("600000.SH", "浦发银行", "A", "银行"),
    ("600001.SH", "邯郸钢铁", "A", "普钢"),
    ("600004.SH", "白云机场", "A", "机场"),
    ("002324.SZ", "普利特", "A", "塑料"),
]
# code, date, pe_ttm, pb, total_mv
VALUATION = [
    ("000001.SZ", "2019-04-29", 9.4317, 1.0653, 2.421e11),  # passes
    ("000002.SZ", "2019-04-29", 9.8221, 2.0424, 3.317e11),  # pb too high
    ("600000.SH", "2019-04-29", -5.2, 0.80, 3.1e11),  # a loss year: no PE in screens
    ("600001.SH", "2019-03-01", 5.0, 0.50, 1.0e10),  # 59 days old: not current
    ("600004.SH", "2019-04-29", 12.0, 1.20, None),  # ratios without a market value
    ("002324.SZ", "2019-04-29", 14.0, 1.40, 5.0e9),  # passes; a Na-ion name only from 2026
]


def plant(home: Path) -> None:
    days = pd.bdate_range("2019-04-25", "2019-04-29")
    b = Batch()
    b.add("securities", securities(SECS))
    for code, *_ in SECS:
        b.add(
            "bars",
            bar_frame(days, np.linspace(10, 11, len(days)), np.full(len(days), 1e8)),
            code=code,
            adjust="none",
        )
    b.add(
        "valuation",
        pd.DataFrame(
            {
                "code": [v[0] for v in VALUATION],
                "date": pd.to_datetime([v[1] for v in VALUATION]),
                "pe_ttm": [v[2] for v in VALUATION],
                "pb": [v[3] for v in VALUATION],
                "total_mv": [v[4] for v in VALUATION],
                "source": "test",
            }
        ),
    )
    write(home, b)


def test_whole_market_valuation_screen_lists_names_with_industry(
    naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plant(naion_home)
    args = ["screen", "--universe", "all-a", "--as-of", "2019-04-29", "--where", WHERE]
    code, out, err = run_cli([*args, "-f", "json"], capsys)
    assert code == 0, err
    rows = json.loads(out)
    assert [(r["code"], r["name"], r["industry"]) for r in rows] == [
        ("000001.SZ", "平安银行", "银行"),
        ("002324.SZ", "普利特", "塑料"),
        ("600004.SH", "白云机场", "机场"),
    ]
    assert rows[0]["pe_ttm"] == 9.4317 and rows[2]["market_cap_base"] is None
    # the Na-ion flag follows membership dates: 普利特 is a member only from 2026-02-06
    assert all(r["segment"] is None for r in rows)
    assert "not yet (or no longer) members on 2019-04-29" in err
    # the table shows the industry column too
    code, out, _ = run_cli(args, capsys)
    assert code == 0 and "industry" in out and "银行" in out and "机场" in out
    # the loss stays in the store (the raw figure), it just never passes a PE condition
    store = Store(naion_home / "store.duckdb", read_only=True)
    assert store.valuation(["600000.SH"])["pe_ttm"].tolist() == [-5.2]
    store.close()
    code, out, _ = run_cli(
        [*args[:-2], "--where", "industry = '银行'", "--columns", "pe_ttm", "-f", "json"], capsys
    )
    got = {r["code"]: r["pe_ttm"] for r in json.loads(out)}
    assert got == {"000001.SZ": 9.4317, "600000.SH": None}


def test_real_whole_market_valuation_screen(
    real_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Once valuation_market/ is imported: the whole-market 2019-04-29 screen lists names."""
    store = Store(real_home / "store.duckdb", read_only=True)
    held = store.valuation_asof(store.securities()["code"].tolist(), [dt.date(2019, 4, 29)])
    store.close()
    fresh = held[(held["as_of"] - held["date"]).dt.days <= 31]
    if len(fresh) < 1000:
        pytest.skip("the whole-market valuation snapshots are not imported in this store")
    code, out, err = run_cli(
        ["screen", "-u", "all-a", "--as-of", "2019-04-29", "--where", WHERE, "-f", "json"],
        capsys,
    )
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) > 50
    assert all(r["name"] and r["industry"] for r in rows)
    assert all(0 <= r["pe_ttm"] <= 15 and r["pb"] < 1.5 for r in rows)


def test_real_snapshot_planted_matches_pandas(
    real_data: Path, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The real 2019-04-29 whole-market snapshot, planted row for row, against pandas."""
    snap = pd.read_csv(
        real_data / "valuation_market" / "valuation_2019-04-29.csv", dtype={"code": str}
    )
    b = Batch()
    b.add(
        "securities",
        snap[["code", "name", "industry"]].assign(market="A", currency="CNY", source="test"),
    )
    b.add("valuation", snap.assign(date=pd.Timestamp("2019-04-29"), source="test"))
    write(naion_home, b)
    code, out, err = run_cli(
        ["screen", "-u", "all-a", "--as-of", "2019-04-29", "--where", WHERE, "-f", "json"],
        capsys,
    )
    assert code == 0, err
    rows = json.loads(out)
    a_shares = ~snap["code"].str.match(r"^(900\d{3}\.SH|200\d{3}\.SZ)$")
    ok = snap["pe_ttm"].between(0, 15) & (snap["pe_ttm"] > 0) & (snap["pb"] < 1.5) & a_shares
    assert sorted(r["code"] for r in rows) == sorted(snap.loc[ok, "code"])
    by_code = snap.set_index("code")
    curated = load_registry().members  # a curated member shows its curated name
    for r in rows:
        if r["code"] not in curated:
            assert r["name"] == by_code.loc[r["code"], "name"]
        assert r["industry"] == by_code.loc[r["code"], "industry"]
