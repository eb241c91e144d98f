"""Re-importing: unchanged files are not read again, changed ones are, and the store ends up
as if everything had been read (precedence lives in the writes, not the reading order)."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from naion import csvscan
from naion.store import Store
from tests.helpers import write
from tests.importer.planted import cli_import, do_import, fingerprint, folder

PANEL = "date,code,open,high,low,close,amount\n2022-11-22,300750.SZ,1,1,1,999.0,1\n"
QFQ = "date,open,high,low,close,volume\n2022-11-21,199.5,202.6,197.4,198.9,100\n"


def panel(root: Path, text: str = PANEL) -> None:
    (root / "market").mkdir(parents=True, exist_ok=True)
    with gzip.open(root / "market" / "panel.csv.gz", "wt", encoding="utf-8") as fh:
        fh.write(text)


def counting_loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the files every Scanner.load reads."""
    seen: list[str] = []
    orig = csvscan.Scanner.load

    def load(self, table, files, schema, rules=()):  # type: ignore[no-untyped-def]
        seen.extend(Path(f.shown).name for f in files)
        return orig(self, table, files, schema, rules)

    monkeypatch.setattr(csvscan.Scanner, "load", load)
    return seen


def by_label(rows: list[dict]) -> dict[str, dict]:
    return {r["dataset"]: r for r in rows}


def test_unchanged_folder_reads_no_file_and_writes_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    naion_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = folder(tmp_path / "exports", {"prices_qfq/300750.SZ.csv": QFQ})
    panel(root)
    assert cli_import(root, capsys)[0] == 0
    before = fingerprint(naion_home)
    seen = counting_loads(monkeypatch)
    os.utime(root / "securities.csv")  # touched, same bytes: still not read
    code, rows, _ = cli_import(root, capsys)
    assert code == 0 and seen == []
    assert by_label(rows)["market panel"]["unchanged files"] == 1
    assert all(r["files"] is None and r["new"] == 0 for r in rows)
    assert fingerprint(naion_home) == before


def test_a_changed_file_is_read_again_and_the_rest_is_not(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    naion_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = folder(tmp_path / "exports", {"prices_qfq/300750.SZ.csv": QFQ})
    panel(root)
    assert cli_import(root, capsys)[0] == 0
    seen = counting_loads(monkeypatch)
    # the same size, one digit different: the content hash tells
    write(
        root / "prices" / "300750.SZ.csv",
        (root / "prices/300750.SZ.csv").read_text().replace("383.0,100", "383.5,100"),
    )
    code, rows, _ = cli_import(root, capsys)
    assert code == 0 and seen == ["300750.SZ.csv"]
    assert by_label(rows)["bars:none"]["changed"] == 1
    with Store(naion_home / "store.duckdb", read_only=True) as st:
        # the panel, not read this time, still yields to the per-code file; the adj_close
        # of prices/ still yields to the prices_qfq/ file that was not read either
        assert st.bars(["300750.SZ"], "none")["close"].tolist() == [383.5, 375.0]
        assert st.bars(["300750.SZ"], "qfq")["close"].tolist() == [198.9, 195.0]


def test_force_reads_everything(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = folder(tmp_path / "exports")
    assert cli_import(root, capsys)[0] == 0
    seen = counting_loads(monkeypatch)
    code, rows, _ = cli_import(root, capsys, "--force")
    assert code == 0 and sorted(seen) == ["300750.SZ.csv", "securities.csv"]
    assert all(r["new"] == 0 and r["changed"] == 0 for r in rows)


def test_a_file_whose_meaning_changed_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same bytes, another meaning (a commodities.csv row now names the series): re-read."""
    root = folder(
        tmp_path / "exports", {"commodities/copper.csv": "date,price\n2022-11-22,65000\n"}
    )
    store = Store(tmp_path / "s.duckdb")
    do_import(store, root)
    assert store.commodity_series()["series"].tolist() == ["copper"]
    write(root / "commodities.csv", "file,series,unit\ncopper.csv,cu_spot,CNY/t\n")
    seen = counting_loads(monkeypatch)
    do_import(store, root)
    assert "copper.csv" in seen
    assert store.commodity("cu_spot")["close"].tolist() == [65000.0]
    store.close()


def test_panel_rows_update_panel_rows_only(tmp_path: Path) -> None:
    root = folder(tmp_path / "exports")
    panel(root, PANEL + "2022-11-22,000001.SZ,11.9,12.0,11.7,11.82,17\n")
    store = Store(tmp_path / "s.duckdb")
    do_import(store, root)
    panel(root, PANEL.replace("999.0", "888.0") + "2022-11-22,000001.SZ,11.9,12.0,11.7,11.99,17\n")
    do_import(store, root)
    day = store.bars(None, "none", "2022-11-22", "2022-11-22", ("close",))
    closes = dict(zip(day["code"], day["close"], strict=True))
    assert closes == {"300750.SZ": 375.0, "000001.SZ": 11.99}
    store.close()


def test_a_snapshot_keeps_the_open_high_low_an_earlier_panel_gave(tmp_path: Path) -> None:
    root = folder(tmp_path / "exports")
    panel(
        root, "date,code,open,high,low,close,amount\n2022-11-22,000001.SZ,11.9,12,11.7,11.82,17\n"
    )
    write(root / "market" / "snap_2022-11-22.csv", "code,close,amount\n000001.SZ,11.82,17\n")
    store = Store(tmp_path / "s.duckdb")
    do_import(store, root)
    bar = store.bars(["000001.SZ"], "none").iloc[0]
    assert (bar["open"], bar["high"], bar["low"], bar["close"]) == (11.9, 12.0, 11.7, 11.82)
    store.close()


def test_a_file_imported_with_its_folder_is_known_when_named_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = folder(tmp_path / "exports")
    assert cli_import(root, capsys)[0] == 0
    code, rows, _ = cli_import(root / "prices" / "300750.SZ.csv", capsys)
    assert code == 0 and by_label(rows)["bars:none"]["unchanged files"] == 1
