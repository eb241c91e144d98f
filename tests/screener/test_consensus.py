"""Consensus fields by fiscal year counted from the as-of date, with an estimate age limit."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from naion.store import Batch, Store
from screener.engine import Screen
from screener.valuation import fiscal_year0
from tests.helpers import run_cli
from tests.screener.plant import bar_frame, securities, universe_file, write
from universes.loader import Registry, load_registry

CATL, OTHER = "300750.SZ", "002709.SZ"
# the Everbright Table 21 row for CATL (eps/2022-11-22.csv of the real data)
CATL_2022_11_22 = [(2021, "actual", 6.88), (2022, "estimate", 11.48)]
CATL_2022_11_22 += [(2023, "estimate", 17.90), (2024, "estimate", 24.09)]
OTHER_2023_03_20 = [(2022, "actual", 2.80), (2023, "estimate", 3.10), (2024, "estimate", 3.60)]
CLOSES = {"2022-11-22": 375.0, "2023-03-01": 230.0, "2023-03-24": 240.0, "2024-06-28": 180.03}


def eps_frame(code: str, rows: list[tuple[int, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": code,
            "fiscal_year": [r[0] for r in rows],
            "kind": [r[1] for r in rows],
            "eps": [r[2] for r in rows],
        }
    )


def plant(home: Path) -> tuple[Store, Registry]:
    days = pd.bdate_range("2022-06-01", "2024-06-28")
    close = np.full(len(days), 300.0)
    for day, value in CLOSES.items():
        close[days.get_loc(pd.Timestamp(day))] = value
    b = Batch()
    b.add("securities", securities([(CATL, "CATL", "A", None), (OTHER, "Tinci", "A", None)]))
    for code in (CATL, OTHER):
        b.add("bars", bar_frame(days, close, np.full(len(days), 1e9)), code=code, adjust="none")
    b.add("eps", eps_frame(CATL, CATL_2022_11_22), snapshot_date=dt.date(2022, 11, 22))
    b.add("eps", eps_frame(OTHER, OTHER_2023_03_20), snapshot_date=dt.date(2023, 3, 20))
    write(home, b)
    universe_file(home, "pit", [CATL, OTHER])
    return Store(home / "store.duckdb", read_only=True), load_registry(home / "universes")


COLS = ["close", "fy0", "eps_fy0", "eps_fy1", "eps_fy2", "pe_fy0", "pe_fy1", "eps_cagr", "peg"]


def at(store: Store, reg: Registry, day: str, **kw: object) -> tuple[pd.DataFrame, list[str]]:
    res = Screen(universe="pit", columns=COLS, as_of=dt.date.fromisoformat(day), **kw).run(
        store, reg
    )
    return res.rows.set_index("code"), res.notes


def test_fiscal_year_zero_is_counted_from_the_date() -> None:
    assert fiscal_year0(dt.date(2023, 4, 30)) == 2021
    assert fiscal_year0(dt.date(2023, 5, 1)) == 2022
    assert fiscal_year0(dt.date(2024, 6, 28)) == 2023
    assert fiscal_year0(dt.date(2022, 11, 22)) == 2021


def test_the_audit_case_an_old_snapshot_is_not_a_forward_pe(naion_home: Path) -> None:
    store, reg = plant(naion_home)
    rows, notes = at(store, reg, "2024-06-28")
    catl = rows.loc[CATL]
    assert catl["close"] == 180.03 and catl["fy0"] == 2023
    # the audit saw 15.68 = 180.03 / 11.48, the 2022 estimate of a 584-day-old snapshot
    for f in ("eps_fy1", "eps_fy2", "pe_fy1", "eps_cagr", "peg", "eps_fy0", "pe_fy0"):
        assert np.isnan(catl[f]), f
    assert any("2022-11-22 is 584 days old" in n and "120-day limit" in n for n in notes)
    assert any("no actual EPS for fy0 = 2023" in n for n in notes)
    # with a longer limit, fy1 is the year after fy0 = 2023: the 2024 estimate
    rows, _ = at(store, reg, "2024-06-28", estimate_max_age=1000)
    catl = rows.loc[CATL]
    assert catl["eps_fy1"] == 24.09 and catl["pe_fy1"] == pytest.approx(180.03 / 24.09)
    assert np.isnan(catl["eps_fy2"])  # the snapshot has no 2025 estimate
    store.close()


def test_years_and_ages_at_several_dates(naion_home: Path) -> None:
    store, reg = plant(naion_home)
    rows, notes = at(store, reg, "2022-11-22")
    catl = rows.loc[CATL]
    assert catl["fy0"] == 2021 and catl["pe_fy0"] == pytest.approx(375 / 6.88)
    assert catl["pe_fy1"] == pytest.approx(375 / 11.48)
    cagr = (24.09 / 6.88) ** (1 / 3) - 1
    assert catl["eps_cagr"] == pytest.approx(cagr)
    assert catl["peg"] == pytest.approx(375 / 11.48 / (cagr * 100))
    assert np.isnan(rows.loc[OTHER, "pe_fy1"])  # its only snapshot is from 2023
    # before April 30 the 2022 results are not surely out: fy0 is still 2021, snapshot 99 days
    rows, _ = at(store, reg, "2023-03-01")
    assert rows.loc[CATL, "fy0"] == 2021
    assert rows.loc[CATL, "pe_fy1"] == pytest.approx(230 / 11.48)
    # a snapshot that reports 2022 as actual moves that code's fy0 forward, not the others'
    rows, _ = at(store, reg, "2023-03-24")
    assert rows.loc[OTHER, "fy0"] == 2022 and rows.loc[CATL, "fy0"] == 2021
    assert rows.loc[OTHER, "eps_fy0"] == 2.80 and rows.loc[OTHER, "eps_fy1"] == 3.10
    assert rows.loc[OTHER, "pe_fy1"] == pytest.approx(240 / 3.10)
    # from May 2023 fy0 = 2022: CATL's snapshot has 2022 only as an estimate, and is stale
    rows, notes = at(store, reg, "2023-05-02")
    assert rows.loc[CATL, "fy0"] == 2022
    assert np.isnan(rows.loc[CATL, "eps_fy0"]) and np.isnan(rows.loc[CATL, "eps_fy1"])
    assert rows.loc[OTHER, "eps_fy1"] == 3.10  # 43 days old, within the limit
    assert any("161 days old" in n for n in notes)
    store.close()


def test_the_limit_is_a_cli_option(naion_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plant(naion_home)[0].close()
    args = ["screen", "-u", "pit", "--as-of", "2024-06-28", "--columns", "pe_fy1", "-f", "json"]
    code, out, err = run_cli(args, capsys)
    assert code == 0 and {r["code"]: r["pe_fy1"] for r in json.loads(out)}[CATL] is None
    assert "584 days old" in err
    code, out, _ = run_cli([*args, "--max-estimate-age", "600"], capsys)
    assert {r["code"]: r["pe_fy1"] for r in json.loads(out)}[CATL] == pytest.approx(180.03 / 24.09)
    code, _, err = run_cli([*args, "--max-estimate-age", "-1"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
