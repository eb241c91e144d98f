"""As-of screens see nothing dated after the as-of date (planted future rows prove it)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.helpers import run_cli, write


def make_export(root: Path) -> Path:
    dates = pd.bdate_range(end="2022-11-22", periods=300)
    rng = np.random.default_rng(7)
    close = 300 * np.exp(np.cumsum(rng.normal(0, 0.02, len(dates))))
    close[-1] = 375.0
    df = pd.DataFrame(
        {
            "date": dates.strftime("%Y-%m-%d"),
            "open": close,
            "high": close,
            "low": close,
            "close": close,
            "volume": 1000,
            "amount": rng.uniform(1e9, 5e9, len(dates)),
        }
    )
    future = pd.DataFrame(
        [
            {
                "date": "2022-11-23",
                "open": 9999.0,
                "high": 9999.0,
                "low": 9999.0,
                "close": 9999.0,
                "volume": 1,
                "amount": 1e15,
            }
        ]
    )
    root.mkdir(parents=True)
    (root / "prices").mkdir()
    pd.concat([df, future]).to_csv(root / "prices" / "300750.SZ.csv", index=False)
    write(
        root / "valuation" / "300750.SZ.csv",
        """
date,pe_ttm,pb,ps_ttm,total_mv,total_share
2022-11-21,35.0,6.0,3.0,900000000000,2442514524
2022-11-22,35.54,6.1,3.1,915942946500,2442514524
2022-11-23,1.0,0.1,0.1,1,1
""",
    )
    write(
        root / "eps" / "2022-11-22.csv",
        """
code,fiscal_year,kind,eps
300750.SZ,2021,actual,6.88
300750.SZ,2022,estimate,11.48
300750.SZ,2023,estimate,17.90
300750.SZ,2024,estimate,24.09
""",
    )
    write(
        root / "eps" / "2022-11-25.csv",
        """
code,fiscal_year,kind,eps
300750.SZ,2021,actual,6.88
300750.SZ,2022,estimate,1000
""",
    )
    return root, df  # type: ignore[return-value]


def screen(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[dict, str]:
    code, out, err = run_cli(
        [
            "screen",
            "-u",
            "sodium-ion",
            "-s",
            "cells",
            "-f",
            "json",
            "--columns",
            "close,adv_20d,pe_ttm,pe_fy1,peg,market_cap",
            *args,
        ],
        capsys,
    )
    assert code == 0, err
    rows = {r["code"]: r for r in json.loads(out)}
    return rows.get("300750.SZ", {}), err


def test_future_rows_are_invisible(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, df = make_export(tmp_path / "export")
    assert run_cli(["data", "import", str(root)], capsys)[0] == 0
    row, _ = screen(capsys, "--as-of", "2022-11-22")
    assert row["close"] == 375.0
    assert row["adv_20d"] == pytest.approx(df["amount"].tail(20).mean(), rel=1e-12)
    assert row["pe_ttm"] == 35.54
    assert row["market_cap"] == 915942946500
    assert row["pe_fy1"] == pytest.approx(375.0 / 11.48)
    # the planted rows are real: a later as-of date does see them
    later, _ = screen(capsys, "--as-of", "2022-11-25")
    assert later["close"] == 9999.0 and later["pe_ttm"] == 1.0
    assert later["pe_fy1"] == pytest.approx(9999.0 / 1000)
    # and a condition that only the future rows satisfy selects nothing as of the 22nd
    code, out, _ = run_cli(
        [
            "screen",
            "-s",
            "cells",
            "--as-of",
            "2022-11-22",
            "--where",
            "pe_ttm < 2 or close > 5000",
            "-f",
            "json",
        ],
        capsys,
    )
    assert code == 0 and json.loads(out) == []


def test_no_snapshot_before_the_date_is_said_not_borrowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = make_export(tmp_path / "export")
    assert run_cli(["data", "import", str(root)], capsys)[0] == 0
    # CATL is a member since 2022-11-22 (Table 21): the day before, only hindsight lists it
    row, err = screen(capsys, "--as-of", "2022-11-21")
    assert row == {} and "not members on 2022-11-21" in err
    code, _out, err = run_cli(
        [
            "screen",
            "-s",
            "cells",
            "--as-of",
            "2022-11-21",
            "--columns",
            "pe_fy1,peg",
            "--ignore-membership-dates",
        ],
        capsys,
    )
    assert code == 0
    assert "none was taken on or before 2022-11-21" in err
    assert "2022-11-22" in err
    row, _ = screen(capsys, "--as-of", "2022-11-21", "--ignore-membership-dates")
    assert row["pe_fy1"] is None and row["peg"] is None
    assert row["pe_ttm"] == 35.0  # the valuation row of the 21st is the one in force
