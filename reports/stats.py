"""Metrics for reports: saved runs' metrics, benchmarks (deduplicated) and tables.

The formulas are those of :mod:`strategies.metrics` (one implementation, plain NumPy, so a
report never loads numba or vectorbt).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from strategies.metrics import REPORTED as KEYS
from strategies.metrics import TABLE_KEYS, metrics_of

if TYPE_CHECKING:
    import pandas as pd

    from strategies.runs import SavedRun

__all__ = ["KEYS", "TABLE_KEYS", "benchmarks", "metrics_of", "metrics_table", "run_metrics_of"]


def run_periods(metrics: dict[str, Any], index: pd.DatetimeIndex) -> float:
    """The run's periods per year (saved with its metrics, else from its calendar)."""
    p = metrics.get("periods_per_year")
    if p:
        return float(p)
    from strategies.metrics import periods_per_year

    return periods_per_year(index)


def run_metrics_of(run: SavedRun) -> dict[str, Any]:
    """The run's saved metrics, completed from its equity curve where a key is missing."""
    saved = dict(run.metrics)
    if all(k in saved for k in (*KEYS, "periods_per_year")):
        return saved
    p = run_periods(saved, run.equity.index)
    computed = metrics_of(run.equity, run.capital, p, run.trades)
    return {**computed, **saved}


def benchmarks(runs: Sequence[SavedRun]) -> list[tuple[str, SavedRun]]:
    """The runs' benchmarks without duplicates: (label, first run carrying it).

    Two runs share a benchmark when its name, base currency and days are the same and the
    levels agree (rebased); a name used for different series gets the run id appended.
    """
    import numpy as np

    kept: list[tuple[str, SavedRun]] = []
    for run in runs:
        if run.benchmark is None:
            continue
        name = str(run.info.get("benchmark") or "benchmark")
        level = run.benchmark.to_numpy(dtype="float64")
        same = False
        for _, other in kept:
            o = other.benchmark
            if (
                o is not None
                and str(other.info.get("benchmark") or "benchmark") == name
                and other.base_currency == run.base_currency
                and o.index.equals(run.benchmark.index)
                and np.allclose(o.to_numpy(dtype="float64") / o.iloc[0], level / level[0])
            ):
                same = True
                break
        if same:
            continue
        label = name
        if any(lab == name for lab, _ in kept):
            label = f"{name} ({run.run_id})"
        kept.append((label, run))
    return kept


def metrics_table(runs: Sequence[SavedRun], with_benchmarks: bool = True) -> pd.DataFrame:
    """One row per run (and per distinct benchmark): the report metrics, in each run's
    base currency and over each run's own period. Benchmarks have no turnover or costs."""
    import pandas as pd

    rows = []
    for run in runs:
        m = run_metrics_of(run)
        rows.append(_row(run.run_id, "run", run, m))
    if with_benchmarks:
        for label, run in benchmarks(runs):
            assert run.benchmark is not None
            p = run_periods(run.metrics, run.equity.index)
            m = metrics_of(run.benchmark, float(run.benchmark.iloc[0]), p)
            rows.append(_row(label, "benchmark", run, m))
    return pd.DataFrame(rows)


def _row(label: str, kind: str, run: SavedRun, m: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "series": label,
        "kind": kind,
        "run_id": run.run_id,
        "base": run.base_currency,
        "start": str(run.info.get("start")),
        "end": str(run.info.get("end")),
    }
    for k in TABLE_KEYS:
        v = m.get(k)
        row[k] = float(v) if v is not None else math.nan
    row["commission"] = float(m["commission"]) if m.get("commission") is not None else math.nan
    row["periods_per_year"] = float(m.get("periods_per_year") or math.nan)
    return row
