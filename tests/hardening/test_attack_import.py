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
