"""Values that cannot be right are refused: one line naming file, line and what is wrong,
exit 2, nothing written, and never the offending text itself."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from tests.helpers import write
from tests.importer.planted import cli_import, fingerprint, folder

PRICE_HEAD = "date,open,high,low,close,volume\n"
GOOD_ROW = "2022-11-21,10,11,9,10.5,100\n"


@pytest.mark.parametrize(
    ("rel", "text", "where", "message", "secret"),
    [
        (
            "prices/TSLA.csv",
            PRICE_HEAD + GOOD_ROW + "2022-11-22,10,11,9,inf,1\n",
            3,
            "column close is not a finite number",
            "inf",
        ),
        (
            "prices/TSLA.csv",
            PRICE_HEAD + GOOD_ROW + "2022-11-22,10,1e400,9,10,1\n",
            3,
            "column high is not a finite number",
            "1e400",
        ),
        (
            "prices/TSLA.csv",
            PRICE_HEAD + GOOD_ROW + "2022-11-22,10,11,9,0,1\n",
            3,
            "column close is not positive",
            None,
        ),
        (
            "prices/TSLA.csv",
            PRICE_HEAD + GOOD_ROW + "2022-11-22,10,11,9,-3.5,1\n",
            3,
            "column close is not positive",
            "-3.5",
        ),
        (
            "prices/TSLA.csv",
            PRICE_HEAD + GOOD_ROW + "2022-11-22,10,9,11,10,1\n",
            3,
            "high is below low",
            None,
        ),
        (
            "prices/TSLA.csv",
            PRICE_HEAD + GOOD_ROW + "2022-11-22,10,11,9,10,-7\n",
            3,
            "column volume is negative",
            "-7",
        ),
        (
            "prices/TSLA.csv",
            PRICE_HEAD + GOOD_ROW + "0001-01-01,10,11,9,10,1\n",
            3,
            "column date is outside 1990-01-01..",
            "0001",
        ),
        (
            "prices/TSLA.csv",
            PRICE_HEAD + GOOD_ROW + "9999-12-31,10,11,9,10,1\n",
            3,
            "column date is outside 1990-01-01..",
            "9999",
        ),
        (
            "prices/TSLA.csv",
            PRICE_HEAD + "2019-04-25garbage,10,11,9,10,1\n" + GOOD_ROW,
            2,
            "column date is not a date (YYYY-MM-DD)",
            "garbage",
        ),
        (
            "prices/TSLA.csv",
            PRICE_HEAD + GOOD_ROW + "2022-11-22,10,11,9,abc,1\n",
            3,
            "column close is not a number",
            "abc",
        ),
        (
            "fx/USDCNY.csv",
            "date,rate\n2022-11-21,7.1\n2022-11-22,nan\n",
            3,
            "column rate is not a finite number",
            "nan",
        ),
        (
            "securities.csv",
            "code,name,market,exchange,currency\nTSLA,Tesla,US,NASDAQ,ZZZ\n",
            2,
            "column currency is not a known currency code",
            "ZZZ",
        ),
        (
            "securities.csv",
            "code,name,market,exchange,currency\nTSLA,Tesla,A,SZSE,CNY\n",
            2,
            "column market does not fit the code",
            None,
        ),
        (
            "securities.csv",
            "code,name,market,exchange,currency\nTSLA,Tesla,US,NASDAQ,CNY\n",
            2,
            "column currency is not the code's listing currency",
            None,
        ),
        (
            "securities.csv",
            "code,name,market,exchange,currency\n300750.SZ,x,A,SSE,CNY\n",
            2,
            "column exchange does not fit the code's suffix",
            None,
        ),
        (
            "eps/2022-11-22.csv",
            "code,fiscal_year,kind,eps\n300750.SZ,99999999999,actual,1\n",
            2,
            "column fiscal_year is above 2100",
            "99999999999",
        ),
        (
            "eps/2022-11-22.csv",
            "code,fiscal_year,kind,eps\n300750.SZ,2022,guess,1\n",
            2,
            "column kind is not one of actual, estimate",
            "guess",
        ),
        (
            "eps/2022-11-22.csv",
            "code,fiscal_year,kind,eps\nNOT A CODE,2022,actual,1\n",
            2,
            "column code is not a security code",
            "NOT A CODE",
        ),
        (
            "valuation/300750.SZ.csv",
            "date,pe_ttm,pb,ps_ttm,total_mv\n2022-11-22,1,1,1,-5\n",
            2,
            "column total_mv is not positive",
            None,
        ),
        (
            "commodities/copper.csv",
            "date,open,high,low,close\n2022-11-22,5,4,6,5\n",
            2,
            "high is below low",
            None,
        ),
    ],
)
def test_bad_value_is_refused_with_file_and_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    naion_home: Path,
    rel: str,
    text: str,
    where: int,
    message: str,
    secret: str | None,
) -> None:
    root = folder(tmp_path / "exports")
    assert cli_import(root, capsys)[0] == 0
    before = fingerprint(naion_home)
    write(root / rel, text)
    write(root / "fx" / "HKDCNY.csv", "date,rate\n2022-11-21,0.91\n")  # valid: must not land
    code, _, err = cli_import(root, capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"naion: error: {root / rel}:{where}: {message}"), err
    if secret:
        assert secret not in lines[0].split(f"{rel}:{where}:")[1]
    assert fingerprint(naion_home) == before


@pytest.mark.parametrize(
    ("rel", "content", "message"),
    [
        (
            "eps/2023-02-30.csv",
            b"code,fiscal_year,kind,eps\n300750.SZ,2022,actual,1\n",
            "2023-02-30 in the file name is not a date",
        ),
        ("market/panel.csv.gz", b"this is not gzip", "not a readable gzip file"),
        (
            "market/cut.csv.gz",
            gzip.compress(b"date,code,close,amount\n" * 200)[:40],
            "not a readable gzip file",
        ),
        ("prices/TSLA.csv", "date,close\n2022-11-21,1\n".encode("utf-16"), "not UTF-8 text"),
        ("prices/TSLA.csv", b"", "the file is empty"),
        ("fx/USDZZZ.csv", b"date,rate\n2022-11-21,1\n", "ZZZ in the file name is not a known"),
        (
            "prices/TSLA.csv",
            b"root:$6$secret:19000:0:99999:7:::\nx\n",
            "the first line is not a CSV header",
        ),
    ],
)
def test_unreadable_file_is_one_line_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    naion_home: Path,
    rel: str,
    content: bytes,
    message: str,
) -> None:
    root = folder(tmp_path / "exports")
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_bytes(content)
    code, _, err = cli_import(root, capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert message in err and str(root / rel) in err
    assert "secret" not in err
    assert fingerprint(naion_home) is None  # a failed first import leaves no store behind


def test_dev_null_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli_import(Path("/dev/null"), capsys)
    assert code == 2
    assert err.strip() == (
        "naion: error: /dev/null is neither a folder nor a CSV file; give the folder of your"
        " CSV exports (see README: import layout)"
    )


def test_line_numbers_count_blank_lines_and_quoted_newlines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        "code,name,market,exchange,currency\n"
        '300750.SZ,"CATL\nline two",A,SZSE,CNY\n'
        "\n"
        "TSLA,Tesla,US,NASDAQ,ZZZ\n"
    )
    root = folder(tmp_path / "exports", {"securities.csv": text})
    code, _, err = cli_import(root, capsys)
    assert code == 2
    assert "securities.csv:5: column currency" in err


def test_bad_row_deep_in_a_big_panel_is_named_by_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        f"2022-11-{1 + i // 2000:02d},{600000 + i % 2000:06d}.SH,10.5,7\n" for i in range(40000)
    ]
    rows[31234] = rows[31234].replace(",10.5,", ",-10.5,")
    root = folder(tmp_path / "exports")
    (root / "market").mkdir()
    with gzip.open(root / "market" / "panel.csv.gz", "wt", encoding="utf-8") as fh:
        fh.write("date,code,close,amount\n\n\n" + "".join(rows))
    code, _, err = cli_import(root, capsys)
    assert code == 2
    # two blank lines after the header: row 31234 (0-based) is on line 1 + 2 + 31235
    assert err.strip() == (
        f"naion: error: {root}/market/panel.csv.gz:31238: column close is not positive"
    )


def test_renumbered_codes_colliding_in_a_panel(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        "date,code,close,amount\n"
        "2022-11-22,835185.BJ,47.31,1\n"
        '2022-11-22,000001.SZ,"11.82",1\n'
        "2022-11-22,920185.BJ,47.31,1\n"
    )
    root = folder(tmp_path / "exports", {"market/panel.csv": text})
    code, _, err = cli_import(root, capsys)
    assert code == 2
    assert err.strip().endswith("market/panel.csv:4: repeats the code and date of line 2")
