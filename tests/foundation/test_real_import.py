"""End to end: `naion data import ../shared/data/real`, then check the store against the CSVs."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pytest

from naion.store import Store
from tests.helpers import run_cli
from universes.loader import load_registry

REG = load_registry()


def csv_rows(path: Path) -> list[dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
        return list(csv.DictReader(fh))


def test_every_imported_series_matches_its_file(real_home: Path, real_data: Path) -> None:
    store = Store(real_home / "store.duckdb", read_only=True)
    summary = store.bar_summary().set_index(["code", "adjust"])
    checked = 0
    for folder, adjust in (("prices", "none"), ("prices_qfq", "qfq"), ("indexes", "none")):
        for path in sorted((real_data / folder).glob("*.csv")):
            code = REG.canonical(path.stem)
            rows = [r for r in csv_rows(path) if r["close"] not in ("", "-")]
            s = summary.loc[(code, adjust)]
            if folder == "prices" and code.endswith((".SZ", ".SH", ".BJ")):
                # the whole-market panel adds rows before/after some per-code files
                assert s["rows"] >= len(rows), path
            else:
                assert s["rows"] == len(rows), path
            got = store.bars([code], adjust, rows[0]["date"], rows[-1]["date"], ("close",))
            got = got.set_index(got["date"].dt.strftime("%Y-%m-%d"))["close"]
            for r in rows[:: max(1, len(rows) // 25)]:
                assert got[r["date"]] == float(r["close"]), (path, r["date"])
            checked += 1
    assert checked == 19 + 1 + 19 + 8 + 2 - 1  # 20 A + 8 US/HK in prices/, 19 qfq, 2 indexes
    store.close()


def test_known_values_and_panel(real_home: Path) -> None:
    store = Store(real_home / "store.duckdb", read_only=True)
    day = "2022-11-22"
    close = store.bars(["300750.SZ"], "none", day, day)
    assert close["close"].iloc[0] == 375.00
    assert close["amount"].iloc[0] == 3701483129.43
    assert store.fx("USDCNY", day, day).iloc[0] == 7.1642
    assert store.bars(["000300.SH"], "none", day, day)["close"].iloc[0] == pytest.approx(
        3769.57, abs=0.005
    )
    # 835185.BJ's files land under its current code
    assert store.bars(["920185.BJ"], "none", day, day)["close"].iloc[0] == 47.31
    # whole market panel: every code of the file is held on 2022-11-22
    snap = csv_rows(
        Path(__file__).resolve().parents[2].parent / "shared/data/real/market/"
        "ashare_snapshot_2022-11-22.csv"
    )
    panel = store.bars(None, "none", day, day, ("close",))
    held = dict(zip(panel["code"], panel["close"], strict=True))
    for r in snap[::97]:
        assert held[REG.canonical(r["code"])] == float(r["close"]), r["code"]
    val = store.valuation(["300750.SZ"], day, day)
    assert val["total_mv"].iloc[0] == 915942946500
    store.close()


def test_status_lists_every_security_with_its_counts(
    real_home: Path, real_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(["data", "status", "--format", "json"], capsys)
    assert code == 0
    rows = {(r["code"], r["series"]): r for r in json.loads(out)}
    for sec in csv_rows(real_data / "securities.csv"):
        c = REG.canonical(sec["code"])
        if sec["market"] == "A-QFQ":
            r = rows[(c, "qfq")]
            assert r["rows"] == int(sec["rows"])
            assert (r["first"], r["last"]) == (sec["first_date"], sec["last_date"])
        elif sec["market"] in ("US", "HK", "INDEX"):
            assert (c, "none") in rows or (c, "qfq") in rows
        else:
            r = rows[(c, "none")]
            assert r["rows"] >= int(sec["rows"])


def test_reimport_changes_nothing(
    real_home: Path, real_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store(real_home / "store.duckdb", read_only=True)
    before = store.fingerprint()
    store.close()
    code, out, _ = run_cli(["data", "import", str(real_data), "--format", "json"], capsys)
    assert code == 0
    for row in json.loads(out):
        assert row["new"] == 0 and row["changed"] == 0, row
    store = Store(real_home / "store.duckdb", read_only=True)
    assert store.fingerprint() == before
    store.close()


def test_valuation_files_and_market_snapshots(real_home: Path, real_data: Path) -> None:
    store = Store(real_home / "store.duckdb", read_only=True)
    held = store.valuation(None)
    held = held.set_index([held["code"], held["date"].dt.strftime("%Y-%m-%d")])
    negative = 0
    # an empty per-code cell states nothing: the whole-market panel's value of that day stays
    panel = {
        (REG.canonical(r["code"]), snap.stem.rsplit("_", 1)[-1]): r
        for snap in (real_data / "valuation_market").glob("*.csv")
        for r in csv_rows(snap)
    }
    for path in sorted((real_data / "valuation").glob("*.csv")):
        code = REG.canonical(path.stem)
        rows = csv_rows(path)
        for r in rows[:: max(1, len(rows) // 40)]:
            got = held.loc[(code, r["date"])]
            for col in ("pe_ttm", "pb", "ps_ttm", "total_mv"):
                text = r[col] or panel.get((code, r["date"]), {}).get(col, "")
                want = float(text) if text else None
                assert (got[col] if got[col] == got[col] else None) == want, (path, r, col)
        negative += sum(1 for r in rows if r["pe_ttm"] and float(r["pe_ttm"]) < 0)
    # negative PE (loss periods) is kept as given
    files_negative = held[held["source"].str.startswith("import:valuation/")]
    assert int((files_negative["pe_ttm"] < 0).sum()) == negative > 0
    # the per-code file wins over the whole-market snapshot on the same day (PB differs)
    assert held.loc[("300750.SZ", "2019-04-04"), "pb"] == 5.719726
    assert held.loc[("000001.SZ", "2019-04-04"), "pe_ttm"] == 9.5891
    snap = csv_rows(real_data / "valuation_market" / "valuation_2019-04-09.csv")
    on_day = held.xs("2019-04-09", level=1)
    assert len(on_day) >= len(snap)
    secs = store.securities().set_index("code")
    assert secs.loc["000001.SZ", ["name", "industry", "market", "currency"]].tolist() == [
        "平安银行",
        "银行",
        "A",
        "CNY",
    ]
    assert secs.loc["300750.SZ", ["name", "industry"]].tolist() == ["宁德时代", "电气设备"]
    store.close()


def test_lithium_carbonate_series(real_home: Path, real_data: Path) -> None:
    store = Store(real_home / "store.duckdb", read_only=True)
    series = store.commodity_series().set_index("series")
    files = {
        "li2co3_spot_100ppi": "lithium_carbonate_spot_100ppi.csv",
        "li2co3_battery_spot_100ppi": "lithium_carbonate_battery_spot_100ppi.csv",
        "li2co3_gfex_main": "lithium_carbonate_futures_gfex_main.csv",
    }
    assert sorted(series.index) == sorted(files)
    assert set(series["unit"]) == {"CNY/t"}
    assert series.loc["li2co3_gfex_main", ["kind", "exchange"]].tolist() == ["futures", "GFEX"]
    for name, file in files.items():
        rows = csv_rows(real_data / "commodities" / file)
        got = store.commodity(name)
        assert len(got) == len(rows)
        close = "close" if "close" in rows[0] else "price"
        assert got["close"].tolist() == [float(r[close]) for r in rows]
    fut = store.commodity("li2co3_gfex_main").set_index("date")
    assert fut.loc["2023-07-21", ["high", "low", "contract"]].tolist() == [
        238900.0,
        214150.0,
        "LC2401.GFE",
    ]
    store.close()


def test_consensus_snapshot_of_table_21(real_home: Path) -> None:
    store = Store(real_home / "store.duckdb", read_only=True)
    eps = store.eps(None)
    assert eps["snapshot_date"].astype(str).unique().tolist() == ["2022-11-22"]
    assert eps["kind"].value_counts().to_dict() == {"estimate": 42, "actual": 14}
    catl = eps[eps["code"] == "300750.SZ"].set_index("fiscal_year")["eps"].to_dict()
    assert catl == {2021: 6.88, 2022: 11.48, 2023: 17.90, 2024: 24.09}
    assert store.at("2022-11-21").eps(None).empty
    store.close()
