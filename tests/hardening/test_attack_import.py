"""Attack findings on the importer: what a hand check of the imported files would catch."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_cli, write

SECURITIES = """
code,name,market,exchange,currency
600348.SH,华阳股份,A,SSE,CNY
"""


def _valuation(store_path: Path, code: str, day: str) -> tuple[float | None, ...]:
    from naion.store import Store

    with Store(store_path, read_only=True) as store:
        frame = store.valuation([code])
    row = frame[frame["date"].astype(str).str[:10] == day].iloc[0]
    return tuple(None if v != v else float(v) for v in (row.pe_ttm, row.pb, row.total_mv))


@pytest.mark.parametrize("second_import", [False, True])
def test_empty_per_code_cells_keep_the_panels_multiples(
    naion_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], second_import: bool
) -> None:
    """F1: 600348.SH's valuation file holds only total_mv on 2019-04-29 while the whole-market
    panel of that day gives pe_ttm 7.4685 and pb 0.8798; the per-code row blanked them, so the
    README's whole-market screen lost the name. An empty cell states nothing, whichever file
    is imported first."""
    data = tmp_path / "data"
    write(data / "securities.csv", SECURITIES)
    per_code = data / "valuation" / "600348.SH.csv"
    write(per_code, "date,pe_ttm,pb,ps_ttm,total_mv\n2019-04-29,,,,14935050000.0\n")
    write(
        data / "valuation_market" / "valuation_2019-04-29.csv",
        "code,name,industry,pe_ttm,pb,ps_ttm,total_mv\n"
        "600348.SH,阳泉煤业,煤炭开采,7.4685,0.8798,0.4563,14935050000.0\n",
    )
    if second_import:  # the panel arrives in a later import than the per-code file
        panel = data / "valuation_market"
        hidden = tmp_path / "later"
        panel.rename(hidden)
        assert run_cli(["data", "import", str(data)], capsys)[0] == 0
        hidden.rename(panel)
    code, out, err = run_cli(["data", "import", str(data)], capsys)
    assert code == 0, err
    assert _valuation(naion_home / "store.duckdb", "600348.SH", "2019-04-29") == (
        7.4685,
        0.8798,
        14935050000.0,
    )
    code, out, err = run_cli(
        [
            "screen",
            "-u",
            "all-a",
            "--as-of",
            "2019-04-29",
            "-f",
            "csv",
            "--where",
            "pe_ttm between 0 and 15 and pb < 1.5",
        ],
        capsys,
    )
    assert code == 0, err
    assert "600348.SH" in out


def test_per_code_value_still_wins_the_day(
    naion_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A value the per-code file does state wins over the panel's on the same day."""
    data = tmp_path / "data"
    write(data / "securities.csv", SECURITIES)
    per_code = "date,pe_ttm,pb,ps_ttm,total_mv\n2019-04-29,8.5,,,\n"
    write(data / "valuation" / "600348.SH.csv", per_code)
    write(
        data / "valuation_market" / "valuation_2019-04-29.csv",
        "code,name,industry,pe_ttm,pb,ps_ttm,total_mv\n"
        "600348.SH,阳泉煤业,煤炭开采,7.4685,0.8798,0.4563,14935050000.0\n",
    )
    assert run_cli(["data", "import", str(data)], capsys)[0] == 0
    assert _valuation(naion_home / "store.duckdb", "600348.SH", "2019-04-29") == (
        8.5,
        0.8798,
        14935050000.0,
    )


@pytest.mark.parametrize("year", [2024, 2025])
def test_an_actual_eps_for_an_unended_year_is_refused(
    naion_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], year: int
) -> None:
    """F5: a snapshot of 2024-01-02 reporting FY2025 as *actual* was stored, and the screener
    counts fy0 from the actuals a snapshot reports: fy0 jumped to 2025 and every pe_fy* used a
    year nobody could know. An actual exists once its fiscal year has ended."""
    from naion.store import Store

    data = tmp_path / "data"
    write(data / "securities.csv", SECURITIES)
    write(
        data / "eps" / "2024-01-02.csv", f"code,fiscal_year,kind,eps\n600348.SH,{year},actual,1\n"
    )
    with Store(naion_home / "store.duckdb") as store:
        before = store.fingerprint()
    code, _out, err = run_cli(["data", "import", str(data)], capsys)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert "eps/2024-01-02.csv:2:" in lines[0] and "has not ended" in lines[0]
    with Store(naion_home / "store.duckdb", read_only=True) as store:
        assert store.fingerprint() == before


def test_an_actual_for_the_year_before_is_kept(
    naion_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    write(data / "securities.csv", SECURITIES)
    write(data / "eps" / "2024-01-02.csv", "code,fiscal_year,kind,eps\n600348.SH,2023,actual,1\n")
    assert run_cli(["data", "import", str(data)], capsys)[0] == 0


def test_a_misspelled_column_is_named(
    naion_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """F6: `date,opn,high,low,close,volume` imported with `open` empty and no word."""
    data = tmp_path / "data"
    write(data / "securities.csv", SECURITIES)
    write(
        data / "prices" / "600348.SH.csv", "date,opn,high,low,close,volume\n2024-01-02,1,1,1,1,1\n"
    )
    code, _out, err = run_cli(["data", "import", str(data)], capsys)
    assert code == 0, err
    notes = [line for line in err.splitlines() if "opn" in line]
    assert len(notes) == 1 and "600348.SH.csv" in notes[0] and "not in the layout" in notes[0]
    assert "securities.csv" not in err  # its extra columns are part of its layout


def test_extra_securities_columns_are_quiet(
    naion_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    write(
        data / "securities.csv",
        "code,name,market,exchange,currency,rows,source_id\n600348.SH,华阳股份,A,SSE,CNY,,x\n",
    )
    code, _out, err = run_cli(["data", "import", str(data)], capsys)
    assert code == 0 and "not in the layout" not in err, err


def test_a_price_file_without_a_close_column_says_so(
    naion_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """F6: `date,clsoe` said `:2: the row has no close`, as if one row lacked a value."""
    data = tmp_path / "data"
    write(data / "securities.csv", SECURITIES)
    write(data / "prices" / "600348.SH.csv", "date,clsoe\n2024-01-02,1\n")
    code, _out, err = run_cli(["data", "import", str(data)], capsys)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("naion: error: "), err
    line = lines[0]
    assert "600348.SH.csv: no close or adj_close column (got: date, clsoe)" in line
