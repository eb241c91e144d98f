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


def test_bundled_snapshot_holds_the_universes_benchmarks_and_thesis_series() -> None:
    """What the first run and the thesis signal need, and nothing of the whole-market panel."""
    if not snapshot.available():
        pytest.skip("no bundled snapshot in this checkout")
    from strategies.spec import load_specs
    from universes.loader import load_registry

    reg = load_registry()
    members = {c for u in reg.universes.values() for m in u.members for c in (m.code, *m.aliases)}
    parts = snapshot.frames()
    bars = parts["bars"]
    held = {(c, a) for c, a in zip(bars["code"], bars["adjust"], strict=True)}
    assert {c for c, _ in held} <= members  # no market-panel code slipped in
    for spec in load_specs(None).values():  # every preset strategy's names and benchmark
        if getattr(spec, "universe", None) == "all-a":
            continue  # the whole market: the bundled snapshot leaves it out
        for code in spec.members(reg, None):
            assert (code, "qfq") in held and (code, "none") in held, code
        for code in spec.benchmark:
            assert any(c == code for c, _ in held), code
    assert {("000300.SH", "none"), ("000300.SH", "tr"), ("SPY", "qfq"), ("SPX", "none")} <= held
    assert set(parts["commodity_series"]["series"]) == {
        "li2co3_spot_100ppi",
        "li2co3_battery_spot_100ppi",
        "li2co3_gfex_main",
    }
    assert {"USDCNY", "HKDCNY"} <= set(parts["fx"]["pair"])
    assert len(parts["eps"]) > 0 and set(parts["eps"]["code"]) <= members
    assert "300750.SZ" in set(parts["valuation"]["code"])
    meta = snapshot.info()
    head = (snapshot.SNAPSHOT_DIR / "PROVENANCE.md").read_text(encoding="utf-8")[:2000]
    assert f"newest price day {meta.as_of}" in head


def test_bundled_snapshot_has_every_member_the_real_data_prices() -> None:
    if not snapshot.available():
        pytest.skip("no bundled snapshot in this checkout")
    from tests.conftest import REAL

    if not (REAL / "securities.csv").exists():
        pytest.skip(f"real data not found at {REAL}")
    from universes.loader import load_registry

    reg = load_registry()
    files = {p.stem for d in ("prices", "prices_qfq", "indexes") for p in (REAL / d).glob("*.csv")}
    want = {reg.canonical(c) for u in reg.universes.values() for m in u.members
            for c in (m.code, *m.aliases) if c in files}  # fmt: skip
    assert want and want <= set(snapshot.info().codes)
