"""Run metrics and benchmarks, in the base currency: one per-column implementation that serves
one run and a thousand sweep variants alike (:func:`metrics_columns`).

The daily return series of a run starts with the first day's return against the starting
capital (so the costs of the initial purchases count), then close-to-close. With P the
run's trading days per year (rows / calendar years; the tests give quantstats the same P):

    total_return  = final equity / capital - 1
    cagr          = (final equity / capital) ** (P / number of returns) - 1
    volatility    = std(daily returns, ddof=1) x sqrt(P)
    sharpe        = mean / std x sqrt(P)                    (risk-free rate 0)
    sortino       = mean / sqrt(mean(min(r, 0)^2)) x sqrt(P)
    max_drawdown  = min over days of equity / running peak - 1   (negative; the peak starts at
                    the capital)
    turnover      = value traded after the first day / 2 / mean equity / years
                    (one-way, per year; conversions and cash-outs are not trades)
    fees          = commissions + taxes paid (base currency)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from naion.store import Reader
    from strategies.panel import Panel
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
NOT_TRADES = ("conversion", "cash-out")  # trades-table kinds that are no trading


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


def metrics_columns(
    equity: np.ndarray,
    capital: np.ndarray,
    periods: float,
    traded: np.ndarray | None = None,
    commission: np.ndarray | None = None,
    taxes: np.ndarray | None = None,
    trades: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Metrics of each column of ``equity[T, V]`` started from ``capital[V]`` (formulas above).

    With the trade aggregates (``[V]``: value traded after the first day, commission, taxes,
    order count) also turnover, fees, commission, taxes and trades.
    """
    import numpy as np

    eq = np.asarray(equity, dtype=np.float64)
    cap = np.asarray(capital, dtype=np.float64).reshape(1, -1)
    curve = np.vstack([np.broadcast_to(cap, (1, eq.shape[1])), eq])
    r = curve[1:] / curve[:-1] - 1.0
    n = r.shape[0]
    p = float(periods)
    growth = curve[-1] / curve[0]
    mean = r.mean(axis=0) if n else np.full(eq.shape[1], np.nan)
    std = r.std(axis=0, ddof=1) if n > 1 else np.full(eq.shape[1], np.nan)
    downside = np.sqrt((np.minimum(r, 0.0) ** 2).mean(axis=0)) if n else mean * np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        cagr = np.where(growth > 0, np.abs(growth) ** (p / max(n, 1)) - 1.0, np.nan)
        sharpe = np.where(std > 0, mean / std * math.sqrt(p), np.nan)
        sortino = np.where(downside > 0, mean / downside * math.sqrt(p), np.nan)
    peak = np.maximum.accumulate(curve, axis=0)
    out: dict[str, np.ndarray] = {
        "total_return": growth - 1.0,
        "cagr": cagr if n else np.full(eq.shape[1], np.nan),
        "volatility": std * math.sqrt(p),
        "sharpe": sharpe,
        "sortino": sortino,
        "max_drawdown": (curve / peak - 1.0).min(axis=0),
        "final_equity": eq[-1] if n else np.full(eq.shape[1], np.nan),
        "capital": cap[0],
        "periods_per_year": np.full(eq.shape[1], p),
    }
    if traded is not None:
        years = max(n / p, 1e-9)
        c = np.asarray(commission, dtype=np.float64)
        x = np.asarray(taxes, dtype=np.float64)
        out.update(
            turnover=np.asarray(traded, dtype=np.float64) / 2.0 / eq.mean(axis=0) / years,
            fees=c + x,
            commission=c,
            taxes=x,
            trades=np.asarray(trades, dtype=np.float64),
        )
    return out


def metrics_of(
    equity: pd.Series,
    capital: float,
    periods_per_year: float,
    trades: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Metrics of an equity (or level) curve that starts from ``capital``."""
    import numpy as np

    kw: dict[str, Any] = {}
    if trades is not None:
        real = trades
        if len(trades) and "kind" in trades.columns:
            real = trades[~trades["kind"].isin(NOT_TRADES)]
        later = real[real["date"] > equity.index[0]] if len(real) else real
        kw = dict(
            traded=np.array([float(later["value"].sum()) if len(later) else 0.0]),
            commission=np.array([float(trades["commission"].sum()) if len(trades) else 0.0]),
            taxes=np.array([float(trades["stamp_duty"].sum()) if len(trades) else 0.0]),
            trades=np.array([float(len(real))]),
        )
    m = metrics_columns(
        equity.to_numpy(dtype="float64")[:, None], np.array([float(capital)]),
        periods_per_year, **kw,
    )  # fmt: skip
    out: dict[str, Any] = {k: float(v[0]) for k, v in m.items()}
    if "trades" in out:
        out["trades"] = int(out["trades"])
    return out


def run_metrics(equity: pd.Series, capital: float, trades: pd.DataFrame) -> dict[str, Any]:
    """All reported metrics of a run (the formulas in the module docstring)."""
    return metrics_of(equity, capital, periods_per_year(equity.index), trades)


def blend(
    panel: Panel, weights: Mapping[str, float], reg: Registry, notes: list[str]
) -> tuple[pd.Series | None, str]:
    """The benchmark on the run's days: one series or a daily-rebalanced blend of their
    returns, from the panel's benchmark closes (total-return series preferred: index ``tr``,
    fund ``qfq``)."""
    import numpy as np
    import pandas as pd

    index = pd.DatetimeIndex(panel.dates.astype("datetime64[ns]"))
    total = sum(weights.values())
    r = np.zeros(len(index))
    names = []
    for code, weight in weights.items():
        c = reg.canonical(code)
        if c not in panel.bench:
            notes.append(
                f"benchmark {c}: the store does not cover {index[0].date()} → "
                f"{index[-1].date()}; no benchmark in this run ('naion data sync benchmarks')"
            )
            return None, ""
        used, level = panel.bench[c]
        ret = np.r_[0.0, level[1:] / level[:-1] - 1.0]
        r = r + weight / total * ret
        m = reg.members.get(c)
        label = (m.name_en or m.name_zh) if m else c
        names.append(f"{weight / total:.0%} {label}" + (" TR" if used in ("tr", "qfq") else ""))
        if used == "none":
            notes.append(f"benchmark {c}: price index without dividends")
    level = np.cumprod(1.0 + r)
    if not np.isfinite(level).all():
        notes.append("benchmark has gaps; dropped")
        return None, ""
    return pd.Series(level, index=index, name="benchmark"), " + ".join(names)


def benchmark_series(
    reader: Reader,
    blend_weights: Mapping[str, float],
    dates: pd.DatetimeIndex,
    base: str,
    reg: Registry,
    notes: list[str],
) -> tuple[pd.Series | None, str]:
    """A benchmark in ``base`` on ``dates`` (as :func:`blend`, reading its own closes)."""
    import numpy as np

    from naion.fx import rate_on, rate_series
    from strategies.panel import member_info
    from strategies.rules import carry_forward

    codes = [reg.canonical(c) for c in blend_weights]
    start, end = dates[0].date(), dates[-1].date()
    mx = reader.matrix(codes, ("tr", "qfq", "none"), ("close",), start.replace(day=1), end)
    days = np.asarray(dates.values, dtype="datetime64[D]")
    rows = np.searchsorted(mx.dates, days, side="right") - 1

    class _P:  # the slice of a panel that blend reads
        pass

    p = _P()
    p.dates = days  # type: ignore[attr-defined]
    p.bench = {}  # type: ignore[attr-defined]
    for j, c in enumerate(codes):
        for adjust in ("tr", "qfq", "none"):
            s = carry_forward(mx.get(adjust)[:, [j]])[:, 0]
            ok = np.flatnonzero(np.isfinite(mx.get(adjust)[:, j]))
            if len(ok) and mx.dates[ok[0]] <= days[0] + np.timedelta64(7, "D"):
                level = np.where(rows >= 0, s[np.maximum(rows, 0)], np.nan)
                cur = member_info(c, reg)[2]
                if cur != base:
                    rate = rate_on(rate_series(reader, cur, base, end=end), dates)
                    level = level * rate.to_numpy()
                p.bench[c] = (adjust, level)  # type: ignore[attr-defined]
                break
    return blend(p, {reg.canonical(c): w for c, w in blend_weights.items()}, reg, notes)  # type: ignore[arg-type]
