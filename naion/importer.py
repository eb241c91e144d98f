"""``naion data import PATH``: load CSV exports into the store, all or nothing.

The import folder layout (the layout of ``../shared/data/real``; every file optional)::

    securities.csv          code,name,market,exchange,currency[,industry,first_date,last_date,
                            rows,...]  market: A, HK, US, INDEX (A-QFQ rows describe
                            prices_qfq files); market, currency and exchange must agree with
                            the code's suffix (.SH SSE, .SZ SZSE, .BJ BSE, .HK HKEX; CNY/HKD/USD)
    prices/<CODE>.csv       date,open,high,low,close,volume[,amount][,adj_close]
                            unadjusted prices (US/HK: split-adjusted close), volume in shares,
                            amount = traded value in the listing currency; adj_close, where
                            given, becomes the forward-adjusted (qfq) close on dates that
                            prices_qfq/ does not state
    prices_qfq/<CODE>.csv   date,open,high,low,close,volume        forward-adjusted prices
    indexes/<CODE>.csv      date,open,high,low,close,volume,amount,adj_close
                            close = price index; adj_close = total-return index (adjust=tr)
    fx/<PAIR>.csv           date,rate       e.g. USDCNY = CNY per 1 USD (close)
    valuation/<CODE>.csv    date,pe_ttm,pb,ps_ttm,total_mv[,total_share,pe_static,peg]
                            total_mv in the listing currency (CNY, not 亿元); a negative PE
                            (loss period) is kept as given
    valuation_market/*_<YYYY-MM-DD>.csv
                            code,name,industry,pe_ttm,pb,ps_ttm,total_mv   whole-market
                            valuation snapshot of that date; also names and industries
    eps/<YYYY-MM-DD>.csv    code,fiscal_year,kind,eps[,analysts]   kind = actual | estimate;
                            the file name is the date the snapshot was taken
    market/*.csv[.gz]       date,code,open,high,low,close[,volume],amount   whole-market panel
                            (a file named *_YYYY-MM-DD.csv may omit date: a one-day snapshot)
    commodities/<NAME>.csv  date,price  or  date,open,high,low,close[,volume][,contract]
    commodities.csv         file,series,name,unit,kind,exchange   (optional) what each
                            commodities/ file is; without a row the series id is the file
                            name (lithium_carbonate → li2co3, the word futures dropped),
                            kind futures/spot from the name, unit CNY/t

Dates are ``YYYY-MM-DD`` (or ``YYYYMMDD``) between 1990-01-01 and a year from today; prices,
rates and market caps are finite and > 0; high >= low; volume and traded value >= 0.

Rows already held with equal values count as unchanged, so importing the same folder twice
changes nothing; a file whose bytes (and meaning) are recorded as imported is not read again
(``imported_files``; ``force`` reads everything). An import only adds or updates what its
files state: an empty cell never blanks a held name or exchange. Per-code files take
precedence over the whole-market panels on the same (code, date); renumbered codes join
(835185.BJ → 920185.BJ). A malformed file stops the import with its name and line, and
nothing is written. Links leading out of the import folder are not followed, and messages
never quote a file's content beyond its header names.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from naion import frames
from naion.csvscan import CsvFile, Rule, Scanner, read_header
from naion.errors import DataError, InputError
from naion.import_sets import (
    DATASETS,
    EXCHANGES,
    Dataset,
    SeriesInfo,
    exchange_of,
    is_csv,
    series_from_name,
    suffix_of,
)
from naion.store import Batch, FileRecord, Store, WriteReport

if TYPE_CHECKING:
    import pandas as pd

# bump when the reading rules change, so files imported under the old rules are read again
RULES_VERSION = "4"
ROOT_FILES = ("securities.csv", "commodities.csv")
FOLDERS = tuple(DATASETS)

SUMMARY_ORDER = (
    "securities",
    "bars:qfq",
    "bars:none",
    "bars:tr",
    "fx",
    "valuation",
    "valuation panel",
    "eps",
    "market panel",
    "panel securities",
    "commodities",
    "commodity series",
)
Progress = Callable[[str, int, int], None]  # (folder or "write", steps done, steps in all)


@dataclass
class FileNote:
    path: str
    note: str


@dataclass
class ImportResult:
    """What an import read, wrote and left aside."""

    files: dict[str, int] = field(default_factory=dict)  # dataset label → files read
    unchanged_files: dict[str, int] = field(default_factory=dict)  # label → files not re-read
    rows: dict[str, int] = field(default_factory=dict)  # dataset label → rows read
    written: WriteReport = field(default_factory=WriteReport)
    skipped: list[FileNote] = field(default_factory=list)
    warnings: list[FileNote] = field(default_factory=list)
    seconds: float = 0.0

    def labels(self) -> list[str]:
        """Every dataset label seen, in the layout's order."""
        seen = set(self.files) | set(self.unchanged_files) | set(self.rows)
        order = [*SUMMARY_ORDER, *sorted(seen - set(SUMMARY_ORDER))]
        return [label for label in order if label in seen]


@dataclass
class Found:
    """A file of the import folder, what it is about and what it meant when last imported."""

    dataset: Dataset | None  # None: securities.csv
    path: Path  # what to read: resolved, inside the import folder
    shown: str  # as the user sees it
    size: int
    mtime_ns: int
    where: str = ""  # the file's place in the folder (links not resolved): its record key
    key: str = ""
    context: str = ""
    sha256: str = ""
    info: Any = None

    @property
    def name(self) -> str:
        return Path(self.shown).name

    @property
    def stem(self) -> str:
        name = self.name
        for suffix in (".csv.gz", ".csv"):
            if name.lower().endswith(suffix):
                return name[: -len(suffix)]
        return name

    @property
    def folder(self) -> str:
        return self.dataset.folder if self.dataset else ""

    @property
    def source(self) -> str:
        return f"import:{self.folder}/{self.name}" if self.folder else f"import:{self.name}"

    @property
    def label(self) -> str:
        return self.dataset.label if self.dataset else "securities"


def _digest(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class Importer:
    """Finds the files to read, reads and checks them, and writes them in one transaction."""

    def __init__(
        self,
        store: Store,
        root: Path,
        canonical: Callable[[str], str],
        names_en: dict[str, str],
        force: bool = False,
        progress: Progress | None = None,
    ) -> None:
        self.store = store
        self.root = root
        self.canonical = canonical
        self.names_en = names_en
        self.force = force
        self.progress = progress
        self.batch = Batch()
        self.result = ImportResult()
        self._scanner: Scanner | None = None
        self.declared: dict[str, dict[str, Any]] = {}  # code → securities.csv row (not A-QFQ)
        self.declared_rows: dict[tuple[str, str], int] = {}  # (code, market) → rows
        self.implied_rows: dict[str, str] = {}  # code → source, from per-code files
        self.panel_codes: dict[str, str] = {}  # code → source, from market panels
        self.commodity_index: dict[str, SeriesInfo] = {}
        self._macros = 0

    @property
    def scanner(self) -> Scanner:
        if self._scanner is None:
            self._scanner = Scanner()
        return self._scanner

    # -- entry point ---------------------------------------------------------------------
    def run(self) -> ImportResult:
        t0 = time.perf_counter()
        try:
            found = self._discover()
            todo = self._plan(found)
            if todo:
                self._read(todo)
                self._finish_securities()
                total = len(self.batch.parts)
                on_part = (lambda i, n: self.progress("write", i, n)) if self.progress else None
                if self.progress:
                    self.progress("write", 0, total)
                self.result.written = self.store.write(self.batch, on_part=on_part)
        finally:
            if self._scanner is not None:
                self._scanner.close()
        self.result.seconds = time.perf_counter() - t0
        return self.result

    # -- finding files ---------------------------------------------------------------------
    def _discover(self) -> list[Found]:
        root = self.root
        if not root.exists() and not root.is_symlink():
            raise InputError(f"{root} does not exist", hint="give the folder of your CSV exports")
        try:
            real = root.resolve(strict=True)
            mode = os.stat(real).st_mode
        except OSError as exc:
            raise InputError(f"cannot open {root} ({exc.strerror or exc})") from None
        if stat.S_ISREG(mode):
            return [self._single(root, real)]
        if not stat.S_ISDIR(mode):
            raise InputError(
                f"{root} is neither a folder nor a CSV file",
                hint="give the folder of your CSV exports (see README: import layout)",
            )
        found: list[Found] = []
        for entry, shown, st in self._entries(real, str(root)):
            name = Path(shown).name  # a link's own name, not its target's
            if stat.S_ISDIR(st.st_mode):
                if name not in DATASETS:
                    self.result.skipped.append(FileNote(shown + "/", "unknown folder"))
                    continue
                dataset = DATASETS[name]
                for sub, sub_shown, sub_st in self._entries(real, shown, entry):
                    if not stat.S_ISREG(sub_st.st_mode):
                        self.result.skipped.append(FileNote(sub_shown, "not a regular file"))
                    elif not is_csv(Path(sub_shown)):
                        self.result.skipped.append(FileNote(sub_shown, "not a .csv file"))
                    else:
                        found.append(self._found(dataset, sub, sub_shown, sub_st))
            elif not stat.S_ISREG(st.st_mode):
                self.result.skipped.append(FileNote(shown, "not a regular file"))
            elif name == "securities.csv":
                found.append(self._found(None, entry, shown, st))
            elif name == "commodities.csv":
                self._read_commodity_index(entry, shown)
            else:
                self.result.skipped.append(FileNote(shown, "not part of the import layout"))
        named = {n for f in found if f.folder == "commodities" for n in (f.name, f.stem)}
        for file in sorted(set(self.commodity_index) - named):
            self.result.warnings.append(
                FileNote(f"{root}/commodities.csv", f"names {file}, not in commodities/")
            )
        if not found:
            raise InputError(
                f"{root} holds no files in the import layout",
                hint=f"expected securities.csv and folders {', '.join(FOLDERS)}",
            )
        return found

    def _entries(
        self, real_root: Path, shown: str, folder: Path | None = None
    ) -> list[tuple[Path, str, os.stat_result]]:
        """Entries of a folder, sorted; links are followed only while they stay inside."""
        where = folder or real_root
        out = []
        try:
            names = sorted(os.listdir(where))
        except OSError as exc:
            raise InputError(f"cannot list {shown} ({exc.strerror or exc})") from None
        for name in names:
            path = where / name
            show = f"{shown.rstrip('/')}/{name}"
            if name.startswith("."):
                self.result.skipped.append(FileNote(show, "hidden"))
                continue
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError):
                self.result.skipped.append(FileNote(show, "a broken link"))
                continue
            if target != real_root and real_root not in target.parents:
                self.result.skipped.append(
                    FileNote(show, "a link to outside the import folder, not followed")
                )
                continue
            try:
                st = os.stat(target)
            except OSError as exc:
                self.result.skipped.append(FileNote(show, f"cannot read ({exc.strerror})"))
                continue
            out.append((target if path.is_symlink() else path, show, st))
        return out

    def _found(self, dataset: Dataset | None, path: Path, shown: str, st: os.stat_result) -> Found:
        real_root = self.root.resolve()
        try:
            where = str(real_root / Path(shown).relative_to(self.root))
        except ValueError:  # a single file named directly
            where = str(path)
        return Found(dataset, path, shown, st.st_size, st.st_mtime_ns, where)

    def _single(self, given: Path, real: Path) -> Found:
        st = os.stat(real)
        if given.name == "securities.csv":
            return self._found(None, real, str(given), st)
        folder = given.parent.name
        if folder in DATASETS and is_csv(given):
            return self._found(DATASETS[folder], real, str(given), st)
        raise InputError(
            f"cannot tell what {given} holds",
            hint=f"import its folder, or keep it in a folder named one of {', '.join(FOLDERS)}",
        )

    def _read_commodity_index(self, path: Path, shown: str) -> None:
        schema = frames.COMMODITY_INDEX
        csv_file = CsvFile(path, shown, read_header(path, shown, schema.names))
        self.scanner.load("t_cidx", [csv_file], schema)
        for file, series, name, unit, kind, exchange in self.scanner.rows(
            "SELECT file, series, name, unit, lower(kind), exchange FROM t_cidx"
        ):
            stem = file[:-4] if file.lower().endswith(".csv") else file
            d = series_from_name(stem)
            self.commodity_index[file] = SeriesInfo(
                series or d.series,
                name or d.name,
                unit or d.unit,
                kind or d.kind,
                exchange.upper() if exchange else d.exchange,
            )

    # -- deciding what to read -----------------------------------------------------------------
    def _plan(self, found: list[Found]) -> list[Found]:
        """Name every file's key and meaning; drop those recorded as imported unchanged."""
        held = {} if self.force else self.store.imported_files()
        todo = []
        for f in found:
            if f.dataset is None:
                f.key, f.context = "securities", "securities"
            else:
                f.key = f.dataset.key(self, f)
                f.context = f.dataset.context(self, f)
            f.context = f"{RULES_VERSION}|{f.context}"
            f.sha256 = _digest(f.path)
            rec = held.get(f.where)
            if rec and rec.size == f.size and rec.sha256 == f.sha256 and rec.context == f.context:
                n = self.result.unchanged_files
                n[f.label] = n.get(f.label, 0) + 1
                continue
            todo.append(f)
        return todo

    def _read(self, todo: list[Found]) -> None:
        sec = [f for f in todo if f.dataset is None]
        if sec:
            self._progress("securities", 0, len(sec))
            self._read_securities(sec)
            self._progress("securities", len(sec), len(sec))
        for dataset in DATASETS.values():
            files = [f for f in todo if f.dataset is dataset]
            if not files:
                continue
            self._progress(dataset.folder, 0, len(files))
            self.result.files[dataset.label] = self.result.files.get(dataset.label, 0)
            dataset.read(self, files)
            self.result.files[dataset.label] += len(files)
            self._progress(dataset.folder, len(files), len(files))

    def _progress(self, label: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(label, done, total)

    # -- helpers for the dataset readers ---------------------------------------------------------
    def code_of(self, text: str, found: Found) -> str:
        try:
            return self.canonical(text)
        except InputError:
            raise DataError(
                f"{found.shown}: the file name is not a security code",
                hint="name it like 300750.SZ.csv, 1211.HK.csv or TSLA.csv",
            ) from None

    def csv_files(
        self,
        files: Sequence[Found],
        schema: frames.FrameSchema,
        values: Callable[[Found], dict[str, Any]],
    ) -> list[CsvFile]:
        out = []
        for f in files:
            header = read_header(f.path, f.shown, schema.names)
            given = values(f)
            if schema.name != frames.SECURITIES.name:  # securities.csv may carry more columns
                # a misspelled header (opn, clsoe) would otherwise be dropped without a word
                for name in header:
                    if name not in schema.names and name not in given:
                        self.result.skipped.append(
                            FileNote(
                                f.shown,
                                f"column {name} (not in the layout: {', '.join(schema.names)};"
                                " check the header's spelling)",
                            )
                        )
            out.append(CsvFile(f.path, f.shown, header, given))
        return out

    def rows_per_file(self, table: str, n: int) -> list[int]:
        counts = dict(self.scanner.rows(f"SELECT fi, count(*) FROM {table} GROUP BY fi"))
        return [int(counts.get(i, 0)) for i in range(n)]

    def record(self, f: Found, rows: int) -> None:
        self.batch.record_file(FileRecord(f.where, f.size, f.mtime_ns, f.sha256, f.context, rows))

    def add_rows(self, label: str, n: int) -> None:
        self.result.rows[label] = self.result.rows.get(label, 0) + n

    def canonical_codes(self, table: str, files: Sequence[CsvFile], column: str = "code") -> str:
        """Check ``table``'s codes (file and line of the first bad one) and return the name
        of a SQL macro mapping a code as written to its canonical form (aliases joined)."""
        import pandas as pd

        raw = [r[0] for r in self.scanner.rows(f"SELECT DISTINCT {column} FROM {table}")]
        mapping = {}
        for text in raw:
            try:
                mapping[text] = self.canonical(str(text))
            except InputError:
                mapping[text] = None
        self._macros += 1
        name = f"canon_{self._macros}"
        moved = {k: v for k, v in mapping.items() if k != v}
        if len(moved) <= 200:  # the usual case: a few aliases and spellings, as a CASE
            whens = " ".join(
                f"WHEN {_sql_text(k)} THEN {'NULL' if v is None else _sql_text(v)}"
                for k, v in moved.items()
            )
            body = f"CASE c {whens} ELSE c END" if moved else "c"
            self.scanner.sql(f"CREATE OR REPLACE MACRO {name}(c) AS {body}")
        else:
            # column names no caller's table uses: a macro argument binds innermost
            self.scanner.register(
                f"{name}_map",
                pd.DataFrame({"m_raw__": list(mapping), "m_code__": list(mapping.values())}),
            )
            self.scanner.sql(
                f"CREATE OR REPLACE MACRO {name}(c) AS"
                f" (SELECT m_code__ FROM {name}_map WHERE m_raw__ = c)"
            )
        if any(v is None for v in mapping.values()):
            bad = Rule(f"{name}({column}) IS NULL", f"column {column} is not a security code")
            self.scanner.check(table, files, [bad])
        return name

    def implied(self, code: str, f: Found) -> None:
        """A per-code file names a security: keep a row for it unless one is held."""
        self.implied_rows.setdefault(code, f.source)

    def require_index(self, f: Found) -> None:
        row = self.declared.get(f.key)
        if row is None:
            held = self.store.securities([f.key])
            row = held.iloc[0].to_dict() if len(held) else None
        if row is None:
            raise DataError(
                f"{f.shown}: no securities.csv row gives the currency of index {f.key}",
                hint="add a row code,name,INDEX,exchange,currency to securities.csv",
            )
        if str(row["market"]).upper() != "INDEX":
            raise DataError(
                f"{f.shown}: securities.csv lists {f.key} with market {row['market']}, not INDEX"
            )

    def check_rows(self, files: Sequence[Found], market: str | None, table: str) -> None:
        """Warn where securities.csv's ``rows`` disagrees with the file."""
        counts = self.rows_per_file(table, len(files))
        for f, n in zip(files, counts, strict=True):
            want = market or str(self.declared.get(f.key, {}).get("market", ""))
            rows = self.declared_rows.get((f.key, want))
            if rows is not None and rows != n:
                self.result.warnings.append(
                    FileNote(f.shown, f"securities.csv says {rows} rows, the file has {n}")
                )

    def panel_securities(self, frame: pd.DataFrame, own: tuple[str, ...]) -> None:
        """Securities named by a whole-market file: they fill what no per-code file states."""
        frame = frame.assign(
            market=[_market_of(c) for c in frame["code"]],
            currency=[_currency_of(c) for c in frame["code"]],
            exchange=[exchange_of(c) for c in frame["code"]],
            name_en=[self.names_en.get(c) for c in frame["code"]],
        )
        self.batch.add(
            "securities",
            frame,
            keep_existing=True,
            label="panel securities",
            overwrites=own,
            partial=True,
            unique=True,
        )
        self.add_rows("panel securities", len(frame))

    # -- securities ------------------------------------------------------------------------------
    def _read_securities(self, files: list[Found]) -> None:
        import pandas as pd

        schema = frames.SECURITIES
        csvs = self.csv_files(files, schema, lambda f: {"source": f.source})
        self.scanner.load("t_sec", csvs, replace_key(schema))
        canon = self.canonical_codes("t_sec", csvs)
        verdicts = {}
        for code, market, currency, exchange in self.scanner.rows(
            f"SELECT DISTINCT {canon}(code), upper(market), upper(currency), upper(exchange)"
            " FROM t_sec"
        ):
            verdicts[(code, market, currency, exchange)] = _disagreement(
                code, market, currency, exchange
            )
        bad = {k: v for k, v in verdicts.items() if v}
        if bad:
            reasons = sorted(set(bad.values()))
            rows = pd.DataFrame(
                [(*k, reasons.index(v)) for k, v in bad.items()],
                columns=["b_code", "b_market", "b_currency", "b_exchange", "b_why"],
            )
            self.scanner.register("t_sec_bad", rows)
            rules = [
                Rule(
                    f"EXISTS (SELECT 1 FROM t_sec_bad WHERE b_code = {canon}(code)"
                    " AND b_market = upper(market) AND b_currency = upper(currency)"
                    f" AND b_exchange IS NOT DISTINCT FROM upper(exchange) AND b_why = {i})",
                    why,
                )
                for i, why in enumerate(reasons)
            ]
            self.scanner.check("t_sec", csvs, rules)
        self.scanner.check(
            "t_sec", csvs, [], [f"{canon}(code)", "upper(market)"], "code and market"
        )
        for f, n in zip(files, self.rows_per_file("t_sec", len(files)), strict=True):
            self.record(f, n)
        df = self.scanner.df(
            f"SELECT {canon}(code) AS code, name, upper(market) AS market,"
            " upper(exchange) AS exchange, upper(currency) AS currency, industry,"
            " CAST(rows AS BIGINT) AS rows, source FROM t_sec ORDER BY fi"
        )
        for row in df.itertuples(index=False):
            if not pd.isna(row.rows):
                self.declared_rows[(row.code, row.market)] = int(row.rows)
            if row.market != "A-QFQ":
                self.declared[row.code] = row._asdict()
        secs = df[df["market"] != "A-QFQ"].drop(columns=["rows"])
        secs = secs.assign(name_en=[self.names_en.get(c) for c in secs["code"]])
        self.batch.add("securities", secs, label="securities", partial=True)
        self.add_rows("securities", len(secs))
        self.result.files["securities"] = self.result.files.get("securities", 0) + len(files)

    def _finish_securities(self) -> None:
        """Rows for codes only per-code files or panels name: added when not held."""
        import pandas as pd

        for codes, label in ((self.implied_rows, "securities"), (self.panel_codes, None)):
            bare = sorted(set(codes) - set(self.declared))
            if label is None:
                bare = [c for c in bare if c not in self.implied_rows]
            if not bare:
                continue
            df = pd.DataFrame(
                {
                    "code": bare,
                    "market": [_market_of(c) for c in bare],
                    "exchange": [exchange_of(c) for c in bare],
                    "currency": [_currency_of(c) for c in bare],
                    "name_en": [self.names_en.get(c) for c in bare],
                    "source": [codes[c] for c in bare],
                }
            )
            name = label or "panel securities"
            self.batch.add("securities", df, keep_existing=True, label=name, unique=True)
            self.add_rows(name, len(df))


def _sql_text(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def replace_key(schema: frames.FrameSchema) -> frames.FrameSchema:
    from dataclasses import replace

    return replace(schema, key=())


def _market_of(code: str) -> str:
    from universes.codes import market_of

    return market_of(code)


def _currency_of(code: str) -> str:
    from universes.codes import currency_of

    return currency_of(code)


def _disagreement(code: str, market: str, currency: str, exchange: str | None) -> str | None:
    """Why a securities.csv row cannot be right for its code, or None."""
    if currency not in frames.CURRENCIES:
        return "column currency is not a known currency code (CNY, HKD, USD, ...)"
    if market != "INDEX":
        want = "A" if market == "A-QFQ" else market
        if _market_of(code) != want:
            return "column market does not fit the code (A: .SH/.SZ/.BJ, HK: .HK, US: tickers)"
    if currency != _currency_of(code):
        return "column currency is not the code's listing currency"
    suffix = suffix_of(code)
    if exchange:
        if suffix in EXCHANGES and exchange not in EXCHANGES[suffix]:
            return "column exchange does not fit the code's suffix (.SH SSE, .SZ SZSE, ...)"
        if not suffix and any(exchange in names for names in EXCHANGES.values()):
            return "column exchange does not fit the code's suffix (.SH SSE, .SZ SZSE, ...)"
    return None


def import_path(
    store: Store,
    root: Path,
    canonical: Callable[[str], str],
    names_en: dict[str, str],
    force: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Read and check everything new under ``root``, then write it in one transaction."""
    return Importer(store, root, canonical, names_en, force, progress).run()
