"""Attack findings on the condition language: silent nonsense must be refused."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from naion.errors import InputError
from screener import expr

FIELDS = {"code", "industry", "pe_ttm"}
FRAME = pd.DataFrame(
    {
        "code": ["300750.SZ", "002594.SZ", "600348.SH"],
        "industry": ["电池", "汽车", None],
        "pe_ttm": [20.0, float("nan"), 7.5],
    }
)


def _passing(text: str) -> list[str]:
    return FRAME["code"][expr.parse(text, FIELDS).mask(FRAME)].tolist()


@pytest.mark.parametrize("text", ["pe_ttm < 1e400", "pe_ttm > -1e999", "pe_ttm in (1, 1e309)"])
def test_a_number_out_of_range_is_refused(text: str) -> None:
    """F4a: 1e400 parsed to inf, so `pe_ttm < 1e400` passed every name with a PE."""
    with pytest.raises(InputError, match="out of range"):
        expr.parse(text, FIELDS)


@pytest.mark.parametrize(
    "text", ["code = 300750", "code != 300750", "code in (300750, 2594)", "industry = 5"]
)
def test_text_against_a_number_is_refused(text: str) -> None:
    """F4b: `code = 300750` compared '300750.SZ' with '300750.0': never equal (and `!=`
    always true), silently. Text is compared with quoted text only."""
    with pytest.raises(InputError, match="text field with a number"):
        _passing(text)


def test_quoted_text_and_numbers_still_work() -> None:
    assert _passing("code = '300750.SZ'") == ["300750.SZ"]
    assert _passing("code in ('300750.SZ', '600348.SH') and pe_ttm < 10") == ["600348.SH"]
    assert _passing("industry = '汽车'") == ["002594.SZ"]
    assert _passing("pe_ttm = 7.5") == ["600348.SH"]


def test_arithmetic_overflow_is_unavailable_without_a_warning() -> None:
    """F4c: `pe_ttm * 1e308 * 1e308 > 1` printed numpy's RuntimeWarning (with a source
    path) on stderr; an overflow is an unavailable value, quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _passing("pe_ttm * 1e308 * 1e308 > 1") == []
        assert _passing("pe_ttm * 1e308 * 1e308 is null") == FRAME["code"].tolist()


@pytest.mark.parametrize("text", ["code = '300750.SZ'", "code = 300750", "industry in ('银行')"])
def test_an_empty_frame_is_an_empty_mask(text: str) -> None:
    """F8: a screen-driven strategy screens dates with no current member (an empty frame);
    a text comparison then raised TypeError (`_known` of an empty object array was float):
    `naion backtest` exit 1, internal error."""
    empty = FRAME.iloc[0:0].astype({"code": object, "industry": object})
    assert expr.parse(text, FIELDS).mask(empty).tolist() == []


@pytest.mark.parametrize("text", ["pe_ttm between 15 and 0", "pe_ttm between -1 and -2"])
def test_reversed_between_bounds_are_refused(text: str) -> None:
    """F4d: `pe_ttm between 15 and 0` was an empty screen (exit 0, no word)."""
    with pytest.raises(InputError, match=r"lower bound .* is above the upper bound"):
        expr.parse(text, FIELDS)


def test_between_in_order_still_works() -> None:
    assert _passing("pe_ttm between 0 and 15") == ["600348.SH"]
    assert _passing("pe_ttm between -1 and -1 + 30") == ["300750.SZ", "600348.SH"]
