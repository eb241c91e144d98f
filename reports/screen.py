"""A screen result as a report page: the screener's sections in naion's shared page, plus a
bar chart of the ranking field (when the screen is ranked by a numeric field).

The body is :func:`screener.html.screen_body` unchanged, so the table, conditions and
point-in-time notes read exactly as on the screener's own page. Bars are labelled with codes
and names; the chart is inline SVG whose text the browser draws (every label escaped).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from naion import html as h

if TYPE_CHECKING:
    import pandas as pd

    from screener.engine import ScreenResult

MAX_BARS = 40
FOOTER = "Unavailable values (—) fail every condition."


def write_screen_report(result: ScreenResult, path: Path, base_currency: str = "CNY") -> Path:
    """Write the screen report of ``result`` to ``path`` (HTML) and return the path."""

    text = screen_report_html(result, base_currency)
    from naion.output import save_text

    return save_text(Path(path), text)


def screen_report_html(result: ScreenResult, base_currency: str = "CNY") -> str:
    from reports import svg
    from reports.html_parts import EXTRA_CSS
    from screener.html import screen_body

    body = screen_body(result, base_currency)
    chart = rank_chart_html(result)
    if chart:
        at = body.find("<h2>Data freshness")
        body = body[:at] + chart + body[at:] if at >= 0 else body + chart
    title = f"naion screen — {result.universe}"
    sub = (
        f"as of {result.as_of} · {result.passed} of {result.universe_size} names pass"
        f" · base {base_currency}"
    )
    return h.page(title, sub, body, footer=FOOTER, css=EXTRA_CSS + svg.CSS)


def rank_field(result: ScreenResult) -> str | None:
    """The numeric field the result is ranked by, if it is among the rows' columns."""
    if not result.rank or result.empty:
        return None
    name = result.rank.split()[0]
    if name not in result.rows.columns or result.rows[name].dtype.kind not in "iuf":
        return None
    return name


def rank_values(result: ScreenResult, field: str) -> pd.Series:
    """The ranked field per name, in rank order, labelled ``code name``."""
    rows = result.rows.head(MAX_BARS)
    labels = []
    for row in rows.to_dict("records"):
        code = str(row.get("code"))
        name = row.get("name")
        labels.append(f"{code} {name}".strip() if isinstance(name, str) and name else code)
    values = rows[field].astype("float64")
    values.index = labels
    return values


def rank_chart_html(result: ScreenResult) -> str:
    from reports import svg
    from reports.html_parts import section
    from screener.html import KINDS

    field = rank_field(result)
    if field is None:
        return ""
    values = rank_values(result, field)
    if values.notna().sum() == 0:
        return ""
    shown = f" (first {MAX_BARS})" if len(result.rows) > MAX_BARS else ""
    chart = svg.hbar_chart(
        values,
        f"{field} by name, in rank order{shown}",
        percent=KINDS.get(field) == "pct",
        caption="Names without a value have no bar.",
        fig_id="chart-rank",
    )
    return section(f"Ranked by {result.rank}", chart)
