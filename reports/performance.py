"""Performance statistics a tear sheet shows, from a saved run's equity (no recomputation of
the backtest). The headline metrics are those of :mod:`strategies.metrics`; this module adds
the tables around them.

Conventions (all in the run's base currency, risk-free rate 0, P = the run's periods per year):

* the curve starts at the starting capital on the day before the first row, so the first
  day's return (and any drawdown) includes the costs of the initial purchases; a benchmark
  level starts at its first level (first return 0);
* a month's return = its last equity / the previous month's last equity − 1 (the first month
  against the capital); months outside the run have no value (not 0); a year likewise;
* trailing returns (3M, 6M, 1Y, 3Y, 5Y, 10Y) = last value / the value at the last row on or
  before the same date N months/years earlier − 1, shown only when the run reaches back
  that far; 3Y and longer are annualised like CAGR: growth ** (P / rows) − 1; MTD and YTD run
  from the previous month's / year's last row and need the run to have one;
* drawdown = curve / running peak − 1; a drawdown period starts on the day of its peak (the
  run's first day when the peak is the capital), bottoms at its trough and ends on the first
  day back at the peak — or is *ongoing* when the run ends below it; its length counts
  calendar days from the peak to the recovery (or to the last day);
* rolling statistics over the last ``window`` daily returns, only once the window is full:
  volatility = std × √P, Sharpe = mean / std × √P, beta = cov(r, b) / var(b).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

TRAILING = (("3M", 3, False), ("6M", 6, False), ("1Y", 12, False), ("3Y (ann.)", 36, True),
            ("5Y (ann.)", 60, True), ("10Y (ann.)", 120, True))  # fmt: skip
ROLLING = 126  # six months of trading days


@dataclass(frozen=True)
class Curve:
    """A value series and what it started from (the capital, or a benchmark's first level)."""

    values: pd.Series
    start: float

    @property
    def growth(self) -> pd.Series:
        return self.values / self.start

    def returns(self) -> pd.Series:
        r = self.values.pct_change()
        r.iloc[0] = float(self.values.iloc[0]) / self.start - 1.0
        return r


def drawdown(curve: Curve) -> pd.Series:
    """Curve / running peak − 1, the peak starting at the curve's start value."""
    g = curve.growth
    peak = g.cummax().clip(lower=1.0)
    return g / peak - 1.0


def drawdown_periods(curve: Curve, top: int = 5) -> pd.DataFrame:
    """The ``top`` deepest drawdown periods, deepest first.

    Columns: started (peak day), trough, recovered (None while ongoing), depth (negative),
    days (calendar days from the peak to the recovery or to the last day), status
    (``recovered`` or ``ongoing``).
    """
    import numpy as np
    import pandas as pd

    dd = drawdown(curve).to_numpy(dtype="float64")
    dates = curve.values.index
    under = dd < -1e-12
    rows: list[dict[str, Any]] = []
    i, n = 0, len(dd)
    while i < n:
        if not under[i]:
            i += 1
            continue
        j = i
        while j < n and under[j]:
            j += 1
        trough = i + int(np.argmin(dd[i:j]))
        started = dates[i - 1] if i > 0 else dates[0]
        recovered = dates[j] if j < n else None
        end = recovered if recovered is not None else dates[-1]
        rows.append(
            {
                "started": started,
                "trough": dates[trough],
                "recovered": recovered,
                "depth": float(dd[trough]),
                "days": int((end - started).days),
                "status": "recovered" if recovered is not None else "ongoing",
            }
        )
        i = j
    frame = pd.DataFrame(
        rows, columns=["started", "trough", "recovered", "depth", "days", "status"]
    )
    return frame.sort_values("depth", kind="stable").head(top).reset_index(drop=True)


def monthly_returns(curve: Curve) -> pd.DataFrame:
    """Years (rows) × months 1..12 (columns) of returns, NaN where the run has no month."""
    import numpy as np
    import pandas as pd

    v = curve.values
    last = v.groupby(v.index.to_period("M")).last()
    prev = last.shift(1)
    prev.iloc[0] = curve.start
    r = last / prev - 1.0
    years = range(r.index[0].year, r.index[-1].year + 1)
    grid = pd.DataFrame(np.nan, index=list(years), columns=list(range(1, 13)))
    for period, value in r.items():
        grid.loc[period.year, period.month] = float(value)
    grid.index.name = "year"
    return grid


def yearly_returns(curve: Curve) -> pd.Series:
    """Calendar-year returns (the first year from the start value, the last to the end)."""
    v = curve.values
    last = v.groupby(v.index.year).last()
    prev = last.shift(1)
    prev.iloc[0] = curve.start
    out = last / prev - 1.0
    out.index.name = "year"
    return out


def _value_on_or_before(v: pd.Series, day: pd.Timestamp) -> tuple[float, int] | None:
    """(value, position) of the last row on or before ``day``; None if the run starts later."""
    pos = int(v.index.searchsorted(day, side="right")) - 1
    if pos < 0:
        return None
    return float(v.iloc[pos]), pos


def trailing_returns(curve: Curve, periods: float) -> list[tuple[str, float]]:
    """MTD, 3M, 6M, YTD, 1Y, 3Y/5Y/10Y (ann.) — only the ones the run is long enough for."""
    import pandas as pd

    v = curve.values
    end = v.index[-1]
    last = float(v.iloc[-1])
    n = len(v) - 1
    out: list[tuple[str, float]] = []
    month_start = end.to_period("M").start_time
    got = _value_on_or_before(v, month_start - pd.Timedelta(days=1))
    if got is not None:
        out.append(("MTD", last / got[0] - 1.0))
    year_start = pd.Timestamp(year=end.year, month=1, day=1)
    trailing = []
    for label, months, annual in TRAILING:
        got = _value_on_or_before(v, end - pd.DateOffset(months=months))
        if got is None:
            continue
        growth = last / got[0]
        if annual:
            rows = n - got[1]
            trailing.append((label, growth ** (periods / rows) - 1.0 if rows > 0 else math.nan))
        else:
            trailing.append((label, growth - 1.0))
    ytd = _value_on_or_before(v, year_start - pd.Timedelta(days=1))
    for label, value in trailing:
        if label == "1Y" and ytd is not None:
            out.append(("YTD", last / ytd[0] - 1.0))
            ytd = None
        out.append((label, value))
    if ytd is not None:
        out.append(("YTD", last / ytd[0] - 1.0))
    return out


def rolling_volatility(returns: pd.Series, periods: float, window: int = ROLLING) -> pd.Series:
    return returns.rolling(window, min_periods=window).std() * math.sqrt(periods)


def rolling_sharpe(returns: pd.Series, periods: float, window: int = ROLLING) -> pd.Series:
    roll = returns.rolling(window, min_periods=window)
    std = roll.std()
    return (roll.mean() / std.where(std > 0)) * math.sqrt(periods)


def rolling_beta(returns: pd.Series, bench: pd.Series, window: int = ROLLING) -> pd.Series:
    cov = returns.rolling(window, min_periods=window).cov(bench)
    var = bench.rolling(window, min_periods=window).var()
    return cov / var.where(var > 0)


def beta_and_correlation(returns: pd.Series, bench: pd.Series) -> tuple[float, float]:
    import numpy as np

    r = returns.to_numpy(dtype="float64")
    b = bench.to_numpy(dtype="float64")
    if len(r) < 3 or float(np.var(b, ddof=1)) == 0.0:
        return math.nan, math.nan
    beta = float(np.cov(r, b, ddof=1)[0, 1] / np.var(b, ddof=1))
    corr = float(np.corrcoef(r, b)[0, 1])
    return beta, corr


def summary(curve: Curve, periods: float, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """Headline metrics (those of :mod:`strategies.metrics`, ``base`` when given) plus the
    tear sheet's extra rows for one curve."""
    import numpy as np

    from strategies.metrics import metrics_of

    m = dict(base) if base else metrics_of(curve.values, curve.start, periods)
    r = curve.returns()
    months = monthly_returns(curve).stack().dropna()
    years = yearly_returns(curve)
    dd = drawdown_periods(curve, top=len(curve.values))
    mdd = m.get("max_drawdown")
    cagr = m.get("cagr")
    m.update(
        calmar=float(cagr) / abs(float(mdd)) if cagr is not None and mdd else math.nan,
        longest_drawdown=int(dd["days"].max()) if len(dd) else 0,
        best_day=float(r.max()),
        worst_day=float(r.min()),
        best_month=float(months.max()) if len(months) else math.nan,
        worst_month=float(months.min()) if len(months) else math.nan,
        best_year=float(years.max()),
        worst_year=float(years.min()),
        win_days=float(np.mean(r.to_numpy() > 0)),
        win_months=float(np.mean(months.to_numpy() > 0)) if len(months) else math.nan,
    )
    return m


def false_spans(flags: pd.Series) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """(first, last) dates of each run of False in a boolean series with a DatetimeIndex."""
    import numpy as np

    bad = ~flags.to_numpy(dtype=bool)
    if not bad.any():
        return []
    edges = np.diff(np.concatenate([[0], bad.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    idx = flags.index
    return [(idx[a], idx[b]) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]


def signal_weight_path(signal: pd.DataFrame) -> pd.Series:
    """The target weight a signal-driven run set on each rebalance day, held until the next
    (from ``signal.csv``: ``naion_weight`` on rows with ``rebalance`` true)."""
    w = signal["naion_weight"].astype("float64")
    if "rebalance" in signal.columns:
        w = w.where(signal["rebalance"].astype(bool))
    return w.ffill()
