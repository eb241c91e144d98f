"""``naion data import PATH``: load CSV exports into the store, all or nothing.

The import folder layout (the layout of ``../shared/data/real``; every file optional)::

    securities.csv          code,name,market,exchange,currency[,first_date,last_date,rows,...]
                            market: A, HK, US, INDEX (A-QFQ rows describe prices_qfq files)
    prices/<CODE>.csv       date,open,high,low,close,volume[,amount][,adj_close]
                            unadjusted prices (US/HK: split-adjusted close), volume in shares,
                            amount = traded value in the listing currency; adj_close, where
                            given, becomes the forward-adjusted (qfq) close on dates that
                            prices_qfq/ does not cover
    prices_qfq/<CODE>.csv   date,open,high,low,close,volume        forward-adjusted prices
    indexes/<CODE>.csv      date,open,high,low,close,volume,amount,adj_close
                            close = price index; adj_close = total-return index (adjust=tr)
    fx/<PAIR>.csv           date,rate       e.g. USDCNY = CNY per 1 USD (close)
    valuation/<CODE>.csv    date,pe_ttm,pb,ps_ttm,total_mv[,total_share,pe_static,peg]
                            total_mv in the listing currency (CNY, not 亿元)
    eps/<YYYY-MM-DD>.csv    code,fiscal_year,kind,eps[,analysts]   kind = actual | estimate;
                            the file name is the date the snapshot was taken
    market/*.csv[.gz]       date,code,open,high,low,close[,volume],amount   whole-market panel
                            (a file named *_YYYY-MM-DD.csv may omit date: a one-day snapshot)

Dates are ISO ``YYYY-MM-DD``. Rows already held with equal values count as unchanged, so
importing the same folder twice changes nothing. Per-code files take precedence over the
whole-market panel on the same (code, date). A malformed file stops the import with its
name and line; nothing is written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from naion import frames
from naion.errors import DataError, InputError
from naion.frames import FrameSchema, SchemaMismatch
from naion.store import Batch, Store, WriteReport

if TYPE_CHECKING:
    import pandas as pd

FOLDERS = ("prices", "prices_qfq", "indexes", "fx", "valuation", "eps", "market")
_DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")
_PAIR = re.compile(r"^[A-Z]{6}$")


@dataclass
class FileNote:
    path: str
    note: str


@dataclass
class ImportResult:
    """What an import read, wrote and left aside."""

    files: dict[str, int] = field(default_factory=dict)  # dataset label → files read
    rows: dict[str, int] = field(default_factory=dict)  # dataset label → rows read
    written: WriteReport = field(default_factory=WriteReport)
    skipped: list[FileNote] = field(default_factory=list)
    warnings: list[FileNote] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, label: str, rows: int) -> None:
        self.files[label] = self.files.get(label, 0) + 1
        self.rows[label] = self.rows.get(label, 0) + rows


def read_csv(path: Path, schema: FrameSchema, **fixed: str) -> pd.DataFrame:
    """Read ``path`` as text and check it against ``schema``; errors name the file and line."""
    import pandas as pd

    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text", hint="save the file as UTF-8 CSV") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty", hint="remove it or export it again") from None
    except pd.errors.ParserError as exc:
        text = str(exc)
        m = re.search(r"line (\d+)", text)
        where = f":{m.group(1)}" if m else ""
        detail = text.split("C error: ")[-1].strip()
        raise DataError(f"{path}{where}: malformed CSV ({detail})") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from None
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    for col, value in fixed.items():
        if col not in raw.columns:
            raw[col] = value
    try:
        return schema.validate(raw)
    except SchemaMismatch as exc:
        where = f":{exc.row + 2}" if exc.row is not None else ""
        raise DataError(f"{path}{where}: {exc.message}") from None


def _csv_files(folder: Path) -> Iterator[Path]:
    yield from sorted(p for p in folder.iterdir() if p.is_file())


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".csv.gz", ".csv"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def _is_csv(path: Path) -> bool:
    return path.name.lower().endswith((".csv", ".csv.gz"))


class Importer:
    """Plans an import (parse + validate every file) and then writes it in one transaction."""

    def __init__(self, root: Path, canonical: Callable[[str], str], names_en: dict[str, str]):
        self.root = root
        self.canonical = canonical
        self.names_en = names_en
        self.batch = Batch()
        self.result = ImportResult()
        self.securities: dict[str, dict[str, object]] = {}
        self.declared: dict[tuple[str, str], dict[str, object]] = {}  # (code, market) → row
        self.qfq_dates: dict[str, pd.DatetimeIndex] = {}
        self.panel_codes: dict[str, str] = {}  # code → source, for codes seen only in panels

    # -- entry points ------------------------------------------------------------------
    def plan(self) -> Batch:
        root = self.root
        if not root.exists():
            raise InputError(f"{root} does not exist", hint="give the folder of your CSV exports")
        if root.is_file():
            return self._plan_single_file(root)
        sec = root / "securities.csv"
        if sec.exists():
            self._read_securities(sec)
        found = False
        for path in _csv_files(root):
            if path.name != "securities.csv":
                self.result.skipped.append(FileNote(str(path), "not part of the import layout"))
        for sub in sorted(p for p in root.iterdir() if p.is_dir()):
            if sub.name not in FOLDERS:
                self.result.skipped.append(FileNote(str(sub) + "/", "unknown folder"))
        # qfq first, so that prices/ adj_close only fills dates prices_qfq/ lacks
        for folder in ("prices_qfq", "prices", "indexes", "fx", "valuation", "eps", "market"):
            d = root / folder
            if not d.is_dir():
                continue
            for path in _csv_files(d):
                if not _is_csv(path):
                    self.result.skipped.append(FileNote(str(path), "not a .csv file"))
                    continue
                found = True
                self._read_file(folder, path)
        if not found and not self.securities:
            raise InputError(
                f"{root} holds no files in the import layout",
                hint=f"expected securities.csv and folders {', '.join(FOLDERS)}",
            )
        self._finish_securities()
        return self.batch

    def _plan_single_file(self, path: Path) -> Batch:
        folder = path.parent.name
        if path.name == "securities.csv":
            self._read_securities(path)
        elif folder in FOLDERS and _is_csv(path):
            self._read_file(folder, path)
        else:
            raise InputError(
                f"cannot tell what {path} holds",
                hint=f"import its folder, or keep it in a folder named one of {', '.join(FOLDERS)}",
            )
        self._finish_securities()
        return self.batch

    # -- files -------------------------------------------------------------------------
    def _code(self, text: str, path: Path) -> str:
        try:
            return self.canonical(text)
        except InputError:
            raise DataError(f"{path}: {text!r} is not a security code") from None

    def _read_securities(self, path: Path) -> None:
        df = read_csv(path, frames.SECURITIES)
        for i, row in enumerate(df.itertuples(index=False)):
            code = self._code(str(row.code), path)
            market = str(row.market).upper()
            if market not in ("A", "A-QFQ", "HK", "US", "INDEX"):
                raise DataError(
                    f"{path}:{i + 2}: market {row.market!r} is not one of A, A-QFQ, HK, US, INDEX"
                )
            self.declared[(code, market)] = row._asdict()
            if market == "A-QFQ":
                continue
            self.securities[code] = {
                "code": code,
                "name": row.name if isinstance(row.name, str) else None,
                "market": market,
                "exchange": row.exchange if isinstance(row.exchange, str) else None,
                "currency": str(row.currency).upper(),
                "source": f"import:{path.name}",
            }

    def _ensure_security(self, code: str, market: str, path: Path) -> None:
        if code in self.securities:
            return
        from universes.codes import currency_of, market_of

        if market == "INDEX":
            raise DataError(
                f"{path}: no securities.csv row gives the currency of index {code}",
                hint="add a row code,name,INDEX,exchange,currency to securities.csv",
            )
        self.securities[code] = {
            "code": code,
            "name": None,
            "market": market_of(code),
            "exchange": None,
            "currency": currency_of(code),
            "source": f"import:{path.parent.name}",
        }

    def _read_file(self, folder: str, path: Path) -> None:
        stem = _stem(path)
        if folder == "fx":
            self._read_fx(path, stem)
        elif folder == "valuation":
            code = self._code(stem, path)
            df = read_csv(path, frames.VALUATION)
            self._ensure_security(code, "A", path)
            self._add("valuation", df, path, code=code)
        elif folder == "eps":
            self._read_eps(path, stem)
        elif folder == "market":
            self._read_market(path, stem)
        else:
            self._read_bars(folder, path, self._code(stem, path))

    def _add(self, table: str, df: pd.DataFrame, path: Path, label: str = "", **keys: str) -> None:
        label = label or table
        source = f"import:{path.parent.name}/{path.name}"
        self.batch.add(table, df.assign(source=source), label=label, **keys)
        self.result.add(label, len(df))
        if len(df) and "date" in df.columns:
            key = keys.get("code") or keys.get("pair") or ""
            dataset = label if table != "bars" else f"bars:{keys['adjust']}"
            self.batch.cover(dataset, key, df["date"].min(), df["date"].max(), source)

    def _read_bars(self, folder: str, path: Path, code: str) -> None:
        import pandas as pd

        if folder == "indexes":
            self._ensure_security(code, "INDEX", path)
            self.securities[code]["market"] = "INDEX"
        else:
            from universes.codes import market_of

            self._ensure_security(code, market_of(code), path)
        raw = read_csv(path, _RAW_PRICES)
        has_adj = bool(raw["adj_close"].notna().any())
        neither = raw["close"].isna() & raw["adj_close"].isna()
        if neither.any():
            pos = int(neither.to_numpy().nonzero()[0][0])
            raise DataError(
                f"{path}:{pos + 2}: the row dated {raw['date'].iloc[pos].date()} has no close"
            )
        if folder == "prices_qfq":
            df = _bars_from(raw, path, "close")
            self.qfq_dates[code] = pd.DatetimeIndex(df["date"])
            self._add("bars", df, path, label="bars:qfq", code=code, adjust="qfq")
            self._check_declared(code, "A-QFQ", df, path)
            return
        plain = raw[raw["close"].notna()] if "close" in raw.columns else raw.iloc[0:0]
        if len(plain) or not has_adj:
            df = _bars_from(plain, path, "close")
            self._add("bars", df, path, label="bars:none", code=code, adjust="none")
        if has_adj:
            adj = _adjusted_from(raw, path)
            if folder == "indexes":
                self._add("bars", adj, path, label="bars:tr", code=code, adjust="tr")
            else:
                held = self.qfq_dates.get(code)
                if held is not None:
                    adj = adj[~adj["date"].isin(held)]
                self._add("bars", adj, path, label="bars:qfq", code=code, adjust="qfq")
        market = "INDEX" if folder == "indexes" else self.securities[code]["market"]
        self._check_declared(code, str(market), raw, path)

    def _check_declared(self, code: str, market: str, df: pd.DataFrame, path: Path) -> None:
        row = self.declared.get((code, market))
        if not row or row.get("rows") is None or str(row.get("rows")) == "<NA>":
            return
        if int(row["rows"]) != len(df):  # type: ignore[call-overload]
            self.result.warnings.append(
                FileNote(
                    str(path), f"securities.csv says {row['rows']} rows, the file has {len(df)}"
                )
            )

    def _read_fx(self, path: Path, stem: str) -> None:
        pair = stem.upper().replace("/", "")
        if not _PAIR.match(pair):
            raise DataError(f"{path}: file name must be a currency pair such as USDCNY.csv")
        df = read_csv(path, frames.FX)
        self._add("fx", df, path, pair=pair)

    def _read_eps(self, path: Path, stem: str) -> None:
        m = _DATE_IN_NAME.search(stem)
        if not m:
            raise DataError(f"{path}: the file name must be the snapshot date, e.g. 2022-11-22.csv")
        snap = dt.date.fromisoformat(m.group(1))
        df = read_csv(path, frames.EPS)
        bad = ~df["kind"].isin(["actual", "estimate"])
        if bad.any():
            line = int(bad.to_numpy().nonzero()[0][0]) + 2
            raise DataError(f"{path}:{line}: kind must be 'actual' or 'estimate'")
        df["code"] = [self._code(c, path) for c in df["code"]]
        self.batch.add("eps", df.assign(source=f"import:eps/{path.name}"), snapshot_date=snap)
        self.result.add("eps", len(df))

    def _read_market(self, path: Path, stem: str) -> None:
        import pandas as pd

        fixed = {}
        m = _DATE_IN_NAME.search(stem)
        if m and not _DATE_IN_NAME.search(stem[m.end() :]):
            fixed["date"] = m.group(1)  # one-day snapshot file
        df = read_csv(path, frames.MARKET_PANEL, **fixed)
        codes = pd.Series(df["code"].unique())
        mapping = {}
        for c in codes:
            mapping[c] = self._code(c, path)
        df["code"] = df["code"].map(mapping)
        dup = df.duplicated(["code", "date"])
        if dup.any():
            pos = int(dup.to_numpy().nonzero()[0][0])
            raise DataError(
                f"{path}:{pos + 2}: duplicate row for code={df['code'].iloc[pos]} after "
                "joining renumbered codes"
            )
        for code in mapping.values():
            self.panel_codes.setdefault(code, f"import:market/{path.name}")
        source = f"import:market/{path.name}"
        self.batch.add(
            "bars",
            df.assign(adjust="none", source=source),
            keep_existing=True,
            label="market panel",
        )
        self.result.add("market panel", len(df))
        span = df.groupby("code")["date"].agg(["min", "max"])
        for code, row in span.iterrows():
            self.batch.cover("bars:none", str(code), row["min"], row["max"], source)

    def _finish_securities(self) -> None:
        """Securities declared by files replace held rows; panel-only codes only fill gaps."""
        import pandas as pd

        from universes.codes import currency_of

        if self.securities:
            df = pd.DataFrame(list(self.securities.values()))
            df["name_en"] = [self.names_en.get(c) for c in df["code"]]
            self.batch.add("securities", df)
            self.result.add("securities", len(df))
        bare = sorted(set(self.panel_codes) - set(self.securities))
        if bare:
            panel = pd.DataFrame({"code": bare})
            panel["market"] = "A"
            panel["currency"] = [currency_of(c) for c in bare]
            panel["exchange"] = panel["code"].str[-2:].map({"SH": "SSE", "SZ": "SZSE", "BJ": "BSE"})
            panel["name_en"] = [self.names_en.get(c) for c in bare]
            panel["source"] = [self.panel_codes[c] for c in bare]
            self.batch.add("securities", panel, keep_existing=True, label="panel securities")
            self.result.add("panel securities", len(panel))


_RAW_PRICES = FrameSchema(
    "price file",
    (
        frames.Column("date", "date", nullable=False),
        frames.Column("open", "float", required=False, positive=True),
        frames.Column("high", "float", required=False, positive=True),
        frames.Column("low", "float", required=False, positive=True),
        frames.Column("close", "float", required=False, positive=True),
        frames.Column("volume", "float", required=False),
        frames.Column("amount", "float", required=False),
        frames.Column("adj_close", "float", required=False, positive=True),
    ),
    key=("date",),
    sort_by=("date",),
)


def _bars_from(raw: pd.DataFrame, path: Path, close: str) -> pd.DataFrame:
    cols = ["date", "open", "high", "low", "close", "volume", "amount"]
    df = raw.rename(columns={close: "close"}) if close != "close" else raw
    missing = df["close"].isna()
    if missing.any():
        pos = int(missing.to_numpy().nonzero()[0][0])
        raise DataError(f"{path}: the row dated {raw['date'].iloc[pos].date()} has no close")
    return df[cols].reset_index(drop=True)


def _adjusted_from(raw: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Forward-adjusted bars from ``adj_close``: OHLC scaled by adj_close / close."""
    df = raw[raw["adj_close"].notna()].copy()
    factor = df["adj_close"] / df["close"]
    for col in ("open", "high", "low"):
        df[col] = df[col] * factor  # NaN where the raw close is missing
    df["close"] = df["adj_close"]
    df["amount"] = float("nan")
    return df[["date", "open", "high", "low", "close", "volume", "amount"]].reset_index(drop=True)


def import_path(
    store: Store, root: Path, canonical: Callable[[str], str], names_en: dict[str, str]
) -> ImportResult:
    """Parse and check everything under ``root``, then write it in one transaction."""
    import time

    t0 = time.perf_counter()
    importer = Importer(root, canonical, names_en)
    batch = importer.plan()
    importer.result.written = store.write(batch)
    importer.result.seconds = time.perf_counter() - t0
    return importer.result
