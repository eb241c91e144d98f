"""Fixtures for the hardening tests: a tiny store and a saved run, made in process."""

from __future__ import annotations

from pathlib import Path

import pytest


def plant_store(home: Path) -> Path:
    """A small valid store under ``home`` (two securities, 30 days of bars)."""
    import pandas as pd

    from naion.store import Batch, Store

    store = Store(home / "store.duckdb")
    batch = Batch()
    batch.add(
        "securities",
        pd.DataFrame(
            {
                "code": ["300750.SZ", "600348.SH"],
                "name": ["宁德时代", "华阳股份"],
                "market": ["A", "A"],
                "exchange": ["SZSE", "SSE"],
                "currency": ["CNY", "CNY"],
            }
        ),
    )
    days = pd.bdate_range("2024-01-02", periods=30)
    for code in ("300750.SZ", "600348.SH"):
        batch.add(
            "bars",
            pd.DataFrame({"date": days, "close": range(10, 40), "volume": 1e6, "amount": 1e7}),
            code=code,
            adjust="none",
        )
    store.write(batch)
    store.close()
    return home / "store.duckdb"


@pytest.fixture
def planted(naion_home: Path) -> Path:
    return plant_store(naion_home)


def one_error_line(code: int, out: str, err: str) -> str:
    """Assert the bad-input contract (exit 2, one stderr line, no traceback); the line."""
    lines = err.strip().splitlines()
    assert code == 2, (code, out, err)
    assert len(lines) == 1 and lines[0].startswith("naion: error: "), err
    assert "Traceback" not in err and "internal error" not in err
    return lines[0]
