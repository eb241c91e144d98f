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
    st_periods       (code, first_date) → last_date   days an A-share traded as ST / *ST
    coverage         (dataset, key) → first/last date held, when, from where
    imported_files   path → size, mtime, sha256, meaning of the files an import wrote

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
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from naion.errors import NotInStoreError, StoreError

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

SCHEMA_VERSION = "2"
T = TypeVar("T")

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
    """CREATE TABLE IF NOT EXISTS st_periods(
        code VARCHAR, first_date DATE, last_date DATE, source VARCHAR,
        PRIMARY KEY(code, first_date))""",
    """CREATE TABLE IF NOT EXISTS coverage(
        dataset VARCHAR, key VARCHAR, first_date DATE, last_date DATE, source VARCHAR,
        updated_at TIMESTAMP, PRIMARY KEY(dataset, key))""",
    # files `naion data import` read and wrote; an unchanged file is not read again
    """CREATE TABLE IF NOT EXISTS imported_files(
        path VARCHAR PRIMARY KEY, size BIGINT, mtime_ns BIGINT, sha256 VARCHAR,
        context VARCHAR, rows BIGINT, imported_at TIMESTAMP)""",
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
    "st_periods": (("code", "first_date"), ("last_date", "source")),
}
# schema upgrades: version → statements that bring a store of that version to the next
_UPGRADES = {"1": ["ALTER TABLE securities ADD COLUMN IF NOT EXISTS industry VARCHAR"]}


@dataclass
class Part:
    """One frame bound for one table, and how it meets the rows already held.

    A part *replaces* held rows of the same key (``keep_existing`` False) or *yields* to
    them (True). ``spares`` lists source prefixes a replacing part leaves alone (an
    adjusted close derived from ``prices/`` yields to a ``prices_qfq/`` file); ``overwrites``
    lists source prefixes a yielding part may still replace (a newer market panel replaces
    an older panel's row, never a per-code file's). ``partial``: an empty value states
    nothing, so where the part wins it keeps the held value (the default for
    ``securities``: a write never blanks a known name); ``fills``: where the part yields,
    it still fills the held row's empty values (a panel's industry for a security whose
    own file has none). ``consts`` fill columns for every row (SQL side, not pandas);
    ``unique`` promises one row per key (no dedupe pass).
    """

    table: str
    frame: pd.DataFrame
    keep_existing: bool = False
    label: str = ""  # what the write report counts this part under (default: the table)
    consts: dict[str, Any] = field(default_factory=dict)
    spares: tuple[str, ...] = ()
    overwrites: tuple[str, ...] = ()
    partial: bool = False
    fills: bool = False
    unique: bool = False


@dataclass
class FileRecord:
    """An imported file as seen when its rows were written (see ``imported_files``)."""

    path: str
    size: int
    mtime_ns: int
    sha256: str
    context: str  # what the file meant: dataset, key, rules version (a change re-reads it)
    rows: int


@dataclass
class Batch:
    """Everything one import or sync writes, applied in a single transaction."""

    parts: list[Part] = field(default_factory=list)
    deletes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    coverage: list[tuple[str, str, dt.date, dt.date, str]] = field(default_factory=list)
    coverage_frames: list[pd.DataFrame] = field(default_factory=list)
    coverage_resets: list[tuple[str, str, dt.date, dt.date, str]] = field(default_factory=list)
    files: list[FileRecord] = field(default_factory=list)

    def add(
        self,
        table: str,
        frame: pd.DataFrame,
        keep_existing: bool = False,
        label: str = "",
        *,
        spares: tuple[str, ...] = (),
        overwrites: tuple[str, ...] = (),
        partial: bool | None = None,
        fills: bool | None = None,
        unique: bool = False,
        **consts: Any,
    ) -> None:
        """Queue ``frame`` for ``table``; ``consts`` fill columns the frame lacks."""
        if table not in _TABLES:
            raise ValueError(f"unknown table {table}")
        if len(frame) == 0:
            return
        keys, values = _TABLES[table]
        known = [c for c in (*keys, *values) if c in frame.columns and c not in consts]
        unknown = set(consts) - set(keys) - set(values)
        if unknown:
            raise ValueError(f"unknown columns {sorted(unknown)} for {table}")
        self.parts.append(
            Part(
                table,
                frame[known],
                keep_existing,
                label or table,
                dict(consts),
                tuple(spares),
                tuple(overwrites),
                table == "securities" if partial is None else partial,
                table == "securities" if fills is None else fills,
                unique,
            )
        )

    def delete(self, table: str, **where: Any) -> None:
        """Queue a delete of the rows of ``table`` matching ``where`` (before any insert)."""
        self.deletes.append((table, where))

    def cover(
        self,
        dataset: str,
        key: str,
        first: dt.date,
        last: dt.date,
        source: str,
        reset: bool = False,
    ) -> None:
        """Record that ``dataset``/``key`` is held from ``first`` to ``last``.

        Coverage grows (the earliest first, the latest last); ``reset`` replaces it instead
        (sync, when the held coverage ran past the last settled day)."""
        row = (dataset, key, _as_date(first), _as_date(last), source)
        (self.coverage_resets if reset else self.coverage).append(row)

    def cover_frame(self, frame: pd.DataFrame) -> None:
        """Coverage of many keys at once: columns dataset, key, first_date, last_date, source."""
        if len(frame):
            self.coverage_frames.append(
                frame[["dataset", "key", "first_date", "last_date", "source"]]
            )

    def record_file(self, record: FileRecord) -> None:
        """Remember an imported file, written in the same transaction as its rows."""
        self.files.append(record)

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

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        as_of: dt.date | None = None,
        memo: dict[tuple[Any, ...], Any] | None = None,
    ) -> None:
        self._con = con
        self.as_of = as_of
        # values derived from the store (e.g. the screener's price matrices), shared by every
        # as-of reader of this store and dropped on each write
        self._memo: dict[tuple[Any, ...], Any] = {} if memo is None else memo

    def at(self, as_of: dt.date | str | None) -> Reader:
        """A reader over the same store that sees only rows dated on or before ``as_of``."""
        return Reader(self._con, _as_date(as_of) if as_of is not None else None, self._memo)

    def memo(self, key: tuple[Any, ...], make: Callable[[], T], keep: int = 4) -> T:
        """``make()`` computed once per store state and ``key``, kept with this store.

        The keep is shared by the store and all its as-of readers (so ``key`` must say
        everything the value depends on, as-of limits included) and is emptied by every
        :meth:`Store.write`; at most ``keep`` values per key kind (``key[0]``) are held.
        """
        if key in self._memo:
            return self._memo[key]  # type: ignore[no-any-return]
        value = make()
        same_kind = [k for k in self._memo if k[:1] == key[:1]]
        for old in same_kind[: max(0, len(same_kind) - keep + 1)]:
            del self._memo[old]
        self._memo[key] = value
        return value

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
        if len(vals) > 32:  # one list parameter: thousands of placeholders plan slowly
            return f" AND {col} IN (SELECT unnest(?::VARCHAR[]))", [vals]
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
            # integers, not dates and strings, cross into numpy: days since 1970 and the
            # adjustment's position in ``adjusts``
            cols = ", ".join(f"b.{f}" for f in fields)
            which = " ".join(f"WHEN ? THEN {i}" for i in range(len(adjusts)))
            rows = self._con.execute(
                "SELECT c.ci, (b.date - DATE '1970-01-01')::INTEGER AS di,"
                f" (CASE b.adjust {which} END)::INTEGER AS ai, {cols}"
                " FROM bars b JOIN _mx_codes c USING (code)"
                f" WHERE b.adjust IN ({', '.join('?' * len(adjusts))}){w}",
                [*adjusts, *adjusts, *wp],
            ).fetchnumpy()
        finally:
            self._con.unregister("_mx_codes")
        di = np.asarray(rows["di"], dtype=np.int64)
        first = int(di.min()) if len(di) else 0
        present = np.zeros(int(di.max()) - first + 1 if len(di) else 0, dtype=bool)
        present[di - first] = True
        days = np.flatnonzero(present)
        ti = (np.cumsum(present) - 1)[di - first]
        dates = (days + first).astype("datetime64[D]")
        ci = np.asarray(rows["ci"], dtype=np.int64)
        ai = np.asarray(rows["ai"], dtype=np.int64)
        values: dict[tuple[str, str], Any] = {}
        for f in fields:
            col = np.asarray(rows[f], dtype="float64")  # masked → NaN below
            if hasattr(rows[f], "mask"):
                col = np.where(np.ma.getmaskarray(rows[f]), np.nan, col)
            for i, a in enumerate(adjusts):
                sel = ai == i
                arr = np.full((len(dates), len(code_list)), np.nan)
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

    def first_held(self, codes: Iterable[str] | None = None) -> dict[str, dt.date]:
        """Per code: the first date of any bar or valuation row held (as-of applied), one
        query; a code with neither is absent. Tells a listing that is not yet held on a date
        (a later IPO) from one that is."""
        w, wp = self._window("date")
        c, cp = self._in("code", codes)
        rows = self._con.execute(
            f"SELECT code, min(d) FROM (SELECT code, min(date) AS d FROM bars WHERE TRUE{c}{w}"
            f" GROUP BY code UNION ALL SELECT code, min(date) AS d FROM valuation WHERE TRUE{c}{w}"
            " GROUP BY code) GROUP BY code",
            [*cp, *wp, *cp, *wp],
        ).fetchall()
        return {code: _as_date(day) for code, day in rows}

    # -- reads the strategy engine added (one block) -----------------------------------------
    def fx_spans(self, pairs: Iterable[str] | None = None) -> pd.DataFrame:
        """Per FX pair: rows, first and last date held (as-of applied), one GROUP BY."""
        w, wp = self._window("date")
        c, cp = self._in("pair", pairs)
        return self._q(
            "SELECT pair, count(*) AS rows, min(date) AS first_date, max(date) AS last_date"
            f" FROM fx WHERE TRUE{c}{w} GROUP BY pair ORDER BY pair",
            [*cp, *wp],
        )

    def st_periods(self, codes: Iterable[str] | None = None) -> pd.DataFrame:
        """Periods (code, first_date, last_date) in which a listing traded as ST, as known on
        ``as_of`` (a period known to start later is not seen; an open end is NULL)."""
        import duckdb

        w, wp = self._window("first_date")
        c, cp = self._in("code", codes)
        try:
            return self._q(
                "SELECT code, first_date, last_date FROM st_periods"
                f" WHERE TRUE{c}{w} ORDER BY code, first_date",
                [*cp, *wp],
            )
        except duckdb.CatalogException:  # a store opened read-only before the table existed
            import pandas as pd

            return pd.DataFrame(columns=["code", "first_date", "last_date"])

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
        """Every EPS snapshot date held (not limited by ``as_of``: for notes on what exists)."""
        df = self._q("SELECT DISTINCT snapshot_date FROM eps ORDER BY 1")
        return [_as_date(d) for d in df["snapshot_date"]]

    # -- as-of rows for many codes and dates (the screener's reads) ----------------------
    def valuation_asof(self, codes: Sequence[str], dates: Sequence[Any]) -> pd.DataFrame:
        """For every (code, date): the latest valuation row dated on or before that date.

        Columns ``code, as_of, date, pe_ttm, pb, ps_ttm, total_mv`` (``date`` is the row's
        own date, NaT where none is held); one ASOF join, ``as_of`` of this reader applied.
        """
        import numpy as np
        import pandas as pd

        code_list = list(codes)
        day_list = [_as_date(d) for d in dates]
        targets = pd.DataFrame(
            {
                "code": np.tile(np.asarray(code_list, dtype=object), len(day_list)),
                "as_of": np.repeat(np.asarray(day_list, dtype="datetime64[D]"), len(code_list)),
            }
        )
        w, wp = self._window("date")
        self._con.register("_va_targets", targets)
        try:
            rows = self._q(
                "SELECT t.code, t.as_of, v.date, v.pe_ttm, v.pb, v.ps_ttm, v.total_mv"
                " FROM _va_targets t ASOF LEFT JOIN (SELECT * FROM valuation WHERE TRUE"
                f"{w}) v ON t.code = v.code AND t.as_of >= v.date",
                wp,
            )
        finally:
            self._con.unregister("_va_targets")
        rows["as_of"] = pd.to_datetime(rows["as_of"])
        rows["date"] = pd.to_datetime(rows["date"])
        return rows

    def eps_rows(self, codes: Iterable[str] | None = None) -> pd.DataFrame:
        """Every row of every EPS snapshot taken on or before ``as_of``.

        Columns ``code, snapshot_date, fiscal_year, kind, eps``, ordered by code, snapshot
        and fiscal year.
        """
        import pandas as pd

        w, wp = self._window("snapshot_date")
        c, cp = self._in("code", codes)
        rows = self._q(
            "SELECT code, snapshot_date, fiscal_year, kind, eps FROM eps"
            f" WHERE TRUE{c}{w} ORDER BY code, snapshot_date, fiscal_year",
            [*cp, *wp],
        )
        rows["snapshot_date"] = pd.to_datetime(rows["snapshot_date"])
        return rows

    def datasets(self) -> pd.DataFrame:
        """Rows, first and last date per dataset and key outside ``bars``, in one query.

        Datasets: ``fx`` (per pair), ``valuation`` (per code), ``eps snapshot`` (per
        snapshot date), ``board NAME`` (per snapshot date), ``calendar`` (per exchange),
        ``commodity`` (per series); ``as_of`` applied.
        """
        import pandas as pd

        parts = [
            ("'fx'", "pair", "date", "fx"),
            ("'valuation'", "code", "date", "valuation"),
            ("'eps snapshot'", "CAST(snapshot_date AS VARCHAR)", "snapshot_date", "eps"),
            ("'board ' || board", "CAST(snapshot_date AS VARCHAR)", "snapshot_date", "members"),
            ("'calendar'", "exchange", "date", "calendar"),
            ("'commodity'", "series", "date", "commodities"),
        ]
        sql, params = [], []
        for label, key, day, table in parts:
            w, wp = self._window(day)
            sql.append(
                f"SELECT {label} AS dataset, {key} AS key, count(*) AS rows, min({day}) AS first,"
                f" max({day}) AS last FROM {table} WHERE TRUE{w} GROUP BY 1, 2"
            )
            params.extend(wp)
        df = self._q(" UNION ALL ".join(sql) + " ORDER BY dataset, key", params)
        for col in ("first", "last"):
            df[col] = pd.to_datetime(df[col]).dt.date
        df["rows"] = df["rows"].astype("int64")
        return df

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
        """Refuse a truncated file: shorter than the blocks in use its header declares.

        Free blocks are left out: a checkpoint may cut them off the file's end."""
        row = _first(
            self._con.execute(
                "SELECT block_size, used_blocks FROM pragma_database_size()"
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

    def export_parquet(self, table: str, path: Path, codes: Sequence[str] | None = None) -> int:
        """Copy ``table`` (only ``codes``' rows where it has a code column) to a Parquet file;
        returns the rows written. Used to build the bundled snapshot."""
        import pandas as pd

        if table not in _TABLES:
            raise ValueError(f"unknown table {table}")
        keys, values = _TABLES[table]
        cols = ", ".join((*keys, *values))
        where = ""
        if codes is not None and "code" in keys:
            self._con.register("_export_codes", pd.DataFrame({"code": list(codes)}))
            where = " WHERE code IN (SELECT code FROM _export_codes)"
        try:
            target = Path(path).as_posix().replace("'", "''")
            self._con.execute(
                f"COPY (SELECT {cols} FROM {table}{where} ORDER BY {', '.join(keys)})"
                f" TO '{target}' (FORMAT parquet, COMPRESSION zstd)"
            )
            row = _first(self._con.execute(f"SELECT count(*) FROM {table}{where}").fetchall())
        finally:
            if where:
                self._con.unregister("_export_codes")
        return int(row[0]) if row else 0

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
        """BEGIN … COMMIT, or ROLLBACK on any exception (then re-raised, see :meth:`_failed`).

        Ctrl-C is held off while COMMIT runs, so an interrupt either undoes the whole
        transaction or comes too late to touch it: "interrupted" always means nothing
        was written. Values kept by :meth:`Reader.memo` are dropped: they describe the
        store before.
        """
        if self.read_only:
            raise StoreError(f"the store {self.path} is open read-only")
        self._memo.clear()
        self._con.execute("BEGIN TRANSACTION")
        try:
            yield self._con
            with _sigint_held():
                self._con.execute("COMMIT")
        except BaseException as exc:
            self._rollback()
            mapped = self._failed(exc)
            if mapped is exc:
                raise
            raise mapped from None
        finally:
            self._memo.clear()

    def _rollback(self) -> None:
        import duckdb

        try:
            self._con.execute("ROLLBACK")
        except duckdb.Error:
            pass  # a failed COMMIT has already ended the transaction

    def _failed(self, exc: BaseException) -> BaseException:
        """What a failed transaction becomes: Ctrl-C → KeyboardInterrupt, a full disk →
        one StoreError line (after giving the space back), anything else unchanged."""
        if is_interrupt(exc):
            return KeyboardInterrupt()
        reason = no_space(exc)
        if reason is None:
            return exc
        reclaimed = self._reclaim()
        after = (
            "the space it took was given back"
            if reclaimed
            else "the store file keeps its size until the next successful write"
        )
        return StoreError(
            f"out of disk space writing {self.path} ({reason}): nothing was written, {after}",
            hint="free some disk space and run the command again",
        )

    def _reclaim(self) -> bool:
        """Shrink the store file after a rolled-back write that grew it.

        A checkpoint trims free blocks at the file's end, but only on a fresh connection
        (which knows the file's true length) and only when it has something to write."""
        import duckdb

        try:
            self._con.close()
        except duckdb.Error:
            pass
        try:
            self._con = duckdb.connect(str(self.path))
            self._con.execute(
                "INSERT OR REPLACE INTO meta VALUES ('reclaimed_at', ?)",
                [dt.datetime.now(dt.UTC).isoformat(timespec="seconds")],
            )
            self._con.execute("CHECKPOINT")
            return True
        except duckdb.Error:
            return False

    def imported_files(self) -> dict[str, FileRecord]:
        """Every file an import recorded, by path."""
        rows = self._con.execute(
            "SELECT path, size, mtime_ns, sha256, context, rows FROM imported_files"
        ).fetchall()
        return {r[0]: FileRecord(*r) for r in rows}

    def write(self, batch: Batch, on_part: Callable[[int, int], None] | None = None) -> WriteReport:
        """Apply ``batch`` in one transaction and count new / changed / unchanged rows.

        ``on_part(done, total)`` is called after each part (for a progress bar)."""
        report = WriteReport()
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        with self.transaction() as con:
            for table, where in batch.deletes:
                cond = " AND ".join(f"{k} = ?" for k in where)
                con.execute(f"DELETE FROM {table} WHERE {cond}", list(where.values()))
            for i, part in enumerate(batch.parts):
                self._write_part(con, part, f"stage_{i}", report, now)
                if on_part:
                    on_part(i + 1, len(batch.parts))
            self._write_coverage(con, batch, now)
            if batch.files:
                import pandas as pd

                files = pd.DataFrame([vars(f) for f in batch.files])
                con.register("stage_files", files)
                try:
                    con.execute(
                        "INSERT OR REPLACE INTO imported_files SELECT path, size, mtime_ns,"
                        " sha256, context, rows, ? FROM stage_files",
                        [now],
                    )
                finally:
                    con.unregister("stage_files")
        return report

    @staticmethod
    def _write_coverage(con: duckdb.DuckDBPyConnection, batch: Batch, now: Any) -> None:
        import pandas as pd

        for row in batch.coverage_resets:  # corrections first, then what the batch adds
            con.execute("INSERT OR REPLACE INTO coverage VALUES (?, ?, ?, ?, ?, ?)", [*row, now])
        names = ["dataset", "key", "first_date", "last_date", "source"]
        frames = [f for f in batch.coverage_frames if len(f)]
        if batch.coverage:
            frames.append(pd.DataFrame(batch.coverage, columns=names))
        if frames:
            cov = pd.concat(frames, ignore_index=True)
            cov = cov.groupby(["dataset", "key"], as_index=False).agg(
                first_date=("first_date", "min"),
                last_date=("last_date", "max"),
                source=("source", "last"),
            )
            con.register("stage_cov", cov)
            try:
                con.execute(
                    "INSERT INTO coverage SELECT dataset, key, CAST(first_date AS DATE),"
                    " CAST(last_date AS DATE), source, ? FROM stage_cov"
                    " ON CONFLICT (dataset, key) DO UPDATE SET"
                    " first_date = least(coverage.first_date, excluded.first_date),"
                    " last_date = greatest(coverage.last_date, excluded.last_date),"
                    " source = excluded.source, updated_at = excluded.updated_at",
                    [now],
                )
            finally:
                con.unregister("stage_cov")

    @staticmethod
    def _write_part(
        con: duckdb.DuckDBPyConnection, part: Part, name: str, report: WriteReport, now: Any
    ) -> None:
        """Stage one part, decide per key what the row becomes, write new and changed rows.

        Values are compared without the source column: re-importing the same numbers from
        another file counts as unchanged (and leaves the row as it was).
        """
        import duckdb
        import pandas as pd

        keys, values = _TABLES[part.table]
        cols = (*keys, *values)
        types = dict(
            con.execute(
                "SELECT column_name, data_type FROM information_schema.columns"
                " WHERE table_name = ? AND table_schema = 'main'",
                [part.table],
            ).fetchall()
        )
        con.register(name, part.frame)
        const = f"{name}_k"
        if part.consts:
            con.register(const, pd.DataFrame([part.consts]))

        def staged(c: str) -> str:
            if c in part.consts:
                return f"CAST(k.{c} AS {types[c]})"
            if c in part.frame.columns:
                return f"CAST(s.{c} AS {types[c]})"
            return f"NULL::{types[c]}"

        src = f"{name} s" + (f" CROSS JOIN {const} k" if part.consts else "")
        select = ", ".join(f"{staged(c)} AS {c}" for c in cols)
        try:
            if part.unique:
                stage = f"(SELECT {select} FROM {src})"
            else:
                # one row per key: the last staged row wins, as with a replace
                con.execute(
                    f"CREATE OR REPLACE TEMP TABLE {name}_s AS SELECT * EXCLUDE (_rn) FROM ("
                    f"SELECT *, row_number() OVER (PARTITION BY {', '.join(keys)}"
                    f" ORDER BY _ord DESC) AS _rn FROM (SELECT {select}, row_number() OVER ()"
                    f" AS _ord FROM {src})) WHERE _rn = 1"
                )
                stage = f"{name}_s"
            on = " AND ".join(f"t.{k} = s.{k}" for k in keys)
            count = report.count(part.label or part.table)
            stamp = part.table == "securities"
            extra, extra_val = (", updated_at", ", ?") if stamp else ("", "")
            params = [now] if stamp else []
            col_list = ", ".join(cols)
            overlap = _first(
                con.execute(
                    f"SELECT count(*) FROM {stage} s JOIN {part.table} t ON {on}"
                ).fetchall()
            )
            if not overlap or not overlap[0]:  # every row is new (a first import)
                n = con.execute(
                    f"INSERT INTO {part.table} ({col_list}{extra})"
                    f" SELECT {col_list}{extra_val} FROM {stage}",
                    params,
                ).fetchall()
                count.new += int(n[0][0]) if n else 0
                con.execute(f"DROP TABLE IF EXISTS {name}_s")
                return

            def starts(prefixes: tuple[str, ...]) -> str:
                tests = [f"starts_with(coalesce(t.source, ''), {_sql_text(p)})" for p in prefixes]
                return "(" + " OR ".join(tests) + ")" if tests else "FALSE"

            held = f"t.{keys[0]} IS NOT NULL"
            if part.keep_existing:
                wins = f"(NOT {held} OR {starts(part.overwrites)})"
            else:
                wins = f"(NOT {held} OR NOT {starts(part.spares)})"
            finals, olds, same = [], [], []
            for v in values:
                win = f"coalesce(s.{v}, t.{v})" if part.partial else f"s.{v}"
                lose = f"coalesce(t.{v}, s.{v})" if part.fills else f"t.{v}"
                if v == "source":
                    win, lose = "s.source", "coalesce(t.source, s.source)"
                finals.append(f"CASE WHEN {wins} THEN {win} ELSE {lose} END AS {v}")
                if v != "source":
                    olds.append(f"t.{v} AS _old_{v}")
                    same.append(f"{v} IS NOT DISTINCT FROM _old_{v}")
            same_sql = " AND ".join(same) or "TRUE"
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {name}_f AS SELECT *, {same_sql} AS _same FROM ("
                f"SELECT {', '.join(f's.{k}' for k in keys)}, {', '.join(finals)},"
                f" {', '.join([*olds, f'NOT {held} AS _new'])}"
                f" FROM {stage} s LEFT JOIN {part.table} t ON {on})"
            )
            row = _first(
                con.execute(
                    f"SELECT count(*) FILTER (WHERE _new),"
                    f" count(*) FILTER (WHERE NOT _new AND _same),"
                    f" count(*) FILTER (WHERE NOT _new AND NOT _same) FROM {name}_f"
                ).fetchall()
            )
            new, unchanged, changed = (int(x or 0) for x in row) if row else (0, 0, 0)
            count.new += new
            count.changed += changed
            count.unchanged += unchanged
            if new:
                con.execute(
                    f"INSERT INTO {part.table} ({col_list}{extra})"
                    f" SELECT {col_list}{extra_val} FROM {name}_f WHERE _new",
                    params,
                )
            if changed:
                con.execute(
                    f"INSERT OR REPLACE INTO {part.table} ({col_list}{extra})"
                    f" SELECT {col_list}{extra_val} FROM {name}_f WHERE NOT _new AND NOT _same",
                    params,
                )
            con.execute(f"DROP TABLE IF EXISTS {name}_f")
            con.execute(f"DROP TABLE IF EXISTS {name}_s")
        finally:
            for view in (name, const) if part.consts else (name,):
                try:
                    con.unregister(view)
                except duckdb.Error:
                    pass  # an aborted transaction refuses even this; the error above counts


def is_interrupt(exc: BaseException) -> bool:
    """Is ``exc`` a Ctrl-C? DuckDB reports one as RuntimeError('Query interrupted'), or, when
    it lands while DuckDB runs Python code (a pandas scan), as an Error quoting it."""
    if isinstance(exc, KeyboardInterrupt):
        return True
    if type(exc).__name__ == "InterruptException":
        return True
    text = str(exc)
    if isinstance(exc, RuntimeError) and "interrupted" in text.lower():
        return True
    return "KeyboardInterrupt" in text and type(exc).__module__.startswith(("duckdb", "_duckdb"))


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_NO_SPACE_WORDS = {
    "no space left on device": "no space left on device",
    "file too large": "file size limit reached",
    "disk quota exceeded": "disk quota exceeded",
    "not enough space": "no space left on device",
}


def no_space(exc: BaseException) -> str | None:
    """The reason, if ``exc`` says the disk (or the file size limit) is full."""
    import errno

    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return exc.strerror or "no space left on device"
    try:
        import duckdb
    except ImportError:  # pragma: no cover
        return None
    if not isinstance(exc, duckdb.Error):
        return None
    text = str(exc).lower()
    for words, reason in _NO_SPACE_WORDS.items():
        if words in text:
            return reason
    return None


@contextmanager
def _sigint_held() -> Iterator[None]:
    """Ignore Ctrl-C for the duration (main thread only): used around COMMIT."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    try:
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except (ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


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
