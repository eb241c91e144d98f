"""The condition language: length and depth limits are one line; long or/and chains and big
``in`` lists work and agree with a plain loop."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from naion.errors import InputError
from screener import expr
from tests.hardening.conftest import one_error_line
from tests.helpers import run_cli

FIELDS = {"x", "y", "code"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(" * 140 + "x > 1" + ")" * 140, "nested deeper than 64 levels"),
        ("not " * 1000 + "x > 1", "nested deeper than 64 levels"),
        ("-" * 1000 + "x > 1", "nested deeper than 64 levels"),
        (" + ".join(["x"] * 3000) + " > 1", "nested deeper than 64 levels"),
        (" * ".join(["x"] * 3000) + " > 1", "nested deeper than 64 levels"),
        ("x > 1 and " * 130_000 + "x > 1", "condition too long (1,300,005 characters"),
    ],
)
def test_limits_are_one_line(text: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        expr.parse(text, FIELDS)
    line = info.value.one_line()
    assert message in line and len(line) < 400


def test_a_long_condition_error_quotes_only_a_part() -> None:
    text = "x > 1 and " * 5000 + "x > > 1"
    with pytest.raises(InputError) as info:
        expr.parse(text, FIELDS)
    line = info.value.one_line()
    assert "at position 50005" in line and len(line) < 300


def _frame(n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    x = rng.normal(size=n)
    x[rng.random(n) < 0.1] = np.nan
    codes = [f"{i:06d}.SZ" if i % 7 else None for i in range(n)]
    return pd.DataFrame({"x": x, "y": rng.normal(size=n), "code": codes})


def test_thousands_of_or_terms_agree_with_a_loop() -> None:
    frame = _frame()
    bounds = np.linspace(-2, 2, 3000)
    text = " or ".join(f"x between {a:.6f} and {a + 0.0005:.6f}" for a in bounds)
    got = expr.parse(text, FIELDS).mask(frame).to_numpy()
    want = np.array(
        [
            v == v and any(round(a, 6) <= v <= round(a + 0.0005, 6) for a in bounds)
            for v in frame["x"]
        ]
    )
    assert (got == want).all() and got.any()
    text = " and ".join(["x > -5"] * 3000)
    got = expr.parse(text, FIELDS).mask(frame).to_numpy()
    assert (got == frame["x"].notna().to_numpy()).all()


def test_in_with_thousands_of_codes_agrees_with_a_loop() -> None:
    frame = _frame()
    wanted = [f"{i:06d}.SZ" for i in range(0, 9000, 3)]
    cond = expr.parse("code in (" + ", ".join(f"'{c}'" for c in wanted) + ")", FIELDS)
    got = cond.mask(frame).to_numpy()
    assert (got == np.array([isinstance(c, str) and c in set(wanted) for c in frame["code"]])).all()
    neg = expr.parse("code not in (" + ", ".join(f"'{c}'" for c in wanted) + ")", FIELDS)
    got = neg.mask(frame).to_numpy()
    assert (
        got == np.array([isinstance(c, str) and c not in set(wanted) for c in frame["code"]])
    ).all()
    nums = expr.parse("x in (1, 2.5, -3)", FIELDS)
    f = pd.DataFrame({"x": [1.0, 2.5, -3.0, 4.0, np.nan], "y": 0.0, "code": "a"})
    assert nums.mask(f).tolist() == [True, True, True, False, False]
    mixed = expr.parse("x not in (1, y)", FIELDS)  # not all constants: the general path
    assert mixed.mask(f).tolist() == [False, True, True, True, False]


def test_the_screen_command_reports_the_limit_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    where = "(" * 200 + "pe_ttm < 1" + ")" * 200
    code, out, err = run_cli(["screen", "--source", "seed-2022", "--where", where], capsys)
    assert "nested deeper than 64 levels" in one_error_line(code, out, err)
