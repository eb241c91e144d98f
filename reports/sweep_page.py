"""``naion sweep --report FILE``: one self-contained page — a heat map of a metric over two grid
keys (matplotlib, inline SVG, no network) and the top rows of the sweep table.

Cells show the best value of the metric over the other keys' values (the highest, or the
lowest for volatility, turnover, fees, taxes and trades); every string is escaped.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from naion import html as h
from naion.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

LOWER_IS_BETTER = ("volatility", "turnover", "fees", "taxes", "trades", "commission")
PCT = ("total_return", "cagr", "volatility", "max_drawdown", "turnover")
_PROLOG = re.compile(r"<\?xml[^>]*\?>\s*|<!DOCTYPE\s+svg[^>]*>\s*", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>", re.DOTALL)
_XMLNS = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    text = _PROLOG.sub("", buf.getvalue())
    text = _METADATA.sub("", _COMMENT.sub("", text))
    return _XMLNS.sub("", text)


def heat_map(table: pd.DataFrame, x: str, y: str, metric: str) -> str:
    """An SVG heat map of ``metric`` over grid keys ``x`` (columns) and ``y`` (rows)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    best = "min" if metric in LOWER_IS_BETTER else "max"
    pivot = table.pivot_table(index=y, columns=x, values=metric, aggfunc=best)
    values = pivot.to_numpy(dtype=float)
    scale = 100.0 if metric in PCT else 1.0
    fig, ax = plt.subplots(figsize=(min(2 + 0.8 * values.shape[1], 12),
                                    min(1.5 + 0.45 * values.shape[0], 9)))  # fmt: skip
    try:
        cmap = "RdYlGn_r" if metric in LOWER_IS_BETTER else "RdYlGn"
        im = ax.imshow(values * scale, cmap=cmap, aspect="auto")
        ax.set_xticks(range(values.shape[1]), [str(c) for c in pivot.columns], rotation=45)
        ax.set_yticks(range(values.shape[0]), [str(r) for r in pivot.index])
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        if values.size <= 400:
            for i in range(values.shape[0]):
                for j in range(values.shape[1]):
                    if np.isfinite(values[i, j]):
                        v = values[i, j] * scale
                        label = f"{v:.1f}" if scale != 1 else f"{v:.2f}"
                        ax.text(j, i, label, ha="center", va="center", fontsize=7)
        fig.colorbar(im, ax=ax, label=metric + (" (%)" if scale != 1 else ""))
        return _svg(fig)
    finally:
        plt.close(fig)


def write_sweep_page(
    result: Any,
    table: pd.DataFrame,
    path: Path,
    metric: str = "sharpe",
    keys: Sequence[str] | None = None,
    top: int = 25,
) -> Path:
    """Write the page for a sweep (``result``: :class:`strategies.sweep.SweepResult`;
    ``table``: its rows ranked). ``keys``: the heat map's x and y grid keys."""
    from naion.output import save_text

    grid_keys = list(result.keys)
    chosen = [k.strip() for k in (keys or grid_keys[:2])]
    bad = [k for k in chosen if k not in grid_keys]
    if bad or len(chosen) not in (1, 2) or (len(chosen) == 2 and chosen[0] == chosen[1]):
        raise InputError(
            f"--heat {','.join(chosen)}: name two different grid keys",
            hint=f"grid keys: {', '.join(grid_keys) or 'none (add --grid)'}",
        )
    if metric not in table.columns:
        raise InputError(f"unknown metric {metric!r}")
    parts = []
    if len(chosen) == 2:
        parts.append(f"<h2>{h.esc(metric)} by {h.esc(chosen[0])} and {h.esc(chosen[1])}</h2>")
        parts.append(f'<figure class="chart">{heat_map(table, chosen[0], chosen[1], metric)}'
                     "</figure>")  # fmt: skip
        if len(grid_keys) > 2:
            parts.append(f"<p>Each cell: the best {h.esc(metric)} over the other keys.</p>")
    else:
        parts.append("<p>One grid key: no heat map; the table ranks the variants.</p>")
    shown = table.head(top)
    parts.append(f"<h2>Top {len(shown)} of {result.variants} variants by {h.esc(metric)}</h2>")
    parts.append(h.table(shown, kinds=dict.fromkeys(PCT, "pct")))
    meta = {
        "strategy": result.strategy,
        "window": f"{result.start} → {result.end}",
        "base currency": result.base_currency,
        "variants": f"{result.variants:,}",
        "grid keys": ", ".join(grid_keys),
        "reproduce a row": f"naion backtest {result.strategy} --set KEY=VALUE …",
    }
    body = h.meta_list(meta) + "".join(parts) + h.notes_list(result.notes)
    page = h.page(
        f"Sweep of {result.strategy}",
        "every variant under the full market rules (lots, commission minimums, stamp duty, "
        "calendars, price limits)",
        body.replace("<figure class=\"chart\">", '<figure class="chart" style="margin:0">'),
    )
    return save_text(path, page)
