"""The seed source: the Everbright report's valuation table of 2022-11-22, shipped inside naion.

Inputs read from the table: close (CNY), EPS 2021A (fy0), consensus EPS 2022E–2024E
(fy1–fy3), market cap (100 million CNY), segment. Everything else — PE per year, EPS CAGR
2021A→2024E and PEG 2022 — is recomputed by :func:`screener.formulas.eps_fields`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from naion.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

SEED_FILE = Path(__file__).parent / "data" / "valuation_2022-11-22.csv"
SEED_DATE = dt.date(2022, 11, 22)
SOURCE_NAME = "seed-2022"
_COLUMNS = [
    "code",
    "name_zh",
    "segment",
    "close_cny",
    "eps_2021a",
    "eps_2022e",
    "eps_2023e",
    "eps_2024e",
    "market_cap_100m_cny",
]


def seed_frame(canonical: object = None) -> pd.DataFrame:
    """The seed table as screen inputs + recomputed derived fields, one row per company."""
    import pandas as pd

    from screener.formulas import eps_fields

    raw = pd.read_csv(SEED_FILE, dtype={"code": str})
    if list(raw.columns) != _COLUMNS:
        raise DataError(f"{SEED_FILE}: unexpected columns {list(raw.columns)}")
    codes = [canonical(c) if callable(canonical) else c for c in raw["code"]]
    frame = pd.DataFrame(
        {
            "code": codes,
            "name": raw["name_zh"],
            "segment": raw["segment"],
            "market": "A",
            "currency": "CNY",
            "close": raw["close_cny"].astype(float),
            "fy0": 2021,
            "eps_fy0": raw["eps_2021a"].astype(float),
            "eps_fy1": raw["eps_2022e"].astype(float),
            "eps_fy2": raw["eps_2023e"].astype(float),
            "eps_fy3": raw["eps_2024e"].astype(float),
            "market_cap": raw["market_cap_100m_cny"].astype(float) * 1e8,
        }
    )
    frame["market_cap_base"] = frame["market_cap"]
    return eps_fields(frame)
