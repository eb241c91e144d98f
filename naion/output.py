"""Printing tables and writing output files, the one way every command does both.

``emit(frame, fmt, output)`` prints tabular results, so every command's
``--format table|csv|json`` and ``--output FILE`` behave the same. JSON is a list of records
with ISO dates and ``null`` for missing values; CSV text cells that a spreadsheet would run
as a formula are neutralised.

Every file a command writes for the user (``-o``, ``--output``, ``--html``, ``--report``,
``--write``) goes through :func:`check_output` and :func:`save_text` / :func:`save_bytes` /
:func:`atomic_path`: a path inside NAION_HOME's store, runs or logs is refused, and the file
is written to a temporary file in the same folder and renamed over the target, so a failure
(a full disk) leaves the old file as it was. Consoles print with rich markup off: a user's
``notes[v2].txt`` prints as typed.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
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

    # markup off: every string printed is the user's or ours as typed, brackets included
    # COLUMNS (when set) is the width, piped or not; a terminal's own width otherwise
    con = Console(stderr=stderr, highlight=False, soft_wrap=False, markup=False)
    if not con.is_terminal and not os.environ.get("COLUMNS", "").strip().isdigit():
        con = Console(
            stderr=stderr,
            highlight=False,
            soft_wrap=False,
            markup=False,
            width=max(shutil.get_terminal_size((160, 24)).columns, 160),
        )
    return con


def say(line: str, stderr: bool = True) -> None:
    """Print one plain line (no markup, never wrapped), on stderr by default."""
    stream = sys.stderr if stderr else sys.stdout
    stream.write(line + "\n")
    stream.flush()


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


_NUMBER_CELL = re.compile(r"^[-+]?[\d,.]*\d[\d,.]*(%|bn|m|x)?$|^—$")


def _cells_right(cells: list[str]) -> bool:
    """Text cells that all read as numbers (pre-formatted values) line up on the right."""
    return bool(cells) and all(_NUMBER_CELL.match(c) for c in cells)


def _longest_word(texts: Sequence[str]) -> int:
    from rich.cells import cell_len

    return max((cell_len(w) for t in texts for w in t.split()), default=0)


def _fit(
    least: list[int], natural: list[int], drop_order: list[int], limit: int | None
) -> tuple[list[int], list[int]]:
    """(kept column indexes, their widths): columns are hidden in ``drop_order`` until the
    narrowest layout (every cell's longest unbreakable word whole) fits ``limit``; the room
    left widens wrapping columns towards their natural width, left to right."""
    kept = list(range(len(least)))

    def need(cols: list[int], widths: list[int]) -> int:
        return sum(widths[i] for i in cols) + 3 * len(cols) + 1  # borders and padding

    if limit is not None:
        for i in drop_order:
            if need(kept, least) <= limit or len(kept) <= 1:
                break
            kept.remove(i)
    if limit is None:
        return kept, [natural[i] for i in kept]
    room = max(limit - need(kept, least), 0)
    want = [natural[i] - least[i] for i in kept]
    if sum(want) <= room:
        return kept, [natural[i] for i in kept]
    extra = [w * room // sum(want) for w in want]  # shared in proportion to what each lacks
    return kept, [least[i] + e for i, e in zip(kept, extra, strict=True)]


@dataclass
class Layout:
    """A table laid out for a width: its rich Table, the columns hidden and the legend."""

    table: Any
    hidden: list[str]
    legend: list[str]
    width: int


def layout_table(
    frame: pd.DataFrame,
    width: int | None,
    digits: dict[str, int] | None = None,
    kinds: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    legend: dict[str, str] | None = None,
    drop: Sequence[str] = (),
) -> Layout:
    """Lay ``frame`` out so no number, date, id or word is split across lines.

    A column whose cells hold no space never wraps: its width is its widest cell. A text
    column wraps between words only. When the table is wider than ``width`` (None: no
    limit), columns are hidden — those named in ``drop`` first, then from the right, never
    the first. ``headers`` gives short headers; each one shown that differs from its column
    name gets a line in the legend (its meaning from ``legend``, else the column name).
    """
    from rich.cells import cell_len
    from rich.table import Table

    digits, kinds, headers, legend = digits or {}, kinds or {}, headers or {}, legend or {}
    names = [str(c) for c in frame.columns]
    cols: list[list[str]] = [
        [fmt_cell(v, digits.get(name, 2), kinds.get(name)) for v in frame.iloc[:, j]]
        for j, name in enumerate(names)
    ]
    heads = [headers.get(n, n) for n in names]
    least, natural, right, wraps = [], [], [], []
    for j, cells in enumerate(cols):
        numeric = frame.iloc[:, j].dtype.kind in "iuf" or _cells_right(cells)
        wrap = not numeric and any(any(ch.isspace() for ch in c) for c in cells)
        nat = max([cell_len(heads[j]), *(cell_len(c) for c in cells)])
        head_word = _longest_word([heads[j]])
        if wrap:
            low = max(_longest_word(cells), head_word, min(nat, 8))
        else:
            low = max([head_word, *(cell_len(c) for c in cells)])
        least.append(low)
        natural.append(max(nat, low))
        right.append(numeric)
        wraps.append(wrap)
    by_name = {n: j for j, n in enumerate(names)}
    order = [by_name[n] for n in drop if n in by_name and by_name[n] != 0]
    order += [j for j in range(len(names) - 1, 0, -1) if j not in order]
    kept, widths = _fit(least, natural, order, width)
    table = Table(header_style="bold", show_lines=False)
    for j, w in zip(kept, widths, strict=True):
        table.add_column(heads[j], justify="right" if right[j] else "left", width=w,
                         overflow="fold", no_wrap=False)  # fmt: skip
    for i in range(len(frame)):
        table.add_row(*(cols[j][i] for j in kept))
    lines = []
    for j in kept:
        meaning = legend.get(names[j])
        if meaning is None and heads[j].lower() not in (names[j], names[j].replace("_", " ")):
            meaning = names[j].replace("_", " ")
        if meaning:
            lines.append(f"{heads[j]} = {meaning}")
    hidden = [names[j] for j in range(len(names)) if j not in kept]
    total = sum(widths) + 3 * len(kept) + 1
    return Layout(table, hidden, lines, total)


def _wrapped(text: str, width: int | None) -> list[str]:
    """``text`` wrapped between words (a path or id longer than the width stays whole)."""
    import textwrap

    if width is None:
        return [text]
    return textwrap.wrap(
        text, width=max(width, 20), break_long_words=False, break_on_hyphens=False
    ) or [""]


def print_table(
    frame: pd.DataFrame,
    title: str | None = None,
    caption: str | None = None,
    digits: dict[str, int] | None = None,
    kinds: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    legend: dict[str, str] | None = None,
    drop: Sequence[str] = (),
    wide: bool = False,
    con: Console | None = None,
) -> None:
    """Print ``frame`` as a table that fits the console (see :func:`layout_table`): the title
    above, then the caption, the legend of short headers and the hidden columns below, each
    wrapped between words. ``wide`` shows every column, however wide the lines get."""
    from rich.console import Console
    from rich.text import Text

    con = con or console()
    limit = None if wide else con.width
    lay = layout_table(frame, limit, digits, kinds, headers, legend, drop)
    if wide and lay.width > con.width:
        con = Console(file=con.file, width=lay.width, highlight=False, soft_wrap=False,
                      markup=False, force_terminal=con.is_terminal)  # fmt: skip
    # title and notes wrap at the table's width (at least 60, at most the console's)
    text_width = max(lay.width, 60) if limit is None else min(limit, max(lay.width, 60))
    if title:
        for line in _wrapped(title, text_width):
            con.print(Text(line, style="bold"), soft_wrap=True)
    con.print(lay.table)
    notes = [caption] if caption else []
    if lay.legend:
        notes.append(" · ".join(lay.legend))
    if lay.hidden:
        notes.append(
            f"not shown at {limit} columns: {', '.join(lay.hidden)} (--wide shows every "
            "column; --format csv or json carries them all)"
        )
    for note in notes:
        for line in _wrapped(note, text_width):
            con.print(Text(line, style="dim"), soft_wrap=True)


def print_lines(text: str, style: str | None = None, con: Console | None = None) -> None:
    """Print ``text`` wrapped between words at the console's width (ids and paths whole)."""
    from rich.text import Text

    con = con or console()
    for line in _wrapped(text, con.width):
        con.print(Text(line, style=style or ""), soft_wrap=True)


def render_table(
    frame: pd.DataFrame,
    title: str | None = None,
    caption: str | None = None,
    digits: dict[str, int] | None = None,
    kinds: dict[str, str] | None = None,
) -> Any:
    """``frame`` as one rich Table at its natural width (every column)."""
    lay = layout_table(frame, None, digits, kinds)
    lay.table.title, lay.table.caption = title, caption
    return lay.table


def emit(
    frame: pd.DataFrame,
    fmt: str = "table",
    output: Path | None = None,
    title: str | None = None,
    caption: str | None = None,
    digits: dict[str, int] | None = None,
    kinds: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    legend: dict[str, str] | None = None,
    drop: Sequence[str] = (),
    wide: bool = False,
    wrote_to_stderr: bool = True,
) -> None:
    """Print ``frame`` as a table, CSV or JSON — to stdout, or to ``output`` if given
    ("wrote FILE" then goes to stderr, or to stdout without ``wrote_to_stderr``: a command
    about to fail keeps stderr for its one error line).

    ``kinds`` formats table cells by column: ``pct`` (fractions as percent), ``int``.
    ``headers``, ``legend``, ``drop`` and ``wide`` shape the table (see :func:`print_table`);
    CSV and JSON always carry every column under its full name. A table written to a file
    shows every column.
    """
    fmt = check_format(fmt)
    if fmt == "table" and output is None:
        print_table(frame, title, caption, digits, kinds, headers, legend, drop, wide)
        return
    if fmt == "json":
        text = to_json(records(frame)) + "\n"
    elif fmt == "csv":
        text = csv_text(frame)
    else:  # a table written to a file: plain text, every column
        import io

        from rich.console import Console

        buf = Console(file=io.StringIO(), width=10_000, markup=False, highlight=False)
        print_table(frame, title, caption, digits, kinds, headers, legend, drop, True, buf)
        text = "\n".join(line.rstrip() for line in buf.file.getvalue().splitlines()) + "\n"
    write_text(text, output, stderr=wrote_to_stderr)


# -- CSV cells safe for spreadsheets ---------------------------------------------------------
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def safe_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, prefixed with ``'``; else as is.

    Only text is touched: numbers (``-0.5`` as a float, or the text ``-0.5``) stay numbers.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _is_number(value):
        return "'" + value
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and headers are safe to open in a spreadsheet."""
    out = frame.copy()
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if col.dtype.kind in "iufbmM":
            continue
        out[out.columns[i]] = col.map(safe_cell, na_action="ignore").astype(object)
    out.columns = [safe_cell(c) for c in out.columns]
    if out.index.dtype.kind not in "iufbmM":
        out.index = out.index.map(safe_cell)
    return out


def csv_text(frame: pd.DataFrame, index: bool = False) -> str:
    """``frame`` as CSV text for the user: ISO dates, formula-like text cells neutralised."""
    return csv_safe(frame).to_csv(index=index, date_format="%Y-%m-%d")


# -- output files: one check, one atomic writer ------------------------------------------------
def _protected(home: Path, option: str) -> list[tuple[Path, str]]:
    from naion.settings import paths

    p = paths(home)
    out = [(p.store, "the data store"), (p.runs, "the saved runs"), (p.logs, "naion's logs")]
    if option != "--write":  # only 'universe refresh --write' writes a file naion reads back
        out += [
            (p.universes, "naion's universe files"),
            (p.strategies, "naion's strategy files"),
            (p.models, "naion's cost models"),
        ]
    return out


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def check_output(path: Path | str, option: str = "--output", probe: bool = False) -> Path:
    """Refuse an output path naion must not overwrite; return it as a Path.

    Refused: an empty name, a folder, and anything inside NAION_HOME's store (the DuckDB
    file and its ``.wal``), ``runs/`` or ``logs/`` (symlinks resolved), and, except for a
    universe written by ``--write``, inside the folders naion reads its YAML files from
    (``universes/``, ``strategies/``, ``models/``: a table there would break every later
    command). With ``probe`` (before a command does its work) also a path in a folder that does
    not exist (a typo must not make a tree) or that cannot be written: a name too long,
    a parent that is a file or read-only, a full device.
    """
    from naion.settings import default_home

    if str(path).strip() == "":
        raise InputError(f"{option} needs a file name", hint=f"e.g. {option} out.csv")
    if "\0" in str(path):
        raise InputError(f"{option} contains a NUL character", hint="name a file")
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{option} {path} is a folder", hint="name a file")
    target = _real(path)
    for protected, what in _protected(default_home(), option):
        real = _real(protected)
        inside = target == real or real in target.parents
        if protected.name == "store.duckdb":
            inside = inside or (target.parent == real.parent and target.name.startswith(real.name))
        if inside:
            raise InputError(
                f"{option} {path} would overwrite {what} ({protected})",
                hint="write the output somewhere outside NAION_HOME's store, runs, logs "
                "and YAML folders",
            )
    if probe:
        if not path.parent.exists() and not path.parent.is_symlink():
            raise InputError(
                f"{option} {path}: the folder {path.parent} does not exist",
                hint="create it first, or name a file in an existing folder",
            )
        try:
            _probe(target)
        except OSError as exc:
            raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def _probe(target: Path) -> None:
    """Raise the OSError writing ``target`` would meet, without creating anything."""
    import errno
    import stat
    import tempfile

    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):  # a device: an empty write tells
        fd = os.open(target, os.O_WRONLY | os.O_NONBLOCK)
        try:
            if stat.S_ISCHR(mode):
                os.write(fd, b"")
        finally:
            os.close(fd)
        return
    for part in target.parts:
        if len(os.fsencode(part)) > 255:
            raise OSError(errno.ENAMETOOLONG, "File name too long", str(target))
    folder = target.parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise OSError(errno.ENOTDIR, "Not a directory", str(folder))
    if folder == target.parent:  # can a temporary file live beside the target?
        fd, name = tempfile.mkstemp(prefix=".naion-probe-", dir=folder)
        os.close(fd)
        os.unlink(name)
    elif not os.access(folder, os.W_OK | os.X_OK):
        raise OSError(errno.EACCES, "Permission denied", str(folder))


def _new_file_mode(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o777  # keep an existing file's permissions
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextmanager
def atomic_path(path: Path | str, option: str = "--output") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed over ``path``.

    For writers that want a file name (``savefig``, ``to_csv``, a library's ``output=``).
    If the block fails, the temporary file is removed and ``path`` is left as it was.
    A symlink is written through (its target replaced, the link kept); a device or pipe
    (``/dev/stdout``) is written directly, never replaced. An OSError (disk full, no
    permission) becomes one :class:`InputError` line.
    """
    import stat
    import tempfile

    path = check_output(path, option)
    target = _real(path)
    try:
        mode = target.stat().st_mode
    except OSError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):  # /dev/stdout, a FIFO: no rename
        try:
            yield target
        except OSError as exc:
            raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.name[:100]}.", suffix=".tmp", dir=target.parent
        )
        os.close(fd)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, _new_file_mode(target))
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def save_bytes(path: Path | str, data: bytes, option: str = "--output") -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`); returns the path."""
    with atomic_path(path, option) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            if tmp.is_file():
                os.fsync(fh.fileno())
    return Path(path)


def save_text(path: Path | str, text: str, option: str = "--output") -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; a failure is one InputError line and
    leaves any old file intact."""
    return save_bytes(path, text.encode("utf-8"), option)


def write_text(
    text: str, output: Path | None, option: str = "--output", stderr: bool = True
) -> None:
    """Print ``text``, or save it to ``output`` and say so (on stderr by default)."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    save_text(output, text, option)
    say(f"wrote {output}", stderr)
