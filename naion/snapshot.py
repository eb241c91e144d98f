"""The real-data snapshot shipped inside the package, so naion works offline on a fresh machine.

``naion/snapshot/`` holds one Parquet file per store table (``securities``, ``bars``, ``fx``,
``valuation``, ``eps``, ``calendar``, ``commodity_series``, ``commodities``) restricted to the
members of the curated universes and the benchmarks, a ``manifest.json`` (as-of date, row
counts, codes) and ``PROVENANCE.md``. ``scripts/build_snapshot.py`` builds it from
``../shared/data/real`` through the CSV importer.

Loading it never replaces what a store already holds (a row the store has, synced or imported,
wins), and records coverage so a later ``naion data sync`` asks only for days after it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from naion.errors import DataError, InputError

if TYPE_CHECKING:
    import pandas as pd

    from naion.store import Store, WriteReport

SNAPSHOT_DIR = Path(__file__).parent / "snapshot"
TABLES = (
    "securities",
    "bars",
    "fx",
    "valuation",
    "eps",
    "calendar",
    "commodity_series",
    "commodities",
)
SOURCE = "snapshot"


@dataclass(frozen=True)
class SnapshotInfo:
    """What the bundled snapshot holds: its as-of date, row counts and codes."""

    as_of: dt.date
    built: str
    rows: dict[str, int]
    codes: list[str]
    source: str

    @property
    def line(self) -> str:
        return f"the bundled snapshot as of {self.as_of} ({len(self.codes)} securities)"


def info(folder: Path = SNAPSHOT_DIR) -> SnapshotInfo:
    """The manifest of the snapshot in ``folder``; a missing or broken one is a DataError."""
    path = folder / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return SnapshotInfo(
            as_of=dt.date.fromisoformat(data["as_of"]),
            built=str(data["built"]),
            rows={str(k): int(v) for k, v in data["rows"].items()},
            codes=[str(c) for c in data["codes"]],
            source=str(data.get("source", "")),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(
            f"the bundled snapshot at {folder} is missing or damaged ({type(exc).__name__})",
            hint="reinstall naion, or fill the store with 'naion data import PATH'",
        ) from None


def available(folder: Path = SNAPSHOT_DIR) -> bool:
    return (folder / "manifest.json").is_file()


def frames(folder: Path = SNAPSHOT_DIR) -> dict[str, Any]:
    """table → DataFrame read from the snapshot's Parquet files (a private DuckDB, not the
    store)."""
    import duckdb

    out = {}
    con = duckdb.connect()
    try:
        for table in TABLES:
            path = folder / f"{table}.parquet"
            if path.is_file():
                out[table] = con.execute("SELECT * FROM read_parquet(?)", [str(path)]).df()
    except duckdb.Error as exc:
        raise DataError(
            f"cannot read the bundled snapshot at {folder}: {str(exc).splitlines()[0]}",
            hint="reinstall naion, or fill the store with 'naion data import PATH'",
        ) from None
    finally:
        con.close()
    return out


def load(store: Store, folder: Path = SNAPSHOT_DIR) -> WriteReport:
    """Write the snapshot into ``store`` in one transaction, keeping every row already held."""
    from naion.store import Batch

    info(folder)  # refuse a damaged snapshot before reading it
    batch = Batch()
    parts = frames(folder)
    for table, frame in parts.items():
        batch.add(table, frame.assign(source=SOURCE) if "source" in frame else frame, True)
    bars = parts.get("bars")
    if bars is not None and len(bars):
        span = bars.groupby(["code", "adjust"])["date"].agg(["min", "max"])
        for (code, adjust), row in span.iterrows():
            batch.cover(f"bars:{adjust}", str(code), row["min"], row["max"], SOURCE)
    for table, key in (("fx", "pair"), ("valuation", "code"), ("commodities", "series")):
        frame = parts.get(table)
        if frame is not None and len(frame):
            span = frame.groupby(key)["date"].agg(["min", "max"])
            for k, row in span.iterrows():
                batch.cover(table, str(k), row["min"], row["max"], SOURCE)
    return store.write(batch)


def import_bundled(path: Path | None, requested: bool) -> tuple[pd.DataFrame, str]:
    """``naion data import --snapshot``: load the bundled snapshot into the store; the summary
    table (rows new / changed / already held per table) and its title."""
    import pandas as pd

    from naion.store import open_store

    if path is not None or not requested:
        raise InputError(
            "give a folder to import or --snapshot, not both"
            if requested
            else "naion data import needs a folder of CSV exports",
            hint="naion data import PATH, or naion data import --snapshot for the bundled data",
        )
    meta = info()
    with open_store() as store:
        report = load(store)
    rows = [
        {
            "table": table,
            "rows": meta.rows.get(table, 0),
            "new": count.new,
            "changed": count.changed,
            "unchanged": count.unchanged,
        }
        for table, count in report.tables.items()
    ]
    return pd.DataFrame(rows), f"Loaded {meta.line}"
