"""The cost model: the report's two anchors exactly, the parity price, user models, bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from naion.errors import ConfigError, InputError
from screener.thesis.model import DEFAULT_MODEL, get_model, load_models
from tests.helpers import run_cli, write

GOOD = """
name: {name}
title: {title}
source: {source}
points:
  - {{li2co3_cny_per_t: 100000, advantage_cny_per_wh: 0.0}}
  - {{li2co3_cny_per_t: 300000, advantage_cny_per_wh: 0.1}}
price:
  series: [a_spot, b_futures]
"""


def user_model(home: Path, text: str, file: str = "mine.yaml") -> Path:
    return write(home / "models" / file, text)


def test_the_curated_model_passes_through_the_reports_two_points_exactly() -> None:
    m = get_model()
    assert m.name == DEFAULT_MODEL == "na-ion-vs-lfp"
    # report section 1.3: CNY 0.25/Wh at 560,000 CNY/t, CNY 0.09/Wh at 250,000 CNY/t
    assert m.advantage(560_000.0) == 0.25
    assert m.advantage(250_000.0) == 0.09
    assert np.array_equal(m.advantage(np.array([560_000.0, 250_000.0])), [0.25, 0.09])
    # b = (0.25 - 0.09) / 310,000 and a = 0.09 - b * 250,000, as the issue writes them
    b = (0.25 - 0.09) / 310_000
    assert m.slope == b
    assert m.intercept == 0.09 - b * 250_000


def test_parity_is_minus_a_over_b_and_the_advantage_vanishes_there() -> None:
    m = get_model()
    assert m.parity == pytest.approx(-m.intercept / m.slope, rel=1e-12)
    # by hand: 0.25 * 250,000 - 0.09 * 560,000 = 12,100; / (0.25 - 0.09) = 75,625
    assert m.parity == pytest.approx(75_625.0, abs=1e-6)
    assert m.advantage(m.parity) == pytest.approx(0.0, abs=1e-15)
    assert m.advantage(m.parity + 10_000) > 0 > m.advantage(m.parity - 10_000)


def test_the_model_file_cites_its_source() -> None:
    m = get_model()
    assert "Everbright" in m.source and "1.3" in m.source
    assert "560,000" in m.source and "0.09/Wh" in m.source
    assert m.price.series == ["li2co3_spot_100ppi", "li2co3_gfex_main"]
    assert m.price.max_stale_days == 10


def test_a_user_file_with_the_same_name_replaces_the_curated_model(naion_home: Path) -> None:
    user_model(naion_home, GOOD.format(name=DEFAULT_MODEL, title="mine", source="my notes"))
    m = get_model()
    assert m.title == "mine" and m.origin.startswith("user:")
    assert m.advantage(100_000.0) == 0.0 and m.advantage(300_000.0) == 0.1
    assert m.parity == pytest.approx(100_000.0)


def test_a_user_model_with_another_name_is_chosen_by_name(naion_home: Path) -> None:
    user_model(naion_home, GOOD.format(name="mine", title="mine", source="x"))
    assert set(load_models(naion_home / "models")) == {DEFAULT_MODEL, "mine"}
    assert get_model("mine").price.series == ["a_spot", "b_futures"]
    with pytest.raises(InputError, match="unknown thesis model 'nope'"):
        get_model("nope")


def test_more_than_two_points_give_the_least_squares_line(naion_home: Path) -> None:
    text = GOOD.format(name="fit", title="t", source="s").replace(
        "price:",
        "  - {li2co3_cny_per_t: 500000, advantage_cny_per_wh: 0.35}\nprice:",
    )
    user_model(naion_home, text)
    m = get_model("fit")
    x = np.array([100_000.0, 300_000.0, 500_000.0])
    y = np.array([0.0, 0.1, 0.35])
    b, a = np.polyfit(x, y, 1)
    assert m.slope == pytest.approx(b, rel=1e-12)
    assert m.intercept == pytest.approx(a, rel=1e-9)
    assert m.parity == pytest.approx(-a / b, rel=1e-9)
    assert "least-squares" in m.describe_line()


BAD = {
    "equal prices": (
        GOOD.replace("300000", "100000"),
        "two points share the price 100,000 CNY/t",
    ),
    "non-numeric price": (GOOD.replace("300000", "lots"), "points[1].li2co3_cny_per_t"),
    "quoted number": (GOOD.replace("0.1}", "'0.1'}"), "points[1].advantage_cny_per_wh"),
    "negative price": (GOOD.replace("300000", "-300000"), "points[1].li2co3_cny_per_t"),
    "missing source": (GOOD.replace("source: {source}\n", ""), "source: required key"),
    "one point": (
        GOOD.replace("  - {{li2co3_cny_per_t: 300000, advantage_cny_per_wh: 0.1}}\n", ""),
        "points: List should have at least 2 items",
    ),
    "unknown key": (GOOD + "colour: red\n", "colour: unknown key"),
    "flat line": (GOOD.replace("0.1}", "0.0}"), "flat line"),
    "no series": (GOOD.replace("[a_spot, b_futures]", "[]"), "price.series"),
    "bad series id": (GOOD.replace("a_spot", "'a spot'"), "not a series id"),
    "formula-like id": (GOOD.replace("a_spot", "'-a_spot'"), "not a series id"),
    "stale days as text": (GOOD + "  max_stale_days: ten\n", "price.max_stale_days"),
    "not a mapping": ("- just a list\n", "expected a mapping"),
    "malformed YAML": (GOOD + "points: [\n", "malformed YAML"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_model_file_is_one_line_and_exit_2(
    case: str, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, expected = BAD[case]
    path = user_model(naion_home, text.format(name="mine", title="t", source="s"))
    with pytest.raises(ConfigError):
        get_model()
    code, out, err = run_cli(["thesis"], capsys)
    assert code == 2, err
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert str(path) in lines[0] and expected in lines[0], lines[0]
