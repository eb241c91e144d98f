"""Plant rows straight into a store through ``naion.store.Batch`` (no CSV import in between)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from naion.store import Batch, Store


def bar_frame(
    dates: pd.DatetimeIndex, close: np.ndarray, amount: np.ndarray | None = None
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": dates,
            "open": close,
            "high": close,
            "low": close,
            "close": close,
            "volume": 100.0,
            "amount": np.nan if amount is None else amount,
        }
    )


def securities(rows: list[tuple[str, str, str, str | None]]) -> pd.DataFrame:
    """(code, name, market, industry) rows; currency and exchange follow the market."""
    cur = {"A": "CNY", "HK": "HKD", "US": "USD"}
    return pd.DataFrame(
        {
            "code": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "market": [r[2] for r in rows],
            "currency": [cur[r[2]] for r in rows],
            "industry": [r[3] for r in rows],
            "source": "test",
        }
    )


def write(home: Path, batch: Batch) -> None:
    store = Store(home / "store.duckdb")
    try:
        store.write(batch)
    finally:
        store.close()


def universe_file(home: Path, name: str, codes: list[str], extra: str = "") -> Path:
    """A user universe ``name`` of ``codes`` in one segment ``x``."""
    path = home / "universes" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    members = "\n".join(f"  - {{code: '{c}', segment: x{extra}}}" for c in codes)
    path.write_text(
        f"name: {name}\ntitle: {name}\nsegments: {{x: {{}}}}\nmembers:\n{members}\n",
        encoding="utf-8",
    )
    return path
