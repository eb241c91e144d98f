from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import run_cli, write


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--where", "pe_fy < 22"], "unknown field 'pe_fy' at position 1"),
        (["--where", "peg < 1 and"], "got the end at position 12"),
        (["--rank-by", "pee"], "unknown field 'pee'"),
        (["--rank-by", "name"], "cannot rank by text field 'name'"),
        (["--preset", "cheap"], "unknown preset 'cheap'"),
        (["--source", "wind"], "unknown source 'wind'"),
        (["--universe", "solar"], "unknown universe 'solar'"),
        (["--segment", "magnets"], "unknown segment 'magnets'"),
        (["--as-of", "22/11/2022"], "bad date '22/11/2022' for --as-of"),
        (["--columns", "close,foo"], "unknown field 'foo'"),
        (["--ascending", "--descending"], "exclude each other"),
    ],
)
def test_bad_screen_input(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run_cli(["screen", "--source", "seed-2022", *args], capsys)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and message in err


def test_unknown_field_message_lists_fields(capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = run_cli(["screen", "--where", "pe_fy < 22"], capsys)
    assert "fields:" in err and "pe_fy1" in err and "adv_20d" in err


def test_empty_result_is_a_result(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run_cli(["screen", "--source", "seed-2022", "--where", "peg < 0"], capsys)
    assert code == 0 and "No name passes" in out
    code, out, _ = run_cli(
        ["screen", "--source", "seed-2022", "--where", "peg < 0", "-f", "json"], capsys
    )
    assert code == 0 and json.loads(out) == []


def test_store_missing_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["screen", "--where", "pe_ttm < 20"], capsys)
    assert code == 2 and "no data store" in err


def test_presets_and_fields_listings(capsys: pytest.CaptureFixture[str], naion_home: Path) -> None:
    write(
        naion_home / "presets" / "mine.yaml",
        "name: deep-value\ntitle: Deep value\nwhere: pe_fy1 < 11\nrank_by: pe_fy1\n",
    )
    code, out, _ = run_cli(["screen", "--presets", "-f", "json"], capsys)
    names = {p["preset"] for p in json.loads(out)}
    assert {"pe-band", "garp", "quality-floor", "deep-value"} <= names
    code, out, _ = run_cli(
        ["screen", "--source", "seed-2022", "--preset", "deep-value", "-f", "json"], capsys
    )
    assert code == 0
    assert [r["code"] for r in json.loads(out)] == ["600348.SH", "002407.SZ"]
    _code, out, _ = run_cli(["screen", "--fields", "-f", "json"], capsys)
    fields = {f["field"]: f for f in json.loads(out)}
    assert "close / consensus EPS(fy0+1)" in fields["pe_fy1"]["formula"]
    assert fields["peg"]["unit"] == "x"


def test_pe_band_preset_on_seed(capsys: pytest.CaptureFixture[str]) -> None:
    _code, out, _ = run_cli(
        ["screen", "--source", "seed-2022", "--preset", "pe-band", "-f", "json"], capsys
    )
    rows = json.loads(out)
    assert rows and all(15 <= r["pe_fy1"] <= 22 for r in rows)
    assert [r["peg"] for r in rows] == sorted(r["peg"] for r in rows)


def test_malformed_preset(capsys: pytest.CaptureFixture[str], naion_home: Path) -> None:
    path = write(naion_home / "presets" / "bad.yaml", "name: x\ntitle: X\nwher: pe < 1\n")
    code, _, err = run_cli(["screen", "--source", "seed-2022", "--preset", "x"], capsys)
    assert code == 2 and f"{path}: wher: unknown key" in err


def test_html_report_written(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_file = tmp_path / "screen.html"
    code, _, _ = run_cli(
        ["screen", "--source", "seed-2022", "--where", "peg < 0.5", "--html", str(out_file)], capsys
    )
    assert code == 0
    page = out_file.read_text(encoding="utf-8")
    assert '<table class="data sortable" id="screen">' in page
    assert "peg &lt; 0.5" in page and "2022-11-22" in page
    assert "http://" not in page and "https://" not in page
    assert page.count("<tr>") == 1 + 7 + 1 + 8  # results (header + 7) + field definitions


def test_all_a_on_real_panel_matches_pandas(
    real_home: Path, real_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(
        [
            "screen",
            "--universe",
            "all-a",
            "--as-of",
            "2022-11-22",
            "--where",
            "adv_20d > 1e9",
            "--rank-by",
            "ret_3m",
            "--top",
            "20",
            "-f",
            "json",
        ],
        capsys,
    )
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == 20
    # independent: the panel file alone (codes with no per-code qfq file use raw closes)
    with gzip.open(
        real_data / "market" / "ashare_daily_raw_2022-04-01_2023-04-04.csv.gz", "rt"
    ) as fh:
        panel = pd.read_csv(fh, dtype={"code": str}, parse_dates=["date"])
    panel = panel[panel["date"] <= "2022-11-22"]
    panel = panel[~panel["code"].str.match(r"^(900\d{3}\.SH|200\d{3}\.SZ)$")]
    qfq_codes = {p.stem for p in (real_data / "prices_qfq").glob("*.csv")}
    close = panel.pivot(index="date", columns="code", values="close").sort_index()
    amount = panel.pivot(index="date", columns="code", values="amount").fillna(0.0)
    adv = amount.iloc[-20:].sum() / 20
    ffill = close.ffill()
    ret3 = ffill.iloc[-1] / ffill.iloc[-64] - 1
    fresh = close.notna().iloc[-20:].any()  # traded within the window: close not stale
    ok = (adv > 1e9) & fresh & ret3.notna() & ~ret3.index.isin(qfq_codes)
    expected = ret3[ok].sort_values(ascending=False)
    got = [r for r in rows if r["code"] not in qfq_codes and r["code"] != "920185.BJ"]
    for r in got:
        assert r["ret_3m"] == pytest.approx(expected[r["code"]], rel=1e-9)
        assert r["adv_20d"] == pytest.approx(adv[r["code"]], rel=1e-9)
    top_panel = list(expected.index[: len(got)])
    assert [r["code"] for r in got] == top_panel
    assert any(r["segment"] == "cells" for r in rows)  # 传艺科技 is flagged as a Na-ion name


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--where", "pb < 2"], "--where uses pb, which the seed-2022 table does not hold"),
        (["--where", "pe_ttm < 20"], "--where uses pe_ttm"),
        (["--where", "ret_3m > 0"], "--where uses ret_3m"),
        (["--where", "adv_20d > 1e9"], "--where uses adv_20d"),
        (["--rank-by", "pe_ttm"], "--rank-by uses pe_ttm"),
        (["--preset", "quality-floor"], "preset 'quality-floor' uses pe_ttm"),
        (["--columns", "close,pb"], "--columns uses pb"),
    ],
)
def test_seed_fields_it_does_not_hold(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run_cli(["screen", "--source", "seed-2022", *args], capsys)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and message in err
    assert "use the store source" in err


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("rank_by: [1, 2]", "rank_by: must be one field name, not [1, 2]"),
        ("top: true", "top: must be a positive whole number, not True"),
        ("top: 2.5", "top: must be a positive whole number"),
        ("description: [a, b]", "description: must be text"),
    ],
)
def test_preset_values_of_the_wrong_type(
    line: str, message: str, capsys: pytest.CaptureFixture[str], naion_home: Path
) -> None:
    path = write(
        naion_home / "presets" / "bad.yaml", f"name: x\ntitle: X\nwhere: peg < 1\n{line}\n"
    )
    code, _, err = run_cli(["screen", "--source", "seed-2022", "--preset", "x"], capsys)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and f"{path}: {message}" in err


def test_fields_listing_states_the_point_in_time_rules(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _code, out, _ = run_cli(["screen", "--fields", "-f", "json"], capsys)
    fields = {f["field"]: f for f in json.loads(out)}
    assert "unavailable when <= 0" in fields["pe_ttm"]["formula"]
    assert "at most 31 days old" in fields["pe_ttm"]["formula"]
    assert "estimate age limit" in fields["pe_fy1"]["formula"]
    assert "never both inside one window" in fields["ret_3m"]["formula"]
    assert fields["industry"]["source"] == "store: securities.industry"
    assert fields["ret_3m"]["window"] == "64 days"
