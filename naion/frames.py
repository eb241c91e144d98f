"""Frame schemas: the shape every frame must have before it may enter the store.

Every frame a provider returns and every CSV the importer reads is checked against one of
these schemas: required columns present, values of the right kind, dates that parse, no
duplicate keys. A mismatch raises :class:`SchemaMismatch` carrying the offending row, so the
caller can name the file and line (import) or the ticker and vendor function (provider).

The value rules are the same for both (the importer runs them as SQL, see
:mod:`naion.csvscan`): a date is ``YYYY-MM-DD`` (or ``YYYYMMDD``) between 1990-01-01 and
one year after today; every number is finite; ``positive`` columns (prices, rates, market
caps) are > 0; ``nonneg`` columns (volume, traded value) are >= 0; ``int`` columns hold whole
numbers within ``lo``..``hi``; ``choices`` columns hold one of the listed words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from naion.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

Kind = Literal["date", "float", "int", "str"]

# vendors mark "no value" (suspended day, no trade) with these; they read as empty
NO_VALUE = ("", "-", "--")

# no market data before this day is plausible (SSE opened 1990-12-19)
FIRST_DATE = dt.date(1990, 1, 1)

# ISO 4217 codes accepted for listings and FX pairs (naion converts CNY, HKD and USD)
CURRENCIES = frozenset(
    "CNY HKD USD EUR GBP JPY SGD TWD KRW AUD CAD CHF NZD SEK NOK DKK INR MYR THB IDR PHP".split()
)


def last_date(today: dt.date | None = None) -> dt.date:
    """The latest date a row may carry: one year after ``today``."""
    today = today or dt.date.today()
    try:
        return today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year + 1, day=28)


class SchemaMismatch(DataError):
    """A frame does not match its schema; ``row`` is the 0-based row position, if known."""

    def __init__(self, message: str, row: int | None = None, column: str | None = None) -> None:
        super().__init__(message)
        self.row = row
        self.column = column


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = True  # must the column exist?
    nullable: bool = True  # may a value be empty?
    positive: bool = False  # must non-empty values be > 0?
    nonneg: bool = False  # must non-empty values be >= 0?
    lo: float | None = None  # smallest allowed value (numbers)
    hi: float | None = None  # largest allowed value (numbers)
    choices: tuple[str, ...] = ()  # allowed words (str), compared in lower case


@dataclass(frozen=True)
class FrameSchema:
    """Columns, their kinds and the unique key of one kind of frame."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    sort_by: tuple[str, ...] = field(default=())

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def validate(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Return a typed copy of ``frame`` holding exactly the schema's columns.

        Dates become ``datetime64`` (midnight), floats ``float64``, ints ``Int64``,
        strings ``str``. Optional columns that are absent are added as all-empty.
        Raises :class:`SchemaMismatch` naming the first problem found.
        """
        import pandas as pd

        if not isinstance(frame, pd.DataFrame):
            raise SchemaMismatch(f"expected a table, got {type(frame).__name__}")
        if frame.shape[1] == 0:
            raise SchemaMismatch("empty frame with no columns")
        missing = [c.name for c in self.columns if c.required and c.name not in frame.columns]
        if missing:
            got = ", ".join(map(str, frame.columns))
            raise SchemaMismatch(f"missing column(s) {', '.join(missing)} (got: {got})")
        out = {}
        for col in self.columns:
            if col.name not in frame.columns:
                out[col.name] = _empty(col.kind, len(frame))
                continue
            out[col.name] = _coerce(frame[col.name], col)
        typed = pd.DataFrame(out, index=pd.RangeIndex(len(frame)))
        if self.key:
            dup = typed.duplicated(list(self.key), keep="first")
            if dup.any():
                pos = int(dup.to_numpy().nonzero()[0][0])
                what = ", ".join(f"{k}={_show(typed[k].iloc[pos])}" for k in self.key)
                raise SchemaMismatch(f"duplicate row for {what}", row=pos)
        if self.sort_by:
            typed = typed.sort_values(list(self.sort_by), kind="stable").reset_index(drop=True)
        return typed


def _empty(kind: Kind, n: int) -> pd.Series:
    import numpy as np
    import pandas as pd

    if kind == "date":
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[us]")
    if kind == "float":
        return pd.Series(np.nan, index=range(n), dtype="float64")
    if kind == "int":
        return pd.Series(pd.NA, index=range(n), dtype="Int64")
    return pd.Series(pd.NA, index=range(n), dtype="str")


def _show(value: object) -> str:
    import pandas as pd

    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


def _first_bad(mask: Iterable[bool]) -> int:
    import numpy as np

    return int(np.flatnonzero(np.asarray(mask))[0])


# the date forms accepted: ISO, ISO at midnight (a spreadsheet's export), or YYYYMMDD
DATE_PATTERN = r"^(\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$|^(\d{8})$"


def _coerce(series: pd.Series, col: Column) -> pd.Series:
    import numpy as np
    import pandas as pd

    s = series.reset_index(drop=True)
    blank = s.isna()
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        blank = blank | s.astype("str").str.strip().isin(NO_VALUE)
    if col.kind == "date":
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            conv = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
        else:
            text = s.astype("str").str.strip().where(~blank)
            parts = text.str.extract(DATE_PATTERN)
            iso = pd.to_datetime(parts[0], format="%Y-%m-%d", errors="coerce")
            compact = pd.to_datetime(parts[1], format="%Y%m%d", errors="coerce")
            conv = iso.fillna(compact)
        bad = conv.isna() & ~blank
        if bad.any():
            pos = _first_bad(bad)
            raise SchemaMismatch(
                f"column {col.name}: {_show(s.iloc[pos])!r} is not a date (YYYY-MM-DD)",
                row=pos,
                column=col.name,
            )
        conv = conv.astype("datetime64[us]").dt.normalize()
        lo, hi = pd.Timestamp(FIRST_DATE), pd.Timestamp(last_date())
        out = conv.notna() & ((conv < lo) | (conv > hi))
        if out.any():
            pos = _first_bad(out)
            raise SchemaMismatch(
                f"column {col.name}: {_show(conv.iloc[pos])} is outside {FIRST_DATE}..{hi.date()}",
                row=pos,
                column=col.name,
            )
    elif col.kind in ("float", "int"):
        conv = pd.to_numeric(s.where(~blank), errors="coerce")
        bad = (conv.isna() & ~blank) | (conv.notna() & ~np.isfinite(conv.astype("float64")))
        if bad.any():
            pos = _first_bad(bad)
            raise SchemaMismatch(
                f"column {col.name}: {_show(s.iloc[pos])!r} is not a finite number",
                row=pos,
                column=col.name,
            )
        if col.kind == "float":
            conv = conv.astype("float64")
        else:
            frac = conv.notna() & (conv % 1 != 0)
            if frac.any():
                pos = _first_bad(frac)
                raise SchemaMismatch(
                    f"column {col.name}: {_show(s.iloc[pos])!r} is not a whole number",
                    row=pos,
                    column=col.name,
                )
        for flag, test, what in (
            (col.positive, lambda v: v <= 0, "is not positive"),
            (col.nonneg, lambda v: v < 0, "is negative"),
            (col.lo is not None, lambda v: v < col.lo, f"is below {col.lo:g}" if col.lo else ""),
            (col.hi is not None, lambda v: v > col.hi, f"is above {col.hi:g}" if col.hi else ""),
        ):
            if not flag:
                continue
            wrong = conv.notna() & test(conv)
            if wrong.any():
                pos = _first_bad(wrong)
                raise SchemaMismatch(
                    f"column {col.name}: {_show(s.iloc[pos])} {what}", row=pos, column=col.name
                )
        if col.kind == "int":
            conv = conv.astype("Int64")
    else:
        conv = s.astype("str").str.strip().where(~blank)
        if col.choices:
            wrong = conv.notna() & ~conv.str.lower().isin(col.choices)
            if wrong.any():
                pos = _first_bad(wrong)
                raise SchemaMismatch(
                    f"column {col.name}: {_show(s.iloc[pos])!r} is not one of "
                    f"{', '.join(col.choices)}",
                    row=pos,
                    column=col.name,
                )
    if not col.nullable:
        empty = conv.isna()
        if empty.any():
            pos = _first_bad(empty)
            raise SchemaMismatch(f"column {col.name} is empty", row=pos, column=col.name)
    return conv


def _f(name: str, **kw: Any) -> Column:
    return Column(name, "float", **kw)


def _price(name: str, **kw: Any) -> Column:
    return Column(name, "float", positive=True, **kw)


_DATE = Column("date", "date", nullable=False)

BARS = FrameSchema(
    "daily bars",
    (
        _DATE,
        _price("open", required=False),
        _price("high", required=False),
        _price("low", required=False),
        _price("close", nullable=False),
        _f("volume", required=False, nonneg=True),
        _f("amount", required=False, nonneg=True),
    ),
    key=("date",),
    sort_by=("date",),
)

FX = FrameSchema(
    "fx rates",
    (_DATE, _price("rate", nullable=False)),
    key=("date",),
    sort_by=("date",),
)

VALUATION = FrameSchema(
    "valuation",
    (
        _DATE,
        _f("pe_ttm"),  # negative in loss periods, kept as given
        _f("pb"),
        _f("ps_ttm"),
        _f("total_mv", positive=True),
        _f("total_share", required=False, positive=True),
        _f("pe_static", required=False),
        _f("peg", required=False),
    ),
    key=("date",),
    sort_by=("date",),
)

EPS_KINDS = ("actual", "estimate")

EPS = FrameSchema(
    "earnings per share",
    (
        Column("code", "str", nullable=False),
        Column("fiscal_year", "int", nullable=False, lo=1990, hi=2100),
        Column("kind", "str", nullable=False, choices=EPS_KINDS),
        _f("eps", nullable=False),
        Column("analysts", "int", required=False, lo=0, hi=10_000),
    ),
    key=("code", "fiscal_year"),
    sort_by=("code", "fiscal_year"),
)

MEMBERS = FrameSchema(
    "board members",
    (Column("code", "str", nullable=False), Column("name", "str", required=False)),
    key=("code",),
)

CALENDAR = FrameSchema("trading calendar", (_DATE,), key=("date",), sort_by=("date",))

MARKET_PANEL = FrameSchema(
    "market panel",
    (_DATE, Column("code", "str", nullable=False), *BARS.columns[1:]),
    key=("code", "date"),
)

# -- import files only (CSV) -------------------------------------------------------------

PRICE_FILE = FrameSchema(
    "price file",
    (
        _DATE,
        _price("open", required=False),
        _price("high", required=False),
        _price("low", required=False),
        _price("close", required=False),
        _f("volume", required=False, nonneg=True),
        _f("amount", required=False, nonneg=True),
        _price("adj_close", required=False),
    ),
    key=("date",),
)

QFQ_FILE = FrameSchema("forward-adjusted price file", BARS.columns, key=("date",))

VALUATION_PANEL = FrameSchema(
    "valuation panel",
    (
        _DATE,  # or the date in the file name
        Column("code", "str", nullable=False),
        Column("name", "str", required=False),
        Column("industry", "str", required=False),
        *VALUATION.columns[1:],
    ),
    key=("code", "date"),
)

COMMODITY_FILE = FrameSchema(
    "commodity series",
    (
        _DATE,
        _price("open", required=False),
        _price("high", required=False),
        _price("low", required=False),
        _price("close", required=False),
        _price("price", required=False),  # a spot quote: date,price
        _f("volume", required=False, nonneg=True),
        Column("contract", "str", required=False),
    ),
    key=("date",),
)

MARKETS = ("a", "a-qfq", "hk", "us", "index")

SECURITIES = FrameSchema(
    "securities",
    (
        Column("code", "str", nullable=False),
        Column("name", "str", required=False),
        Column("market", "str", nullable=False, choices=MARKETS),
        Column("exchange", "str", required=False),
        Column("currency", "str", nullable=False),
        Column("industry", "str", required=False),
        Column("first_date", "date", required=False),
        Column("last_date", "date", required=False),
        Column("rows", "int", required=False, lo=0),
        Column("source_id", "str", required=False),
        Column("adjustment", "str", required=False),
    ),
    key=("code", "market"),
)

COMMODITY_INDEX = FrameSchema(
    "commodity index",
    (
        Column("file", "str", nullable=False),
        Column("series", "str", required=False),
        Column("name", "str", required=False),
        Column("unit", "str", required=False),
        Column("kind", "str", required=False, choices=("spot", "futures", "index")),
        Column("exchange", "str", required=False),
    ),
    key=("file",),
)
