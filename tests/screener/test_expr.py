from __future__ import annotations

import math

import pandas as pd
import pytest

from naion.errors import InputError
from screener.expr import parse

FIELDS = {"pe", "peg", "segment", "adv", "ret"}
NAN = math.nan
FRAME = pd.DataFrame(
    {
        "pe": [10.0, 20.0, NAN, 30.0, 18.0],
        "peg": [0.5, 1.5, 0.4, NAN, 0.9],
        "segment": ["cells", "anode", "cells", None, "cathode"],
        "adv": [1e9, 2e8, 5e9, 3e9, 1e8],
        "ret": [-0.1, 0.2, 0.05, NAN, -0.3],
    }
)


def passing(text: str) -> list[int]:
    return [i for i, ok in enumerate(parse(text, FIELDS).mask(FRAME)) if ok]


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ("pe < 19", [0, 4]),
        ("pe between 15 and 22", [1, 4]),
        ("pe >= 20 and peg < 2", [1]),
        ("pe < 15 or peg < 0.45", [0, 2]),
        ("not (pe < 15)", [1, 3, 4]),  # row 2 has no PE: unknown, excluded even when negated
        ("not pe < 15 and peg < 1", [4]),
        ("segment in ('cells', 'cathode')", [0, 2, 4]),
        ("segment not in ('cells')", [1, 4]),
        ("segment = 'anode'", [1]),
        ("pe is null", [2]),
        ("ret is not null and ret > 0", [1, 2]),
        ("adv > 1e9", [2, 3]),
        ("adv / 1e9 >= 1 and -ret > 0", [0]),
        ("(pe < 15 or pe > 25) and (peg < 1 or adv > 2e9)", [0, 3]),
        ("pe < 15 or pe >= 15", [0, 1, 3, 4]),
        ("PE < 15 AND peg < 1".replace("PE", "pe"), [0]),
    ],
)
def test_conditions_select_the_hand_picked_rows(text: str, rows: list[int]) -> None:
    assert passing(text) == rows


def test_unknown_as_in_sql_or_with_known_true() -> None:
    # row 2: pe unknown, peg 0.4 < 1 true → "unknown or true" is true
    assert 2 in passing("pe < 5 or peg < 1")
    # row 3: peg unknown, pe 30 > 25 → "unknown and true" is unknown → excluded
    assert 3 not in passing("peg < 1 and pe > 25")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("pe_fy1 < 22", "unknown field 'pe_fy1' at position 1"),
        ("pe < ", "expected a field, a number or '(', got the end at position 6"),
        ("pe < 22 and", "expected a field, a number or '(', got the end at position 12"),
        ("pe < 22 peg < 1", "expected 'and', 'or' or the end, got 'peg' at position 9"),
        ("pe between 10 22", "expected 'and' after the lower bound of 'between', got '22'"),
        ("(pe < 1", "expected ')', got the end"),
        ("pe ~ 3", "unexpected character '~' at position 4"),
        ("segment in ('a' 'b')", "expected ',' or ')' in the 'in' list"),
        ("pe", "expected a comparison"),
        ("", "empty condition"),
    ],
)
def test_errors_name_the_problem_and_position(text: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse(text, FIELDS)
    assert message in err.value.one_line()


def test_unknown_field_lists_the_fields() -> None:
    with pytest.raises(InputError) as err:
        parse("pb < 1", FIELDS)
    assert "fields: adv, pe, peg, ret, segment" in err.value.one_line()


def test_no_python_eval() -> None:
    with pytest.raises(InputError):
        parse("__import__('os').system('true')", FIELDS)
