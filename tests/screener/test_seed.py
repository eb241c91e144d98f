"""The seed source recomputes PE, EPS CAGR and PEG; checked against plain arithmetic."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from screener.seed import SEED_FILE
from tests.conftest import SEED
from tests.helpers import run_cli


def seed_rows() -> list[dict[str, str]]:
    with SEED_FILE.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def expected(row: dict[str, str]) -> dict[str, float | None]:
    close = float(row["close_cny"])
    eps = [float(row[k]) for k in ("eps_2021a", "eps_2022e", "eps_2023e", "eps_2024e")]
    pe = [close / e if e > 0 else None for e in eps]
    cagr = (eps[3] / eps[0]) ** (1 / 3) - 1 if eps[0] > 0 and eps[3] > 0 else None
    peg = pe[1] / (cagr * 100) if pe[1] and cagr and cagr > 0 else None
    return {
        "pe_fy0": pe[0],
        "pe_fy1": pe[1],
        "pe_fy2": pe[2],
        "pe_fy3": pe[3],
        "eps_cagr": cagr,
        "peg": peg,
    }


def test_embedded_seed_equals_the_published_file() -> None:
    if not (SEED / "valuation_2022-11-22.csv").exists():
        pytest.skip("../shared/data/seed not present")
    assert SEED_FILE.read_bytes() == (SEED / "valuation_2022-11-22.csv").read_bytes()


def test_seed_screen_recomputes_every_derived_column(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        ["screen", "--source", "seed-2022", "--universe", "sodium-ion", "--format", "json"], capsys
    )
    assert code == 0
    got = {r["code"]: r for r in json.loads(out)}
    rows = seed_rows()
    assert len(got) == len(rows) == 14
    for row in rows:
        code_ = "920185.BJ" if row["code"] == "835185.BJ" else row["code"]
        exp = expected(row)
        for key, value in exp.items():
            if value is None:
                assert got[code_][key] is None, (code_, key)
            else:
                assert got[code_][key] == pytest.approx(value, rel=1e-12), (code_, key)
    # the report's conventions: loss years and a 0.00 estimate give no PE, never inf
    farasis = got["688567.SH"]
    assert farasis["pe_fy0"] is None and farasis["pe_fy1"] is None
    assert farasis["pe_fy2"] == pytest.approx(25.20 / 1.29)
    catl = got["300750.SZ"]
    assert catl["peg"] == pytest.approx((375 / 11.48) / (((24.09 / 6.88) ** (1 / 3) - 1) * 100))


def test_done_when_peg_below_half(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        [
            "screen",
            "--source",
            "seed-2022",
            "--universe",
            "sodium-ion",
            "--where",
            "peg < 0.5",
            "--format",
            "csv",
        ],
        capsys,
    )
    assert code == 0
    lines = list(csv.DictReader(out.splitlines()))
    want = sorted(r["code"] for r in seed_rows() if (expected(r)["peg"] or 99) < 0.5)
    assert sorted(r["code"] for r in lines) == want
    assert want == [
        "002407.SZ",
        "300073.SZ",
        "300438.SZ",
        "300890.SZ",
        "600348.SH",
        "688005.SH",
        "688707.SH",
    ]
    for r in lines:
        assert float(r["peg"]) < 0.5 and r["pe_fy1"]


def test_seed_segment_filter_and_rank(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        [
            "screen",
            "--source",
            "seed-2022",
            "-s",
            "cells,cathode",
            "--rank-by",
            "pe_fy1",
            "--top",
            "3",
            "-f",
            "json",
        ],
        capsys,
    )
    assert code == 0
    rows = json.loads(out)
    cand = [r for r in seed_rows() if r["segment"] in ("cells", "cathode")]
    pes = sorted((expected(r)["pe_fy1"], r["code"]) for r in cand if expected(r)["pe_fy1"])
    assert [r["code"] for r in rows] == [c for _, c in pes[:3]]


def test_seed_has_no_other_date(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_cli(["screen", "--source", "seed-2022", "--as-of", "2023-01-05"], capsys)
    assert code == 2 and "snapshot of 2022-11-22" in err
