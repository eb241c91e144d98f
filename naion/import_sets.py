"""The datasets of an import folder: one reader per folder, registered in :data:`DATASETS`.

Each reader turns the files of its folder (already typed and checked by
:class:`naion.csvscan.Scanner`) into store parts. Precedence between datasets is written
into the parts, not into the order of reading (see :class:`naion.store.Part`): per-code
files replace, whole-market panels yield to them, and ``prices/`` adjusted closes yield to
``prices_qfq/``. So re-reading only the files that changed gives the same store as reading
everything again.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from naion import frames
from naion.csvscan import CsvFile, Rule
from naion.errors import DataError

if TYPE_CHECKING:
    from naion.importer import Found, Importer

DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")
_PAIR = re.compile(r"^([A-Z]{3})([A-Z]{3})$")
_SERIES = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")

# exchange names a code's suffix allows (compared in upper case)
EXCHANGES = {
    "SH": {"SSE", "SH", "SHSE"},
    "SZ": {"SZSE", "SZ"},
    "BJ": {"BSE", "BJ", "BJSE"},
    "HK": {"HKEX", "SEHK", "HK"},
}
SUFFIX_EXCHANGE = {"SH": "SSE", "SZ": "SZSE", "BJ": "BSE", "HK": "HKEX"}


def suffix_of(code: str) -> str:
    return code.rsplit(".", 1)[1] if "." in code and code[-3] == "." else ""


def exchange_of(code: str) -> str | None:
    """The exchange a code's suffix names (None for US tickers)."""
    return SUFFIX_EXCHANGE.get(suffix_of(code))


def date_in_name(found: Found, required: bool) -> dt.date | None:
    """The one YYYY-MM-DD date a file name carries (a snapshot's date)."""
    stem = found.stem
    dates = DATE_IN_NAME.findall(stem)
    if len(dates) != 1:
        if required:
            raise DataError(
                f"{found.shown}: the file name must hold the snapshot date, e.g. 2022-11-22.csv"
            )
        return None
    try:
        day = dt.date.fromisoformat(dates[0])
    except ValueError:
        raise DataError(f"{found.shown}: {dates[0]} in the file name is not a date") from None
    hi = frames.last_date()
    if not frames.FIRST_DATE <= day <= hi:
        raise DataError(
            f"{found.shown}: the date in the file name is outside {frames.FIRST_DATE}..{hi}"
        )
    return day


def by_code(f: Found) -> dict[str, Any]:
    """Per-file columns of a per-code file; ``current``: named by the code in use (its rows
    win over a file of the same listing under an old code)."""
    return {"code": f.key, "source": f.source, "current": f.stem.upper() == f.key}


def one_file_per_key(files: list[Found]) -> bool:
    """No two files name the same key (two codes of one renumbered listing do: then the
    store keeps one row per date, the later file's)."""
    keys = [f.key for f in files]
    return all(keys) and len(set(keys)) == len(keys)


class Dataset:
    """One folder of the import layout."""

    folder: ClassVar[str]
    label: ClassVar[str]  # how the summary and the progress bar name it
    order: ClassVar[int]  # reading order (cosmetic: precedence lives in the parts)

    def key(self, imp: Importer, found: Found) -> str:
        """What the file is about (code, pair, date…), from its name; DataError if unclear."""
        return imp.code_of(found.stem, found)

    def context(self, imp: Importer, found: Found) -> str:
        """Everything besides the file's bytes that decides what it writes."""
        return f"{self.folder}|{found.key}"

    def read(self, imp: Importer, files: list[Found]) -> None:
        raise NotImplementedError


# -- per-code price files ------------------------------------------------------------------
class _Bars(Dataset):
    schema: ClassVar[frames.FrameSchema] = frames.PRICE_FILE

    # a file must hold one of these columns (checked on the header, before any row)
    closes: ClassVar[tuple[str, ...]] = ()

    def _load(self, imp: Importer, files: list[Found], rules: list[Rule]) -> list[CsvFile]:
        self._files = files
        csvs = imp.csv_files(files, self.schema, by_code)
        for c in csvs:
            if self.closes and not any(name in c.header for name in self.closes):
                raise DataError(
                    f"{c.shown}: no {' or '.join(self.closes)} column (got: {', '.join(c.header)})",
                    hint=f"name the columns {', '.join(self.schema.names)}",
                )
        imp.scanner.load(self.table, csvs, self.schema, rules)
        counts = imp.rows_per_file(self.table, len(files))
        for f, n in zip(files, counts, strict=True):
            imp.record(f, n)
        return csvs

    @property
    def table(self) -> str:
        return f"t_{self.folder}"

    def _bars(self, imp: Importer, where: str, adjust: str, scaled: bool, **part: Any) -> None:
        """Bars of every file (``where`` picks the rows).

        ``scaled``: the adjusted series from ``adj_close`` — OHLC scaled by adj_close / close
        (NULL where the row has no unadjusted close), traded value dropped."""
        if scaled:
            ohlc = ", ".join(f"{c} * adj_close / close AS {c}" for c in ("open", "high", "low"))
            cols = f"{ohlc}, adj_close AS close, volume, NULL::DOUBLE AS amount"
        else:
            cols = "open, high, low, close, volume, amount"
        frame = imp.scanner.df(
            f"SELECT code, date, {cols}, source FROM {self.table} WHERE {where}"
            " ORDER BY current, fi, date"
        )
        label = part.pop("label", f"bars:{adjust}")
        unique = one_file_per_key(self._files)
        imp.batch.add("bars", frame, label=label, adjust=adjust, unique=unique, **part)
        imp.add_rows(label, len(frame))
        imp.batch.cover_frame(
            imp.scanner.df(
                f"SELECT 'bars:{adjust}' AS dataset, code AS key, min(date) AS first_date,"
                f" max(date) AS last_date, any_value(source) AS source FROM {self.table}"
                f" WHERE {where} GROUP BY code"
            )
        )


class PricesQfq(_Bars):
    folder = "prices_qfq"
    label = "bars:qfq"
    order = 10
    schema = frames.QFQ_FILE

    def read(self, imp: Importer, files: list[Found]) -> None:
        self._load(imp, files, [])
        self._bars(imp, "TRUE", "qfq", False)
        for f in files:
            imp.implied(f.key, f)
        imp.check_rows(files, "A-QFQ", self.table)


class Prices(_Bars):
    folder = "prices"
    label = "bars:none"
    order = 20
    closes = ("close", "adj_close")

    def read(self, imp: Importer, files: list[Found]) -> None:
        no_close = Rule("close IS NULL AND adj_close IS NULL", "the row has no close")
        self._load(imp, files, [no_close])
        self._bars(imp, "close IS NOT NULL", "none", False)
        # adj_close fills the forward-adjusted series where no prices_qfq/ file states it
        self._bars(
            imp,
            "adj_close IS NOT NULL",
            "qfq",
            True,
            label="bars:qfq",
            spares=("import:prices_qfq/",),
        )
        for f in files:
            imp.implied(f.key, f)
        imp.check_rows(files, None, self.table)


class Indexes(_Bars):
    folder = "indexes"
    label = "bars:none"
    order = 30
    closes = ("close", "adj_close")

    def read(self, imp: Importer, files: list[Found]) -> None:
        for f in files:
            imp.require_index(f)
        no_close = Rule("close IS NULL AND adj_close IS NULL", "the row has no close")
        self._load(imp, files, [no_close])
        self._bars(imp, "close IS NOT NULL", "none", False)
        self._bars(imp, "adj_close IS NOT NULL", "tr", True, label="bars:tr")
        imp.check_rows(files, "INDEX", self.table)


# -- other per-key files ---------------------------------------------------------------------
class Fx(Dataset):
    folder = "fx"
    label = "fx"
    order = 40

    def key(self, imp: Importer, found: Found) -> str:
        m = _PAIR.match(found.stem.upper().replace("/", ""))
        if not m or m.group(1) == m.group(2):
            raise DataError(f"{found.shown}: the file name must be a currency pair such as USDCNY")
        for cur in m.groups():
            if cur not in frames.CURRENCIES:
                raise DataError(f"{found.shown}: {cur} in the file name is not a known currency")
        return m.group(0)

    def read(self, imp: Importer, files: list[Found]) -> None:
        csvs = imp.csv_files(files, frames.FX, lambda f: {"pair": f.key, "source": f.source})
        imp.scanner.load("t_fx", csvs, frames.FX)
        for f, n in zip(files, imp.rows_per_file("t_fx", len(files)), strict=True):
            imp.record(f, n)
        frame = imp.scanner.df("SELECT pair, date, rate, source FROM t_fx ORDER BY fi, date")
        imp.batch.add("fx", frame, label="fx", unique=one_file_per_key(files))
        imp.add_rows("fx", len(frame))
        imp.batch.cover_frame(
            imp.scanner.df(
                "SELECT 'fx' AS dataset, pair AS key, min(date) AS first_date,"
                " max(date) AS last_date, any_value(source) AS source FROM t_fx GROUP BY pair"
            )
        )


class Valuation(Dataset):
    folder = "valuation"
    label = "valuation"
    order = 50

    def read(self, imp: Importer, files: list[Found]) -> None:
        schema = frames.VALUATION
        csvs = imp.csv_files(files, schema, by_code)
        imp.scanner.load("t_val", csvs, schema)
        for f, n in zip(files, imp.rows_per_file("t_val", len(files)), strict=True):
            imp.record(f, n)
            imp.implied(f.key, f)
        frame = imp.scanner.df(
            "SELECT code, date, pe_ttm, pb, ps_ttm, total_mv, total_share, pe_static, peg,"
            " source FROM t_val ORDER BY current, fi, date"
        )
        # an empty cell states nothing: a per-code file wins a day's row value by value, so a
        # row holding only total_mv keeps the pe_ttm/pb a whole-market panel gives that day
        imp.batch.add(
            "valuation", frame, label="valuation", partial=True, unique=one_file_per_key(files)
        )
        imp.add_rows("valuation", len(frame))
        imp.batch.cover_frame(
            imp.scanner.df(
                "SELECT 'valuation' AS dataset, code AS key, min(date) AS first_date,"
                " max(date) AS last_date, any_value(source) AS source FROM t_val GROUP BY code"
            )
        )


class Eps(Dataset):
    folder = "eps"
    label = "eps"
    order = 70

    def key(self, imp: Importer, found: Found) -> str:
        day = date_in_name(found, required=True)
        return str(day)

    def read(self, imp: Importer, files: list[Found]) -> None:
        schema = frames.EPS
        csvs = imp.csv_files(
            files,
            schema,
            lambda f: {"snapshot_date": dt.date.fromisoformat(f.key), "source": f.source},
        )
        imp.scanner.load("t_eps", csvs, replace(schema, key=()))
        canon = imp.canonical_codes("t_eps", csvs)
        ahead = Rule(
            "fiscal_year > year(snapshot_date) + 10",
            "column fiscal_year is more than 10 years after the snapshot date",
        )
        # an actual EPS exists only once its fiscal year has ended: one for the snapshot's own
        # year or later would move fy0 (and every pe_fy*) ahead of what was known that day
        unended = Rule(
            "lower(kind) = 'actual' AND fiscal_year >= year(snapshot_date)",
            "kind actual for a fiscal year that has not ended by the snapshot date; use estimate",
        )
        imp.scanner.check(
            "t_eps",
            csvs,
            [ahead, unended],
            [f"{canon}(code)", "fiscal_year"],
            "code and fiscal year",
        )
        for f, n in zip(files, imp.rows_per_file("t_eps", len(files)), strict=True):
            imp.record(f, n)
        frame = imp.scanner.df(
            f"SELECT {canon}(code) AS code, snapshot_date, CAST(fiscal_year AS INTEGER)"
            " AS fiscal_year, lower(kind) AS kind, eps, CAST(analysts AS INTEGER) AS analysts,"
            " source FROM t_eps ORDER BY fi"
        )
        imp.batch.add("eps", frame, label="eps", unique=one_file_per_key(files))
        imp.add_rows("eps", len(frame))


# -- whole-market panels ------------------------------------------------------------------------
class Market(Dataset):
    folder = "market"
    label = "market panel"
    order = 5  # first: into an empty store its rows all go in at once (the fast write)

    def key(self, imp: Importer, found: Found) -> str:
        day = date_in_name(found, required=False)
        return str(day) if day else ""

    def read(self, imp: Importer, files: list[Found]) -> None:
        schema = frames.MARKET_PANEL

        def values(f: Found) -> dict[str, Any]:
            out: dict[str, Any] = {"source": f.source}
            if f.key:  # a one-day snapshot named by its date may omit the date column
                out["date"] = dt.date.fromisoformat(f.key)
            return out

        csvs = imp.csv_files(files, schema, values)
        imp.scanner.load("t_mkt", csvs, replace(schema, key=()))
        canon = imp.canonical_codes("t_mkt", csvs)
        imp.scanner.check("t_mkt", csvs, [], [f"{canon}(code)", "date"], "code and date")
        counts = imp.rows_per_file("t_mkt", len(files))
        imp.scanner.sql(
            "CREATE OR REPLACE TYPE panel_code AS ENUM"
            f" (SELECT DISTINCT {canon}(code) FROM t_mkt ORDER BY 1)"
        )
        for i, (f, n) in enumerate(zip(files, counts, strict=True)):
            imp.record(f, n)
            frame = imp.scanner.df(
                f"SELECT CAST({canon}(code) AS panel_code) AS code, date, open, high, low,"
                f" close, volume, amount FROM t_mkt WHERE fi = {i}"
            )
            # a panel yields to every other source; over an earlier panel's row it writes
            # the values it states (a close-only snapshot keeps the day's open/high/low)
            imp.batch.add(
                "bars",
                frame,
                keep_existing=True,
                label=self.label,
                overwrites=("import:market/",),
                partial=True,
                unique=True,
                adjust="none",
                source=f.source,
            )
            imp.add_rows(self.label, len(frame))
        imp.batch.cover_frame(
            imp.scanner.df(
                f"SELECT 'bars:none' AS dataset, {canon}(code) AS key, min(date) AS first_date,"
                f" max(date) AS last_date, any_value(source) AS source FROM t_mkt GROUP BY 2"
            )
        )
        codes = imp.scanner.rows(f"SELECT {canon}(code), min(source) FROM t_mkt GROUP BY 1")
        imp.panel_codes.update({c: s for c, s in codes if c not in imp.panel_codes})


class ValuationMarket(Dataset):
    """Whole-market valuation snapshots with names and industries (e.g. Tushare daily_basic)."""

    folder = "valuation_market"
    label = "valuation panel"
    order = 6

    def key(self, imp: Importer, found: Found) -> str:
        day = date_in_name(found, required=False)
        return str(day) if day else ""

    def read(self, imp: Importer, files: list[Found]) -> None:
        schema = frames.VALUATION_PANEL

        def values(f: Found) -> dict[str, Any]:
            out: dict[str, Any] = {"source": f.source}
            if f.key:
                out["date"] = dt.date.fromisoformat(f.key)
            return out

        csvs = imp.csv_files(files, schema, values)
        imp.scanner.load("t_vm", csvs, replace(schema, key=()))
        canon = imp.canonical_codes("t_vm", csvs)
        imp.scanner.check("t_vm", csvs, [], [f"{canon}(code)", "date"], "code and date")
        for f, n in zip(files, imp.rows_per_file("t_vm", len(files)), strict=True):
            imp.record(f, n)
        frame = imp.scanner.df(
            f"SELECT {canon}(code) AS code, date, pe_ttm, pb, ps_ttm, total_mv, total_share,"
            " pe_static, peg, source FROM t_vm ORDER BY fi"
        )
        # a per-code valuation file wins over a panel on the same day, value by value (the
        # panel still fills what the per-code row leaves empty); a panel row replaces an
        # earlier panel's row
        own = ("import:valuation_market/",)
        imp.batch.add(
            "valuation",
            frame,
            keep_existing=True,
            label=self.label,
            overwrites=own,
            fills=True,
            unique=one_file_per_key(files),
        )
        imp.add_rows(self.label, len(frame))
        # names and industries: the latest snapshot's, never blanking what another file states
        secs = imp.scanner.df(
            f"SELECT {canon}(code) AS code, arg_max(name, date) AS name,"
            " arg_max(industry, date) AS industry, arg_max(source, date) AS source"
            f" FROM t_vm GROUP BY 1 ORDER BY 1"
        )
        imp.panel_securities(secs, own)


# -- commodities ----------------------------------------------------------------------------------
_COMMODITY_NAMES = {"lithium_carbonate": "li2co3", "lithium_hydroxide": "lioh"}
_FUTURES_EXCHANGES = {
    "gfex": "GFEX",
    "shfe": "SHFE",
    "dce": "DCE",
    "czce": "CZCE",
    "zce": "CZCE",
    "ine": "INE",
    "lme": "LME",
    "comex": "COMEX",
    "cme": "CME",
}
DEFAULT_UNIT = "CNY/t"


@dataclass(frozen=True)
class SeriesInfo:
    series: str
    name: str
    unit: str
    kind: str
    exchange: str | None


def series_from_name(stem: str) -> SeriesInfo:
    """The documented defaults for ``commodities/<stem>.csv`` without a commodities.csv row."""
    low = stem.lower()
    tokens = low.split("_")
    kind = "futures" if "futures" in tokens else "spot"
    exchange = next((_FUTURES_EXCHANGES[t] for t in tokens if t in _FUTURES_EXCHANGES), None)
    series = low
    for long, short in _COMMODITY_NAMES.items():
        series = series.replace(long, short)
    series = "_".join(t for t in series.split("_") if t != "futures")
    name = low.replace("_", " ")
    return SeriesInfo(series, name[:1].upper() + name[1:], DEFAULT_UNIT, kind, exchange)


class Commodities(Dataset):
    folder = "commodities"
    label = "commodities"
    order = 90

    def key(self, imp: Importer, found: Found) -> str:
        info = imp.commodity_index.get(found.name) or imp.commodity_index.get(found.stem)
        derived = series_from_name(found.stem)
        if info is None:
            info = derived
        if not _SERIES.match(info.series):
            raise DataError(
                f"{found.shown}: the series id must be lower-case letters, digits, _ . or -",
                hint="give it a series in commodities.csv",
            )
        found.info = info
        return info.series

    def context(self, imp: Importer, found: Found) -> str:
        i = found.info
        return f"{self.folder}|{i.series}|{i.name}|{i.unit}|{i.kind}|{i.exchange}"

    def read(self, imp: Importer, files: list[Found]) -> None:
        seen: dict[str, Found] = {}
        for f in files:
            if f.key in seen:
                raise DataError(
                    f"{f.shown}: series {f.key} is also given by {seen[f.key].shown}",
                    hint="give each file its own series in commodities.csv",
                )
            seen[f.key] = f
        schema = frames.COMMODITY_FILE
        csvs = imp.csv_files(files, schema, lambda f: {"series": f.key, "source": f.source})
        for f, c in zip(files, csvs, strict=True):
            if "close" not in c.header and "price" not in c.header:
                got = ", ".join(c.header)
                raise DataError(f"{f.shown}: missing column close (or price) (got: {got})")
        no_close = Rule("close IS NULL AND price IS NULL", "the row has no close (or price)")
        imp.scanner.load("t_com", csvs, schema, [no_close])
        for f, n in zip(files, imp.rows_per_file("t_com", len(files)), strict=True):
            imp.record(f, n)
        frame = imp.scanner.df(
            "SELECT series, date, open, high, low, coalesce(close, price) AS close, volume,"
            " contract, source FROM t_com ORDER BY fi, date"
        )
        imp.batch.add("commodities", frame, label=self.label, unique=True)
        imp.add_rows(self.label, len(frame))
        import pandas as pd

        meta = pd.DataFrame(
            [
                {
                    "series": f.info.series,
                    "name": f.info.name,
                    "unit": f.info.unit,
                    "kind": f.info.kind,
                    "exchange": f.info.exchange,
                    "source": f.source,
                }
                for f in files
            ]
        )
        imp.batch.add("commodity_series", meta, label="commodity series", partial=True)
        imp.add_rows("commodity series", len(meta))
        imp.batch.cover_frame(
            imp.scanner.df(
                "SELECT 'commodity' AS dataset, series AS key, min(date) AS first_date,"
                " max(date) AS last_date, any_value(source) AS source FROM t_com GROUP BY 2"
            )
        )


DATASETS: dict[str, Dataset] = {
    d.folder: d
    for d in sorted(
        (
            PricesQfq(),
            Prices(),
            Indexes(),
            Fx(),
            Valuation(),
            ValuationMarket(),
            Eps(),
            Market(),
            Commodities(),
        ),
        key=lambda d: d.order,
    )
}


def is_csv(path: Path) -> bool:
    return path.name.lower().endswith((".csv", ".csv.gz"))
