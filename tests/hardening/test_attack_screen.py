"""Attack findings on screens: point in time over the whole market."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest


def _plant(home: Path) -> None:
    import pandas as pd

    from naion.store import Batch, Store

    batch = Batch()
    batch.add(
        "securities",
        pd.DataFrame(
            {
                "code": ["000001.SZ", "001979.SZ", "301999.SZ"],
                "name": ["平安银行", "招商蛇口", "未来上市"],
                "market": ["A", "A", "A"],
                "exchange": ["SZSE", "SZSE", "SZSE"],
                "currency": ["CNY", "CNY", "CNY"],
            }
        ),
    )
    old = pd.bdate_range("2019-01-02", "2019-06-28")
    for code in ("000001.SZ",):
        batch.add(
            "bars",
            pd.DataFrame({"date": old, "close": 10.0, "volume": 1e6, "amount": 1e7}),
            code=code,
            adjust="none",
        )
    # 001979.SZ: only a valuation row before the screen date; 301999.SZ lists in 2021
    batch.add(
        "valuation",
        pd.DataFrame({"code": ["001979.SZ"], "date": [dt.date(2019, 4, 26)], "pe_ttm": [8.0]}),
    )
    new = pd.bdate_range("2021-03-01", "2021-06-30")
    batch.add(
        "bars",
        pd.DataFrame({"date": new, "close": 20.0, "volume": 1e6, "amount": 1e7}),
        code="301999.SZ",
        adjust="none",
    )
    batch.add(
        "valuation",
        pd.DataFrame({"code": ["301999.SZ"], "date": [dt.date(2021, 6, 15)], "pe_ttm": [30.0]}),
    )
    with Store(home / "store.duckdb") as store:
        store.write(batch)


def test_all_a_as_of_a_date_leaves_out_later_listings(naion_home: Path) -> None:
    """F3: all-a came from the store's undated securities table, so a screen as of
    2019-04-29 listed names first held in 2021 (all fields empty) and counted them in
    'N of M pass'; a condition such as ``pe_ttm is null`` passed them: the future leaking
    into the past. The batch must not matter either."""
    from naion.store import Store
    from screener.engine import Screen

    _plant(naion_home)
    day, later = dt.date(2019, 4, 29), dt.date(2021, 6, 30)
    with Store(naion_home / "store.duckdb", read_only=True) as store:
        alone = Screen(universe="all-a", where="pe_ttm is null", as_of=day).run(store)
        many = Screen(universe="all-a", where="pe_ttm is null").run_many(store, [day, later])
        every = Screen(universe="all-a", as_of=day).run(store)
    assert sorted(every.all_rows["code"]) == ["000001.SZ", "001979.SZ"]
    assert every.universe_size == 2
    assert alone.rows["code"].tolist() == ["000001.SZ"]
    assert many[day].rows["code"].tolist() == ["000001.SZ"]
    assert "_first_held" not in every.all_rows.columns
    assert any("listed later" in n for n in alone.notes)
    # by 2021-06-30 the later listing is held: in the universe, with its pe_ttm
    assert many[later].universe_size == 3
    assert "301999.SZ" not in many[later].rows["code"].tolist()


def test_cli_counts_only_names_held_on_the_date(
    naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.helpers import run_cli

    _plant(naion_home)
    code, out, err = run_cli(
        [
            "screen",
            "-u",
            "all-a",
            "--as-of",
            "2019-04-29",
            "-f",
            "csv",
            "--where",
            "pe_ttm is null",
        ],
        capsys,
    )
    assert code == 0, err
    assert [line.split(",")[0] for line in out.strip().splitlines()[1:]] == ["000001.SZ"]
