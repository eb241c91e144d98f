from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from naion.errors import NotInStoreError
from naion.store import Batch, Store


def bars(dates: list[str], closes: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.to_datetime(dates),
            "open": closes,
            "high": closes,
            "low": closes,
            "close": closes,
            "volume": [100.0] * len(dates),
            "amount": [1000.0] * len(dates),
        }
    )


def test_round_trip_and_counts(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    b = Batch()
    b.add("bars", bars(["2024-01-02", "2024-01-03"], [10.0, 11.0]), code="AAA", adjust="none")
    b.cover("bars:none", "AAA", dt.date(2024, 1, 1), dt.date(2024, 1, 3), "test")
    rep = store.write(b)
    assert (rep.tables["bars"].new, rep.tables["bars"].changed) == (2, 0)
    got = store.bars(["AAA"], "none", fields=("close",))
    assert got["close"].tolist() == [10.0, 11.0]
    assert store.covered("bars:none", "AAA") == (dt.date(2024, 1, 1), dt.date(2024, 1, 3))

    # same rows again: unchanged; one changed value: changed; a new date: new
    b2 = Batch()
    frame = bars(["2024-01-02", "2024-01-03", "2024-01-04"], [10.0, 11.5, 12.0])
    b2.add("bars", frame, code="AAA", adjust="none")
    rep2 = store.write(b2)
    c = rep2.tables["bars"]
    assert (c.new, c.changed, c.unchanged) == (1, 1, 1)
    assert store.bars(["AAA"], "none", fields=("close",))["close"].tolist() == [10.0, 11.5, 12.0]
    store.close()


def test_as_of_reader_hides_later_rows(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    b = Batch()
    b.add(
        "bars",
        bars(["2024-01-02", "2024-01-03", "2024-01-04"], [1.0, 2.0, 3.0]),
        code="AAA",
        adjust="none",
    )
    eps_frame = pd.DataFrame(
        {"code": ["AAA"], "fiscal_year": [2024], "kind": ["estimate"], "eps": [1.0]}
    )
    b.add("eps", eps_frame, snapshot_date=dt.date(2024, 1, 2))
    b.add("eps", eps_frame.assign(eps=2.0), snapshot_date=dt.date(2024, 1, 4))
    b.add(
        "fx",
        pd.DataFrame({"date": pd.to_datetime(["2024-01-02", "2024-01-04"]), "rate": [7.1, 7.2]}),
        pair="USDCNY",
    )
    store.write(b)
    view = store.at("2024-01-03")
    assert view.bars(["AAA"], fields=("close",))["close"].tolist() == [1.0, 2.0]
    assert view.panel("close", ["AAA"])["AAA"].tolist() == [1.0, 2.0]
    assert view.eps(["AAA"])["eps"].tolist() == [1.0]
    assert store.eps(["AAA"])["eps"].tolist() == [2.0]
    assert view.fx("USDCNY").tolist() == [7.1]
    # an explicit end after the as-of date cannot see past it either
    assert view.bars(["AAA"], end="2024-12-31", fields=("close",))["close"].max() == 2.0
    store.close()


def test_failed_write_rolls_back(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    b = Batch()
    b.add("bars", bars(["2024-01-02"], [10.0]), code="AAA", adjust="none")
    store.write(b)
    before = store.fingerprint()
    bad = Batch()
    bad.add("bars", bars(["2024-01-03"], [11.0]), code="AAA", adjust="none")
    broken = bars(["2024-01-04"], [12.0])
    broken["close"] = None  # violates NOT NULL: the whole batch must roll back
    bad.add("bars", broken, code="BBB", adjust="none")
    with pytest.raises(Exception):  # noqa: B017 - any DuckDB constraint error
        store.write(bad)
    assert store.fingerprint() == before
    store.close()


def test_read_only_open_of_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NotInStoreError, match="no data store"):
        Store(tmp_path / "missing.duckdb", read_only=True)


def test_killed_write_leaves_previous_data(tmp_path: Path) -> None:
    """SIGKILL a writer in the middle of its transaction: the store keeps its old contents."""
    path = tmp_path / "s.duckdb"
    store = Store(path)
    b = Batch()
    b.add("bars", bars(["2024-01-02"], [10.0]), code="AAA", adjust="none")
    store.write(b)
    before = store.fingerprint()
    store.close()
    script = textwrap.dedent(
        f"""
        import sys, time
        import pandas as pd
        from naion.store import Batch, Store
        orig = Store._write_part
        def slow(con, part, name, report, now):
            orig(con, part, name, report, now)
            print("IN_TRANSACTION", flush=True)
            time.sleep(60)
        Store._write_part = staticmethod(slow)
        s = Store({str(path)!r})
        b = Batch()
        n = 50_000
        frame = pd.DataFrame({{"date": pd.date_range("2000-01-01", periods=n),
                               "close": 1.0}})
        b.add("bars", frame, code="BBB", adjust="none")
        b.add("bars", frame, code="CCC", adjust="none")
        s.write(b)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "IN_TRANSACTION"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    reopened = Store(path, read_only=True)
    assert reopened.fingerprint() == before
    assert reopened.bars(["BBB"], "none").empty
    reopened.close()


def test_matrix_is_dense_and_as_of(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    b = Batch()
    b.add("bars", bars(["2024-01-02", "2024-01-04"], [10.0, 11.0]), code="AAA", adjust="none")
    b.add("bars", bars(["2024-01-03"], [20.0]), code="BBB", adjust="none")
    b.add("bars", bars(["2024-01-02"], [5.0]), code="AAA", adjust="qfq")
    store.write(b)
    m = store.matrix(["BBB", "AAA", "ZZZ"], fields=("close", "volume"))
    assert m.codes == ["BBB", "AAA", "ZZZ"]
    assert [str(d) for d in m.dates] == ["2024-01-02", "2024-01-03", "2024-01-04"]
    raw = m.get("none")
    assert raw[:, 1].tolist()[0] == 10.0 and raw[2, 1] == 11.0 and raw[1, 0] == 20.0
    assert pd.isna(raw[:, 2]).all() and pd.isna(raw[0, 0])
    assert m.get("qfq")[0, 1] == 5.0 and pd.isna(m.get("qfq")[1:, 1]).all()
    early = store.at("2024-01-03").matrix(["AAA"])
    assert [str(d) for d in early.dates] == ["2024-01-02"]
    spans = store.spans(["AAA"]).set_index("adjust")
    assert spans.loc["none", "rows"] == 2
    assert str(spans.loc["none", "last_date"])[:10] == "2024-01-04"
    store.close()


def test_schema_1_store_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    Store(path).close()
    import duckdb

    con = duckdb.connect(str(path))
    con.execute("ALTER TABLE securities DROP COLUMN industry")
    con.execute("UPDATE meta SET value = '1' WHERE key = 'schema'")
    con.close()
    with Store(path, read_only=True) as ro:  # a read-only open upgrades once
        assert "industry" in ro.securities().columns
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchall() == [("2",)]
    con.close()


def test_memo_lives_with_the_store_and_is_dropped_on_write(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    made: list[int] = []

    def make() -> int:
        made.append(1)
        return len(made)

    assert store.memo(("k", 1), make) == 1
    assert store.at("2024-01-03").memo(("k", 1), make) == 1  # as-of readers share it
    assert store.memo(("k", 2), make) == 2
    b = Batch()
    b.add("bars", bars(["2024-01-02"], [1.0]), code="AAA", adjust="none")
    store.write(b)
    assert store.memo(("k", 1), make) == 3  # the write dropped it
    for i in range(10):  # at most `keep` values of one kind are held
        store.memo(("k", 10 + i), make, keep=4)
    assert sum(1 for k in store._memo if k[0] == "k") == 4
    other = Store(tmp_path / "t.duckdb")
    assert other.memo(("k", 1), make) == len(made)  # another store has its own
    other.close()
    store.close()


def test_as_of_rows_for_many_codes_and_dates(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    b = Batch()
    b.add(
        "valuation",
        pd.DataFrame(
            {
                "code": ["AAA", "AAA", "BBB"],
                "date": pd.to_datetime(["2024-01-02", "2024-01-10", "2024-01-05"]),
                "pe_ttm": [10.0, 12.0, -3.0],
                "total_mv": [1e9, None, 2e9],
            }
        ),
    )
    eps = pd.DataFrame({"code": ["AAA"], "fiscal_year": [2024], "kind": ["estimate"], "eps": [1.0]})
    b.add("eps", eps, snapshot_date=dt.date(2024, 1, 2))
    b.add("eps", eps.assign(eps=2.0), snapshot_date=dt.date(2024, 1, 9))
    b.add(
        "fx",
        pd.DataFrame({"date": pd.to_datetime(["2024-01-02", "2024-01-09"]), "rate": [7.1, 7.2]}),
        pair="USDCNY",
    )
    store.write(b)
    days = [dt.date(2024, 1, 1), dt.date(2024, 1, 6), dt.date(2024, 1, 12)]
    got = store.valuation_asof(["AAA", "BBB", "CCC"], days)
    got = got.set_index(["code", "as_of"])
    assert got.loc[("AAA", pd.Timestamp("2024-01-06")), "pe_ttm"] == 10.0
    assert got.loc[("AAA", pd.Timestamp("2024-01-12")), "pe_ttm"] == 12.0
    assert pd.isna(got.loc[("AAA", pd.Timestamp("2024-01-01")), "date"])
    assert got.loc[("BBB", pd.Timestamp("2024-01-12")), "pe_ttm"] == -3.0  # kept as stored
    assert len(got) == 9
    # the reader's own as-of date bounds the rows it may match
    view = store.at("2024-01-08").valuation_asof(["AAA"], [dt.date(2024, 1, 12)])
    assert view["pe_ttm"].tolist() == [10.0]
    assert store.at("2024-01-08").eps_rows(["AAA"])["eps"].tolist() == [1.0]
    assert store.eps_rows()["snapshot_date"].dt.date.tolist() == [
        dt.date(2024, 1, 2),
        dt.date(2024, 1, 9),
    ]
    held = store.datasets().set_index(["dataset", "key"])
    assert held.loc[("valuation", "AAA"), "rows"] == 2
    assert held.loc[("fx", "USDCNY"), "last"] == dt.date(2024, 1, 9)
    assert held.loc[("eps snapshot", "2024-01-09"), "rows"] == 1
    early = store.at("2024-01-03").datasets().set_index(["dataset", "key"])
    assert early.loc[("valuation", "AAA"), "rows"] == 1 and ("valuation", "BBB") not in early.index
    store.close()


# modules that parse files (CSV, Parquet) with an in-memory DuckDB of their own: they never
# open the store, so they are not doors to it
_FILE_PARSERS = {"naion/csvscan.py", "naion/snapshot.py"}


def test_the_reader_is_the_only_door_to_the_store() -> None:
    """No module outside naion/store.py touches the DuckDB connection or writes SQL."""
    import re

    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(r"\._con\b|\.con\.execute|\bduckdb\.connect\b|\.fetchnumpy\(")
    offenders = []
    for package in ("naion", "screener", "universes", "strategies", "reports"):
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if rel == "naion/store.py" or rel in _FILE_PARSERS:
                continue
            if pattern.search(path.read_text(encoding="utf-8")):
                offenders.append(rel)
    assert offenders == []
