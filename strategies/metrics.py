"""Run metrics and benchmarks, in the base currency.

The daily return series of a run starts with the first day's return against the starting
capital (so the costs of the initial purchases count), then close-to-close. With P the
run's trading days per year (rows / calendar years, also passed to quantstats):

    total_return  = final equity / capital - 1
    cagr          = (final equity / capital) ** (P / number of returns) - 1
    volatility    = std(daily returns, ddof=1) x sqrt(P)
    sharpe        = mean / std x sqrt(P)                    (risk-free rate 0)
    sortino       = mean / sqrt(mean(min(r, 0)^2)) x sqrt(P)
    max_drawdown  = min over days of equity / running peak - 1   (negative)
    turnover      = traded value after the first day / 2 / mean equity / years
                    (one-way, per year)
    fees          = commissions + taxes paid (base currency)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from naion.store import Reader
    from universes.loader import Registry

# the metrics every run reports, in the order JSON shows them; tables leave out commission
REPORTED = (
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
)
TABLE_KEYS = tuple(k for k in REPORTED if k != "commission")
# metrics that are fractions (shown as percentages)
PERCENT = ("total_return", "cagr", "volatility", "max_drawdown", "turnover")
PERCENT_KINDS = dict.fromkeys(PERCENT, "pct")


def periods_per_year(index: pd.DatetimeIndex) -> float:
    """Trading rows per calendar year of a run's calendar (252 when too short to tell)."""
    if len(index) < 60:
        return 252.0
    years = (index[-1] - index[0]).days / 365.25
    return float(round((len(index) - 1) / years)) if years > 0 else 252.0


def returns_of(equity: pd.Series, capital: float) -> pd.Series:
    r = equity.pct_change()
    r.iloc[0] = equity.iloc[0] / capital - 1.0
    return r


def metrics_of(
    equity: pd.Series,
    capital: float,
    periods_per_year: float,
    trades: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Metrics of an equity (or level) curve that starts from ``capital``."""
    import numpy as np

    eq = equity.to_numpy(dtype="float64")
    curve = np.r_[float(capital), eq]
    r = curve[1:] / curve[:-1] - 1.0
    n = len(r)
    p = float(periods_per_year)
    growth = curve[-1] / curve[0]
    std = float(np.std(r, ddof=1)) if n > 1 else math.nan
    mean = float(np.mean(r)) if n else math.nan
    downside = math.sqrt(float(np.mean(np.minimum(r, 0.0) ** 2))) if n else math.nan
    peak = np.maximum.accumulate(curve)
    out: dict[str, Any] = {
        "total_return": float(growth - 1.0),
        "cagr": float(growth ** (p / n) - 1.0) if n and growth > 0 else math.nan,
        "volatility": std * math.sqrt(p),
        "sharpe": mean / std * math.sqrt(p) if std and std > 0 else math.nan,
        "sortino": mean / downside * math.sqrt(p) if downside > 0 else math.nan,
        "max_drawdown": float(np.min(curve / peak - 1.0)),
        "final_equity": float(eq[-1]) if n else math.nan,
        "capital": float(capital),
        "periods_per_year": p,
    }
    if trades is not None:
        later = trades[trades["date"] > equity.index[0]] if len(trades) else trades
        years = max(n / p, 1e-9)
        traded = float(later["value"].sum()) if len(later) else 0.0
        commission = float(trades["commission"].sum()) if len(trades) else 0.0
        taxes = float(trades["stamp_duty"].sum()) if len(trades) else 0.0
        out.update(
            turnover=traded / 2.0 / float(equity.mean()) / years,
            fees=commission + taxes,
            commission=commission,
            taxes=taxes,
            trades=len(trades),
        )
    return out


def run_metrics(equity: pd.Series, capital: float, trades: pd.DataFrame) -> dict[str, Any]:
    """All reported metrics of a run (the formulas in the module docstring)."""
    return metrics_of(equity, capital, periods_per_year(equity.index), trades)


def benchmark_series(
    reader: Reader,
    blend: Mapping[str, float],
    dates: pd.DatetimeIndex,
    base: str,
    reg: Registry,
    notes: list[str],
) -> tuple[pd.Series | None, str]:
    """A benchmark in the base currency on the run's days: one series or a daily-rebalanced
    blend of their returns. Total-return series are preferred (index ``tr``, fund ``qfq``)."""
    import numpy as np
    import pandas as pd

    from naion.fx import rate_on, rate_series

    parts = []
    names = []
    start, end = dates[0].date(), dates[-1].date()
    total = sum(blend.values())
    for code, weight in blend.items():
        c = reg.canonical(code)
        m = reg.members.get(c)
        used = None
        for adjust in ("tr", "qfq", "none"):
            df = reader.bars([c], adjust, start - pd.Timedelta(days=10), end, fields=("close",))
            if len(df) and df["date"].min() <= pd.Timestamp(start) + pd.Timedelta(days=7):
                used = adjust
                break
        if used is None:
            notes.append(
                f"benchmark {c}: the store does not cover {start} → {end}; "
                "no benchmark in this run ('naion data sync benchmarks')"
            )
            return None, ""
        s = df.set_index("date")["close"]
        s.index = s.index.astype("datetime64[us]")
        s = s.reindex(s.index.union(dates)).ffill().reindex(dates)
        cur = (m.currency if m else None) or "CNY"
        if cur != base:
            s = s * rate_on(rate_series(reader, cur, base, end=end), dates).to_numpy()
        parts.append((weight / total, s.pct_change().fillna(0.0)))
        label = (m.name_en or m.name_zh) if m else c
        names.append(f"{weight / total:.0%} {label}" + (" TR" if used in ("tr", "qfq") else ""))
        if used == "none":
            notes.append(f"benchmark {c}: price index without dividends")
    r = sum(w * x for w, x in parts)
    level = (1.0 + r).cumprod()
    if not np.isfinite(level.to_numpy()).all():
        notes.append("benchmark has gaps; dropped")
        return None, ""
    return level.rename("benchmark"), " + ".join(names)
