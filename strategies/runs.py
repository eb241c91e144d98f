"""Saved runs: every backtest is kept under NAION_HOME/runs/<run_id>/ so reports can render
it later without recomputing (and without vectorbt).

    run.json      strategy, spec, window, base currency, metrics, notes, conventions, assets
    equity.csv    date, equity, benchmark            (base currency; benchmark = level)
    weights.csv   date, one column per asset, cash   (weights at the close, after trading)
    targets.csv   date, one column per asset         (target weights on rebalance days)
    trades.csv    date, code, side, shares, price_local, fx, price, value, commission,
                  stamp_duty, kind (trade / conversion / cash-out / delisting), lots (real
                  shares under lot rules; false: units and prices of the adjusted series)
    assets.csv    code, name, segment, market, currency, adjustment, ...
    signal.csv    optional (thesis-tilt): date, the signal the strategy read each day, the
                  Na-ion weight it set on rebalance days (see strategies/types/thesis_tilt.py)

A run folder appears complete or not at all: it is written as a hidden temporary folder
(``.<run_id>.<random>.partial``) and renamed. A run id is the name of a folder in the runs
folder, nothing else (no paths). Reading checks every file: a damaged run is one line
naming the file and the problem, and ``list_runs`` lists it as unreadable without failing.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from naion.errors import DataError, InputError

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
    signal: pd.DataFrame | None = None  # signal.csv: what a signal-driven type read

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


MAX_ID = 200  # characters; folder names stay well under the file system's 255 bytes
MAX_JSON_BYTES = 16 << 20
_ID_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
_REQUIRED = {"strategy": str, "start": str, "end": str, "base_currency": str}
_NUMERIC_METRICS = (
    "total_return",
    "cagr",
    "volatility",
    "sharpe",
    "sortino",
    "max_drawdown",
    "final_equity",
    "capital",
    "periods_per_year",
    "turnover",
    "fees",
    "commission",
    "taxes",
    "trades",
)
_TRADE_COLUMNS = ("date", "code", "value", "commission", "stamp_duty")


def _is_run_entry(p: Path) -> bool:
    """A folder of the runs folder that may hold a run (temporary folders are hidden)."""
    return not p.name.startswith(".") and not p.name.endswith(".partial") and p.is_dir()


def _shown_id(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


def run_ids() -> list[str]:
    """The names of the run folders, sorted (readable or not)."""
    root = runs_dir()
    try:
        return sorted(p.name for p in root.iterdir() if _is_run_entry(p))
    except FileNotFoundError:
        return []
    except NotADirectoryError:
        return []


def resolve_run_id(text: str) -> Path:
    """The folder of run ``text``: the name of an entry of the runs folder, nothing else.

    Paths (``../x``, ``/abs``), hidden or temporary folders and over-long names are refused.
    """
    shown = _shown_id(text)
    if (
        not text
        or len(text) > MAX_ID
        or text in (".", "..")
        or text.startswith(".")
        or any(c in text for c in "/\\\0")
        or text.endswith(".partial")
    ):
        raise InputError(
            f"{shown} is not a run id",
            hint="a run id is a name from 'naion report --list', not a path",
        )
    if text not in run_ids():
        known = run_ids()
        hint = f"saved runs: {', '.join(known[-5:])}" if known else "run 'naion backtest' first"
        raise InputError(f"unknown run id {shown}", hint=hint + " (see 'naion report --list')")
    return runs_dir() / text


def new_run_id(name: str, when: dt.datetime | None = None) -> str:
    """``<name>-YYYYmmdd-HHMMSS`` (``-2``, ``-3`` ... if taken), safe as a folder name."""
    when = when or dt.datetime.now()
    safe = _ID_CHARS.sub("-", name).strip(".-")[:80] or "run"
    base = f"{safe}-{when:%Y%m%d-%H%M%S}"
    rid, n = base, 2
    while (runs_dir() / rid).exists():
        rid, n = f"{base}-{n}", n + 1
    return rid


def save_run(run: Run) -> SavedRun:
    """Write ``run`` under NAION_HOME/runs and return it as a SavedRun.

    Written into a hidden temporary folder and renamed: a failed save (full disk, killed)
    leaves no run and no listed leftover.
    """
    import tempfile

    from naion import __version__
    from naion.errors import StoreError
    from naion.output import to_json

    run.run_id = run.run_id or new_run_id(run.spec.name)
    root = runs_dir()
    folder = root / run.run_id
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{run.run_id}.", suffix=".partial", dir=root))
    except OSError as exc:
        raise StoreError(
            f"cannot save the run in {root}: {exc.strerror}",
            hint="free some space or fix the folder's permissions, or add --no-save",
        ) from None
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
    try:
        text = _write_files(run, info, tmp, to_json)
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; a run folder is an ordinary one
        os.rename(tmp, folder)  # a run folder appears complete or not at all
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise StoreError(
            f"cannot save the run {run.run_id} in {root}: {exc.strerror or exc}",
            hint="free some space or fix the folder's permissions, or add --no-save",
        ) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return _JustSaved(run.run_id, folder, json.loads(text))


class _JustSaved(SavedRun):
    """A run :func:`save_run` has just written: run.json as written; the CSV files are read
    back (and checked, as :func:`load_run` does) only when one of them is first used, so a
    backtest that does not render its report never parses what it wrote."""

    def __init__(self, run_id: str, path: Path, info: dict[str, Any]) -> None:
        self.run_id, self.path, self.info = run_id, path, info
        self.metrics = info.get("metrics") or {}
        self.signal = _read_signal(path)  # a class default would hide it from __getattr__

    def __getattr__(self, name: str) -> Any:
        if name not in _FRAMES:
            raise AttributeError(name)
        loaded = load_run(self.run_id)
        for key in _FRAMES:
            setattr(self, key, getattr(loaded, key))
        return getattr(self, name)


_FRAMES = ("equity", "benchmark", "weights", "targets", "trades", "assets")


def _write_files(run: Run, info: dict[str, Any], tmp: Path, to_json: Any) -> str:
    """Write the run's files into ``tmp``; returns run.json's text."""
    import pandas as pd

    text = to_json(info)
    with open(tmp / "run.json", "w", encoding="utf-8") as fh:
        fh.write(text)
    eq = pd.DataFrame({"equity": run.equity})
    if run.benchmark is not None:
        eq["benchmark"] = run.benchmark
    _frame_csv(eq, tmp / "equity.csv")
    _frame_csv(run.weights, tmp / "weights.csv")
    _frame_csv(run.targets, tmp / "targets.csv")
    run.trades.to_csv(tmp / "trades.csv", index=False, date_format="%Y-%m-%d")
    run.assets.to_csv(tmp / "assets.csv", index=False, date_format="%Y-%m-%d")
    recorded = getattr(run.spec, "recorded", None)  # tables a type keeps with its run
    signal = recorded().get("signal") if callable(recorded) else None
    if signal is not None:
        _frame_csv(signal, tmp / "signal.csv")
    return text


def _frame_csv(frame: pd.DataFrame, path: Path) -> None:
    """A date-indexed frame of floats as ``date,<columns>``, the text pandas' ``to_csv``
    writes (shortest round-trip floats, NaN empty), without its per-cell formatting."""
    import numpy as np

    if not all(t.kind == "f" for t in frame.dtypes) or frame.columns.has_duplicates:
        out = frame.copy()
        out.index.name = "date"
        out.to_csv(path, date_format="%Y-%m-%d")
        return
    days = np.datetime_as_string(frame.index.values.astype("datetime64[D]"), unit="D")
    header = ",".join(["date", *(_csv_cell(str(c)) for c in frame.columns)])
    rows = [
        ",".join([d, *("" if x != x else repr(x) for x in row)])
        for d, row in zip(days.tolist(), frame.to_numpy(dtype=np.float64).tolist(), strict=True)
    ]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("\n".join([header, *rows]) + "\n")


def _csv_cell(text: str) -> str:
    """One CSV field as the csv module writes it (quoted only when it must be)."""
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


# -- reading back, every file checked ----------------------------------------------------------
class _Bad(Exception):
    """One problem with one file of a saved run."""


def _unreadable(run_id: str, folder: Path, exc: _Bad) -> DataError:
    return DataError(
        f"saved run {_shown_id(run_id)} is unreadable: {exc}",
        hint=f"move or delete the folder {folder}, or run the backtest again",
    )


def _read_info(folder: Path) -> dict[str, Any]:
    """run.json, checked: a JSON object with the keys reports need, of the right types."""
    f = folder / "run.json"
    try:
        if not f.is_file():
            raise _Bad("run.json is missing")
        with open(f, "rb") as fh:
            raw = fh.read(MAX_JSON_BYTES + 1)
    except OSError as exc:
        raise _Bad(f"run.json cannot be read ({exc.strerror})") from None
    if len(raw) > MAX_JSON_BYTES:
        raise _Bad("run.json is too large")
    try:
        info = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise _Bad("run.json is not UTF-8 text") from None
    except (ValueError, RecursionError) as exc:
        raise _Bad(f"run.json is not valid JSON ({str(exc).splitlines()[0][:80]})") from None
    if not isinstance(info, dict):
        raise _Bad("run.json does not hold an object")
    for key, kind in _REQUIRED.items():
        if key not in info:
            raise _Bad(f"run.json lacks the key {key!r}")
        if not isinstance(info[key], kind) or not info[key]:
            raise _Bad(f"run.json: {key} is not a {kind.__name__}")
    for key in ("start", "end"):
        try:
            dt.date.fromisoformat(info[key])
        except ValueError:
            raise _Bad(f"run.json: {key} {info[key][:40]!r} is not a YYYY-MM-DD date") from None
    for key, kind in (("metrics", dict), ("params", dict), ("notes", list), ("conventions", list)):
        if info.get(key) is not None and not isinstance(info[key], kind):
            raise _Bad(f"run.json: {key} is not a{'n' if kind is dict else ''} {kind.__name__}")
    metrics = info.get("metrics") or {}
    for key in _NUMERIC_METRICS:
        v = metrics.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
            raise _Bad(f"run.json: metrics.{key} is not a number")
    cap = info.get("capital")
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, (int, float))):
        raise _Bad("run.json: capital is not a number")
    if cap is not None and not (math.isfinite(cap) and cap > 0):
        raise _Bad(f"run.json: capital {cap!r} is not a positive amount")
    if info["start"] > info["end"]:
        raise _Bad(f"run.json: start {info['start']} is after end {info['end']}")
    for key in ("title", "benchmark", "data_as_of", "type"):
        if info.get(key) is not None and not isinstance(info[key], str):
            raise _Bad(f"run.json: {key} is not text")
    return info


def _read_csv(folder: Path, name: str, **kw: Any) -> pd.DataFrame:
    import pandas as pd

    f = folder / name
    if not f.is_file():
        raise _Bad(f"{name} is missing")
    try:
        return pd.read_csv(f, **kw)
    except pd.errors.EmptyDataError:
        raise _Bad(f"{name} is empty") from None
    except UnicodeDecodeError:
        raise _Bad(f"{name} is not UTF-8 text") from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise _Bad(f"{name} is not a valid CSV ({str(exc).splitlines()[0][:80]})") from None
    except OSError as exc:
        raise _Bad(f"{name} cannot be read ({exc.strerror})") from None


def _dated(frame: pd.DataFrame, name: str, allow_empty: bool = False) -> pd.DataFrame:
    """``frame`` indexed by its ``date`` column (YYYY-MM-DD, unique, ascending)."""
    import pandas as pd

    if "date" not in frame.columns:
        raise _Bad(f"{name} has no 'date' column")
    if len(frame) == 0 and not allow_empty:
        raise _Bad(f"{name} has no rows")
    days = pd.to_datetime(frame["date"].astype(str), format="%Y-%m-%d", errors="coerce")
    if days.isna().any():
        bad = frame["date"][days.isna()].iloc[0]
        raise _Bad(f"{name}: {str(bad)[:40]!r} is not a YYYY-MM-DD date")
    if not days.is_monotonic_increasing or days.duplicated().any():
        raise _Bad(f"{name}: dates are not unique and ascending")
    out = frame.drop(columns=["date"])
    out.index = pd.DatetimeIndex(days, name="date")
    return out


def _numeric(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    out = frame.copy()
    for c in out.columns:
        col = pd.to_numeric(out[c], errors="coerce")
        if (col.isna() & out[c].notna()).any():
            raise _Bad(f"{name}: column {str(c)[:40]!r} holds values that are not numbers")
        if np.isinf(col.to_numpy(dtype="float64")).any():
            raise _Bad(f"{name}: column {str(c)[:40]!r} holds infinite values")
        out[c] = col.astype("float64")
    return out


def _read_equity(folder: Path) -> tuple[pd.Series, pd.Series | None]:
    eq = _numeric(_dated(_read_csv(folder, "equity.csv"), "equity.csv"), "equity.csv")
    if "equity" not in eq.columns:
        raise _Bad("equity.csv has no 'equity' column")
    equity = eq["equity"]
    if equity.isna().any() or (equity <= 0).any():
        raise _Bad("equity.csv: equity must be a positive number on every day")
    bench = eq["benchmark"] if "benchmark" in eq.columns else None
    if bench is not None and (bench <= 0).any():
        raise _Bad("equity.csv: the benchmark level must be positive")
    return equity, bench


def _read_trades(folder: Path) -> pd.DataFrame:
    import pandas as pd

    trades = _read_csv(folder, "trades.csv", dtype={"code": str})
    missing = [c for c in _TRADE_COLUMNS if c not in trades.columns]
    if missing:
        raise _Bad(f"trades.csv lacks the column(s) {', '.join(missing)}")
    days = pd.to_datetime(trades["date"].astype(str), format="%Y-%m-%d", errors="coerce")
    if days.isna().any():
        raise _Bad("trades.csv: a date is not YYYY-MM-DD")
    trades["date"] = days
    for c in ("value", "commission", "stamp_duty", "shares", "price_local", "fx", "price"):
        if c in trades.columns:
            trades[c] = _numeric(trades[[c]], "trades.csv")[c]
    return trades


def _read_assets(folder: Path) -> pd.DataFrame:
    assets = _read_csv(folder, "assets.csv", dtype={"code": str})
    if "code" not in assets.columns:
        raise _Bad("assets.csv has no 'code' column")
    if assets["code"].isna().any():
        raise _Bad("assets.csv: a row has no code")
    return assets


def _read_signal(folder: Path) -> pd.DataFrame | None:
    """signal.csv when the run kept one (older runs and most types do not): dated rows,
    ``advantage_cny_per_wh`` and ``naion_weight`` numbers, ``available`` true/false."""
    if not (folder / "signal.csv").is_file():
        return None
    sig = _dated(_read_csv(folder, "signal.csv", dtype={"series": str}), "signal.csv")
    for c in ("advantage_cny_per_wh", "available"):
        if c not in sig.columns:
            raise _Bad(f"signal.csv has no {c!r} column")
    num = [c for c in ("li2co3_cny_per_t", "advantage_cny_per_wh", "naion_weight", "age_days")
           if c in sig.columns]  # fmt: skip
    sig[num] = _numeric(sig[num], "signal.csv")
    for c in ("available", "rebalance", "kept_previous"):
        if c in sig.columns:
            text = sig[c].astype(str).str.lower()
            if not text.isin(("true", "false")).all():
                raise _Bad(f"signal.csv: {c} holds values other than True/False")
            sig[c] = text == "true"
    return sig


def list_runs() -> list[dict[str, Any]]:
    """One row per run folder; a run whose run.json cannot be read is listed as unreadable."""
    rows = []
    for name in run_ids():
        try:
            info = _read_info(runs_dir() / name)
        except _Bad as exc:
            rows.append({"run_id": name, "strategy": f"unreadable: {exc}"[:80]})
            continue
        m = info.get("metrics") or {}
        rows.append(
            {
                "run_id": name,
                "strategy": info["strategy"],
                "start": info["start"],
                "end": info["end"],
                "base": info["base_currency"],
                "total_return": m.get("total_return"),
                "cagr": m.get("cagr"),
                "sharpe": m.get("sharpe"),
                "max_drawdown": m.get("max_drawdown"),
                "created": info.get("created") if isinstance(info.get("created"), str) else None,
            }
        )
    return rows


def load_run(run_id: str) -> SavedRun:
    """Read run ``run_id`` (a name from the runs folder) back, every file checked."""
    folder = resolve_run_id(run_id)
    try:
        info = _read_info(folder)
        equity, bench = _read_equity(folder)
        first, last = equity.index[0].date().isoformat(), equity.index[-1].date().isoformat()
        if first < info["start"] or last > info["end"]:
            raise _Bad(
                f"equity.csv runs {first} → {last}, outside the run's {info['start']} → "
                f"{info['end']} (run.json)"
            )
        weights = _numeric(_dated(_read_csv(folder, "weights.csv"), "weights.csv"), "weights.csv")
        targets = _numeric(
            _dated(_read_csv(folder, "targets.csv"), "targets.csv", allow_empty=True),
            "targets.csv",
        )
        trades = _read_trades(folder)
        assets = _read_assets(folder)
        signal = _read_signal(folder)
    except _Bad as exc:
        raise _unreadable(run_id, folder, exc) from None
    return SavedRun(
        run_id=run_id,
        path=folder,
        info=info,
        equity=equity,
        benchmark=bench,
        weights=weights,
        targets=targets,
        trades=trades,
        assets=assets,
        metrics=info.get("metrics") or {},
        signal=signal,
    )
