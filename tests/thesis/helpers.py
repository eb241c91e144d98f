"""Test-only helpers: plant commodity rows in a store.

``plant_real_commodities`` reads ../shared/data/real/commodities/ straight from the CSVs and
writes them with :class:`naion.store.Batch`, so the thesis tests do not depend on how (or
whether yet) ``naion data import`` brings that folder in. The series ids are the curated
model's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from naion.store import Batch, Store

# series id -> (file, name, kind, exchange)
REAL_SERIES = {
    "li2co3_spot_100ppi": (
        "lithium_carbonate_spot_100ppi.csv",
        "Lithium carbonate spot, 100ppi",
        "spot",
        None,
    ),
    "li2co3_battery_spot_100ppi": (
        "lithium_carbonate_battery_spot_100ppi.csv",
        "Lithium carbonate battery grade spot, 100ppi",
        "spot",
        None,
    ),
    "li2co3_gfex_main": (
        "lithium_carbonate_futures_gfex_main.csv",
        "Lithium carbonate futures, GFEX main contract",
        "futures",
        "GFEX",
    ),
}


def read_real(folder: Path, sid: str) -> pd.DataFrame:
    """One real CSV as commodity rows (date, open, high, low, close, volume, contract)."""
    df = pd.read_csv(folder / REAL_SERIES[sid][0])
    if "price" in df.columns:
        df = df.rename(columns={"price": "close"})
    df["date"] = pd.to_datetime(df["date"]).astype("datetime64[us]")
    return df


def plant_real_commodities(home: Path, real: Path) -> None:
    folder = real / "commodities"
    batch = Batch()
    meta = []
    for sid, (_, name, kind, exchange) in REAL_SERIES.items():
        batch.add("commodities", read_real(folder, sid).assign(source="test:real"), series=sid)
        meta.append(
            {"series": sid, "name": name, "unit": "CNY/t", "kind": kind, "exchange": exchange}
        )
    batch.add("commodity_series", pd.DataFrame(meta).assign(source="test:real"))
    with Store(home / "store.duckdb") as st:
        st.write(batch)


def plant_series(
    home: Path,
    series: str,
    rows: Sequence[tuple[str, float]] | dict[str, float],
    name: str | None = None,
    unit: str = "CNY/t",
    **extra: Any,
) -> None:
    """Write ``rows`` (date text -> close) as commodity ``series`` into the store at ``home``."""
    items = list(rows.items()) if isinstance(rows, dict) else list(rows)
    frame = pd.DataFrame(items, columns=["date", "close"])
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[us]")
    batch = Batch()
    batch.add("commodities", frame.assign(source="test"), series=series)
    batch.add(
        "commodity_series",
        pd.DataFrame([{"series": series, "name": name or series, "unit": unit, **extra}]),
    )
    with Store(home / "store.duckdb") as st:
        st.write(batch)


def plant_calendar(home: Path, days: Sequence[str], exchange: str = "SSE") -> None:
    frame = pd.DataFrame({"date": pd.to_datetime(list(days)).astype("datetime64[us]")})
    batch = Batch()
    batch.add("calendar", frame.assign(source="test"), exchange=exchange)
    with Store(home / "store.duckdb") as st:
        st.write(batch)
