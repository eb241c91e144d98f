"""Frame schemas: the shape every frame must have before it may enter the store.

Every frame a provider returns and every CSV the importer reads is checked against one of
these schemas: required columns present, values of the right kind, dates that parse, no
duplicate keys. A mismatch raises :class:`SchemaMismatch` carrying the offending row, so the
caller can name the file and line (import) or the ticker and vendor function (provider).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from naion.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

Kind = Literal["date", "float", "int", "str"]

# vendors mark "no value" (suspended day, no trade) with these; they read as empty
NO_VALUE = ("", "-", "--")


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


def _coerce(series: pd.Series, col: Column) -> pd.Series:
    import pandas as pd

    s = series.reset_index(drop=True)
    blank = s.isna()
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        blank = blank | s.astype("str").str.strip().isin(NO_VALUE)
    if col.kind == "date":
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            conv = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
        else:
            text = s.astype("str").str.strip().str.slice(0, 10)
            conv = pd.to_datetime(text.where(~blank), format="%Y-%m-%d", errors="coerce")
            if (conv.isna() & ~blank).any():
                # vendors also send 20240102; accept it only if the whole column is so shaped
                alt = pd.to_datetime(
                    s.astype("str").str.strip().where(~blank), format="%Y%m%d", errors="coerce"
                )
                if not (alt.isna() & ~blank).any():
                    conv = alt
        bad = conv.isna() & ~blank
        if bad.any():
            pos = _first_bad(bad)
            raise SchemaMismatch(
                f"column {col.name}: {_show(s.iloc[pos])!r} is not a date (YYYY-MM-DD)",
                row=pos,
                column=col.name,
            )
        conv = conv.astype("datetime64[us]").dt.normalize()
    elif col.kind in ("float", "int"):
        conv = pd.to_numeric(s.where(~blank), errors="coerce")
        bad = conv.isna() & ~blank
        if bad.any():
            pos = _first_bad(bad)
            raise SchemaMismatch(
                f"column {col.name}: {_show(s.iloc[pos])!r} is not a number",
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
            conv = conv.astype("Int64")
        if col.positive:
            nonpos = conv.notna() & (conv <= 0)
            if nonpos.any():
                pos = _first_bad(nonpos)
                raise SchemaMismatch(
                    f"column {col.name}: {_show(s.iloc[pos])} is not positive",
                    row=pos,
                    column=col.name,
                )
    else:
        conv = s.astype("str").str.strip().where(~blank)
    if not col.nullable:
        empty = conv.isna()
        if empty.any():
            pos = _first_bad(empty)
            raise SchemaMismatch(f"column {col.name} is empty", row=pos, column=col.name)
    return conv


def _f(name: str, **kw: bool) -> Column:
    return Column(name, "float", **kw)


BARS = FrameSchema(
    "daily bars",
    (
        Column("date", "date", nullable=False),
        _f("open", required=False, positive=True),
        _f("high", required=False, positive=True),
        _f("low", required=False, positive=True),
        _f("close", nullable=False, positive=True),
        _f("volume", required=False),
        _f("amount", required=False),
    ),
    key=("date",),
    sort_by=("date",),
)

FX = FrameSchema(
    "fx rates",
    (Column("date", "date", nullable=False), _f("rate", nullable=False, positive=True)),
    key=("date",),
    sort_by=("date",),
)

VALUATION = FrameSchema(
    "valuation",
    (
        Column("date", "date", nullable=False),
        _f("pe_ttm"),
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

EPS = FrameSchema(
    "earnings per share",
    (
        Column("code", "str", nullable=False),
        Column("fiscal_year", "int", nullable=False),
        Column("kind", "str", nullable=False),
        _f("eps", nullable=False),
        Column("analysts", "int", required=False),
    ),
    key=("code", "fiscal_year"),
    sort_by=("code", "fiscal_year"),
)

MEMBERS = FrameSchema(
    "board members",
    (Column("code", "str", nullable=False), Column("name", "str", required=False)),
    key=("code",),
)

CALENDAR = FrameSchema(
    "trading calendar", (Column("date", "date", nullable=False),), key=("date",), sort_by=("date",)
)

MARKET_PANEL = FrameSchema(
    "market panel",
    (BARS.columns[0], Column("code", "str", nullable=False), *BARS.columns[1:]),
    key=("code", "date"),
)

SECURITIES = FrameSchema(
    "securities",
    (
        Column("code", "str", nullable=False),
        Column("name", "str", required=False),
        Column("market", "str", nullable=False),
        Column("exchange", "str", required=False),
        Column("currency", "str", nullable=False),
        Column("first_date", "date", required=False),
        Column("last_date", "date", required=False),
        Column("rows", "int", required=False),
        Column("source_id", "str", required=False),
        Column("adjustment", "str", required=False),
    ),
    key=("code", "market"),
)
