"""A screen result as a self-contained HTML page (sortable table, conditions, freshness)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from naion import html as h
from screener.fields import FIELDS

if TYPE_CHECKING:
    from screener.engine import ScreenResult

KINDS = {
    "adv_20d": "money",
    "market_cap": "money",
    "market_cap_base": "money",
    "ret_1m": "pct",
    "ret_3m": "pct",
    "ret_12m": "pct",
    "vol_60d": "pct",
    "drawdown_1y": "pct",
    "eps_cagr": "pct",
    "listed_days": "int",
    "fy0": "int",
}
SIGNED = ("ret_1m", "ret_3m", "ret_12m", "drawdown_1y", "eps_cagr")


def screen_body(result: ScreenResult, base_currency: str = "CNY") -> str:
    """The screen's sections, for a standalone page or a report."""
    meta = {
        "As of": str(result.as_of),
        "Source": result.source,
        "Universe": result.universe,
        "Condition": result.condition or "none (every name)",
        "Ranked by": result.rank or "—",
        "Passed": f"{result.passed} of {result.universe_size} names"
        + (f" (showing {len(result.rows)})" if len(result.rows) < result.passed else ""),
        "Base currency": base_currency,
    }
    parts = ["<h2>Screen</h2>", h.meta_list(meta)]
    parts.append("<h2>Results</h2>")
    if result.empty:
        parts.append("<p>No name passes the condition.</p>")
    else:
        parts.append(h.table(result.rows, KINDS, signed=SIGNED, table_id="screen"))
    parts.append("<h2>Data freshness and point-in-time notes</h2>")
    parts.append(
        h.notes_list(
            result.notes or ["every field computed from data dated on or before the as-of date"]
        )
    )
    used = [c for c in result.columns if c in FIELDS and FIELDS[c].kind == "number"]
    if used:
        parts.append("<h2>Fields</h2>")
        import pandas as pd

        defs = pd.DataFrame(
            [{"field": c, "unit": FIELDS[c].unit, "formula": FIELDS[c].formula} for c in used]
        )
        parts.append(h.table(defs, {"field": "text"}, sortable=False))
    return "".join(parts)


def screen_page(result: ScreenResult, base_currency: str = "CNY") -> str:
    title = f"naion screen — {result.universe}"
    sub = f"as of {result.as_of} · {result.passed} of {result.universe_size} names pass"
    return h.page(
        title,
        sub,
        screen_body(result, base_currency),
        footer="Unavailable values (—) fail every condition.",
    )
