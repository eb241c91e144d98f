"""The look every naion HTML page shares: one self-contained page, no CDN, no network.

Screen pages (:mod:`screener.html`) and reports (:mod:`reports`) build on :func:`page` and
:func:`table`. Tables are sortable by clicking a header (a few lines of inline JavaScript);
numbers sort by value, not by their formatted text.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

CSS = """
:root { --ink:#1d2530; --muted:#5b6675; --line:#d9dee5; --band:#f4f6f9; --accent:#0b6e4f;
        --neg:#b42318; --pos:#067647; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
       font: 14px/1.45 "Helvetica Neue", Arial, "Noto Sans CJK SC", "WenQuanYi Zen Hei",
             "PingFang SC", "Microsoft YaHei", sans-serif; }
header { padding: 22px 32px 14px; border-bottom: 3px solid var(--accent); }
header h1 { margin: 0 0 4px; font-size: 22px; }
.nw { white-space: nowrap; }
header .sub { color: var(--muted); }
main { padding: 18px 32px 40px; max-width: 1280px; }
h2 { font-size: 17px; margin: 26px 0 8px; border-bottom: 1px solid var(--line);
     padding-bottom: 4px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; margin: 8px 0; }
dl.meta dt { color: var(--muted); } dl.meta dd { margin: 0; }
div.scroll { overflow-x: auto; max-width: 100%; }
table.data { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
table.data th, table.data td { padding: 5px 9px; border-bottom: 1px solid var(--line);
                               text-align: left; white-space: nowrap; }
table.data td.num, table.data th.num { text-align: right; }
table.data.wrap th, table.data.wrap td { white-space: normal; overflow-wrap: anywhere; }
table.data.wrap td.num { white-space: nowrap; overflow-wrap: normal; }
table.data tbody tr:nth-child(even) { background: var(--band); }
table.data th { background: #eef1f5; position: sticky; top: 0; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th[aria-sort="ascending"]::after { content: " \\25B2"; font-size: 10px; }
table.sortable th[aria-sort="descending"]::after { content: " \\25BC"; font-size: 10px; }
td.neg { color: var(--neg); } td.pos { color: var(--pos); } td.na { color: #9aa3ae; }
ul.notes { margin: 6px 0; padding-left: 20px; color: var(--muted); }
code.cond { background: var(--band); padding: 2px 6px; border-radius: 3px; }
figure { margin: 10px 0 18px; } figure img, figure svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 12px; }
footer { color: var(--muted); font-size: 12px; padding: 10px 32px 30px; }
.grid2 { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 14px; }
@media (max-width: 900px) { .grid2 { grid-template-columns: 1fr; } }
"""

SORT_JS = """
function naionSort(table, col, asc) {
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });
  table.tHead.rows[0].cells[col].setAttribute('aria-sort', asc ? 'ascending' : 'descending');
  function key(row) {
    var cell = row.cells[col];
    var v = cell.getAttribute('data-v');
    if (v === null) { return cell.textContent.trim().toLowerCase(); }
    return v === '' ? null : parseFloat(v);
  }
  rows.sort(function (a, b) {
    var x = key(a), y = key(b);
    if (x === null && y === null) { return 0; }
    if (x === null) { return 1; }
    if (y === null) { return -1; }
    if (x < y) { return asc ? -1 : 1; }
    if (x > y) { return asc ? 1 : -1; }
    return 0;
  });
  rows.forEach(function (r) { body.appendChild(r); });
}
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th, col) {
    th.addEventListener('click', function () {
      naionSort(table, col, th.getAttribute('aria-sort') !== 'ascending');
    });
  });
});
// a link ending in #sort=N (or #sort=-N) opens with the first table sorted by column N
var m = /#sort=(-?)(\\d+)/.exec(window.location.hash);
var first = document.querySelector('table.sortable');
if (m && first) { naionSort(first, parseInt(m[2], 10), m[1] !== '-'); }
"""


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def text(value: Any) -> str:
    """``value`` escaped, each ISO date in it kept on one line (a date never breaks at its
    hyphens when the text wraps)."""
    return _DATE.sub(lambda m: f'<span class="nw">{m.group(0)}</span>', esc(value))


def _is_na(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(v != v) or (isinstance(v, float) and math.isinf(v))
    except (TypeError, ValueError):
        return False


def fmt_number(v: float, kind: str = "num") -> str:
    if kind == "pct":
        return f"{v * 100:,.1f}%"
    if kind == "money":
        a = abs(v)
        if a >= 1e9:
            return f"{v / 1e9:,.2f}bn"
        if a >= 1e6:
            return f"{v / 1e6:,.1f}m"
        return f"{v:,.0f}"
    if kind == "int":
        return f"{v:,.0f}"
    return f"{v:,.2f}"


def table(
    frame: pd.DataFrame,
    kinds: Mapping[str, str] | None = None,
    sortable: bool = True,
    signed: Sequence[str] = (),
    table_id: str | None = None,
    header: Callable[[str], str] | None = None,
    wrap: bool = False,
) -> str:
    """An HTML table; ``kinds`` maps columns to num/pct/money/int/text formatting.

    ``wrap`` lets text cells and headers wrap (numbers never do), so a wide table fits the
    page instead of scrolling sideways."""
    kinds = dict(kinds or {})
    cls = "data sortable" if sortable else "data"
    if wrap:
        cls += " wrap"
    tid = f' id="{esc(table_id)}"' if table_id else ""
    head = []
    for col in frame.columns:
        numeric = frame[col].dtype.kind in "iuf" and kinds.get(col) != "text"
        label = header(col) if header else col
        head.append(f'<th class="num">{esc(label)}</th>' if numeric else f"<th>{esc(label)}</th>")
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for col, v in zip(frame.columns, row, strict=True):
            numeric = frame[col].dtype.kind in "iuf" and kinds.get(col) != "text"
            if numeric:
                if _is_na(v):
                    cells.append('<td class="num na" data-v="">—</td>')
                    continue
                x = float(v)
                sign = ""
                if col in signed:
                    sign = " neg" if x < 0 else " pos" if x > 0 else ""
                shown = fmt_number(x, kinds.get(col, "num"))
                cells.append(f'<td class="num{sign}" data-v="{x!r}">{esc(shown)}</td>')
            else:
                if _is_na(v):
                    cells.append('<td class="na">—</td>')
                else:
                    shown = v.isoformat() if hasattr(v, "isoformat") else v
                    cells.append(f"<td>{text(shown)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<div class="scroll"><table class="{cls}"{tid}><thead><tr>{"".join(head)}</tr>'
        f"</thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def meta_list(items: Mapping[str, Any]) -> str:
    rows = "".join(f"<dt>{esc(k)}</dt><dd>{text(v)}</dd>" for k, v in items.items())
    return f'<dl class="meta">{rows}</dl>'


def notes_list(notes: Sequence[str]) -> str:
    if not notes:
        return ""
    return '<ul class="notes">' + "".join(f"<li>{text(n)}</li>" for n in notes) + "</ul>"


def heading(parts: Sequence[str], sep: str = " · ") -> str:
    """Escaped parts joined by ``sep``; each part is kept on one line (a date never breaks),
    the line may only wrap between parts."""
    return esc(sep).join(f'<span class="nw">{esc(p)}</span>' for p in parts)


def page(
    title: str,
    subtitle: str,
    body: str,
    footer: str = "",
    title_parts: Sequence[str] | None = None,
    css: str = "",
    subtitle_parts: Sequence[str] | None = None,
) -> str:
    """A complete, self-contained HTML document.

    ``title`` is the tab title (and the heading unless ``title_parts`` gives the heading as
    parts that each stay on one line; ``subtitle_parts`` likewise for the line below);
    ``css`` is added to the shared style sheet. Every
    text argument is escaped here; ``body`` is HTML the caller built (escaped there).
    """
    from naion import __version__

    foot = esc(footer) + (" · " if footer else "") + f"naion {esc(__version__)}"
    h1 = heading(title_parts) if title_parts else esc(title)
    sub = heading(subtitle_parts) if subtitle_parts else esc(subtitle)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}{css}</style></head><body>"
        f'<header><h1>{h1}</h1><div class="sub">{sub}</div></header>'
        f"<main>{body}</main><footer>{foot}</footer>"
        f"<script>{SORT_JS}</script></body></html>\n"
    )
