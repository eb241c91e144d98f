"""The embedded DuckDB store: everything naion fetched or imported, readable offline.

Tables (one row per key, later writes of the same key replace earlier ones)::

    securities       code → name, market (A/HK/US/INDEX), exchange, currency, industry
    bars             (code, adjust, date) → open, high, low, close, volume (shares), amount
    fx               (pair, date) → rate           e.g. USDCNY = CNY per 1 USD, at the close
    valuation        (code, date) → pe_ttm, pb, ps_ttm, total_mv, total_share, pe_static, peg
    eps              (code, snapshot_date, fiscal_year) → eps, kind (actual/estimate)
    members          (board, snapshot_date, code) → name      concept-board snapshots
    calendar         (exchange, date)                          trading days
    commodity_series series → name, unit, kind (spot/futures), exchange
    commodities      (series, date) → open, high, low, close, volume, contract   e.g. CNY/t
    coverage         (dataset, key) → first/last date held, when, from where

``adjust`` labels every price series: ``none`` (unadjusted; for US/HK listings this is the
vendor's split-adjusted, not dividend-adjusted close), ``qfq`` (forward-adjusted for splits
and dividends, i.e. a total-return-like series rebased to its latest date), ``hfq``
(backward-adjusted) and ``tr`` (an index's total-return series).

Writes go through :meth:`Store.write`, one transaction per :class:`Batch`: a failed or
killed write leaves the store as it was. Reads go through :class:`Reader`; a reader made
with :meth:`Reader.as_of` sees only rows dated on or before that date (for consensus EPS:
snapshots taken on or before it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from naion.errors import NotInStoreError, StoreError

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

SCHEMA_VERSION = "2"

ADJUSTMENTS = {
    "none": "unadjusted (US/HK: split-adjusted, not dividend-adjusted)",
    "qfq": "forward-adjusted for splits and dividends (total-return-like)",
    "hfq": "backward-adjusted for splits and dividends",
    "tr": "total-return index",
}

_DDL = [
    "CREATE TABLE IF NOT EXISTS meta(key VARCHAR PRIMARY KEY, value VARCHAR)",
    """CREATE TABLE IF NOT EXISTS securities(
        code VARCHAR PRIMARY KEY, name VARCHAR, name_en VARCHAR, market VARCHAR NOT NULL,
        exchange VARCHAR, currency VARCHAR NOT NULL, source VARCHAR, updated_at TIMESTAMP,
        industry VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS bars(
        code VARCHAR, adjust VARCHAR, date DATE, open DOUBLE, high DOUBLE, low DOUBLE,
        close DOUBLE NOT NULL, volume DOUBLE, amount DOUBLE, source VARCHAR,
        PRIMARY KEY(code, adjust, date))""",
    """CREATE TABLE IF NOT EXISTS fx(
        pair VARCHAR, date DATE, rate DOUBLE NOT NULL, source VARCHAR, PRIMARY KEY(pair, date))""",
    """CREATE TABLE IF NOT EXISTS valuation(
        code VARCHAR, date DATE, pe_ttm DOUBLE, pb DOUBLE, ps_ttm DOUBLE, total_mv DOUBLE,
        total_share DOUBLE, pe_static DOUBLE, peg DOUBLE, source VARCHAR,
        PRIMARY KEY(code, date))""",
    """CREATE TABLE IF NOT EXISTS eps(
        code VARCHAR, snapshot_date DATE, fiscal_year INTEGER, kind VARCHAR, eps DOUBLE,
        analysts INTEGER, source VARCHAR, PRIMARY KEY(code, snapshot_date, fiscal_year))""",
    """CREATE TABLE IF NOT EXISTS members(
        board VARCHAR, snapshot_date DATE, code VARCHAR, name VARCHAR, source VARCHAR,
        PRIMARY KEY(board, snapshot_date, code))""",
    """CREATE TABLE IF NOT EXISTS calendar(
        exchange VARCHAR, date DATE, source VARCHAR, PRIMARY KEY(exchange, date))""",
    """CREATE TABLE IF NOT EXISTS commodity_series(
        series VARCHAR PRIMARY KEY, name VARCHAR, unit VARCHAR NOT NULL, kind VARCHAR,
        exchange VARCHAR, source VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS commodities(
        series VARCHAR, date DATE, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE NOT NULL,
        volume DOUBLE, contract VARCHAR, source VARCHAR, PRIMARY KEY(series, date))""",
    """CREATE TABLE IF NOT EXISTS coverage(
        dataset VARCHAR, key VARCHAR, first_date DATE, last_date DATE, source VARCHAR,
        updated_at TIMESTAMP, PRIMARY KEY(dataset, key))""",
]

# table → (key columns, value columns); the order is the table's column order
_TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "securities": (
        ("code",),
        ("name", "name_en", "market", "exchange", "currency", "source", "industry"),
    ),
    "bars": (
        ("code", "adjust", "date"),
        ("open", "high", "low", "close", "volume", "amount", "source"),
    ),
    "fx": (("pair", "date"), ("rate", "source")),
    "valuation": (
        ("code", "date"),
        ("pe_ttm", "pb", "ps_ttm", "total_mv", "total_share", "pe_static", "peg", "source"),
    ),
    "eps": (("code", "snapshot_date", "fiscal_year"), ("kind", "eps", "analysts", "source")),
    "members": (("board", "snapshot_date", "code"), ("name", "source")),
    "calendar": (("exchange", "date"), ("source",)),
    "commodity_series": (("series",), ("name", "unit", "kind", "exchange", "source")),
    "commodities": (
        ("series", "date"),
        ("open", "high", "low", "close", "volume", "contract", "source"),
    ),
}
# schema upgrades: version → statements that bring a store of that version to the next
_UPGRADES = {"1": ["ALTER TABLE securities ADD COLUMN IF NOT EXISTS industry VARCHAR"]}


@dataclass
class Part:
    """One frame bound for one table. ``keep_existing`` leaves rows already held untouched."""

    table: str
    frame: pd.DataFrame
    keep_existing: bool = False
    label: str = ""  # what the write report counts this part under (default: the table)


@dataclass
class Batch:
    """Everything one import or sync writes, applied in a single transaction."""

    parts: list[Part] = field(default_factory=list)
    deletes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    coverage: list[tuple[str, str, dt.date, dt.date, str]] = field(default_factory=list)

    def add(
        self,
        table: str,
        frame: pd.DataFrame,
        keep_existing: bool = False,
        label: str = "",
        **consts: Any,
    ) -> None:
        """Queue ``frame`` for ``table``; ``consts`` fill key columns the frame lacks."""
        if table not in _TABLES:
            raise ValueError(f"unknown table {table}")
        if len(frame) == 0:
            return
        frame = frame.assign(**consts) if consts else frame
        keys, values = _TABLES[table]
        for col in (*keys, *values):
            if col not in frame.columns:
                frame = frame.assign(**{col: None})
        self.parts.append(Part(table, frame[[*keys, *values]], keep_existing, label or table))

    def delete(self, table: str, **where: Any) -> None:
        """Queue a delete of the rows of ``table`` matching ``where`` (before any insert)."""
        self.deletes.append((table, where))

    def cover(self, dataset: str, key: str, first: dt.date, last: dt.date, source: str) -> None:
        """Record that ``dataset``/``key`` is held from ``first`` to ``last``."""
        self.coverage.append((dataset, key, _as_date(first), _as_date(last), source))

    def __len__(self) -> int:
        return sum(len(p.frame) for p in self.parts)


@dataclass
class TableCount:
    new: int = 0
    changed: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.new + self.changed + self.unchanged


@dataclass
class WriteReport:
    """How many rows a write added, changed or found already held, per table."""

    tables: dict[str, TableCount] = field(default_factory=dict)

    def count(self, table: str) -> TableCount:
        return self.tables.setdefault(table, TableCount())


def _first(rows: list[Any]) -> Any:
    """The first row of a fully fetched result, or None (DuckDB 2 forbids half-read results)."""
    return rows[0] if rows else None


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "date"):
        return value.date()
    return dt.date.fromisoformat(str(value)[:10])


@dataclass
class BarMatrix:
    """Dense bar arrays of many codes: ``values[(adjust, field)]`` is ``[date, code]``."""

    dates: Any  # np.ndarray of datetime64[D], ascending
    codes: list[str]
    values: dict[tuple[str, str], Any]

    def get(self, adjust: str, field: str = "close") -> Any:
        return self.values[(adjust, field)]


class Reader:
    """Read queries over the store; an ``as_of`` reader sees only rows dated on or before it."""

    def __init__(self, con: duckdb.DuckDBPyConnection, as_of: dt.date | None = None) -> None:
        self._con = con
        self.as_of = as_of

    def at(self, as_of: dt.date | str | None) -> Reader:
        """A reader over the same store that sees only rows dated on or before ``as_of``."""
        return Reader(self._con, _as_date(as_of) if as_of is not None else None)

    # -- helpers -----------------------------------------------------------------------
    def _q(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        return self._con.execute(sql, list(params)).df()

    def _window(self, col: str, start: Any = None, end: Any = None) -> tuple[str, list[Any]]:
        clauses, params = [], []
        if start is not None:
            clauses.append(f"{col} >= ?")
            params.append(_as_date(start))
        limit = None if end is None else _as_date(end)
        if self.as_of is not None:
            limit = self.as_of if limit is None else min(limit, self.as_of)
        if limit is not None:
            clauses.append(f"{col} <= ?")
            params.append(limit)
        return (" AND " + " AND ".join(clauses)) if clauses else "", params

    @staticmethod
    def _in(col: str, values: Iterable[str] | None) -> tuple[str, list[Any]]:
        if values is None:
            return "", []
        vals = list(dict.fromkeys(values))
        if not vals:
            return " AND FALSE", []
        return f" AND {col} IN ({', '.join('?' * len(vals))})", vals

    # -- queries -----------------------------------------------------------------------
    def securities(self, codes: Iterable[str] | None = None) -> pd.DataFrame:
        where, params = self._in("code", codes)
        return self._q(
            "SELECT code, name, name_en, market, exchange, currency, industry, source"
            " FROM securities"
            f" WHERE TRUE{where} ORDER BY code",
            params,
        )

    def bars(
        self,
        codes: Iterable[str] | None,
        adjust: str = "none",
        start: Any = None,
        end: Any = None,
        fields: Sequence[str] = ("open", "high", "low", "close", "volume", "amount"),
    ) -> pd.DataFrame:
        """Long frame ``code, date, *fields`` for ``codes`` (None: every code held)."""
        bad = set(fields) - set(_TABLES["bars"][1])
        if bad:
            raise ValueError(f"unknown bar fields {sorted(bad)}")
        w, wp = self._window("date", start, end)
        c, cp = self._in("code", codes)
        cols = ", ".join(fields)
        return self._q(
            f"SELECT code, date, {cols} FROM bars WHERE adjust = ?{c}{w} ORDER BY code, date",
            [adjust, *cp, *wp],
        )

    def panel(
        self,
        field: str = "close",
        codes: Iterable[str] | None = None,
        adjust: str = "none",
        start: Any = None,
        end: Any = None,
    ) -> pd.DataFrame:
        """Wide frame: one row per date, one column per code, values of ``field``."""
        long = self.bars(codes, adjust, start, end, fields=(field,))
        wide = long.pivot(index="date", columns="code", values=field)
        wide.columns.name = None
        if codes is not None:
            wide = wide.reindex(columns=[c for c in dict.fromkeys(codes) if c in wide.columns])
        return wide

    def matrix(
        self,
        codes: Sequence[str] | None,
        adjusts: Sequence[str] = ("none", "qfq"),
        fields: Sequence[str] = ("close",),
        start: Any = None,
        end: Any = None,
        market: str | None = None,
    ) -> BarMatrix:
        """Dense ``[date, code]`` arrays of bar ``fields`` per adjustment, in one query.

        ``codes`` None means every security of ``market`` held (``A``: without B shares).
        Rows are the dates on which any requested series has a bar; a missing bar is NaN.
        """
        import numpy as np
        import pandas as pd

        bad = set(fields) - set(_TABLES["bars"][1]) - {"source"}
        if bad or "source" in fields:
            raise ValueError(f"unknown bar fields {sorted(bad or {'source'})}")
        adjusts = list(dict.fromkeys(adjusts))
        if codes is not None:
            code_list = list(dict.fromkeys(codes))
        else:
            sql = "SELECT code FROM securities WHERE market = ?"
            if market == "A":
                sql += " AND NOT (code LIKE '900%.SH' OR code LIKE '200%.SZ')"
            code_list = [
                r[0] for r in self._con.execute(sql + " ORDER BY code", [market]).fetchall()
            ]
        w, wp = self._window("b.date", start, end)
        self._con.register(
            "_mx_codes", pd.DataFrame({"code": code_list, "ci": range(len(code_list))})
        )
        try:
            cols = ", ".join(f"b.{f}" for f in fields)
            rows = self._con.execute(
                f"SELECT c.ci, b.date, b.adjust, {cols} FROM bars b JOIN _mx_codes c USING (code)"
                f" WHERE b.adjust IN ({', '.join('?' * len(adjusts))}){w}",
                [*adjusts, *wp],
            ).fetchnumpy()
        finally:
            self._con.unregister("_mx_codes")
        day = np.asarray(rows["date"], dtype="datetime64[D]")
        dates, ti = np.unique(day, return_inverse=True)
        ci = np.asarray(rows["ci"], dtype=np.int64)
        adj = np.asarray(rows["adjust"], dtype=object)
        values: dict[tuple[str, str], Any] = {}
        for a in adjusts:
            sel = adj == a
            for f in fields:
                arr = np.full((len(dates), len(code_list)), np.nan)
                col = np.asarray(rows[f], dtype="float64")  # masked → NaN below
                if hasattr(rows[f], "mask"):
                    col = np.where(np.ma.getmaskarray(rows[f]), np.nan, col)
                arr[ti[sel], ci[sel]] = col[sel]
                values[(a, f)] = arr
        return BarMatrix(dates, code_list, values)

    def spans(
        self, codes: Iterable[str] | None = None, adjusts: Sequence[str] = ("none", "qfq")
    ) -> pd.DataFrame:
        """Per (code, adjust): rows, first and last date held (as-of applied), one GROUP BY."""
        w, wp = self._window("date")
        c, cp = self._in("code", codes)
        return self._q(
            "SELECT code, adjust, count(*) AS rows, min(date) AS first_date,"
            f" max(date) AS last_date FROM bars WHERE adjust IN ({', '.join('?' * len(adjusts))})"
            f"{c}{w} GROUP BY code, adjust ORDER BY code, adjust",
            [*adjusts, *cp, *wp],
        )

    def fx(self, pair: str, start: Any = None, end: Any = None) -> pd.Series:
        """Daily rate of ``pair`` (e.g. ``USDCNY`` = CNY per 1 USD), indexed by date."""
        w, wp = self._window("date", start, end)
        df = self._q(f"SELECT date, rate FROM fx WHERE pair = ?{w} ORDER BY date", [pair, *wp])
        return df.set_index("date")["rate"].rename(pair)

    def valuation(
        self, codes: Iterable[str] | None = None, start: Any = None, end: Any = None
    ) -> pd.DataFrame:
        w, wp = self._window("date", start, end)
        c, cp = self._in("code", codes)
        return self._q(
            "SELECT code, date, pe_ttm, pb, ps_ttm, total_mv, total_share, pe_static, peg, source"
            f" FROM valuation WHERE TRUE{c}{w} ORDER BY code, date",
            [*cp, *wp],
        )

    def valuation_latest(self, codes: Iterable[str] | None = None) -> pd.DataFrame:
        """The latest valuation row per code (dated on or before ``as_of``, if set)."""
        w, wp = self._window("date")
        c, cp = self._in("code", codes)
        return self._q(
            "SELECT * EXCLUDE (rn) FROM (SELECT code, date, pe_ttm, pb, ps_ttm, total_mv,"
            " total_share, pe_static, peg, source, row_number() OVER"
            " (PARTITION BY code ORDER BY date DESC) AS rn"
            f" FROM valuation WHERE TRUE{c}{w}) WHERE rn = 1 ORDER BY code",
            [*cp, *wp],
        )

    def eps(self, codes: Iterable[str] | None = None) -> pd.DataFrame:
        """Per code, the rows of its latest EPS snapshot taken on or before ``as_of``."""
        w, wp = self._window("snapshot_date")
        c, cp = self._in("code", codes)
        return self._q(
            "WITH s AS (SELECT * FROM eps WHERE TRUE" + c + w + "),"
            " latest AS (SELECT code, max(snapshot_date) AS snapshot_date FROM s GROUP BY code)"
            " SELECT s.code, s.snapshot_date, s.fiscal_year, s.kind, s.eps, s.analysts, s.source"
            " FROM s JOIN latest USING (code, snapshot_date) ORDER BY s.code, s.fiscal_year",
            [*cp, *wp],
        )

    def eps_snapshot_dates(self) -> list[dt.date]:
        df = self._q("SELECT DISTINCT snapshot_date FROM eps ORDER BY 1")
        return [_as_date(d) for d in df["snapshot_date"]]

    def members(self, board: str) -> pd.DataFrame:
        """The latest snapshot of a concept board's members (on or before ``as_of``)."""
        w, wp = self._window("snapshot_date")
        return self._q(
            "SELECT board, snapshot_date, code, name, source FROM members WHERE board = ?"
            f"{w} AND snapshot_date = (SELECT max(snapshot_date) FROM members"
            f" WHERE board = ?{w}) ORDER BY code",
            [board, *wp, board, *wp],
        )

    def calendar(self, exchange: str, start: Any = None, end: Any = None) -> list[dt.date]:
        w, wp = self._window("date", start, end)
        df = self._q(
            f"SELECT date FROM calendar WHERE exchange = ?{w} ORDER BY date", [exchange, *wp]
        )
        return [_as_date(d) for d in df["date"]]

    def commodity_series(self) -> pd.DataFrame:
        """Every commodity series held: series, name, unit, kind, exchange, source."""
        return self._q("SELECT * FROM commodity_series ORDER BY series")

    def commodity(self, series: str, start: Any = None, end: Any = None) -> pd.DataFrame:
        """Daily rows of one commodity series (date, open, high, low, close, volume, contract)."""
        w, wp = self._window("date", start, end)
        return self._q(
            "SELECT date, open, high, low, close, volume, contract, source FROM commodities"
            f" WHERE series = ?{w} ORDER BY date",
            [series, *wp],
        )

    def coverage(self, dataset: str | None = None) -> pd.DataFrame:
        where, params = ("WHERE dataset = ?", [dataset]) if dataset else ("", [])
        return self._q(f"SELECT * FROM coverage {where} ORDER BY dataset, key", params)

    def covered(self, dataset: str, key: str) -> tuple[dt.date, dt.date] | None:
        row = _first(
            self._con.execute(
                "SELECT first_date, last_date FROM coverage WHERE dataset = ? AND key = ?",
                [dataset, key],
            ).fetchall()
        )
        return (row[0], row[1]) if row else None

    def bar_summary(self) -> pd.DataFrame:
        """Per (code, adjust): rows, first and last date, and the sources they came from."""
        return self._q(
            "SELECT code, adjust, count(*) AS rows, min(date) AS first_date,"
            " max(date) AS last_date, string_agg(DISTINCT source, '+' ORDER BY source) AS source"
            " FROM bars GROUP BY code, adjust ORDER BY code, adjust"
        )

    def table_counts(self) -> dict[str, int]:
        out = {}
        for table in _TABLES:
            row = _first(self._con.execute(f"SELECT count(*) FROM {table}").fetchall())
            out[table] = int(row[0]) if row else 0
        return out

    def fingerprint(self) -> str:
        """A digest of every table's contents: equal fingerprints mean an unchanged store."""
        parts = []
        for table, (keys, values) in _TABLES.items():
            cols = ", ".join((*keys, *values))
            row = _first(
                self._con.execute(
                    f"SELECT count(*), coalesce(sum(hash({cols})), 0) FROM {table}"
                ).fetchall()
            )
            parts.append(f"{table}:{row[0]}:{row[1]}" if row else f"{table}:0:0")
        row = _first(
            self._con.execute(
                "SELECT count(*), coalesce(sum(hash(dataset, key, first_date, last_date)), 0)"
                " FROM coverage"
            ).fetchall()
        )
        parts.append(f"coverage:{row[0]}:{row[1]}" if row else "coverage:0:0")
        return "|".join(parts)


class Store(Reader):
    """The DuckDB file under NAION_HOME, opened read-write or read-only."""

    def __init__(self, path: Path | str, read_only: bool = False) -> None:
        import duckdb

        self.path = Path(path)
        self.read_only = read_only
        if read_only and not self.path.exists():
            raise NotInStoreError(
                f"no data store at {self.path}",
                hint="fill it with 'naion data import PATH' or 'naion data sync UNIVERSE'",
            )
        if self.path.exists() and not self.path.is_file():
            raise StoreError(
                f"the store {self.path} is not a file", hint="move it away or use another --home"
            )
        existed = self.path.exists()
        if not read_only:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"cannot create the folder of the store {self.path}: {exc.strerror}",
                    hint="use a writable --home or NAION_HOME",
                ) from None
        try:
            con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            bad = corrupt_store_error(exc, self.path)
            if bad is not None:
                raise bad from None
            text = str(exc)
            if "lock" in text.lower():
                raise StoreError(
                    f"the store {self.path} is in use by another naion process",
                    hint="wait for it to finish and try again",
                ) from None
            raise StoreError(
                f"cannot open the store {self.path}: {text.splitlines()[0] if text else exc}",
                hint="check the folder's permissions, or move the file away to start a fresh one",
            ) from None
        super().__init__(con)
        try:
            if existed:
                self._check_intact()
            if not read_only:
                self._migrate()
            else:
                self._check_version()
        except duckdb.Error as exc:
            con.close()
            bad = corrupt_store_error(exc, self.path)
            raise (bad or exc) from None
        except BaseException:
            con.close()
            raise

    def _check_intact(self) -> None:
        """Refuse a truncated file: shorter than the blocks its header declares."""
        row = _first(
            self._con.execute(
                "SELECT block_size, total_blocks FROM pragma_database_size()"
            ).fetchall()
        )
        if row is None:
            return
        expected = _HEADER_BYTES + int(row[0]) * int(row[1])
        size = self.path.stat().st_size
        if size < expected:
            raise corrupt(self.path, f"{size:,} bytes where its header declares {expected:,}")

    @classmethod
    def open(cls, home: Path | str | None = None, read_only: bool = False) -> Store:
        from naion.settings import paths

        return cls(paths(home).store, read_only=read_only)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        self.close()
        bad = corrupt_store_error(exc, self.path) if exc is not None else None
        if bad is not None:
            raise bad from None

    def close(self) -> None:
        self._con.close()  # closing twice is harmless

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        return self._con

    def _migrate(self) -> None:
        for ddl in _DDL:
            self._con.execute(ddl)
        row = _first(self._con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchall())
        if row is None:
            self._con.execute("INSERT INTO meta VALUES ('schema', ?)", [SCHEMA_VERSION])
            return
        version = row[0]
        while version in _UPGRADES:
            with self.transaction() as con:
                for stmt in _UPGRADES[version]:
                    con.execute(stmt)
                version = str(int(version) + 1)
                con.execute("UPDATE meta SET value = ? WHERE key = 'schema'", [version])
        if version != SCHEMA_VERSION:
            raise StoreError(
                f"the store {self.path} has schema version {row[0]}, this naion expects "
                f"{SCHEMA_VERSION}",
                hint="move the file away and re-import your data",
            )

    def _check_version(self) -> None:
        try:
            row = _first(
                self._con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchall()
            )
        except Exception:
            row = None
        if row is not None and row[0] in _UPGRADES:
            # an older store: upgrade it once in write mode, then reopen it read-only
            import duckdb

            self._con.close()
            Store(self.path).close()
            self._con = duckdb.connect(str(self.path), read_only=True)
            return
        if row is None or row[0] != SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} is not a naion store of schema version {SCHEMA_VERSION}",
                hint="move the file away and re-import your data",
            )

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """BEGIN … COMMIT, or ROLLBACK on any exception (then re-raised)."""
        if self.read_only:
            raise StoreError(f"the store {self.path} is open read-only")
        self._con.execute("BEGIN TRANSACTION")
        try:
            yield self._con
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        self._con.execute("COMMIT")

    def write(self, batch: Batch) -> WriteReport:
        """Apply ``batch`` in one transaction and count new / changed / unchanged rows."""
        report = WriteReport()
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        with self.transaction() as con:
            for table, where in batch.deletes:
                cond = " AND ".join(f"{k} = ?" for k in where)
                con.execute(f"DELETE FROM {table} WHERE {cond}", list(where.values()))
            for i, part in enumerate(batch.parts):
                self._write_part(con, part, f"stage_{i}", report, now)
            if batch.coverage:
                import pandas as pd

                cov = pd.DataFrame(
                    batch.coverage, columns=["dataset", "key", "first_date", "last_date", "source"]
                )
                cov = cov.groupby(["dataset", "key"], as_index=False).agg(
                    first_date=("first_date", "min"),
                    last_date=("last_date", "max"),
                    source=("source", "last"),
                )
                con.register("stage_cov", cov)
                try:
                    con.execute(
                        "INSERT INTO coverage SELECT dataset, key, first_date, last_date, source, ?"
                        " FROM stage_cov ON CONFLICT (dataset, key) DO UPDATE SET"
                        " first_date = least(coverage.first_date, excluded.first_date),"
                        " last_date = greatest(coverage.last_date, excluded.last_date),"
                        " source = excluded.source, updated_at = excluded.updated_at",
                        [now],
                    )
                finally:
                    con.unregister("stage_cov")
        return report

    @staticmethod
    def _write_part(
        con: duckdb.DuckDBPyConnection, part: Part, name: str, report: WriteReport, now: Any
    ) -> None:
        keys, values = _TABLES[part.table]
        cols = (*keys, *values)
        con.register(name, part.frame)
        try:
            on = " AND ".join(f"t.{k} = s.{k}" for k in keys)
            # values compared without the source column: re-importing the same numbers from
            # another file counts as unchanged
            cmp_cols = [v for v in values if v != "source"]
            same = " AND ".join(f"t.{v} IS NOT DISTINCT FROM s.{v}" for v in cmp_cols) or "TRUE"
            # dedupe the staged keys first (the last staged row wins, as with a replace)
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {name}_d AS SELECT * EXCLUDE (rn) FROM ("
                f"SELECT *, row_number() OVER (PARTITION BY {', '.join(keys)}"
                f" ORDER BY rowid DESC) AS rn FROM (SELECT {', '.join(cols)}, row_number()"
                f" OVER () AS rowid FROM {name})) WHERE rn = 1"
            )
            row = _first(
                con.execute(
                    f"SELECT count(*) FILTER (WHERE t.{keys[0]} IS NULL),"
                    f" count(*) FILTER (WHERE t.{keys[0]} IS NOT NULL AND ({same})),"
                    f" count(*) FILTER (WHERE t.{keys[0]} IS NOT NULL AND NOT ({same}))"
                    f" FROM {name}_d s LEFT JOIN {part.table} t ON {on}"
                ).fetchall()
            )
            new, unchanged, changed = (int(x) for x in row) if row else (0, 0, 0)
            count = report.count(part.label or part.table)
            col_list = ", ".join(cols)
            extra = ", updated_at" if part.table == "securities" else ""
            extra_val = ", ?" if part.table == "securities" else ""
            params = [now] if part.table == "securities" else []
            if part.keep_existing:
                con.execute(
                    f"INSERT INTO {part.table} ({col_list}{extra}) SELECT {col_list}{extra_val}"
                    f" FROM {name}_d s WHERE NOT EXISTS (SELECT 1 FROM {part.table} t WHERE {on})",
                    params,
                )
                count.new += new
                count.unchanged += unchanged + changed
            else:
                con.execute(
                    f"INSERT OR REPLACE INTO {part.table} ({col_list}{extra})"
                    f" SELECT {col_list}{extra_val} FROM {name}_d",
                    params,
                )
                count.new += new
                count.changed += changed
                count.unchanged += unchanged
            con.execute(f"DROP TABLE {name}_d")
        finally:
            con.unregister(name)


@contextmanager
def open_store(home: Path | str | None = None, read_only: bool = False) -> Iterator[Store]:
    """Open the store under ``home`` (default NAION_HOME) and close it afterwards.

    A store this call creates and that the block then fails to fill is removed again, so
    a failed first import or sync leaves no empty store behind.
    """
    from naion.settings import paths

    path = paths(home).store
    created = not read_only and not path.exists()
    store = Store(path, read_only=read_only)
    try:
        yield store
    except BaseException as exc:
        bad = corrupt_store_error(exc, path)
        try:
            empty = bad is None and created and not any(store.table_counts().values())
        except Exception:
            empty = False
        store.close()
        if empty:
            for leftover in (path, path.with_name(path.name + ".wal")):
                leftover.unlink(missing_ok=True)
        if bad is not None:
            raise bad from None
        raise
    finally:
        store.close()


# DuckDB's file header: three 4 KiB blocks before the data blocks
_HEADER_BYTES = 3 * 4096
_CORRUPT_SIGNS = (
    "not a valid duckdb database file",
    "could not read enough bytes",
    "corrupt database file",
    "checksum",
    "invalid database header",
    "failed to read database header",
)


def corrupt(path: Path, what: str) -> StoreError:
    """The one-line error for a damaged store file, with the way to recover."""
    return StoreError(
        f"the store {path} is corrupt or truncated ({what})",
        hint=f"restore it from a backup, or move it aside (mv {path} {path}.broken) and "
        "re-import with 'naion data import PATH' or 'naion data sync'",
    )


def corrupt_store_error(exc: BaseException | None, path: Path) -> StoreError | None:
    """A :class:`StoreError` if ``exc`` is DuckDB reporting a damaged file, else None."""
    import sys

    duckdb = sys.modules.get("duckdb")
    if exc is None or duckdb is None or not isinstance(exc, duckdb.Error):
        return None
    text = str(exc)
    if not any(sign in text.lower() for sign in _CORRUPT_SIGNS):
        return None
    first = text.splitlines()[0] if text else type(exc).__name__
    return corrupt(path, first.removeprefix("IO Error: ").removeprefix("Error: ")[:200])
