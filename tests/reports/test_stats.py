"""Metrics: quantstats (with the run's periods per year), naion's formulas and a hand
calculation from the equity curve agree."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tests.reports.quiet import quiet


def hand_metrics(equity: pd.Series, capital: float, periods: float) -> dict[str, float]:
    """Straight from the definitions, one loop at a time."""
    values = [capital, *equity.tolist()]
    r = [values[i] / values[i - 1] - 1.0 for i in range(1, len(values))]
    n = len(r)
    mean = sum(r) / n
    std = math.sqrt(sum((x - mean) ** 2 for x in r) / (n - 1))
    down = math.sqrt(sum(min(x, 0.0) ** 2 for x in r) / n)
    peak, mdd_naion = values[0], 0.0
    for v in values:
        peak = max(peak, v)
        mdd_naion = min(mdd_naion, v / peak - 1.0)
    # quantstats' drawdown: on the compounded returns, the first peak is day 1 (not capital)
    level, peak_qs, mdd_qs = 1.0, -math.inf, 0.0
    for x in r:
        level *= 1.0 + x
        peak_qs = max(peak_qs, level)
        mdd_qs = min(mdd_qs, level / peak_qs - 1.0)
    return {
        "total_return": values[-1] / capital - 1.0,
        "cagr": (values[-1] / capital) ** (1.0 / (n / periods)) - 1.0,  # years = n / P
        "volatility": std * math.sqrt(periods),
        "sharpe": mean / std * math.sqrt(periods),
        "sortino": mean / down * math.sqrt(periods),
        "max_drawdown": mdd_naion,
        "max_drawdown_qs": mdd_qs,
    }


def test_quantstats_agrees_with_hand_and_run_metrics(runs: dict) -> None:
    import quantstats as qs

    run = runs["a"]
    p = run.metrics["periods_per_year"]
    assert p == 261.0  # business days: 1303 rows after the first over 5 calendar years
    hand = hand_metrics(run.equity, run.capital, p)
    r = run.returns()
    assert r.iloc[0] == pytest.approx(run.equity.iloc[0] / run.capital - 1.0)
    with quiet():
        got = {
            "total_return": float(qs.stats.comp(r)),
            "cagr": float(qs.stats.cagr(r, periods=p)),
            "volatility": float(qs.stats.volatility(r, periods=p)),
            "sharpe": float(qs.stats.sharpe(r, periods=p)),
            "sortino": float(qs.stats.sortino(r, periods=p)),
            "max_drawdown_qs": float(qs.stats.max_drawdown(r)),
        }
    for key, value in got.items():
        assert value == pytest.approx(hand[key], rel=1e-9, abs=1e-12), key
    for key in ("total_return", "cagr", "volatility", "sharpe", "sortino", "max_drawdown"):
        assert run.metrics[key] == pytest.approx(hand[key], rel=1e-9, abs=1e-12), key
    # this run's worst drawdown starts from a later peak, so both conventions coincide
    assert hand["max_drawdown"] == pytest.approx(hand["max_drawdown_qs"], rel=1e-12)


def test_reports_formulas_match_strategies_metrics(runs: dict) -> None:
    """reports.stats.metrics_of (pandas) == strategies.metrics.run_metrics (numba kernel)."""
    from reports.stats import metrics_of
    from strategies.metrics import run_metrics

    for run in runs.values():
        ours = metrics_of(run.equity, run.capital, run.metrics["periods_per_year"], run.trades)
        theirs = run_metrics(run.equity, run.capital, run.trades)
        for key in (
            "total_return",
            "cagr",
            "volatility",
            "sharpe",
            "sortino",
            "max_drawdown",
            "turnover",
            "fees",
            "commission",
            "taxes",
            "periods_per_year",
            "trades",
        ):
            assert ours[key] == pytest.approx(theirs[key], rel=1e-9, abs=1e-12), key


def test_initial_loss_counts_in_naion_drawdown_only() -> None:
    """naion's peak starts at the capital; quantstats' at the first close (documented)."""
    from reports.stats import metrics_of

    idx = pd.bdate_range("2024-01-01", periods=4)
    eq = pd.Series([90.0, 95.0, 99.0, 101.0], index=idx)
    m = metrics_of(eq, 100.0, 252)
    assert m["max_drawdown"] == pytest.approx(-0.10)
    assert hand_metrics(eq, 100.0, 252)["max_drawdown_qs"] == 0.0


def test_metrics_table_dedupes_benchmarks(runs: dict) -> None:
    from reports.stats import benchmarks, metrics_table

    a, b, c = runs["a"], runs["b"], runs["c"]
    labels = [lab for lab, _ in benchmarks([a, b, c])]
    assert labels == ["100% CSI 300 TR", "100% SPDR S&P 500 ETF Trust TR"]
    table = metrics_table([a, b, c])
    assert table["series"].tolist() == ["na-equal", "na-cells", "cross-usd", *labels]
    assert table["kind"].tolist() == ["run"] * 3 + ["benchmark"] * 2
    assert table.loc[3, "base"] == "CNY" and table.loc[4, "base"] == "USD"
    assert np.isnan(table.loc[3, "turnover"]) and np.isnan(table.loc[3, "fees"])
    level = a.benchmark
    assert table.loc[3, "total_return"] == pytest.approx(level.iloc[-1] / level.iloc[0] - 1)
    assert table.loc[0, "fees"] == pytest.approx(
        a.trades["commission"].sum() + a.trades["stamp_duty"].sum()
    )


def test_same_name_different_series_is_not_deduped(runs: dict, sample_store) -> None:
    from reports.sample import write_sample_run
    from reports.stats import benchmarks

    other = write_sample_run("shifted", start="2019-06-03")
    labels = [lab for lab, _ in benchmarks([runs["a"], other])]
    assert labels == ["100% CSI 300 TR", "100% CSI 300 TR (shifted)"]
