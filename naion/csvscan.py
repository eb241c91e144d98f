"""Reading import CSVs with DuckDB: typed, checked, every problem named by file and line.

A :class:`Scanner` reads a group of files in one ``read_csv`` call of a private in-memory
DuckDB (never the store), then checks every value against a
:class:`~naion.frames.FrameSchema` in one SQL pass (the rules are listed in
:mod:`naion.frames`). Problems come out as ``FILE:LINE: what is wrong``, never with the
offending text: an import folder may hold anything, so a message quotes at most a file's
header names.

Fast path: numbers are parsed by DuckDB's CSV reader, values checked with vectorized SQL.
Only when a check fails is that one file read again line by line (Python's ``csv``) with
its line numbers, and the same SQL run over it to name the first line at fault.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from naion.errors import DataError
from naion.frames import FIRST_DATE, NO_VALUE, Column, FrameSchema, last_date

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

HEADER_LIMIT = 65536  # bytes: a first line longer than this is not a CSV header
_NAME = re.compile(r"^[\w .()%/&+-]{1,64}$")

# a date as text → DATE or NULL (ISO, ISO at midnight, or YYYYMMDD)
_DATE_MACRO = r"""
CREATE OR REPLACE MACRO naion_date(t) AS CASE
  WHEN length(t) = 10 AND t[5] = '-' AND t[8] = '-' THEN try_cast(t AS DATE)
  WHEN regexp_full_match(t, '\d{4}-\d{2}-\d{2}[ T]00:00(:00(\.0+)?)?')
    THEN try_cast(left(t, 10) AS DATE)
  WHEN regexp_full_match(t, '\d{8}') THEN try_strptime(t, '%Y%m%d')::DATE
END
"""

_REJECTS = {
    "CAST": "column {col} is not a {what}",
    "TOO MANY COLUMNS": "the line has more cells than the header has columns",
    "MISSING COLUMNS": "the line has fewer cells than the header has columns",
    "INVALID UNICODE": "not UTF-8 text",
    "UNQUOTED VALUE": "a quoted cell has text after its closing quote",
    "LINE SIZE OVER MAXIMUM": "the line is too long",
    "INVALID STATE": "malformed CSV",
}


SERIAL_ABOVE = 16 << 20  # bytes: a file this large may hold a line over DuckDB's buffer


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


@dataclass
class CsvFile:
    """One file to read: where it is, how messages name it, its header, its constants."""

    path: Path
    shown: str
    header: tuple[str, ...]
    values: dict[str, Any] = field(default_factory=dict)  # per-file columns (code, source…)


def _open_text(path: Path) -> io.TextIOBase:
    raw = gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")  # type: ignore[arg-type]


def read_header(path: Path, shown: str, expected: Sequence[str] = ()) -> tuple[str, ...]:
    """The file's column names, stripped and lower-cased; one-line errors otherwise."""
    want = f"expected columns {', '.join(expected)}" if expected else "export it again"
    try:
        if path.stat().st_size == 0:
            raise DataError(f"{shown}: the file is empty", hint="remove it or export it again")
        opener = gzip.open if path.name.lower().endswith(".gz") else open
        with opener(path, "rb") as fh:  # type: ignore[operator]
            head = fh.read(HEADER_LIMIT)
    except (gzip.BadGzipFile, EOFError, zlib.error):
        raise DataError(
            f"{shown}: not a readable gzip file (corrupt or cut short)", hint="export it again"
        ) from None
    except OSError as exc:
        raise DataError(f"{shown}: cannot read it ({exc.strerror or type(exc).__name__})") from None
    if not head:
        raise DataError(f"{shown}: the file is empty", hint="remove it or export it again")
    end = min((i for i in (head.find(b"\n"), head.find(b"\r")) if i >= 0), default=-1)
    if end < 0 and len(head) == HEADER_LIMIT:
        raise DataError(f"{shown}:1: the first line is not a CSV header", hint=want)
    line = head if end < 0 else head[:end]
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{shown}:1: not UTF-8 text", hint="save the file as UTF-8 CSV") from None
    try:
        cells = next(csv.reader([text]), [])
    except csv.Error:
        cells = []
    names = tuple(c.strip().lower() for c in cells)
    if not names or not all(_NAME.match(n) for n in names):
        raise DataError(f"{shown}:1: the first line is not a CSV header", hint=want)
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise DataError(f"{shown}:1: column {n} appears twice in the header")
        seen.add(n)
    return names


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _is_number(col: Column) -> bool:
    return col.kind in ("float", "int")


@dataclass
class Rule:
    """A check beyond the schema: ``bad`` is SQL over the typed columns, true on a bad row."""

    bad: str
    message: str


def schema_rules(schema: FrameSchema, present: set[str]) -> list[Rule]:
    """The value rules of ``schema`` (see naion.frames) as SQL, for the columns present."""
    lo, hi = FIRST_DATE.isoformat(), last_date().isoformat()
    rules: list[Rule] = []
    for col in schema.columns:
        c = _ident(col.name)
        if col.name in present:
            bad = _ident(col.name + "__bad")  # there was text, it did not parse
            if col.kind == "date":
                rules.append(Rule(bad, f"column {col.name} is not a date (YYYY-MM-DD)"))
                rules.append(
                    Rule(
                        f"{c} < DATE '{lo}' OR {c} > DATE '{hi}'",
                        f"column {col.name} is outside {lo}..{hi}",
                    )
                )
            elif _is_number(col):
                rules.append(Rule(bad, f"column {col.name} is not a number"))
                rules.append(
                    Rule(f"NOT isfinite({c})", f"column {col.name} is not a finite number")
                )
                if col.kind == "int":
                    rules.append(
                        Rule(f"{c} <> trunc({c})", f"column {col.name} is not a whole number")
                    )
                if col.positive:
                    rules.append(Rule(f"{c} <= 0", f"column {col.name} is not positive"))
                if col.nonneg:
                    rules.append(Rule(f"{c} < 0", f"column {col.name} is negative"))
                if col.lo is not None:
                    rules.append(
                        Rule(f"{c} < {col.lo!r}", f"column {col.name} is below {col.lo:g}")
                    )
                if col.hi is not None:
                    rules.append(
                        Rule(f"{c} > {col.hi!r}", f"column {col.name} is above {col.hi:g}")
                    )
            elif col.choices:
                words = ", ".join(_quote(w) for w in col.choices)
                rules.append(
                    Rule(
                        f"lower({c}) NOT IN ({words})",
                        f"column {col.name} is not one of {', '.join(col.choices)}",
                    )
                )
        if not col.nullable:
            rules.append(Rule(f"{c} IS NULL", f"column {col.name} is empty"))
    names = {c.name for c in schema.columns}
    if {"high", "low"} <= names:
        rules.append(Rule("high < low", "high is below low"))
    return rules


def _interrupt_or(exc: BaseException) -> BaseException:
    """DuckDB's report of a Ctrl-C becomes KeyboardInterrupt (see naion.store.is_interrupt)."""
    from naion.store import is_interrupt

    return KeyboardInterrupt() if is_interrupt(exc) else exc


class Scanner:
    """An in-memory DuckDB that reads, types and checks import CSVs."""

    def __init__(self) -> None:
        import duckdb

        self.con: duckdb.DuckDBPyConnection = duckdb.connect()
        self.con.execute(_DATE_MACRO)
        self._n = 0
        # one transaction for the whole scan: DuckDB otherwise cleans up after every big
        # statement at the start of a later one (0.5 s and more after the market panel)
        self.con.execute("BEGIN")

    def close(self) -> None:
        self.con.close()

    # -- plumbing -----------------------------------------------------------------------
    def sql(self, query: str, params: Sequence[Any] = ()) -> duckdb.DuckDBPyConnection:
        import duckdb

        try:
            return self.con.execute(query, list(params))
        except duckdb.Error as exc:
            # an error aborts the transaction: start another so the caller can still
            # probe the files (what was read is gone, and the import stops anyway)
            self.con.execute("ROLLBACK")
            self.con.execute("BEGIN")
            raise _interrupt_or(exc) from None
        except BaseException as exc:
            raise _interrupt_or(exc) from None

    def df(self, query: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        try:
            return self.con.execute(query, list(params)).df()
        except BaseException as exc:
            raise _interrupt_or(exc) from None

    def rows(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.sql(query, params).fetchall()

    def register(self, name: str, frame: pd.DataFrame) -> None:
        self.con.register(f"{name}_v", frame)
        self.sql(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_v")
        self.con.unregister(f"{name}_v")

    def _name(self, stem: str) -> str:
        self._n += 1
        return f"_{stem}_{self._n}"

    # -- reading ------------------------------------------------------------------------
    def load(
        self, table: str, files: Sequence[CsvFile], schema: FrameSchema, rules: Sequence[Rule] = ()
    ) -> int:
        """Read ``files`` into ``table`` (``fi`` = index into ``files``) and check them.

        Columns: ``fi``, every schema column (absent optional ones NULL, per-file values
        from ``CsvFile.values``), each file value not in the schema, and ``<col>__bad``
        for dates and numbers (text that did not parse). Raises DataError on the first bad
        line of the first bad file. Returns the number of rows read.
        """
        import pandas as pd

        consts = sorted({k for f in files for k in f.values})
        for f in files:
            missing = [
                c.name
                for c in schema.columns
                if c.required and c.name not in f.header and c.name not in f.values
            ]
            if missing:
                got = ", ".join(f.header)
                raise DataError(f"{f.shown}: missing column(s) {', '.join(missing)} (got: {got})")
        info = pd.DataFrame({"fi": range(len(files))})
        for k in consts:
            info[k] = [f.values.get(k) for f in files]
        ftab = f"{table}__files"
        self.register(ftab, info)
        groups: dict[tuple[str, ...], list[int]] = {}
        for i, f in enumerate(files):
            groups.setdefault(f.header, []).append(i)
        parts = []
        for header, idx in groups.items():
            parts.append(self._read_group(table, [files[i] for i in idx], idx, header, schema))
        # ri: the row's position in its group table = its order in the file (the CSV reader
        # keeps insertion order), turned into a line number only when a check fails
        union = " UNION ALL BY NAME ".join(f"SELECT *, rowid AS ri FROM {p}" for p in parts)
        present = {c.name for c in schema.columns if any(c.name in f.header for f in files)}
        cols = []
        for col in schema.columns:
            c = _ident(col.name)
            if col.name in present:
                if col.name in consts:
                    cols.append(f"coalesce(r.{c}, f.{c}) AS {c}")
                else:
                    cols.append(f"r.{c}")
                if col.kind in ("date", "float", "int"):
                    cols.append(f"r.{_ident(col.name + '__bad')}")
            elif col.name in consts:
                cols.append(f"f.{c}")
                if col.kind in ("date", "float", "int"):
                    cols.append(f"false AS {_ident(col.name + '__bad')}")
            else:
                cols.append(f"NULL::{_duck_type(col)} AS {c}")
        extra = [f"f.{_ident(k)}" for k in consts if k not in {c.name for c in schema.columns}]
        select = ", ".join(["r.fi", "r.ri", *cols, *extra])
        # a view: the rows stay in the group tables, read once more by each check and export
        self.sql(
            f"CREATE OR REPLACE VIEW {table} AS SELECT {select}"
            f" FROM ({union}) r JOIN {ftab} f USING (fi)"
        )
        present |= set(consts)
        self.check(
            table,
            files,
            [*schema_rules(schema, present), *rules],
            [_ident(k) for k in schema.key],
            " and ".join(schema.key),
        )
        row = self.rows(f"SELECT count(*) FROM {table}")
        return int(row[0][0]) if row else 0

    def _read_group(
        self,
        table: str,
        files: Sequence[CsvFile],
        idx: Sequence[int],
        header: tuple[str, ...],
        schema: FrameSchema,
        dates_as_text: bool = False,
    ) -> str:
        """One read_csv call for files sharing a header; returns the table holding them.

        Dates are first parsed by the CSV reader (strict ``%Y-%m-%d``, the fast path); if
        one does not parse, the files are read again with dates as text, parsed by the
        ``naion_date`` macro, which also takes ``YYYYMMDD`` and midnight timestamps.
        """
        import duckdb

        kinds = {c.name: c for c in schema.columns}
        dates = [h for h in header if h in kinds and kinds[h].kind == "date"]

        def duck(h: str) -> str:
            if h in kinds and _is_number(kinds[h]):
                return "DOUBLE"
            return "DATE" if h in dates and not dates_as_text else "VARCHAR"

        name = self._name("raw")
        rej, scan = f"{name}_rej", f"{name}_scan"
        paths = "[" + ", ".join(_quote(str(f.path)) for f in files) + "]"
        columns = "{" + ", ".join(f"{_quote(h)}: '{duck(h)}'" for h in header) + "}"
        nulls = "[" + ", ".join(_quote(v) for v in NO_VALUE) + "]"
        offsets = (
            "CASE file_index " + " ".join(f"WHEN {j} THEN {i}" for j, i in enumerate(idx)) + " END"
        )
        inner, outer = [f"{offsets} AS fi"], ["fi"]
        for h in header:
            if h not in kinds:
                continue
            col, c, bad = kinds[h], _ident(h), _ident(h + "__bad")
            if col.kind == "date" and dates_as_text:
                inner.append(f"trim({c}) AS {_ident(h + '__t')}")
                outer.append(f"naion_date({_ident(h + '__t')}) AS {c}")
                outer.append(f"({_ident(h + '__t')} IS NOT NULL AND {c} IS NULL) AS {bad}")
            elif col.kind in ("date", "float", "int"):
                inner.append(c)
                outer.extend([c, f"false AS {bad}"])
            else:
                inner.append(f"nullif(trim({c}), '') AS {c}")
                outer.append(c)
        date_format = "" if dates_as_text else ", dateformat = '%Y-%m-%d'"
        # DuckDB's parallel reader skips a line longer than its buffer without a reject; the
        # serial one records it (~10% slower on the 64 MB panel): used where such a line fits
        serial = any(f.path.name.lower().endswith(".gz") or _size(f.path) > SERIAL_ABOVE
                     for f in files)  # fmt: skip
        query = (
            f"CREATE OR REPLACE TABLE {name} AS SELECT {', '.join(outer)} FROM ("
            f"SELECT {', '.join(inner)}"
            f" FROM read_csv({paths}, header = true, auto_detect = false, delim = ',',"
            f" quote = '\"', escape = '\"', columns = {columns}, nullstr = {nulls}{date_format},"
            f" store_rejects = true, rejects_table = '{rej}', rejects_scan = '{scan}'"
            f"{', parallel = false' if serial else ''}))"
        )
        try:
            self.sql(query)
        except KeyboardInterrupt:
            raise
        except duckdb.Error as exc:
            self._unreadable(files, header, schema, exc)
        found = self.rows(
            f"SELECT s.file_path, e.line, e.error_type, e.column_name FROM {rej} e"
            f" JOIN {scan} s USING (scan_id, file_id) ORDER BY e.file_id, e.line"
        )
        self.sql(f"DROP TABLE IF EXISTS {rej}")
        self.sql(f"DROP TABLE IF EXISTS {scan}")
        if found and not dates_as_text and any(k == "CAST" and c in dates for _, _, k, c in found):
            self.sql(f"DROP TABLE {name}")
            return self._read_group(table, files, idx, header, schema, dates_as_text=True)
        if found:
            path, line, kind, column = found[0]
            shown = next((f.shown for f in files if str(f.path) == path), path)
            what = "number"
            if column in kinds and kinds[column].kind == "int":
                what = "whole number"
            text = _REJECTS.get(str(kind), "malformed CSV").format(col=column, what=what)
            raise DataError(f"{shown}:{line}: {text}")
        return name

    def _unreadable(
        self,
        files: Sequence[CsvFile],
        header: tuple[str, ...],
        schema: FrameSchema,
        exc: BaseException,
    ) -> None:
        """A read_csv call failed outright: find the file and say why, without its text."""
        from naion.store import no_space

        reason = no_space(exc)
        if reason is not None:  # DuckDB spilling to disk while reading, not the file
            raise DataError(
                f"out of disk space while reading {files[0].shown} ({reason})",
                hint="free some disk space and run the import again",
            ) from None
        if len(files) > 1:
            for f in files:  # the culprit raises again on its own
                self._read_group("probe", [f], [0], header, schema)
        shown = files[0].shown
        text = str(exc).lower()
        if any(w in text for w in ("gzip", "zlib", "inflate", "compress")):
            raise DataError(
                f"{shown}: not a readable gzip file (corrupt or cut short)", hint="export it again"
            ) from None
        if "unicode" in text or "utf" in text:
            raise DataError(f"{shown}: not UTF-8 text", hint="save the file as UTF-8 CSV") from None
        m = re.search(r"line:? (\d+)", text)
        where = f":{m.group(1)}" if m else ""
        raise DataError(f"{shown}{where}: malformed CSV", hint="export it again") from None

    # -- checking -----------------------------------------------------------------------
    def check(
        self,
        table: str,
        files: Sequence[CsvFile],
        rules: Sequence[Rule],
        key: Sequence[str] = (),
        key_names: str = "",
    ) -> None:
        """Raise DataError at the first line (of the first file) breaking a rule or the key.

        ``key`` holds SQL expressions that must be unique within each file; ``key_names``
        says what they are in the message ("date", "code and date").
        """
        bad_files = []
        if rules:
            any_bad = " OR ".join(f"coalesce(({r.bad}), false)" for r in rules)
            row = self.rows(f"SELECT min(fi) FROM {table} WHERE {any_bad}")
            if row and row[0][0] is not None:
                bad_files.append(int(row[0][0]))
        if key:
            keys = ", ".join(key)
            row = self.rows(
                f"SELECT min(fi) FROM (SELECT fi FROM {table} GROUP BY fi, {keys}"
                " HAVING count(*) > 1)"
            )
            if row and row[0][0] is not None:
                bad_files.append(int(row[0][0]))
        if not bad_files:
            return
        f = files[min(bad_files)]
        line, message = self._first_bad_line(table, f, min(bad_files), rules, key, key_names)
        raise DataError(f"{f.shown}:{line}: {message}" if line else f"{f.shown}: {message}")

    def _first_bad_line(
        self,
        table: str,
        f: CsvFile,
        fi: int,
        rules: Sequence[Rule],
        key: Sequence[str],
        key_names: str,
    ) -> tuple[int | None, str]:
        """The first bad row of one file, by its position; then its line, counted in the file."""
        found: list[tuple[int, str, int | None]] = []  # (row position, message, earlier row)
        if rules:
            cases = " ".join(
                f"WHEN coalesce(({r.bad}), false) THEN {_quote(r.message)}" for r in rules
            )
            any_bad = " OR ".join(f"coalesce(({r.bad}), false)" for r in rules)
            row = self.rows(
                f"SELECT ri, CASE {cases} END FROM {table} WHERE fi = ? AND ({any_bad})"
                " ORDER BY ri LIMIT 1",
                [fi],
            )
            if row:
                found.append((int(row[0][0]), str(row[0][1]), None))
        if key:
            keys = ", ".join(key)
            row = self.rows(
                f"SELECT ri, first FROM (SELECT ri, min(ri) OVER (PARTITION BY {keys}) AS first"
                f" FROM {table} WHERE fi = ?) WHERE ri > first ORDER BY ri LIMIT 1",
                [fi],
            )
            if row:
                what = key_names or "key"
                found.append((int(row[0][0]), f"repeats the {what} of line {{first}}", row[0][1]))
        if not found:
            return None, "a value breaks the import rules"
        ri, message, first = min(found, key=lambda x: x[0])
        start = self.rows(f"SELECT min(ri) FROM {table} WHERE fi = ?", [fi])[0][0]
        wanted = [ri - start] + ([first - start] if first is not None else [])
        lines = _lines_of(f.path, wanted)
        if first is not None:
            message = message.format(first=lines.get(first - start, "?"))
        return lines.get(ri - start), message


def _lines_of(path: Path, positions: Sequence[int]) -> dict[int, int]:
    """Line numbers of the data rows at ``positions`` (0 = the first row after the header),
    counting blank lines and newlines inside quoted cells as the CSV reader does."""
    want, out = set(positions), {}
    with _open_text(path) as fh:
        reader = csv.reader(fh)
        next(reader, None)
        pos, before = 0, reader.line_num
        for row in reader:
            start, before = before + 1, reader.line_num  # a row may span lines
            if not row:
                continue
            if pos in want:
                out[pos] = start
                if len(out) == len(want):
                    break
            pos += 1
    return out


def _duck_type(col: Column) -> str:
    return {"date": "DATE", "float": "DOUBLE", "int": "DOUBLE", "str": "VARCHAR"}[col.kind]


@contextmanager
def scanner() -> Iterator[Scanner]:
    s = Scanner()
    try:
        yield s
    finally:
        s.close()
