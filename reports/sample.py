"""A synthetic, deterministic saved run for tests, the report bench and demos.

:func:`write_sample_run` writes a run folder in exactly the layout :mod:`strategies.runs`
reads (run.json, equity.csv, weights.csv, targets.csv, trades.csv, assets.csv) under
``NAION_HOME/runs`` — without vectorbt and without market data. Prices are seeded random
walks in local currency, converted to the base currency with a seeded FX walk; the
portfolio rebalances to fixed weights on the first trading day of each month at the close,
fractional shares, paying a commission (bps of traded value, with a minimum) and stamp duty
(A-shares: sells; HK: both sides). The benchmark is a seeded level series starting at 1.
Metrics use the formulas of :mod:`strategies.metrics` (via :mod:`reports.stats`).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from strategies.engine import CONVENTIONS as ENGINE_CONVENTIONS

if TYPE_CHECKING:
    import numpy as np

    from strategies.runs import SavedRun


@dataclass(frozen=True)
class SampleAsset:
    code: str
    name: str
    name_en: str
    segment: str
    market: str
    currency: str
    adjustment: str = "qfq"
    drift: float = 0.10  # annual, local currency
    vol: float = 0.35  # annual


ASSETS: dict[str, SampleAsset] = {
    a.code: a
    for a in (
        SampleAsset("300750.SZ", "宁德时代", "CATL", "cells", "SZSE", "CNY", "qfq", 0.14, 0.40),
        SampleAsset("600348.SH", "华阳股份", "Huayang", "cells", "SSE", "CNY", "qfq", 0.06, 0.38),
        SampleAsset(
            "002407.SZ", "多氟多", "Do-Fluoride", "electrolyte", "SZSE", "CNY", "qfq", 0.08, 0.45
        ),
        SampleAsset(
            "300073.SZ", "当升科技", "Easpring", "cathode", "SZSE", "CNY", "qfq", 0.09, 0.42
        ),
        SampleAsset("600884.SH", "杉杉股份", "Shanshan", "anode", "SSE", "CNY", "none", 0.03, 0.36),
        SampleAsset(
            "1211.HK", "比亚迪股份", "BYD", "integrators", "HKEX", "HKD", "qfq", 0.15, 0.40
        ),
        SampleAsset("ALB", "Albemarle", "Albemarle", "lithium", "NYSE", "USD", "qfq", 0.02, 0.50),
    )
}
FX_TO_CNY = {"CNY": 1.0, "HKD": 0.91, "USD": 7.1}
CONVENTIONS = (
    *ENGINE_CONVENTIONS,
    "Synthetic data: seeded random walks written by reports.sample (not market prices).",
)


def _rng(seed: int, key: str) -> np.random.Generator:
    import numpy as np

    return np.random.default_rng([seed, zlib.crc32(key.encode())])


def write_sample_run(
    run_id: str = "sample",
    codes: Sequence[str] = ("300750.SZ", "600348.SH", "002407.SZ", "300073.SZ", "600884.SH"),
    years: float = 5.0,
    start: str = "2019-01-02",
    base_currency: str = "CNY",
    capital: float = 1_000_000.0,
    seed: int = 7,
    benchmark: str | None = "100% CSI 300 TR",
    cash_weight: float = 0.02,
    commission_bps: float = 2.5,
    title: str = "钠离子 supply chain, equal weight",
    strategy: str | None = None,
) -> SavedRun:
    """Write a synthetic run ``run_id`` under NAION_HOME/runs and return it loaded."""
    import numpy as np
    import pandas as pd

    from naion.output import to_json
    from reports.stats import metrics_of
    from strategies.metrics import periods_per_year
    from strategies.runs import load_run, runs_dir

    dates = pd.bdate_range(start, periods=round(years * 252)).astype("datetime64[us]")
    n_days, assets = len(dates), [ASSETS[c] for c in codes]
    n = len(assets)
    local = np.empty((n_days, n))
    fx = np.empty((n_days, n))
    for j, a in enumerate(assets):
        rng = _rng(seed, a.code)
        steps = rng.normal(a.drift / 252 - a.vol**2 / 504, a.vol / np.sqrt(252), n_days)
        steps[0] = 0.0
        local[:, j] = 20.0 * np.exp(np.cumsum(steps))
        fx[:, j] = _fx_path(seed, a.currency, base_currency, n_days)
    price = local * fx
    targets = np.full(n, (1.0 - cash_weight) / n)
    month = dates.to_period("M")
    rebalance = np.r_[True, month[1:] != month[:-1]]

    holdings = np.zeros(n)
    cash = float(capital)
    equity = np.empty(n_days)
    weights = np.empty((n_days, n + 1))
    trades: list[dict] = []
    for t in range(n_days):
        px = price[t]
        if rebalance[t]:
            value = cash + float(holdings @ px)
            delta = targets * value / px - holdings
            for j in np.argsort(delta * px):  # sells first
                traded = abs(delta[j]) * px[j]
                if traded < 1.0:
                    continue
                sell = delta[j] < 0
                a = assets[j]
                commission = max(traded * commission_bps / 1e4, 5.0)
                duty = 0.0
                if a.currency == "CNY" and sell:
                    duty = traded * (0.001 if dates[t] < pd.Timestamp("2023-08-28") else 0.0005)
                elif a.market == "HKEX":
                    duty = traded * 0.001
                cash -= delta[j] * px[j] + commission + duty
                holdings[j] += delta[j]
                trades.append(
                    {
                        "date": dates[t],
                        "code": a.code,
                        "side": "sell" if sell else "buy",
                        "shares": abs(float(delta[j])),
                        "price_local": float(local[t, j]),
                        "fx": float(fx[t, j]),
                        "price": float(px[j]),
                        "value": float(traded),
                        "commission": commission,
                        "stamp_duty": duty,
                    }
                )
        equity[t] = cash + float(holdings @ px)
        weights[t, :n] = holdings * px / equity[t]
        weights[t, n] = cash / equity[t]

    eq = pd.Series(equity, index=dates, name="equity")
    trade_frame = pd.DataFrame(
        trades,
        columns=[
            "date",
            "code",
            "side",
            "shares",
            "price_local",
            "fx",
            "price",
            "value",
            "commission",
            "stamp_duty",
        ],
    )
    periods = periods_per_year(pd.DatetimeIndex(dates))
    metrics = metrics_of(eq, capital, periods, trade_frame)
    folder = runs_dir() / run_id
    folder.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame({"equity": eq})
    if benchmark:
        frame["benchmark"] = _benchmark_level(seed, benchmark, base_currency, n_days)
    frame.index.name = "date"
    frame.to_csv(folder / "equity.csv", date_format="%Y-%m-%d")
    cols = [a.code for a in assets]
    w = pd.DataFrame(weights, index=dates, columns=[*cols, "cash"])
    w.index.name = "date"
    w.to_csv(folder / "weights.csv", date_format="%Y-%m-%d")
    tg = pd.DataFrame(np.tile(targets, (int(rebalance.sum()), 1)), index=dates[rebalance])
    tg.columns = cols
    tg.index.name = "date"
    tg.to_csv(folder / "targets.csv", date_format="%Y-%m-%d")
    trade_frame.to_csv(folder / "trades.csv", index=False, date_format="%Y-%m-%d")
    pd.DataFrame(
        [
            {
                "code": a.code,
                "name": a.name,
                "name_en": a.name_en,
                "segment": a.segment,
                "market": a.market,
                "currency": a.currency,
                "adjustment": a.adjustment,
                "first": dates[0].date().isoformat(),
                "last": dates[-1].date().isoformat(),
            }
            for a in assets
        ]
    ).to_csv(folder / "assets.csv", index=False)
    info = {
        "run_id": run_id,
        "strategy": strategy or run_id,
        "title": title,
        "type": "fixed-weights",
        "spec": {"name": strategy or run_id, "synthetic": True},
        "params": {"seed": seed, "synthetic": True},
        "start": dates[0].date().isoformat(),
        "end": dates[-1].date().isoformat(),
        "base_currency": base_currency,
        "capital": capital,
        "benchmark": benchmark or "",
        "data_as_of": dates[-1].date().isoformat(),
        "created": "2025-01-01T00:00:00",
        "naion": "sample",
        "metrics": metrics,
        "notes": ["synthetic run written by reports.sample (seeded random walks)"],
        "conventions": list(CONVENTIONS),
    }
    (folder / "run.json").write_text(to_json(info), encoding="utf-8")
    return load_run(run_id)


def _fx_path(seed: int, currency: str, base: str, n_days: int) -> np.ndarray:
    """Units of ``base`` per unit of ``currency``, a seeded walk around a fixed level."""
    import numpy as np

    if currency == base:
        return np.ones(n_days)
    level = FX_TO_CNY[currency] / FX_TO_CNY[base]

    def walk(cur: str) -> np.ndarray:
        if cur == "CNY":
            return np.ones(n_days)
        steps = _rng(seed, "fx:" + cur).normal(0.0, 0.003, n_days)
        steps[0] = 0.0
        return np.exp(np.cumsum(steps))

    return level * walk(currency) / walk(base)


def _benchmark_level(seed: int, name: str, base: str, n_days: int) -> np.ndarray:
    import numpy as np

    steps = _rng(seed, "bench:" + name).normal(0.05 / 252, 0.22 / np.sqrt(252), n_days)
    steps[0] = 0.0
    level = np.exp(np.cumsum(steps))
    if base != "CNY" and "CSI" in name:
        level = level * _fx_path(seed, "CNY", base, n_days) / (FX_TO_CNY["CNY"] / FX_TO_CNY[base])
    return level
