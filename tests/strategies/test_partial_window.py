"""--allow-partial cuts the window where an FX series ends (said in the notes); without it the
run is refused in one line. A valuation-tilt run reports the share of segment-days that fell
back to equal weight, counted by hand here."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from naion.store import Store
from tests.helpers import run_cli
from tests.strategies.conftest import export, import_export, user_strategy

DAYS = pd.bdate_range("2023-01-02", "2023-12-29")
MIX = """
name: mix
title: Mixed markets
type: sleeves
base_currency: CNY
rebalance: {calendar: M}
sleeves:
  a: {weight: 0.5, members: {300750.SZ: 1}}
  b: {weight: 0.5, members: {1211.HK: 1}}
"""


@pytest.fixture
def planted(tmp_path: Path, naion_home: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    export(tmp_path / "x", DAYS)
    import_export(tmp_path / "x", capsys)
    with Store(naion_home / "store.duckdb") as st:
        st.con.execute("DELETE FROM fx WHERE pair = 'HKDCNY' AND date > DATE '2023-09-15'")
    user_strategy(naion_home, "mix", MIX)
    return naion_home


def test_allow_partial_ends_the_run_at_the_last_fx_rate(
    planted: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["backtest", "mix", "--start", "2023-02-01", "--end", "2023-12-29", "--offline"]
    code, _, err = run_cli([*args, "-f", "json"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "HKDCNY" in err or "HKD" in err
    code, out, err = run_cli([*args, "--allow-partial", "-f", "json"], capsys)
    assert code == 0, err
    result = json.loads(out)
    assert result["end"] == "2023-09-15"
    assert any("the last HKD→CNY rate held" in n for n in result["notes"])
    assert "the last HKD→CNY rate held" in err  # and said as the run ends


TILT = """
name: tilt
title: Tilt
type: valuation-tilt
universe: late
rebalance: {calendar: M}
tilt: {field: pe_ttm}
"""
UNIVERSE = """
name: late
title: Two segments
segments: {a: {title: A}, b: {title: B}}
members:
  - {code: 300750.SZ, segment: a}
  - {code: 002594.SZ, segment: a}
  - {code: 688005.SH, segment: b}
"""


def test_valuation_tilt_reports_its_fallback_share(
    tmp_path: Path, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.helpers import write

    root = tmp_path / "x"
    export(root, DAYS)
    # pe_ttm for segment a's names only, from June: segment b never has one
    (root / "valuation").mkdir()
    june = DAYS[DAYS >= "2023-06-01"]
    for code in ("300750.SZ", "002594.SZ"):
        cols = {"pe_ttm": 20.0, "pb": 2.0, "ps_ttm": 1.0, "total_mv": 1e10}
        pd.DataFrame({"date": june.strftime("%Y-%m-%d"), **cols}).to_csv(
            root / "valuation" / f"{code}.csv", index=False
        )
    import_export(root, capsys)
    write(naion_home / "universes" / "late.yaml", UNIVERSE)
    user_strategy(naion_home, "tilt", TILT)
    code, out, err = run_cli(
        ["backtest", "tilt", "--start", "2023-02-01", "--end", "2023-12-29", "--offline",
         "-f", "json"], capsys,
    )  # fmt: skip
    assert code == 0, err
    result = json.loads(out)
    # rebalance days: the first open day of each month Feb..Dec (11) x 2 segments = 22;
    # held: segment a from June (7 months); fell back: a Feb..May (4) + b always (11) = 15
    assert result["tilt_segment_days"] == 22
    assert result["tilt_fallback_share"] == pytest.approx(15 / 22)
    assert any("15 of 22 segment-days (68.2%) had no pe_ttm" in n for n in result["notes"])


def test_ignore_membership_dates_reaches_the_screen_of_a_tilt(
    tmp_path: Path, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Segment a's names join the universe in June; pe_ttm is held all year. Ignoring the
    membership dates, the tilt's screen must see them from February too."""
    from tests.helpers import write

    root = tmp_path / "x"
    export(root, DAYS)
    (root / "valuation").mkdir()
    cols = {"pe_ttm": 20.0, "pb": 2.0, "ps_ttm": 1.0, "total_mv": 1e10}
    for code in ("300750.SZ", "002594.SZ"):
        pd.DataFrame({"date": DAYS.strftime("%Y-%m-%d"), **cols}).to_csv(
            root / "valuation" / f"{code}.csv", index=False
        )
    import_export(root, capsys)
    dated = UNIVERSE.replace("segment: a}", "segment: a, since: 2023-06-01}")
    write(naion_home / "universes" / "late.yaml", dated)
    user_strategy(naion_home, "tilt", TILT)
    args = ["backtest", "tilt", "--start", "2023-02-01", "--end", "2023-12-29", "--offline"]
    shares = {}
    for extra in ([], ["--ignore-membership-dates"]):
        code, out, err = run_cli([*args, *extra, "-f", "json"], capsys)
        assert code == 0, err
        r = json.loads(out)
        shares[bool(extra)] = (r["tilt_segment_days"], r["tilt_fallback_share"])
    # members only: a from June (7 rebalances, pe held) + b all 11 (never a pe) -> 11 of 18
    assert shares[False] == (18, pytest.approx(11 / 18))
    # every member all year: a held 11 times, b fell back 11 times -> 11 of 22
    assert shares[True] == (22, pytest.approx(11 / 22))


def test_capital_too_small_for_any_lot_is_said(
    planted: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["backtest", "mix", "--start", "2023-02-01", "--end", "2023-09-01", "--offline"]
    code, out, err = run_cli([*args, "--capital", "1000", "-f", "json"], capsys)
    assert code == 0, err
    result = json.loads(out)
    assert result["trades"] == 0 and result["final_equity"] == 1000.0
    assert any(n.startswith("no order was placed: CNY 1,000 of capital") for n in result["notes"])


def test_a_member_joining_after_the_window_needs_no_data(
    planted: Path, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """1211.HK joins the universe in 2024: a 2023 run neither holds it nor needs HKD rates."""
    from tests.helpers import write

    write(
        naion_home / "universes" / "later.yaml",
        "name: later\ntitle: Later\nsegments: {a: {title: A}, b: {title: B}}\nmembers:\n"
        "  - {code: 300750.SZ, segment: a}\n"
        "  - {code: 1211.HK, segment: b, since: 2024-01-02}\n",
    )
    user_strategy(
        naion_home, "seq", "name: seq\ntitle: S\ntype: segment-equal\nuniverse: later\n"
        "rebalance: {calendar: M}\n",
    )  # fmt: skip
    args = ["backtest", "seq", "--start", "2023-02-01", "--end", "2023-12-29", "--offline"]
    code, out, err = run_cli([*args, "-f", "json"], capsys)
    assert code == 0, err
    result = json.loads(out)
    assert result["end"] == "2023-12-29"
    assert any(n.startswith("1 member is not current between 2023-02-01 and 2023-12-29")
               and "1211.HK" in n for n in result["notes"])  # fmt: skip
    code, out, err = run_cli([*args, "--ignore-membership-dates", "-f", "json"], capsys)
    assert code == 2 and "HKD" in err  # held from the start: its rates are needed
