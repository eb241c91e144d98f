"""The bundled snapshot: export → load round trip, never overwriting what a store holds."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from naion import snapshot
from naion.errors import DataError
from naion.store import Batch, Store


def _planted(path: Path) -> Store:
    store = Store(path)
    b = Batch()
    b.add(
        "securities",
        pd.DataFrame(
            {"code": ["AAA.SZ", "ZZZ.SZ"], "market": "A", "currency": "CNY", "name": ["a", "z"]}
        ),
    )
    frame = pd.DataFrame(
        {"date": pd.to_datetime(["2024-01-02", "2024-01-03"]), "close": [10.0, 11.0]}
    )
    b.add("bars", frame, code="AAA.SZ", adjust="none")
    b.add("bars", frame.assign(close=[5.0, 5.5]), code="AAA.SZ", adjust="qfq")
    b.add("bars", frame.assign(close=[1.0, 2.0]), code="ZZZ.SZ", adjust="none")
    b.add("fx", pd.DataFrame({"date": [dt.date(2024, 1, 2)], "rate": [7.1]}), pair="USDCNY")
    store.write(b)
    return store


def _export(store: Store, folder: Path, codes: list[str]) -> dict[str, int]:
    folder.mkdir()
    rows = {t: store.export_parquet(t, folder / f"{t}.parquet", codes) for t in snapshot.TABLES}
    manifest = {"as_of": "2024-01-03", "built": "test", "rows": rows, "codes": codes}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return rows


def test_export_keeps_only_the_named_codes_and_loads_back(tmp_path: Path) -> None:
    with _planted(tmp_path / "src.duckdb") as src:
        rows = _export(src, tmp_path / "snap", ["AAA.SZ"])
    assert rows["bars"] == 4 and rows["securities"] == 1 and rows["fx"] == 1
    with Store(tmp_path / "dst.duckdb") as dst:
        report = snapshot.load(dst, tmp_path / "snap")
        assert report.tables["bars"].new == 4
        got = dst.bars(["AAA.SZ"], "qfq", fields=("close",))["close"].tolist()
        assert got == [5.0, 5.5]
        assert dst.bars(["ZZZ.SZ"], "none").empty
        assert dst.covered("bars:none", "AAA.SZ") == (dt.date(2024, 1, 2), dt.date(2024, 1, 3))
        again = snapshot.load(dst, tmp_path / "snap")
        assert again.tables["bars"].new == 0 and again.tables["bars"].changed == 0


def test_load_never_replaces_rows_the_store_holds(tmp_path: Path) -> None:
    with _planted(tmp_path / "src.duckdb") as src:
        _export(src, tmp_path / "snap", ["AAA.SZ"])
    with Store(tmp_path / "dst.duckdb") as dst:
        b = Batch()
        synced = pd.DataFrame({"date": [dt.date(2024, 1, 3)], "close": [99.0]})
        b.add("bars", synced, code="AAA.SZ", adjust="none", source="sync")
        dst.write(b)
        snapshot.load(dst, tmp_path / "snap")
        closes = dst.bars(["AAA.SZ"], "none", fields=("close",))["close"].tolist()
        assert closes == [10.0, 99.0]


def test_damaged_snapshot_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(DataError, match="missing or damaged"):
        snapshot.info(tmp_path)


def test_bundled_snapshot_manifest_matches_its_files() -> None:
    if not snapshot.available():
        pytest.skip("no bundled snapshot in this checkout")
    meta = snapshot.info()
    parts = snapshot.frames()
    assert {t: len(f) for t, f in parts.items()} == {
        t: n for t, n in meta.rows.items() if t in parts
    }
    assert meta.as_of == max(pd.to_datetime(parts["bars"]["date"])).date()
    assert sum(p.stat().st_size for p in snapshot.SNAPSHOT_DIR.iterdir()) < 8e6
