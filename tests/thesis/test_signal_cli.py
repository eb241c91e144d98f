"""The signal frame and `naion thesis`: values by hand, JSON keys, formats, one-line errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from naion.store import Store
from screener.thesis.model import get_model
from screener.thesis.signal import COLUMNS, signal_on, signal_range
from tests.helpers import run_cli
from tests.thesis.helpers import plant_calendar, plant_series
from tests.thesis.test_series import FUT, SPOT, sse

SPOT_ID, FUT_ID = "li2co3_spot_100ppi", "li2co3_gfex_main"
KEYS = {"date", "li2co3_cny_per_t", "series", "advantage_cny_per_wh", "parity_cny_per_t"}


@pytest.fixture
def home(naion_home: Path) -> Path:
    plant_series(naion_home, SPOT_ID, {d.isoformat(): v for d, v in SPOT.items()})
    plant_series(naion_home, FUT_ID, {d.isoformat(): v for d, v in FUT.items()})
    plant_calendar(naion_home, [d.isoformat() for d in sse("2023-12-01", "2024-06-28")])
    return naion_home


def by_hand(price: float) -> float:
    """The report's line: 0.09 at 250,000 CNY/t, +0.16 CNY/Wh per 310,000 CNY/t."""
    return 0.09 + (price - 250_000.0) * (0.25 - 0.09) / (560_000.0 - 250_000.0)


def test_signal_columns_follow_the_model_by_hand(home: Path) -> None:
    m = get_model()
    with Store(home / "store.duckdb", read_only=True) as st:
        sig = signal_range(st, m, dt.date(2024, 1, 2), dt.date(2024, 3, 29))
    f = sig.frame
    assert list(f.columns) == list(COLUMNS)
    assert f["date"].dt.date.tolist() == sse("2024-01-02", "2024-03-29")
    ok = f["available"].to_numpy()
    px = f["li2co3_cny_per_t"].to_numpy()
    for p, adv in zip(px[ok], f["advantage_cny_per_wh"].to_numpy()[ok], strict=True):
        assert adv == pytest.approx(by_hand(p), rel=1e-12, abs=1e-15)
    assert np.allclose(f["parity_cny_per_t"], 75_625.0, rtol=1e-12)
    assert np.allclose(f["distance_cny_per_t"][ok], px[ok] - 75_625.0)
    assert np.allclose(f["distance_pct"][ok], px[ok] / 75_625.0 - 1.0)
    assert f["advantage_cny_per_wh"][~ok].isna().all()
    assert f["note"][~ok].str.contains("is 1[1-5] trading days old \\(limit 10\\)").all()
    assert (f["note"][ok] == "").all()


def test_signal_on_a_date_equals_that_row_of_the_range(home: Path) -> None:
    m = get_model()
    with Store(home / "store.duckdb", read_only=True) as st:
        rng = signal_range(st, m, dt.date(2024, 1, 2), dt.date(2024, 3, 29)).frame
        for d in (dt.date(2024, 1, 10), dt.date(2024, 1, 22), dt.date(2024, 3, 5)):
            one = signal_on(st, m, d).frame.iloc[0]
            row = rng[rng["date"] == pd.Timestamp(d)].iloc[0]
            for col in ("series", "available", "note", "age_days"):
                assert one[col] == row[col], (d, col)
            np.testing.assert_equal(one["advantage_cny_per_wh"], row["advantage_cny_per_wh"])


def test_cli_as_of_json_has_the_documented_keys(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["thesis", "--as-of", "2024-01-15", "--format", "json"], capsys)
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == 1 and KEYS <= set(rows[0])
    r = rows[0]
    assert r["date"] == "2024-01-15" and r["series"] == SPOT_ID  # a tie: spot listed first
    assert r["li2co3_cny_per_t"] == SPOT[dt.date(2024, 1, 15)]
    assert r["advantage_cny_per_wh"] == pytest.approx(by_hand(r["li2co3_cny_per_t"]), rel=1e-12)
    assert r["parity_cny_per_t"] == pytest.approx(75_625.0)
    assert r["price_date"] == "2024-01-15" and r["age_days"] == 0 and r["available"] is True
    assert "note: model na-ion-vs-lfp" in err


def test_cli_without_dates_uses_the_latest_price_held(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["thesis", "-f", "json"], capsys)
    assert code == 0, err
    assert json.loads(out)[0]["date"] == max(FUT).isoformat()


def test_cli_unavailable_date_is_null_with_the_reason(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(["thesis", "--as-of", "2024-03-06", "-f", "json"], capsys)
    assert code == 0
    r = json.loads(out)[0]
    assert r["available"] is False and r["li2co3_cny_per_t"] is None
    assert r["advantage_cny_per_wh"] is None and r["series"] == FUT_ID
    assert "2024-02-09" in r["note"] and "limit 10" in r["note"]


def test_cli_range_by_month_keeps_each_months_last_trading_day(
    home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_csv = tmp_path / "t.csv"
    args = ["thesis", "--from", "2024-01-02", "--to", "2024-03-29", "--freq", "month"]
    code, _, err = run_cli([*args, "-f", "csv", "-o", str(out_csv)], capsys)
    assert code == 0, err
    got = pd.read_csv(out_csv)
    assert got["date"].tolist() == ["2024-01-31", "2024-02-29", "2024-03-29"]
    assert list(got.columns) == list(COLUMNS)


def test_cli_table_fits_100_columns(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["thesis", "--from", "2024-01-02", "--to", "2024-01-12"], capsys)
    assert code == 0
    assert "Na-ion thesis signal" in out and "parity at 75,625 CNY/t" in out
    assert max(len(line) for line in out.splitlines()) <= 100


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--as-of", "2024-01-15", "--from", "2024-01-02"], "do not go together"),
        (["--as-of", "15/01/2024"], "bad date '15/01/2024' for --as-of"),
        (["--from", "2024-03-01", "--to", "2024-01-01"], "is after --to"),
        (["--freq", "hourly"], "unknown --freq 'hourly'"),
        (["--format", "xml"], "unknown format 'xml'"),
        (["--model", "nope"], "unknown thesis model 'nope'"),
        (["--base", "EUR", "--html", "x.html"], "unknown --base 'EUR'"),
        (["--from", "2024-02-12", "--to", "2024-02-16"], "no trading day between"),
    ],
)
def test_cli_bad_input_is_one_line_exit_2(
    home: Path, capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    code, out, err = run_cli(["thesis", *args], capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and expected in err, err


def test_cli_without_a_store_or_prices_is_one_line(
    naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["thesis"], capsys)
    assert code == 2 and "no data store" in err and len(err.strip().splitlines()) == 1
    plant_calendar(naion_home, ["2024-01-02"])  # a store, but no lithium price in it
    code, _, err = run_cli(["thesis", "--as-of", "2024-01-02"], capsys)
    assert code == 2 and "holds no lithium carbonate prices" in err
    assert len(err.strip().splitlines()) == 1
