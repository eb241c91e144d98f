"""Backtests on the imported real data (skipped when ../shared is absent)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from strategies.runs import load_run
from tests.helpers import run_cli

KEYS = {
    "total_return",
    "cagr",
    "volatility",
    "sharpe",
    "max_drawdown",
    "turnover",
    "fees",
    "start",
    "end",
    "base_currency",
    "run_id",
}


def test_core_satellite_done_when(
    real_home: Path, real_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(
        [
            "backtest",
            "core-satellite",
            "--start",
            "2019-08-01",
            "--end",
            "2024-03-01",
            "--base-currency",
            "USD",
            "--offline",
            "-f",
            "json",
        ],
        capsys,
    )
    assert code == 0, err
    m = json.loads(out)
    assert KEYS <= set(m)
    assert (m["start"], m["end"], m["base_currency"]) == ("2019-08-01", "2024-03-01", "USD")
    saved = load_run(m["run_id"])
    eq = saved.equity
    assert m["total_return"] == pytest.approx(eq.iloc[-1] / 1e6 - 1, rel=1e-12)
    dd = (eq / eq.cummax() - 1).min()
    assert m["max_drawdown"] == pytest.approx(min(dd, eq.iloc[0] / 1e6 - 1), rel=1e-9)
    # the benchmark is 70% SPY (dividend-adjusted) + 30% CSI 300 total return, in USD,
    # rebalanced daily: rebuild it from the CSV files
    spy = pd.read_csv(real_data / "prices" / "SPY.csv", parse_dates=["date"], index_col="date")[
        "adj_close"
    ]
    csi = pd.read_csv(
        real_data / "indexes" / "000300.SH.csv", parse_dates=["date"], index_col="date"
    )["adj_close"]
    usdcny = pd.read_csv(real_data / "fx" / "USDCNY.csv", parse_dates=["date"], index_col="date")[
        "rate"
    ]
    days = eq.index

    def on(s: pd.Series) -> pd.Series:
        return s.reindex(s.index.union(days)).ffill().reindex(days)

    csi_usd = on(csi) / on(usdcny)
    r = 0.7 * on(spy).pct_change().fillna(0) + 0.3 * csi_usd.pct_change().fillna(0)
    level = (1 + r).cumprod()
    assert saved.benchmark is not None
    assert saved.benchmark.to_numpy() == pytest.approx(level.to_numpy(), rel=1e-9)
    # weights: 70/30 right after each rebalance, within lot rounding
    w = saved.weights
    first = w.iloc[0]
    assert first[["TSLA", "FSLR", "ENPH"]].sum() == pytest.approx(0.70, abs=0.01)
    assert first[["300750.SZ", "688005.SH"]].sum() == pytest.approx(0.30, abs=0.01)
    assert first["300750.SZ"] == pytest.approx(2 * first["688005.SH"], rel=0.05)


def test_thematic_overweight_runs(real_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(
        [
            "backtest",
            "thematic-overweight",
            "--start",
            "2019-08-01",
            "--end",
            "2024-03-01",
            "--offline",
            "-f",
            "json",
        ],
        capsys,
    )
    assert code == 0, err
    m = json.loads(out)
    saved = load_run(m["run_id"])
    held = set(saved.trades["code"])
    assert not held & {"ALB", "LTHM", "ALTM"}
    assert {"002324.SZ", "000625.SZ", "002594.SZ", "1211.HK"} <= held
    assert m["fees"] > 0 and m["base_currency"] == "CNY"


def test_run_outside_the_store_is_one_line(
    real_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(
        ["backtest", "core-satellite", "--start", "2019-08-01", "--end", "2026-06-30", "--offline"],
        capsys,
    )
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "FSLR: the store holds qfq prices up to 2026-01-20" in err or "lacks data" in err


def test_listing_inside_the_window_joins_later(
    real_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """688005.SH listed on 2019-07-22: before that its sleeve holds CATL alone."""
    code, out, err = run_cli(
        [
            "backtest",
            "core-satellite",
            "--start",
            "2019-01-02",
            "--end",
            "2019-12-31",
            "--offline",
            "-f",
            "json",
        ],
        capsys,
    )
    assert code == 0, err
    w = load_run(json.loads(out)["run_id"]).weights
    assert w.loc[:"2019-07-19", "688005.SH"].eq(0).all()
    assert w.loc["2019-01-02", "300750.SZ"] == pytest.approx(0.30, abs=0.01)
    assert w.loc["2019-10-08", "688005.SH"] == pytest.approx(0.10, abs=0.01)
