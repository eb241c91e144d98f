"""Attack findings on vendor frames: a vendor row gets the importer's value rules."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from naion.errors import ProviderError
from naion.providers import akshare_provider as ak

COLUMNS = {"date": "date", "open": "open", "high": "high", "low": "low", "close": "close"}


def _raw(high: float, low: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": ["2024-01-02", "2024-01-03"],
            "open": [10.0, 10.0],
            "high": [11.0, high],
            "low": [9.0, low],
            "close": [10.5, 10.0],
        }
    )


def test_high_below_low_is_refused() -> None:
    """F15: `naion data import` refuses high < low (`FILE:LINE: high is below low`), but a
    vendor bar with high < low went through the provider's schema check into the store."""
    with pytest.raises(ProviderError, match="high is below low"):
        ak._bars(_raw(9.0, 10.0), COLUMNS, 1.0, dt.date(2024, 1, 1), dt.date(2024, 1, 31))


def test_ordinary_bars_pass() -> None:
    got = ak._bars(_raw(10.5, 9.5), COLUMNS, 1.0, dt.date(2024, 1, 1), dt.date(2024, 1, 31))
    assert got["high"].tolist() == [11.0, 10.5] and got["low"].tolist() == [9.0, 9.5]
