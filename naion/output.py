"""Printing tables: a rich table on a terminal, or CSV / JSON on request.

``emit(frame, fmt, output)`` is the one way commands print tabular results, so every
command's ``--format table|csv|json`` and ``--output FILE`` behave the same. JSON is a list
of records with ISO dates and ``null`` for missing values.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from naion.errors import InputError

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console

FORMATS = ("table", "csv", "json")


def check_format(fmt: str) -> str:
    f = fmt.lower()
    if f not in FORMATS:
        raise InputError(f"unknown format {fmt!r}", hint=f"use one of: {', '.join(FORMATS)}")
    return f


def console(stderr: bool = False) -> Console:
    import shutil

    from rich.console import Console

    con = Console(stderr=stderr, highlight=False, soft_wrap=False)
    if not con.is_terminal:  # piped or captured: do not squeeze tables into 80 columns
        con = Console(
            stderr=stderr,
            highlight=False,
            soft_wrap=False,
            width=max(shutil.get_terminal_size((160, 24)).columns, 160),
        )
    return con


def _plain(value: Any) -> Any:
    import numpy as np
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return None if math.isnan(v) or math.isinf(v) else v
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def to_json(obj: Any) -> str:
    def default(o: Any) -> Any:
        p = _plain(o)
        if p is o:
            raise TypeError(f"not JSON serialisable: {type(o).__name__}")
        return p

    def clean(o: Any) -> Any:
        if isinstance(o, dict):
            return {str(k): clean(v) for k, v in o.items()}
        if isinstance(o, (list, tuple)):
            return [clean(v) for v in o]
        return _plain(o) if not isinstance(o, (str, int, bool)) else o

    return json.dumps(clean(obj), ensure_ascii=False, indent=2, default=default)


def fmt_cell(value: Any, digits: int = 2, kind: str | None = None) -> str:
    v = _plain(value)
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if kind == "pct" and isinstance(v, (int, float)):
        return f"{v * 100:,.{max(digits - 1, 0)}f}%"
    if kind == "int" and isinstance(v, (int, float)):
        return f"{v:,.0f}"
    if isinstance(v, float):
        if abs(v) >= 1e9:
            return f"{v / 1e9:,.2f}bn"
        if abs(v) >= 1e6:
            return f"{v / 1e6:,.2f}m"
        return f"{v:,.{digits}f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def render_table(
    frame: pd.DataFrame,
    title: str | None = None,
    caption: str | None = None,
    digits: dict[str, int] | None = None,
    kinds: dict[str, str] | None = None,
) -> Any:
    from rich.table import Table

    table = Table(title=title, caption=caption, header_style="bold", show_lines=False)
    for col in frame.columns:
        numeric = frame[col].dtype.kind in "iuf"
        table.add_column(str(col), justify="right" if numeric else "left", overflow="fold")
    digits = digits or {}
    kinds = kinds or {}
    for row in frame.itertuples(index=False):
        table.add_row(
            *(
                fmt_cell(v, digits.get(str(c), 2), kinds.get(str(c)))
                for c, v in zip(frame.columns, row, strict=True)
            )
        )
    return table


def emit(
    frame: pd.DataFrame,
    fmt: str = "table",
    output: Path | None = None,
    title: str | None = None,
    caption: str | None = None,
    digits: dict[str, int] | None = None,
    kinds: dict[str, str] | None = None,
) -> None:
    """Print ``frame`` as a table, CSV or JSON — to stdout, or to ``output`` if given.

    ``kinds`` formats table cells by column: ``pct`` (fractions as percent), ``int``.
    """
    fmt = check_format(fmt)
    if fmt == "table" and output is None:
        console().print(render_table(frame, title, caption, digits, kinds))
        return
    if fmt == "json":
        text = to_json(records(frame)) + "\n"
    elif fmt == "csv":
        text = frame.to_csv(index=False, date_format="%Y-%m-%d")
    else:  # a table written to a file: plain text
        from rich.console import Console

        buf = Console(record=True, width=200, file=open_devnull())
        buf.print(render_table(frame, title, caption, digits, kinds))
        text = buf.export_text()
    write_text(text, output)


def open_devnull() -> Any:
    import os

    return open(os.devnull, "w")


def save_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` (UTF-8, folders created); a failure is one InputError line."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from None
    return path


def write_text(text: str, output: Path | None) -> None:
    """Print ``text``, or save it to ``output`` and say so on stderr."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    save_text(output, text)
    console(stderr=True).print(f"wrote {output}")
