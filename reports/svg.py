"""Charts as inline SVG written directly (no matplotlib): fast, small and safe to embed.

Every function returns a ``<figure class="chart">``: a heading, an HTML legend, the ``<svg>``
and an optional caption. All text that comes from data (titles, series names, category
labels) is escaped with :func:`naion.html.esc`; the SVG itself holds only shapes, axis
numbers and dates, so the browser draws the text with the page's fonts (CJK names work
wherever the reader's browser has a CJK font; nothing to set up when the report is built).

Geometry: a 1000-unit-wide ``viewBox`` scaled to the page width. Values that are NaN are
not drawn (a line restarts after a gap), so a rolling statistic starts where its window is
full instead of at 0. Dates run along the x axis with one tick per month, quarter, half-year,
year or more (at most ~9 ticks); percentages are labelled ``12%``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from naion import html as h

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# colour-blind-friendly qualitative palette (Okabe-Ito, then Tableau)
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#D55E00",
    "#56B4E9",
    "#F0E442",
    "#8C564B",
    "#7F7F7F",
    "#BCBD22",
    "#17BECF",
    "#9467BD",
)
BENCHMARK_PALETTE = ("#4D4D4D", "#8C564B", "#9467BD", "#17BECF", "#BCBD22")
CASH = "#C8CDD3"
NEGATIVE = "#D55E00"
SHADE = "#E4E7EB"  # marked date spans (e.g. a signal unavailable)
W = 1000.0
LEFT, RIGHT, TOP, BOTTOM = 58.0, 14.0, 10.0, 24.0
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

CSS = """
figure.chart { margin: 12px 0 20px; }
figure.chart h3 { font-size: 14px; margin: 0 0 4px; }
figure.chart svg { width: 100%; height: auto; display: block; overflow: visible; }
figure.chart svg text { font-size: 11px; fill: #3a4350; }
figure.chart svg .grid { stroke: #e3e7ec; stroke-width: 1; }
figure.chart svg .axis { stroke: #9aa3ae; stroke-width: 1; }
figure.chart svg .zero { stroke: #7a8591; stroke-width: 1; }
.legend { display: flex; flex-wrap: wrap; gap: 2px 14px; font-size: 12px; margin: 0 0 4px; }
.legend span { display: inline-flex; align-items: center; gap: 5px; }
.legend i { display: inline-block; width: 16px; height: 0; border-top: 3px solid; }
.legend i.dash { border-top-style: dashed; border-top-width: 2px; }
.legend i.box { height: 10px; border: 0; }
"""


@dataclass(frozen=True)
class Scale:
    """Data → viewBox coordinates of one plot area."""

    x0: float
    x1: float
    y0: float
    y1: float
    width: float
    height: float
    left: float = LEFT

    def x(self, v: np.ndarray | float) -> np.ndarray | float:
        span = (self.x1 - self.x0) or 1.0
        return self.left + (v - self.x0) / span * (self.width - self.left - RIGHT)

    def y(self, v: np.ndarray | float) -> np.ndarray | float:
        span = (self.y1 - self.y0) or 1.0
        return TOP + (self.y1 - v) / span * (self.height - TOP - BOTTOM)


def days_of(index: pd.DatetimeIndex) -> np.ndarray:
    """Dates as float days since 1970-01-01 (the x coordinate of time charts)."""
    import numpy as np

    return index.to_numpy().astype("datetime64[D]").astype(np.int64).astype("float64")


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values covering [lo, hi] (steps of 1, 2, 2.5 or 5 × 10^k)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return []
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0) * 0.1
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    out = []
    v = first
    while v <= hi + step * 1e-9:
        out.append(0.0 if abs(v) < step * 1e-9 else v)
        v += step
    return out


def tick_label(v: float, step: float, percent: bool) -> str:
    if percent:
        v, step = v * 100.0, step * 100.0
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0
    if step > 0 and round(step, decimals) != round(step, decimals + 1):
        decimals += 1  # 2.5 steps
    text = f"{v:,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]
    return text + ("%" if percent else "")


def date_ticks(d0: float, d1: float, max_ticks: int = 9) -> list[tuple[float, str]]:
    """Month-aligned ticks between two day numbers, labelled with the year or month."""
    import numpy as np

    first = np.datetime64(int(d0), "D").astype("datetime64[M]")
    last = np.datetime64(int(d1), "D").astype("datetime64[M]")
    months = int((last - first).astype(int)) + 1
    step = next((s for s in (1, 2, 3, 6, 12, 24, 60, 120) if months / s <= max_ticks), 240)
    out = []
    m = first
    while m <= last + 1:
        idx = int(m.astype(int))  # months since 1970-01
        if idx % step == 0:
            day = float(m.astype("datetime64[D]").astype(np.int64))
            if d0 <= day <= d1:
                year, month = 1970 + idx // 12, idx % 12
                label = str(year) if step >= 12 or month == 0 else MONTHS[month]
                out.append((day, label))
        m = m + 1
    if len(out) < 2:  # a short window: its two ends
        out = [(d, str(np.datetime64(int(d), "D"))) for d in (d0, d1)]
    return out


def _path(xs: np.ndarray, ys: np.ndarray) -> str:
    """An SVG path through the finite points; NaN breaks the line."""
    import numpy as np

    parts = []
    pen_up = True
    for x, y in zip(np.round(xs, 1).tolist(), np.round(ys, 1).tolist(), strict=True):
        if not (math.isfinite(x) and math.isfinite(y)):
            pen_up = True
            continue
        parts.append(f"{'M' if pen_up else 'L'}{x:g} {y:g}")
        pen_up = False
    return "".join(parts)


def _legend(items: Sequence[tuple[str, str, str]]) -> str:
    """(label, colour, style) with style line, dash or box."""
    if not items:
        return ""
    spans = []
    for label, color, style in items:
        cls = "" if style == "line" else f' class="{style}"'
        attr = "background" if style == "box" else "border-top-color"
        spans.append(f'<span><i{cls} style="{attr}:{color}"></i>{h.esc(label)}</span>')
    return '<div class="legend">' + "".join(spans) + "</div>"


def _figure(title: str, legend: str, svg: str, caption: str = "", fig_id: str = "") -> str:
    fid = f' id="{h.esc(fig_id)}"' if fig_id else ""
    cap = f"<figcaption>{h.esc(caption)}</figcaption>" if caption else ""
    return f'<figure class="chart"{fid}><h3>{h.esc(title)}</h3>{legend}{svg}{cap}</figure>'


def _svg(title: str, height: float, body: Sequence[str]) -> str:
    return (
        f'<svg viewBox="0 0 {W:g} {height:g}" role="img" aria-label="{h.esc(title)}">'
        + "".join(body)
        + "</svg>"
    )


def _y_axis(sc: Scale, ticks: Sequence[float], percent: bool) -> list[str]:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else abs(ticks[0]) if ticks else 1.0
    out = []
    for t in ticks:
        y = float(sc.y(t))
        cls = "zero" if t == 0 else "grid"
        out.append(
            f'<line class="{cls}" x1="{sc.left:g}" x2="{W - RIGHT:g}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        out.append(
            f'<text x="{sc.left - 6:g}" y="{y + 4:.1f}" text-anchor="end">'
            f"{h.esc(tick_label(t, step, percent))}</text>"
        )
    return out


def _x_dates(sc: Scale) -> list[str]:
    out = [
        f'<line class="axis" x1="{sc.left:g}" x2="{W - RIGHT:g}" y1="{sc.height - BOTTOM:g}" '
        f'y2="{sc.height - BOTTOM:g}"/>'
    ]
    for day, label in date_ticks(sc.x0, sc.x1):
        x = float(sc.x(day))
        out.append(
            f'<line class="axis" x1="{x:.1f}" x2="{x:.1f}" y1="{sc.height - BOTTOM:g}" '
            f'y2="{sc.height - BOTTOM + 4:g}"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{sc.height - BOTTOM + 16:g}" text-anchor="middle">'
            f"{h.esc(label)}</text>"
        )
    return out


def _range(values: Sequence[np.ndarray], include: Sequence[float] = ()) -> tuple[float, float]:
    import numpy as np

    finite = [v[np.isfinite(v)] for v in values]
    finite = [v for v in finite if v.size]
    if not finite:
        return 0.0, 1.0
    lo = min(float(v.min()) for v in finite)
    hi = max(float(v.max()) for v in finite)
    for x in include:
        lo, hi = min(lo, x), max(hi, x)
    pad = (hi - lo) * 0.04 or abs(hi) * 0.05 or 0.05
    return lo - pad, hi + pad


def colors_for(labels: Sequence[str], dashed: Sequence[str] = ()) -> dict[str, str]:
    """Solid series take the palette in order, dashed (benchmarks) the grey palette."""
    solid, broken = 0, 0
    out = {}
    for lab in labels:
        if lab in dashed:
            out[lab] = BENCHMARK_PALETTE[broken % len(BENCHMARK_PALETTE)]
            broken += 1
        else:
            out[lab] = PALETTE[solid % len(PALETTE)]
            solid += 1
    return out


def line_chart(
    series: Mapping[str, pd.Series],
    title: str,
    percent: bool = False,
    dashed: Sequence[str] = (),
    baseline: float | None = None,
    fill: bool = False,
    height: float = 260.0,
    caption: str = "",
    x_range: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    fig_id: str = "",
    colors: Mapping[str, str] | None = None,
    shade: Sequence[tuple[pd.Timestamp, pd.Timestamp]] = (),
    shade_label: str = "",
    steps: bool = False,
) -> str:
    """Lines over time, one per entry (label → series with a DatetimeIndex), in order.

    Labels in ``dashed`` are drawn thinner and dashed (benchmarks); ``fill`` shades between
    each line and 0 (drawdowns); ``x_range`` fixes the time axis (to align several charts).
    ``shade`` marks date spans (first, last day, both included) with a grey band behind the
    lines, named ``shade_label`` in the legend; ``steps`` draws each value flat until the next.
    """
    import numpy as np
    import pandas as pd

    colors = dict(colors or colors_for(list(series), dashed))
    data = {
        k: (days_of(pd.DatetimeIndex(s.index)), s.to_numpy(dtype="float64"))
        for k, s in series.items()
    }
    xs = [x for x, _ in data.values() if x.size]
    if x_range is not None:
        x0, x1 = (float(days_of(pd.DatetimeIndex([d]))[0]) for d in x_range)
    elif xs:
        x0, x1 = min(float(x[0]) for x in xs), max(float(x[-1]) for x in xs)
    else:
        x0, x1 = 0.0, 1.0
    lo, hi = _range([y for _, y in data.values()], [baseline] if baseline is not None else [])
    if fill:
        hi = max(hi, 0.0)
    ticks = nice_ticks(lo, hi)
    if ticks:
        lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
    sc = Scale(x0, x1, lo, hi, W, height)
    body = _y_axis(sc, ticks, percent)
    if baseline is not None and baseline not in ticks:
        y = float(sc.y(baseline))
        body.append(
            f'<line class="zero" x1="{LEFT:g}" x2="{W - RIGHT:g}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
    body += _x_dates(sc)
    legend = []
    if shade:
        body[:0] = _bands(sc, shade)
        legend.append((shade_label or "shaded", SHADE, "box"))
    for label, (x, y) in data.items():
        color = colors[label]
        is_dashed = label in dashed
        legend.append((label, color, "dash" if is_dashed else "line"))
        if not np.isfinite(y).any():
            continue
        if steps and len(x) > 1:
            x, y = np.repeat(x, 2)[1:], np.repeat(y, 2)[:-1]
        px, py = sc.x(x), sc.y(y)
        if fill:
            zero = float(sc.y(0.0))
            ok = np.isfinite(py)
            fx, fy = px[ok], py[ok]
            poly = f"M{fx[0]:.1f} {zero:.1f}" + _path(fx, fy).replace("M", "L", 1)
            poly += f"L{fx[-1]:.1f} {zero:.1f}Z"
            body.append(f'<path d="{poly}" fill="{color}" fill-opacity="0.13" stroke="none"/>')
        dash = ' stroke-dasharray="6 3"' if is_dashed else ""
        width = 1.3 if is_dashed else 1.6
        body.append(
            f'<path d="{_path(px, py)}" fill="none" stroke="{color}" stroke-width="{width}"'
            f'{dash} stroke-linejoin="round"/>'
        )
    return _figure(title, _legend(legend), _svg(title, height, body), caption, fig_id)


def _bands(sc: Scale, spans: Sequence[tuple[pd.Timestamp, pd.Timestamp]]) -> list[str]:
    """Grey rectangles over the plot's height for each date span (half a day beyond each end)."""
    import pandas as pd

    out = []
    top, bottom = TOP, sc.height - BOTTOM
    for first, last in spans:
        d0, d1 = days_of(pd.DatetimeIndex([first, last])).tolist()
        x0 = max(float(sc.x(d0 - 0.5)), sc.left)
        x1 = min(float(sc.x(d1 + 0.5)), W - RIGHT)
        if x1 <= x0:
            continue
        out.append(
            f'<rect class="shade" x="{x0:.1f}" y="{top:g}" width="{x1 - x0:.1f}" '
            f'height="{bottom - top:g}" fill="{SHADE}"/>'
        )
    return out


def area_chart(
    frame: pd.DataFrame,
    title: str,
    labels: Mapping[str, str] | None = None,
    height: float = 260.0,
    max_legend: int = 14,
    caption: str = "",
    x_range: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    fig_id: str = "",
) -> str:
    """Stacked areas of ``frame``'s columns over time (weights; a ``cash`` column is grey,
    on top). Columns beyond ``max_legend`` (the smallest on average) are summed into
    "other"."""
    import numpy as np
    import pandas as pd

    labels = dict(labels or {})
    data = frame.fillna(0.0).clip(lower=0.0)
    cash = data.pop("cash") if "cash" in data.columns else None
    order = data.mean().sort_values(ascending=False, kind="stable").index
    data = data[order]
    if data.shape[1] > max_legend:
        keep = list(order[: max_legend - 1])
        other = data.drop(columns=keep).sum(axis=1)
        data = data[keep].assign(**{"\x00other": other})
        labels["\x00other"] = "other"
    layers = [(labels.get(str(c), str(c)), data[c].to_numpy(dtype="float64")) for c in data.columns]
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(layers))]
    if cash is not None:
        layers.append(("cash", cash.to_numpy(dtype="float64")))
        colors.append(CASH)
    x = days_of(pd.DatetimeIndex(frame.index))
    if x_range is not None:
        x0, x1 = (float(days_of(pd.DatetimeIndex([d]))[0]) for d in x_range)
    else:
        x0, x1 = (float(x[0]), float(x[-1])) if x.size else (0.0, 1.0)
    top = float(np.sum([v for _, v in layers], axis=0).max()) if layers and x.size else 1.0
    hi = max(1.0, top)
    ticks = nice_ticks(0.0, hi)
    sc = Scale(x0, x1, 0.0, max(hi, ticks[-1] if ticks else hi), W, height)
    body = _y_axis(sc, ticks, True) + _x_dates(sc)
    base = np.zeros(len(x))
    px = sc.x(x)
    for (_, v), color in zip(layers, colors, strict=True):
        upper = base + v
        if x.size:
            fwd = _path(px, sc.y(upper))
            back = _path(px[::-1], sc.y(base[::-1])).replace("M", "L", 1)
            body.append(f'<path d="{fwd}{back}Z" fill="{color}" stroke="none"/>')
        base = upper
    legend = _legend([(lab, c, "box") for (lab, _), c in zip(layers, colors, strict=True)])
    return _figure(title, legend, _svg(title, height, body), caption, fig_id)


def bar_chart(
    frame: pd.DataFrame,
    title: str,
    percent: bool = True,
    dashed: Sequence[str] = (),
    height: float = 240.0,
    caption: str = "",
    fig_id: str = "",
    colors: Mapping[str, str] | None = None,
) -> str:
    """Vertical bars: one group per row of ``frame`` (labelled by its index), one bar per
    column, columns in order; columns in ``dashed`` (benchmarks) are drawn in grey."""
    import numpy as np

    colors = dict(colors or colors_for([str(c) for c in frame.columns], dashed))
    n_rows, n_cols = frame.shape
    values = frame.to_numpy(dtype="float64")
    lo, hi = _range([values.ravel()], [0.0])
    ticks = nice_ticks(lo, hi)
    if ticks:
        lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
    sc = Scale(-0.5, n_rows - 0.5, lo, hi, W, height)
    body = _y_axis(sc, ticks, percent)
    slot = (W - LEFT - RIGHT) / max(n_rows, 1)
    bar = slot * 0.8 / max(n_cols, 1)
    zero = float(sc.y(0.0))
    for i, label in enumerate(frame.index):
        cx = float(sc.x(i))
        for j, col in enumerate(frame.columns):
            v = values[i, j]
            if not np.isfinite(v):
                continue
            x = cx - slot * 0.4 + j * bar
            y = float(sc.y(v))
            body.append(
                f'<rect x="{x:.1f}" y="{min(y, zero):.1f}" width="{bar * 0.92:.1f}" '
                f'height="{abs(zero - y):.1f}" fill="{colors[str(col)]}"/>'
            )
        body.append(
            f'<text x="{cx:.1f}" y="{height - BOTTOM + 16:g}" text-anchor="middle">'
            f"{h.esc(label)}</text>"
        )
    legend = _legend([(str(c), colors[str(c)], "box") for c in frame.columns])
    return _figure(title, legend, _svg(title, height, body), caption, fig_id)


def hbar_chart(
    values: pd.Series,
    title: str,
    percent: bool = False,
    caption: str = "",
    fig_id: str = "",
    label_width: float = 250.0,
) -> str:
    """Horizontal bars, one per index label, in the order given (first at the top);
    negative values in orange. Missing values get no bar (their label stays)."""
    import numpy as np

    n = len(values)
    row = 18.0
    height = TOP + BOTTOM + row * max(n, 1)
    v = values.to_numpy(dtype="float64")
    lo, hi = _range([v], [0.0])
    ticks = nice_ticks(lo, hi)
    if ticks:
        lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
    left = label_width
    span = (hi - lo) or 1.0

    def xpos(x: float) -> float:
        return left + (x - lo) / span * (W - left - RIGHT)

    body = []
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    for t in ticks:
        x = xpos(t)
        body.append(
            f'<line class="{"zero" if t == 0 else "grid"}" x1="{x:.1f}" x2="{x:.1f}" '
            f'y1="{TOP:g}" y2="{height - BOTTOM:g}"/>'
        )
        body.append(
            f'<text x="{x:.1f}" y="{height - BOTTOM + 16:g}" text-anchor="middle">'
            f"{h.esc(tick_label(t, step, percent))}</text>"
        )
    zero = xpos(0.0)
    for i, (label, x) in enumerate(zip(values.index, v, strict=True)):
        y = TOP + i * row
        text = str(label)
        if len(text) > 34:
            text = text[:33] + "…"
        body.append(
            f'<text x="{left - 6:g}" y="{y + row * 0.7:.1f}" text-anchor="end">{h.esc(text)}</text>'
        )
        if np.isfinite(x):
            xv = xpos(float(x))
            color = NEGATIVE if x < 0 else PALETTE[0]
            body.append(
                f'<rect x="{min(xv, zero):.1f}" y="{y + 3:.1f}" width="{abs(xv - zero):.1f}" '
                f'height="{row - 6:g}" fill="{color}"/>'
            )
    return _figure(title, "", _svg(title, height, body), caption, fig_id)
