"""Saved runs: every backtest is kept under NAION_HOME/runs/<run_id>/ so reports can render
it later without recomputing (and without vectorbt).

    run.json      strategy, spec, window, base currency, metrics, notes, conventions, assets
    equity.csv    date, equity, benchmark            (base currency; benchmark = level)
    weights.csv   date, one column per asset, cash   (weights at the close, after trading)
    targets.csv   date, one column per asset         (target weights on rebalance days)
    trades.csv    date, code, side, shares, price_local, fx, price, value, commission,
                  stamp_duty, kind (trade / conversion / cash-out / delisting), lots (real
                  shares under lot rules; false: units and prices of the adjusted series)
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from naion.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from strategies.engine import Run


@dataclass
class SavedRun:
    """A run read back from disk (what reports use)."""

    run_id: str
    path: Path
    info: dict[str, Any]
    equity: pd.Series
    benchmark: pd.Series | None
    weights: pd.DataFrame
    targets: pd.DataFrame
    trades: pd.DataFrame
    assets: pd.DataFrame
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return str(self.info.get("title") or self.info.get("strategy"))

    @property
    def base_currency(self) -> str:
        return str(self.info["base_currency"])

    @property
    def capital(self) -> float:
        return float(self.metrics.get("capital") or self.info.get("capital") or 1.0)

    def returns(self) -> pd.Series:
        from strategies.metrics import returns_of

        return returns_of(self.equity, self.capital)

    def benchmark_returns(self) -> pd.Series | None:
        if self.benchmark is None:
            return None
        return self.benchmark.pct_change().fillna(0.0)


def runs_dir() -> Path:
    from naion.settings import paths

    return paths().runs


def new_run_id(name: str, when: dt.datetime | None = None) -> str:
    when = when or dt.datetime.now()
    base = f"{name}-{when:%Y%m%d-%H%M%S}"
    rid, n = base, 2
    while (runs_dir() / rid).exists():
        rid, n = f"{base}-{n}", n + 1
    return rid


def save_run(run: Run) -> SavedRun:
    """Write ``run`` under NAION_HOME/runs and return it as a SavedRun."""
    import pandas as pd

    from naion import __version__
    from naion.output import to_json

    run.run_id = run.run_id or new_run_id(run.spec.name)
    folder = runs_dir() / run.run_id
    tmp = folder.with_name(folder.name + ".partial")
    tmp.mkdir(parents=True, exist_ok=False)
    info = {
        "run_id": run.run_id,
        "strategy": run.spec.name,
        "title": run.spec.title,
        "type": run.spec.type,
        "spec": run.spec.model_dump(mode="json"),
        "params": run.params,
        "start": run.start.isoformat(),
        "end": run.end.isoformat(),
        "base_currency": run.base_currency,
        "capital": run.spec.capital,
        "benchmark": run.benchmark_name,
        "data_as_of": run.data_as_of.isoformat() if run.data_as_of else None,
        "created": dt.datetime.now().isoformat(timespec="seconds"),
        "naion": __version__,
        "metrics": run.metrics,
        "notes": run.notes,
        "conventions": list(run.conventions),
    }
    (tmp / "run.json").write_text(to_json(info), encoding="utf-8")
    eq = pd.DataFrame({"equity": run.equity})
    if run.benchmark is not None:
        eq["benchmark"] = run.benchmark
    eq.index.name = "date"
    eq.to_csv(tmp / "equity.csv", date_format="%Y-%m-%d")
    _frame_csv(run.weights, tmp / "weights.csv")
    _frame_csv(run.targets, tmp / "targets.csv")
    run.trades.to_csv(tmp / "trades.csv", index=False, date_format="%Y-%m-%d")
    run.assets.to_csv(tmp / "assets.csv", index=False, date_format="%Y-%m-%d")
    tmp.rename(folder)  # a run folder appears complete or not at all
    return load_run(run.run_id)


def _frame_csv(frame: pd.DataFrame, path: Path) -> None:
    out = frame.copy()
    out.index.name = "date"
    out.to_csv(path, date_format="%Y-%m-%d")


def list_runs() -> list[dict[str, Any]]:
    rows = []
    root = runs_dir()
    if not root.is_dir():
        return rows
    for p in sorted(root.iterdir()):
        f = p / "run.json"
        if not f.exists():
            continue
        info = json.loads(f.read_text(encoding="utf-8"))
        m = info.get("metrics", {})
        rows.append(
            {
                "run_id": info["run_id"],
                "strategy": info["strategy"],
                "start": info["start"],
                "end": info["end"],
                "base": info["base_currency"],
                "total_return": m.get("total_return"),
                "cagr": m.get("cagr"),
                "sharpe": m.get("sharpe"),
                "max_drawdown": m.get("max_drawdown"),
                "created": info.get("created"),
            }
        )
    return rows


def load_run(run_id: str) -> SavedRun:
    import pandas as pd

    folder = runs_dir() / run_id
    if not (folder / "run.json").exists():
        known = [r["run_id"] for r in list_runs()]
        hint = f"saved runs: {', '.join(known[-5:])}" if known else "run 'naion backtest' first"
        raise InputError(f"unknown run id {run_id!r}", hint=hint + " (see 'naion report --list')")
    info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    eq = pd.read_csv(folder / "equity.csv", parse_dates=["date"], index_col="date")
    weights = pd.read_csv(folder / "weights.csv", parse_dates=["date"], index_col="date")
    targets = pd.read_csv(folder / "targets.csv", parse_dates=["date"], index_col="date")
    trades = pd.read_csv(folder / "trades.csv", parse_dates=["date"])
    assets = pd.read_csv(folder / "assets.csv", dtype={"code": str})
    return SavedRun(
        run_id=run_id,
        path=folder,
        info=info,
        equity=eq["equity"],
        benchmark=eq["benchmark"] if "benchmark" in eq.columns else None,
        weights=weights,
        targets=targets,
        trades=trades,
        assets=assets,
        metrics=info.get("metrics", {}),
    )
