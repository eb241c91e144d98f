from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

from naion.errors import DataError
from naion.importer import import_path
from naion.store import Store
from tests.helpers import write
from universes.loader import load_registry

REG = load_registry()


def make_folder(root: Path) -> Path:
    write(
        root / "securities.csv",
        """
code,name,market,exchange,currency,first_date,last_date,rows,source_id,adjustment
300750.SZ,宁德时代,A,SZSE,CNY,2022-11-21,2022-11-23,3,T,none
300750.SZ,宁德时代,A-QFQ,SZSE,CNY,2022-11-21,2022-11-23,3,T,qfq
TSLA,Tesla,US,NASDAQ,USD,2022-11-21,2022-11-23,3,T,split-adjusted
000300.SH,沪深300,INDEX,SSE,CNY,2022-11-21,2022-11-22,2,T,none
""",
    )
    write(
        root / "prices" / "300750.SZ.csv",
        """
date,open,high,low,close,volume,amount,adj_close
2022-11-21,384.0,390.0,380.0,383.0,100,38300,199.0
2022-11-22,380.0,382.87,373.0,375.0,9836241,3701483129.43,195.0
2022-11-23,375.0,380.0,370.0,378.5,,-,196.6
""",
    )
    write(
        root / "prices_qfq" / "300750.SZ.csv",
        """
date,open,high,low,close,volume
2022-11-21,199.5,202.6,197.4,198.9,100
2022-11-22,197.4,198.9,193.7,194.8,9836241
2022-11-23,194.8,197.4,192.2,196.6,5
""",
    )
    write(
        root / "prices" / "TSLA.csv",
        """
date,open,high,low,close,volume,adj_close
2022-11-21,175.0,176.8,167.5,167.87,92882700,167.87
2022-11-22,168.6,170.9,166.2,169.91,78452300,84.955
2022-11-23,173.6,183.6,172.5,183.2,109536700,
""",
    )
    write(
        root / "indexes" / "000300.SH.csv",
        """
date,open,high,low,close,volume,amount,adj_close
2022-11-21,3770.0,3780.0,3750.0,3760.1,1,2,4600.5
2022-11-22,3760.0,3790.0,3740.0,3769.57,1,2,4612.3
""",
    )
    write(root / "fx" / "USDCNY.csv", "date,rate\n2022-11-21,7.1376\n2022-11-22,7.1642\n")
    write(
        root / "valuation" / "300750.SZ.csv",
        """
date,pe_ttm,pb,ps_ttm,total_mv,total_share
2022-11-22,35.5406,6.1,3.4,915942946500,2442514524
""",
    )
    write(
        root / "eps" / "2022-11-22.csv",
        """
code,fiscal_year,kind,eps,analysts
300750.SZ,2021,actual,6.88,
300750.SZ,2022,estimate,11.48,30
""",
    )
    (root / "market").mkdir(parents=True, exist_ok=True)
    with gzip.open(root / "market" / "panel.csv.gz", "wt", encoding="utf-8") as fh:
        fh.write("date,code,open,high,low,close,amount\n")
        fh.write("2022-11-22,300750.SZ,1,1,1,999.0,1\n")  # the per-code file must win
        fh.write("2022-11-22,000001.SZ,11.9,12.0,11.7,11.82,1748727406.58\n")
        fh.write("2022-11-22,835185.BJ,47.0,48.0,46.5,47.31,1000\n")
    write(root / "market" / "snap_2022-11-23.csv", "code,close,amount\n000001.SZ,11.9,10\n")
    write(root / "README.txt", "not data")
    return root


def do_import(store: Store, root: Path):
    names = {c: m.name_en for c, m in REG.members.items() if m.name_en}
    return import_path(store, root, REG.canonical, names)


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_import_loads_every_dataset_with_file_values(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "exports")
    store = Store(tmp_path / "s.duckdb")
    result = do_import(store, root)
    # unadjusted A-share rows: every value equals the file's
    got = store.bars(["300750.SZ"], "none")
    rows = read_rows(root / "prices" / "300750.SZ.csv")
    assert [float(r["close"]) for r in rows] == got["close"].tolist()
    assert got["volume"].iloc[1] == 9836241
    assert pd_isna(got["amount"].iloc[2])  # '-' is a vendor "no value"
    # qfq comes from prices_qfq/, not from adj_close
    qfq = store.bars(["300750.SZ"], "qfq")
    assert qfq["close"].tolist() == [198.9, 194.8, 196.6]
    # US: adj_close becomes qfq, OHLC scaled by adj/close (84.955/169.91 = 0.5)
    us = store.bars(["TSLA"], "qfq")
    assert us["close"].tolist() == [167.87, 84.955]
    assert us["open"].iloc[1] == pytest.approx(168.6 * 0.5, rel=1e-12)
    assert store.bars(["TSLA"], "none")["close"].tolist() == [167.87, 169.91, 183.2]
    # index: close = price index, adj_close = total return
    assert store.bars(["000300.SH"], "tr")["close"].tolist() == [4600.5, 4612.3]
    assert store.fx("USDCNY").tolist() == [7.1376, 7.1642]
    val = store.valuation(["300750.SZ"])
    assert val["total_mv"].iloc[0] == 915942946500
    eps = store.eps(["300750.SZ"])
    assert eps[["fiscal_year", "kind", "eps"]].values.tolist() == [
        [2021, "actual", 6.88],
        [2022, "estimate", 11.48],
    ]
    # panel: per-code rows win; aliases join (835185.BJ is now 920185.BJ); snapshot dated by name
    panel = store.bars(None, "none", "2022-11-22", "2022-11-23", fields=("close",))
    closes = {(r.code, r.date.date().isoformat()): r.close for r in panel.itertuples()}
    assert closes[("300750.SZ", "2022-11-22")] == 375.0
    assert closes[("920185.BJ", "2022-11-22")] == 47.31
    assert closes[("000001.SZ", "2022-11-23")] == 11.9
    secs = store.securities().set_index("code")
    assert secs.loc["000300.SH", "market"] == "INDEX"
    assert secs.loc["000001.SZ", "currency"] == "CNY"
    assert secs.loc["300750.SZ", "name"] == "宁德时代"
    assert [n.path.endswith("README.txt") for n in result.skipped] == [True]
    store.close()


def pd_isna(value: object) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def test_second_import_changes_nothing(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "exports")
    store = Store(tmp_path / "s.duckdb")
    do_import(store, root)
    before = store.fingerprint()
    again = do_import(store, root)
    assert store.fingerprint() == before
    for label, count in again.written.tables.items():
        assert count.new == 0 and count.changed == 0, label
    store.close()


@pytest.mark.parametrize(
    ("relpath", "text", "expected"),
    [
        (
            "prices/TSLA.csv",
            "date,open,high,low,close,volume,adj_close\n2022-11-21,1,1,1,1,1,1\n"
            "2022-11-22,1,1,1,abc,1,1\n",
            r"prices/TSLA.csv:3: column close is not a number$",
        ),
        (
            "prices/TSLA.csv",
            "date,open,high,low,close,volume,adj_close\n2022-11-21,1,1,1,1,1,1\n"
            "2022-11-21,1,1,1,2,1,1\n",
            r"prices/TSLA.csv:3: repeats the date of line 2$",
        ),
        (
            "fx/USDCNY.csv",
            "date,rate\n2022-11-21,7.1\n2022-13-01,7.2\n",
            r"fx/USDCNY.csv:3: column date is not a date \(YYYY-MM-DD\)$",
        ),
        (
            "fx/USDCNY.csv",
            "date,rate\n2022-11-21,7.1\n2022-11-22,7.2,9,9\n",
            r"fx/USDCNY.csv:3: the line has more cells than the header has columns$",
        ),
        (
            "valuation/300750.SZ.csv",
            "date,pb\n2022-11-22,1.0\n",
            r"valuation/300750.SZ.csv: missing column\(s\) pe_ttm, ps_ttm, total_mv",
        ),
    ],
)
def test_malformed_file_is_named_with_its_line_and_nothing_is_written(
    tmp_path: Path, relpath: str, text: str, expected: str
) -> None:
    root = make_folder(tmp_path / "exports")
    store = Store(tmp_path / "s.duckdb")
    do_import(store, root)
    before = store.fingerprint()
    write(root / relpath, text)
    write(root / "fx" / "HKDCNY.csv", "date,rate\n2022-11-21,0.91\n")  # valid, must not land
    with pytest.raises(DataError, match=expected):
        do_import(store, root)
    assert store.fingerprint() == before
    assert store.fx("HKDCNY").empty
    store.close()
