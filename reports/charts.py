"""Matplotlib charts rendered to inline SVG (for pages that want matplotlib's drawing; naion's
own reports use the lighter :mod:`reports.svg`).

Every chart is drawn on a fresh :class:`matplotlib.figure.Figure` (no pyplot state, nothing
left open) and returned as an ``<svg>`` element ready to paste into a page: the XML prolog,
DOCTYPE, RDF metadata and namespace declarations are removed (HTML5 does not need them), so
the page holds no ``http://`` reference. Text is drawn as paths, so the browser needs no font.
Dates run along the x axis with concise labels; percentages are formatted as ``12%``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

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
WIDTH = 11.0  # inches; the SVG scales to the page width

_PROLOG = re.compile(r"<\?xml[^>]*\?>\s*|<!DOCTYPE\s+svg[^>]*>\s*", re.IGNORECASE)
_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_XMLNS = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_COMMENT = re.compile(r"<!--.*?-->\s*", re.DOTALL)


def _clean_element(m: re.Match[str]) -> str:
    svg = _METADATA.sub("", m.group(0))
    svg = _COMMENT.sub("", svg)
    return _XMLNS.sub("", svg)


def clean_svg(text: str) -> str:
    """Every SVG document in ``text`` (one chart, or a whole HTML page) as an inline
    ``<svg>`` element: no XML prolog, DOCTYPE, RDF metadata, comments or namespace URLs."""
    return _SVG.sub(_clean_element, _PROLOG.sub("", text)).strip()


def text(value: object) -> str:
    """A label as matplotlib should print it: ``$`` would start mathtext (and a stray one
    raises), so it is escaped; everything else is drawn as given (glyph paths in the SVG)."""
    return str(value).replace("$", r"\$")


def new_figure(height: float = 3.6, width: float = WIDTH) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure

    from reports.fonts import configure

    configure()
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.add_subplot()
    _style(ax)
    return fig, ax


def to_svg(fig: Figure) -> str:
    """Render ``fig`` to an inline SVG string (and release it)."""
    from reports.fonts import quiet

    buf = io.StringIO()
    with quiet():
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    fig.clear()
    return clean_svg(buf.getvalue())


def _style(ax: Axes) -> None:
    ax.set_facecolor("white")
    ax.grid(True, color="#e3e7ec", linewidth=0.7)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#9aa3ae")
    ax.tick_params(labelsize=9, colors="#333333")


def _dates(ax: Axes) -> None:
    import matplotlib.dates as mdates

    loc = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))


def _percent(ax: Axes, axis: str = "y", decimals: int | None = None) -> None:
    from matplotlib.ticker import PercentFormatter

    fmt = PercentFormatter(1.0, decimals=decimals)
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def _legend(ax: Axes, n: int) -> None:
    if n == 0:
        return
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(1.005, 1.0),
        fontsize=8.5,
        frameon=False,
        borderaxespad=0.0,
    )


def line_chart(
    series: Mapping[str, pd.Series],
    title: str,
    ylabel: str = "",
    percent: bool = False,
    dashed: Sequence[str] = (),
    baseline: float | None = None,
    fill: bool = False,
    height: float = 3.6,
) -> str:
    """Lines over time, one per entry of ``series`` (label → series with a DatetimeIndex).

    Labels in ``dashed`` are drawn thinner and dashed (benchmarks). ``fill`` shades the area
    between each line and 0 (drawdowns).
    """
    fig, ax = new_figure(height)
    solid, broken = iter(PALETTE * 4), iter(BENCHMARK_PALETTE * 4)
    for name, s in series.items():
        s = s.dropna()
        if not len(s):
            continue
        color = next(broken) if name in dashed else next(solid)
        style: dict[str, Any] = {"linewidth": 1.4, "color": color}
        if name in dashed:
            style.update(linewidth=1.1, linestyle=(0, (4, 2)), alpha=0.9)
        ax.plot(s.index, s.to_numpy(dtype="float64"), label=text(name), **style)
        if fill:
            ax.fill_between(s.index, s.to_numpy(dtype="float64"), 0.0, color=color, alpha=0.12)
    if baseline is not None:
        ax.axhline(baseline, color="#7a8591", linewidth=0.8)
    ax.set_title(text(title), loc="left", fontsize=11, fontweight="bold")
    ax.set_ylabel(text(ylabel), fontsize=9)
    _dates(ax)
    if percent:
        _percent(ax, decimals=0)
    _legend(ax, len(series))
    return to_svg(fig)


def area_chart(
    frame: pd.DataFrame,
    title: str,
    labels: Mapping[str, str] | None = None,
    height: float = 3.4,
    max_legend: int = 14,
) -> str:
    """A stacked area of ``frame``'s columns over time (weights; a ``cash`` column is grey).

    Columns beyond ``max_legend`` (the smallest on average) are summed into "other".
    """
    import numpy as np

    labels = dict(labels or {})
    data = frame.fillna(0.0).clip(lower=0.0)
    cash = data.pop("cash") if "cash" in data.columns else None
    order = data.mean().sort_values(ascending=False).index
    data = data[order]
    if data.shape[1] > max_legend:
        keep = list(order[: max_legend - 1])
        other = data.drop(columns=keep).sum(axis=1)
        data = data[keep].assign(other=other)
        labels["other"] = "other"
    fig, ax = new_figure(height)
    ys = [data[c].to_numpy(dtype="float64") for c in data.columns]
    names = [text(labels.get(str(c), str(c))) for c in data.columns]
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(ys))]
    if cash is not None:
        ys.append(cash.to_numpy(dtype="float64"))
        names.append("cash")
        colors.append(CASH)
    if ys:
        ax.stackplot(data.index, np.vstack(ys), labels=names, colors=colors, linewidth=0.0)
    ax.set_ylim(0.0, max(1.0, float(np.nansum(np.vstack(ys), axis=0).max()) if ys else 1.0))
    ax.margins(x=0)
    ax.set_title(text(title), loc="left", fontsize=11, fontweight="bold")
    _dates(ax)
    _percent(ax, decimals=0)
    _legend(ax, len(names))
    return to_svg(fig)


def bar_chart(
    values: pd.Series,
    title: str,
    xlabel: str = "",
    percent: bool = False,
    highlight_negative: bool = True,
) -> str:
    """Horizontal bars, one per index label, in the order given (first at the top)."""
    n = len(values)
    fig, ax = new_figure(height=max(1.8, 0.28 * n + 0.9))
    v = values.astype("float64")
    colors = [PALETTE[4] if highlight_negative and x < 0 else PALETTE[0] for x in v.fillna(0.0)]
    pos = list(range(n))[::-1]
    ax.barh(pos, v.fillna(0.0).to_numpy(), color=colors, height=0.65)
    ax.set_yticks(pos, [text(i) for i in values.index], fontsize=9)
    ax.grid(False, axis="y")
    ax.axvline(0.0, color="#7a8591", linewidth=0.8)
    ax.set_title(text(title), loc="left", fontsize=11, fontweight="bold")
    ax.set_xlabel(text(xlabel), fontsize=9)
    if percent:
        _percent(ax, "x")
    return to_svg(fig)


def grouped_bars(
    frame: pd.DataFrame,
    title: str,
    percent: bool = True,
    height: float = 3.0,
) -> str:
    """Vertical bars: one group per row of ``frame``, one bar per column (series)."""
    import numpy as np

    fig, ax = new_figure(height)
    n_rows, n_cols = frame.shape
    width = 0.8 / max(n_cols, 1)
    x = np.arange(n_rows)
    for j, col in enumerate(frame.columns):
        ax.bar(
            x + (j - (n_cols - 1) / 2) * width,
            frame[col].fillna(0.0).to_numpy(dtype="float64"),
            width=width * 0.95,
            label=text(col),
            color=PALETTE[j % len(PALETTE)],
        )
    ax.set_xticks(x, [text(i) for i in frame.index], fontsize=9)
    ax.grid(False, axis="x")
    ax.set_title(text(title), loc="left", fontsize=11, fontweight="bold")
    if percent:
        _percent(ax, decimals=0)
    _legend(ax, n_cols)
    return to_svg(fig)
