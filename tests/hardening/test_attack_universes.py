"""Attack findings on universe files: numbers where dates or prices belong."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from universes.model import Member

BASE = {"code": "300750.SZ", "segment": "cells"}


@pytest.mark.parametrize("key", ["since", "until", "listed", "delisted"])
@pytest.mark.parametrize("value", [0, 20230101, 1672531200, 1.5])
def test_a_number_is_not_a_date(key: str, value: float) -> None:
    """F7: pydantic read a number as a Unix timestamp: `since: 0` became 1970-01-01 and
    `since: 1672531200` 2023-01-01 silently; `since: 20230101` failed with "Datetimes
    provided to dates should have zero time". A date is written YYYY-MM-DD."""
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        Member(**BASE, **{key: value})


@pytest.mark.parametrize(
    "extra",
    [
        {"successor": {"code": "002594.SZ", "ratio": float("inf"), "date": "2023-01-02"}},
        {"cash_out": {"price": float("inf"), "date": "2023-01-02"}},
        {"cash_out": {"price": float("nan"), "date": "2023-01-02"}},
    ],
)
def test_succession_ratio_and_cash_out_price_are_finite(extra: dict[str, object]) -> None:
    """F7: `ratio: .inf` passed `gt=0`: a delisting converted into infinitely many shares."""
    with pytest.raises(ValidationError, match="finite"):
        Member(**BASE, delisted="2023-01-01", **extra)


def test_dates_as_text_still_work() -> None:
    m = Member(**BASE, since="2022-11-22", until="2025-06-30")
    assert str(m.since) == "2022-11-22" and str(m.until) == "2025-06-30"
