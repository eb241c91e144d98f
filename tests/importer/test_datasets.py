"""The datasets added to the layout: valuation_market/, commodities/ (+ commodities.csv)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from naion.import_sets import series_from_name
from naion.store import Store
from tests.helpers import write
from tests.importer.planted import do_import, folder

VALUATION = """
date,pe_ttm,pb,ps_ttm,total_mv,total_share
2019-04-04,-14.6,0.92,0.66,41062644769.1,
2019-04-05,-13.4,0.85,0.60,,
"""
PANEL_0404 = """
code,name,industry,pe_ttm,pb,ps_ttm,total_mv
300750.SZ,宁德时代,电气设备,30.1,5.0,4.1,200000000000.0
600000.SH,浦发银行,银行,6.0,0.8,2.1,
835185.BJ,贝特瑞,,40.0,4.0,3.0,30000000000.0
"""
PANEL_0712 = """
code,name,industry,pe_ttm,pb,ps_ttm,total_mv
600000.SH,浦发银行(新),银行,6.5,0.9,2.2,350000000000.0
"""


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "s.duckdb")
    yield s
    s.close()


def test_valuation_market_rows_and_securities(tmp_path: Path, store: Store) -> None:
    root = folder(
        tmp_path / "exports",
        {
            "valuation/300750.SZ.csv": VALUATION,
            "valuation_market/valuation_2019-04-04.csv": PANEL_0404,
            "valuation_market/valuation_2019-07-12.csv": PANEL_0712,
        },
    )
    result = do_import(store, root)
    val = store.valuation(None).set_index(["code", "date"])
    # the per-code file wins on its day, negative PE kept as given, empty cells stay empty
    catl = val.loc[("300750.SZ", "2019-04-04")]
    assert (catl["pe_ttm"], catl["total_mv"]) == (-14.6, 41062644769.1)
    assert (
        val.loc[("300750.SZ", "2019-04-05"), "total_mv"]
        != val.loc[("300750.SZ", "2019-04-05"), "total_mv"]
    )  # NaN
    # panel rows land under the snapshot's date, renumbered codes joined
    assert val.loc[("600000.SH", "2019-04-04"), "pe_ttm"] == 6.0
    assert val.loc[("600000.SH", "2019-07-12"), "total_mv"] == 350000000000.0
    assert val.loc[("920185.BJ", "2019-04-04"), "pb"] == 4.0
    secs = store.securities().set_index("code")
    # the latest snapshot names the security; market, currency and exchange from the code
    assert secs.loc[
        "600000.SH", ["name", "industry", "market", "currency", "exchange"]
    ].tolist() == ["浦发银行(新)", "银行", "A", "CNY", "SSE"]
    # securities.csv's name stays; the panel's industry fills its gap
    assert secs.loc["300750.SZ", ["name", "industry"]].tolist() == ["宁德时代", "电气设备"]
    assert result.rows["valuation panel"] == 4
    # no coverage from sparse snapshots (sync would skip the days between them)
    assert store.covered("valuation", "600000.SH") is None


def test_commodities_default_ids_units_and_kinds(tmp_path: Path, store: Store) -> None:
    root = folder(
        tmp_path / "exports",
        {
            "commodities/lithium_carbonate_spot_100ppi.csv": "date,price\n2023-04-24,194000.0\n",
            "commodities/lithium_carbonate_futures_gfex_main.csv": (
                "date,open,high,low,close,volume,contract\n"
                "2023-07-21,238900.0,238900.0,214150.0,215100.0,59519.0,LC2401.GFE\n"
                "2024-01-02,,,,108350.0,,\n"
            ),
        },
    )
    do_import(store, root)
    series = store.commodity_series().set_index("series")
    assert series.loc["li2co3_spot_100ppi", ["unit", "kind"]].tolist() == ["CNY/t", "spot"]
    assert pd.isna(series.loc["li2co3_spot_100ppi", "exchange"])
    assert series.loc["li2co3_gfex_main", ["unit", "kind", "exchange"]].tolist() == [
        "CNY/t",
        "futures",
        "GFEX",
    ]
    spot = store.commodity("li2co3_spot_100ppi")
    assert spot["close"].tolist() == [194000.0] and spot["open"].isna().all()
    fut = store.commodity("li2co3_gfex_main")
    assert fut["close"].tolist() == [215100.0, 108350.0]
    assert fut["contract"].tolist()[0] == "LC2401.GFE" and fut["volume"].iloc[0] == 59519.0


def test_commodities_index_names_a_users_own_series(tmp_path: Path, store: Store) -> None:
    root = folder(
        tmp_path / "exports",
        {
            "commodities.csv": (
                "file,series,name,unit,kind,exchange\n"
                "copper.csv,cu_lme_3m,LME copper 3-month,USD/t,futures,lme\n"
            ),
            "commodities/copper.csv": "date,close\n2022-11-22,8200.5\n",
        },
    )
    write(root / "commodities.csv", (root / "commodities.csv").read_text() + "nickel.csv,ni,,,,\n")
    result = do_import(store, root)
    assert [(Path(n.path).name, n.note) for n in result.warnings] == [
        ("commodities.csv", "names nickel.csv, not in commodities/")
    ]
    row = store.commodity_series().set_index("series").loc["cu_lme_3m"]
    assert row[["name", "unit", "kind", "exchange"]].tolist() == [
        "LME copper 3-month",
        "USD/t",
        "futures",
        "LME",
    ]
    assert store.commodity("cu_lme_3m")["close"].tolist() == [8200.5]


def test_series_from_name_rule() -> None:
    assert series_from_name("lithium_carbonate_battery_spot_100ppi").series == (
        "li2co3_battery_spot_100ppi"
    )
    info = series_from_name("Copper_Futures_SHFE_main")
    assert (info.series, info.kind, info.exchange, info.unit) == (
        "copper_shfe_main",
        "futures",
        "SHFE",
        "CNY/t",
    )


def test_eps_snapshot_date_and_kinds(tmp_path: Path, store: Store) -> None:
    root = folder(
        tmp_path / "exports",
        {
            "eps/2022-11-22.csv": (
                "code,fiscal_year,kind,eps\n"
                "835185.BJ,2021,actual,2.97\n"
                "835185.BJ,2022,Estimate,3.04\n"
                "688567.SH,2022,estimate,0.00\n"
            )
        },
    )
    do_import(store, root)
    eps = store.eps(None)
    assert eps["snapshot_date"].astype(str).unique().tolist() == ["2022-11-22"]
    got = {(r.code, r.fiscal_year): (r.kind, r.eps) for r in eps.itertuples()}
    assert got == {
        ("920185.BJ", 2021): ("actual", 2.97),
        ("920185.BJ", 2022): ("estimate", 3.04),
        ("688567.SH", 2022): ("estimate", 0.0),
    }
    assert store.at("2022-11-21").eps(None).empty  # a snapshot is seen from its date on


def test_aliases_colliding_in_one_eps_file_are_refused(tmp_path: Path, store: Store) -> None:
    from naion.errors import DataError

    root = folder(
        tmp_path / "exports",
        {
            "eps/2022-11-22.csv": (
                "code,fiscal_year,kind,eps\n835185.BJ,2021,actual,2.97\n920185.BJ,2021,actual,3\n"
            )
        },
    )
    with pytest.raises(DataError, match=r"eps/2022-11-22.csv:3: repeats the code and fiscal year"):
        do_import(store, root)


def test_single_market_snapshot_without_date_column(tmp_path: Path, store: Store) -> None:
    root = folder(tmp_path / "exports")
    write(
        root / "market" / "ashare_snapshot_2022-11-22.csv", "code,close,amount\n000001.SZ,11.82,1\n"
    )
    do_import(store, root)
    bars = store.bars(["000001.SZ"], "none")
    assert bars["date"].astype(str).tolist() == ["2022-11-22"] and bars["close"].tolist() == [11.82]


def test_compact_and_midnight_dates_are_read(tmp_path: Path, store: Store) -> None:
    root = folder(
        tmp_path / "exports",
        {
            "fx/USDCNY.csv": (
                "date,rate\n20221121,7.1376\n2022-11-22 00:00:00,7.1642\n2022-11-23,7.15\n"
            )
        },
    )
    do_import(store, root)
    got = store.fx("USDCNY")
    assert [d.strftime("%Y-%m-%d") for d in got.index] == [
        "2022-11-21",
        "2022-11-22",
        "2022-11-23",
    ]
    assert got.tolist() == [7.1376, 7.1642, 7.15]


def test_files_of_both_codes_of_a_renumbered_listing_join(tmp_path: Path, store: Store) -> None:
    old = "date,close\n2024-12-30,20.0\n2024-12-31,21.0\n"
    new = "date,close\n2024-12-31,21.5\n2025-01-02,22.0\n"
    root = folder(tmp_path / "exports", {"prices/835185.BJ.csv": old, "prices/920185.BJ.csv": new})
    do_import(store, root)
    bars = store.bars(["920185.BJ"], "none")
    # one history; on the day both state, the file of the current code wins
    assert bars["close"].tolist() == [20.0, 21.5, 22.0]
    assert store.bars(["835185.BJ"], "none").empty


def test_the_current_codes_file_wins_whatever_the_file_order(tmp_path: Path, store: Store) -> None:
    from naion.importer import import_path
    from tests.importer.planted import NAMES_EN, REG

    def canonical(code: str) -> str:  # a listing renamed from ZZZZ to AAAA
        c = REG.canonical(code)
        return "AAAA" if c == "ZZZZ" else c

    root = folder(
        tmp_path / "exports",
        {
            "prices/AAAA.csv": "date,close\n2024-12-31,21.5\n",
            "prices/ZZZZ.csv": "date,close\n2024-12-30,20.0\n2024-12-31,21.0\n",
        },
    )
    import_path(store, root, canonical, NAMES_EN)
    assert store.bars(["AAAA"], "none")["close"].tolist() == [20.0, 21.5]
