"""The thesis page: lithium carbonate, the Na-ion cost advantage and the two baskets, offline.

One self-contained HTML file (inline SVG charts, inline CSS, no network reference) built from
a :class:`screener.thesis.signal.Signal` and the baskets of :mod:`screener.thesis.baskets`.
Every string reaching the page is escaped. Unavailable stretches of the signal are drawn as
gaps with a grey band; the basket chart is a chart, not a backtest (the page says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from naion import html as h

if TYPE_CHECKING:
    import pandas as pd

    from screener.thesis.baskets import Basket
    from screener.thesis.signal import Signal

UNAVAILABLE_LABEL = "signal unavailable"
_CSS = """
.warn { border-left: 4px solid #b54708; background: #fffaeb; padding: 8px 12px; margin: 12px 0; }
.small { color: var(--muted); font-size: 12px; }
"""


def _dates(sig: Signal) -> pd.DatetimeIndex:
    import pandas as pd

    return pd.DatetimeIndex(sig.frame["date"])


def _x_range(dates: pd.DatetimeIndex) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The same x range on every chart of the page: the signal's first to last date."""
    return (dates[0], dates[-1]) if len(dates) else None


def _unavailable(sig: Signal) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    import pandas as pd

    from reports.performance import false_spans

    flags = pd.Series(sig.frame["available"].to_numpy(dtype=bool), index=_dates(sig))
    return false_spans(flags)


def price_chart(sig: Signal, caption: str = "") -> str:
    """Lithium carbonate (CNY/t) by series, the parity price, unavailable stretches."""
    import numpy as np
    import pandas as pd

    from reports import svg

    f = sig.frame
    dates = _dates(sig)
    price = pd.Series(f["li2co3_cny_per_t"].to_numpy(dtype="float64", na_value=np.nan), dates)
    lines = {}
    for sid in sig.model.price.series:
        mine = (f["series"] == sid).to_numpy()
        if (mine & np.isfinite(price.to_numpy())).any():
            lines[sid] = price.where(mine)
    parity = f"parity {sig.model.parity:,.0f} CNY/t"
    lines[parity] = pd.Series(float(sig.model.parity), index=dates)
    return svg.line_chart(
        lines,
        "Lithium carbonate price used (CNY/t)",
        dashed=(parity,),
        x_range=_x_range(dates),
        shade=_unavailable(sig),
        shade_label=UNAVAILABLE_LABEL,
        caption=caption,
        fig_id="chart-li2co3",
    )


def advantage_chart(sig: Signal, caption: str = "") -> str:
    """The Na-ion cost advantage (CNY/Wh) over time, zero line, unavailable stretches."""
    import numpy as np
    import pandas as pd

    from reports import svg

    dates = _dates(sig)
    adv = sig.frame["advantage_cny_per_wh"].to_numpy(dtype="float64", na_value=np.nan)
    return svg.line_chart(
        {"Na-ion advantage (CNY/Wh)": pd.Series(adv, index=dates)},
        "Na-ion cell cost advantage over LFP (model)",
        baseline=0.0,
        x_range=_x_range(dates),
        shade=_unavailable(sig),
        shade_label=UNAVAILABLE_LABEL,
        caption=caption,
        fig_id="chart-advantage",
    )


def basket_chart(
    baskets: Sequence[Basket], span: pd.DatetimeIndex | None = None, caption: str = ""
) -> str:
    """Basket levels (100 on each basket's first priced day); gaps stay gaps."""
    from reports import svg

    base = baskets[0].base if baskets else ""
    return svg.line_chart(
        {b.name: b.level.astype("float64") for b in baskets},
        f"Equal-weight baskets, level in {base} (start = 100; a chart, not a backtest)",
        baseline=100.0,
        x_range=_x_range(span) if span is not None else None,
        caption=caption,
        fig_id="chart-baskets",
    )


def _fmt(v: Any, spec: str, suffix: str = "") -> str:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return "—"
    if x != x:
        return "—"
    return f"{x:{spec}}{suffix}"


def _latest(sig: Signal) -> str:
    import pandas as pd

    row = sig.last
    items: dict[str, Any] = {"as of": row["date"].date().isoformat()}
    if bool(row["available"]):
        items["lithium carbonate"] = (
            f"{_fmt(row['li2co3_cny_per_t'], ',.0f')} CNY/t ({row['series']},"
            f" {row['price_date'].date()}, {int(row['age_days'])} trading days old)"
        )
        items["Na-ion cost advantage"] = f"{_fmt(row['advantage_cny_per_wh'], '.4f')} CNY/Wh"
        items["distance to parity"] = (
            f"{_fmt(row['distance_cny_per_t'], '+,.0f')} CNY/t"
            f" ({_fmt(row['distance_pct'] * 100, '+.1f', '%')})"
        )
    else:
        items["signal"] = row["note"] or "unavailable"
    items["parity price"] = f"{_fmt(row['parity_cny_per_t'], ',.0f')} CNY/t"
    if pd.isna(row["li2co3_cny_per_t"]) and row["series"] is not None:
        items["last price seen"] = f"{row['series']} on {row['price_date'].date()}"
    return h.meta_list(items)


def _model_section(sig: Signal) -> str:
    import pandas as pd

    m = sig.model
    points = pd.DataFrame(
        [
            {"Li2CO3 (CNY/t)": p.li2co3_cny_per_t, "advantage (CNY/Wh)": p.advantage_cny_per_wh}
            for p in m.points
        ]
    )
    meta = h.meta_list(
        {
            "model": f"{m.name} ({m.origin})",
            "title": m.title,
            "line": m.describe_line(),
            "a (CNY/Wh)": f"{m.intercept:+.6f}",
            "b (CNY/Wh per CNY/t)": f"{m.slope:.6e}",
            "parity": f"{m.parity:,.2f} CNY/t",
            "price series": ", ".join(m.price.series),
            "stale after": f"{m.price.max_stale_days} trading days",
        }
    )
    parts = [
        "<h2>Cost model</h2>",
        meta,
        f"<p><strong>Source:</strong> {h.esc(m.source)}</p>",
        h.table(points, kinds={"Li2CO3 (CNY/t)": "int"}, sortable=False),
    ]
    if m.assumptions:
        parts += ["<p>Assumptions:</p>", h.notes_list(m.assumptions)]
    if m.caveats:
        parts += ["<p>Caveats:</p>", h.notes_list(m.caveats)]
    return "".join(parts)


def _cell(value: float | None, text: str, signed: bool = False) -> str:
    if value is None or value != value:
        return '<td class="num na" data-v="">—</td>'
    sign = (" neg" if value < 0 else " pos" if value > 0 else "") if signed else ""
    return f'<td class="num{sign}" data-v="{value!r}">{h.esc(text)}</td>'


def _month_end_table(sig: Signal) -> str:
    """The last row of each month; sortable by any column (numbers by value)."""
    f = sig.frame
    last = f.groupby(f["date"].dt.to_period("M"), sort=True).tail(1)
    head = (
        '<tr><th>date</th><th class="num">Li2CO3 (CNY/t)</th><th>series</th>'
        '<th>price date</th><th class="num">advantage (CNY/Wh)</th>'
        '<th class="num">distance to parity</th><th>available</th></tr>'
    )
    rows = []
    for r in last.itertuples(index=False):
        price = float(r.li2co3_cny_per_t)
        adv = float(r.advantage_cny_per_wh)
        dist = float(r.distance_pct)
        rows.append(
            "<tr>"
            f"<td>{h.esc(r.date.date().isoformat())}</td>"
            + _cell(price, f"{price:,.0f}")
            + f"<td>{h.esc(r.series or '—')}</td>"
            + f"<td>{h.esc(r.price_date.date().isoformat() if r.series else '—')}</td>"
            + _cell(adv, f"{adv:+.4f}", signed=True)
            + _cell(dist, f"{dist * 100:+,.1f}%", signed=True)
            + f"<td>{'yes' if r.available else 'no'}</td></tr>"
        )
    return (
        '<div class="scroll"><table class="data sortable">'
        f"<thead>{head}</thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _basket_summary(b: Basket) -> str:
    held = b.level.dropna()
    if held.empty:
        return f"{b.title}: no member priced"
    return f"{b.title}: {held.iloc[-1]:,.1f} on {held.index[-1].date()}"


def render(
    sig: Signal,
    baskets: Sequence[Basket],
    basket_notes: Sequence[str] = (),
    conventions: str = "",
) -> str:
    """The whole page as text."""
    import pandas as pd

    f = sig.frame
    first, last = f["date"].iloc[0].date(), f["date"].iloc[-1].date()
    base = baskets[0].base if baskets else ""
    subtitle = f"{first} to {last} · model {sig.model.name}"
    if base:
        subtitle += f" · baskets in {base}"
    from reports import svg

    body = [f"<style>{svg.CSS}{_CSS}</style>", "<h2>Latest</h2>", _latest(sig)]
    if not bool(f["available"].all()):
        off = int((~f["available"]).sum())
        body.append(
            '<div class="warn" role="alert"><strong>Note:</strong> '
            + h.esc(
                f"the signal is unavailable on {off} of {len(f)} dates (grey bands below):"
                " no lithium carbonate price within"
                f" {sig.model.price.max_stale_days} trading days; see the notes"
            )
            + "</div>"
        )
    body += [
        "<h2>Signal</h2>",
        price_chart(
            sig,
            "The composite price: each date uses the freshest price of the listed series"
            " (the first on a tie), never older than the stale limit; series are not rescaled.",
        ),
        advantage_chart(
            sig,
            "advantage = a + b x price; positive: a Na-ion cell is cheaper than an LFP cell.",
        ),
    ]
    if baskets:
        body += [
            "<h2>Baskets</h2>",
            basket_chart(
                baskets,
                pd.DatetimeIndex(f["date"]),
                conventions or "equal weight, rebalanced daily",
            ),
            h.meta_list({b.name: _basket_summary(b) for b in baskets}),
        ]
    body += [
        _model_section(sig),
        "<h2>Notes</h2>",
        h.notes_list(
            [*sig.composite.notes, *basket_notes, *([conventions] if conventions else [])]
        ),
        "<h2>Month-end values</h2>",
        _month_end_table(sig),
    ]
    return h.page("Na-ion thesis signal", subtitle, "".join(body), footer="naion thesis")


def write_page(
    sig: Signal,
    baskets: Sequence[Basket],
    path: Path,
    basket_notes: Sequence[str] = (),
    conventions: str = "",
) -> Path:
    """Render the page and write it to ``path`` (atomically where naion.output allows)."""
    from naion.output import save_text

    return save_text(Path(path), render(sig, baskets, basket_notes, conventions))
