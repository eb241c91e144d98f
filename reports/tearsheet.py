"""The tear sheet of one saved run: one self-contained HTML page in naion's shared look.

What it shows (statistics from :mod:`reports.performance` and :mod:`strategies.metrics`;
charts from :mod:`reports.svg`):

* a one-line heading — strategy · period · base currency — and, below it, the run id, the
  benchmark and "data as of" the last day the run used;
* key figures, strategy column first and benchmark after: trailing returns (only those the
  run is long enough for), CAGR, volatility, Sharpe, Sortino, drawdowns, best/worst days,
  months and years, beta and correlation, turnover, costs;
* the run's notes (every fallback the engine recorded), then the facts of the run;
* growth, drawdown (with the worst drawdown periods — an unfinished one says *ongoing*),
  yearly returns, a monthly heat map (blank for months outside the run), rolling
  volatility, Sharpe and beta (drawn once their six-month window is full), and holdings
  (weights over time from ``weights.csv``, the latest weights);
* for a run that kept the signal it traded on (``thesis-tilt``: ``signal.csv``), the signal:
  the Na-ion cost advantage over time and the Na-ion sleeve's target weight, the spans where
  the signal was unavailable shaded, and a table of those spans;
* the money conventions and the prices used per asset.

Every string from the run (titles, names, notes, codes) is escaped; the page holds no
external reference and no script besides the shared table sorter. Nothing here imports
matplotlib or quantstats, so a report costs well under a second after pandas is loaded.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from naion import html as h

if TYPE_CHECKING:
    import pandas as pd

    from reports.performance import Curve
    from strategies.runs import SavedRun

CSS = """
.grid2 { align-items: start; }
table.kpi { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
table.kpi th, table.kpi td { padding: 3px 8px; border-bottom: 1px solid var(--line); }
table.kpi th.num { text-align: right; }
table.kpi td.num { text-align: right; white-space: nowrap; }
table.kpi thead th { background: #eef1f5; vertical-align: bottom; text-align: left; }
table.kpi tr.group th { text-align: left; background: var(--band); font-size: 12px;
                        color: var(--muted); }
table.kpi td:first-child { white-space: nowrap; }
table.heat { border-collapse: collapse; font-variant-numeric: tabular-nums; width: 100%; }
table.heat th, table.heat td { padding: 4px 5px; text-align: right; font-size: 12px;
                               border: 1px solid #fff; }
table.heat td.out { background: #fff; }
table.heat td.year { font-weight: 700; border-left: 3px solid #fff; }
.neg-text { color: var(--neg); }
"""
GROUPS = ("Returns", "Risk", "Days, months and years", "Against the benchmark", "Trading")


def title_parts(run: SavedRun) -> list[str]:
    """Strategy title, period, base currency: the page heading, one part per line-box."""
    return [run.title, f"{run.info.get('start')} → {run.info.get('end')}", run.base_currency]


def title_of(run: SavedRun) -> str:
    return " · ".join(title_parts(run))


def data_as_of(run: SavedRun) -> str:
    """The last day the run used (its data is as of that close)."""
    return run.equity.index[-1].date().isoformat()


def write_tearsheet(run: SavedRun, path: Path) -> Path:
    """Write the tear sheet of ``run`` to ``path`` (HTML) and return the path."""
    from naion.output import save_text

    return save_text(Path(path), tearsheet_html(run))


def tearsheet_html(run: SavedRun, step: Any = None) -> str:
    """The whole page; ``step(name)`` (optional) is told which part is being built."""
    from naion.errors import InputError
    from reports import svg
    from reports.html_parts import EXTRA_CSS

    tell = step or (lambda _name: None)
    if len(run.equity) < 2:
        raise InputError(f"run {run.run_id} has fewer than 2 days; nothing to report")
    tell("statistics")
    ctx = Context(run)
    tell("tables")
    from reports.html_parts import warn

    body = [warn(w) for w in ctx.warnings]
    body += [
        '<div class="grid2">',
        f'<section id="key-figures"><h2>Key figures</h2>{kpi_table(ctx)}'
        '<p class="small">Each column over the run\'s days, in '
        f"{h.esc(run.base_currency)}; risk-free rate 0; 3Y and longer annualised.</p></section>",
        f'<section id="facts"><h2>The run</h2>{facts_html(run)}</section>',
        "</div>",
        notes_section(run),
    ]
    tell("charts")
    body += [
        growth_section(ctx),
        signal_section(ctx),
        drawdown_section(ctx),
        returns_section(ctx),
        rolling_section(ctx),
        holdings_section(ctx),
        conventions_section(run),
    ]
    sub = [
        f"run {run.run_id}",
        f"benchmark: {ctx.bench_label or 'none'}",
        f"data as of {data_as_of(run)}",
    ]
    return h.page(
        f"{title_of(run)} — naion tear sheet",
        " · ".join(sub),
        "".join(body),
        footer=f"tear sheet of saved run {run.run_id}",
        subtitle_parts=sub,
        title_parts=title_parts(run),
        css=EXTRA_CSS + svg.CSS + CSS,
    )


class Context:
    """What every section of one tear sheet needs, computed once."""

    def __init__(self, run: SavedRun) -> None:
        from reports.performance import Curve
        from reports.stats import run_metrics_of, run_periods

        self.run = run
        self.periods = run_periods(run.metrics, run.equity.index)
        self.metrics = run_metrics_of(run)
        self.curve = Curve(run.equity.astype("float64"), run.capital)
        self.label = run.title
        self.bench: Curve | None = None
        self.bench_label = ""
        self.warnings: list[str] = []
        if run.benchmark is not None:
            level = run.benchmark.astype("float64")
            gaps = int(level.isna().sum())
            if gaps:
                self.warnings.append(
                    f"the saved benchmark has {gaps} missing days, so it is left out of this "
                    "tear sheet (the strategy's figures are complete)."
                )
            else:
                self.bench = Curve(level, float(level.iloc[0]))
                self.bench_label = str(run.info.get("benchmark") or "benchmark")
        idx = run.equity.index
        self.x_range = (idx[0], idx[-1])

    def series(self, fn: Any) -> dict[str, pd.Series]:
        """label → fn(curve) for the strategy, then the benchmark."""
        out = {self.label: fn(self.curve)}
        if self.bench is not None:
            out[self.bench_label] = fn(self.bench)
        return out

    def line_labels(self) -> tuple[str, ...]:
        return (self.bench_label,) if self.bench is not None else ()


# -- formatting ---------------------------------------------------------------------------


def pct(v: float | None, digits: int = 2) -> str:
    if v is None or not math.isfinite(v):
        return "—"
    text = f"{v * 100:,.{digits}f}%"
    return text[1:] if text.startswith("-") and not text.strip("-0.,%") else text  # no "-0.0%"


def num(v: float | None, digits: int = 2) -> str:
    if v is None or not math.isfinite(v):
        return "—"
    return f"{v:,.{digits}f}"


def money(v: float | None, currency: str) -> str:
    if v is None or not math.isfinite(v):
        return "—"
    return f"{currency} {v:,.2f}"


# -- key figures --------------------------------------------------------------------------


def kpi_rows(ctx: Context) -> list[tuple[str, str, str, str]]:
    """(group, label, strategy, benchmark) rows; benchmark "" when there is none."""
    from reports.performance import beta_and_correlation, summary, trailing_returns

    run = ctx.run
    s = summary(ctx.curve, ctx.periods, ctx.metrics)
    b = summary(ctx.bench, ctx.periods) if ctx.bench else None
    has_b = b is not None
    rows: list[tuple[str, str, str, str]] = []

    def add(group: str, label: str, key: str, fmt: Any) -> None:
        rows.append((group, label, fmt(s.get(key)), fmt(b.get(key)) if has_b else ""))

    trail_s = dict(trailing_returns(ctx.curve, ctx.periods))
    trail_b = dict(trailing_returns(ctx.bench, ctx.periods)) if ctx.bench else {}
    rows.append(("Returns", "Cumulative return", pct(s["total_return"]),
                 pct(b["total_return"]) if has_b else ""))  # fmt: skip
    rows.append(("Returns", "CAGR", pct(s["cagr"]), pct(b["cagr"]) if has_b else ""))
    for label, value in trail_s.items():
        rows.append(("Returns", label, pct(value), pct(trail_b.get(label)) if has_b else ""))
    add("Risk", "Volatility (ann.)", "volatility", pct)
    add("Risk", "Sharpe", "sharpe", num)
    add("Risk", "Sortino", "sortino", num)
    add("Risk", "Max drawdown", "max_drawdown", pct)
    add("Risk", "Longest drawdown (days)", "longest_drawdown", lambda v: num(v, 0))
    add("Risk", "Calmar", "calmar", num)
    for key, label in (
        ("best_day", "Best day"),
        ("worst_day", "Worst day"),
        ("best_month", "Best month"),
        ("worst_month", "Worst month"),
        ("best_year", "Best year"),
        ("worst_year", "Worst year"),
        ("win_days", "Winning days"),
        ("win_months", "Winning months"),
    ):
        add("Days, months and years", label, key, pct)
    if ctx.bench is not None:
        beta, corr = beta_and_correlation(ctx.curve.returns(), ctx.bench.returns())
        rows.append(("Against the benchmark", "Beta", num(beta), "1.00"))
        rows.append(("Against the benchmark", "Correlation", num(corr), "1.00"))
    base = run.base_currency
    rows.append(("Trading", "Turnover / yr (one-way)", pct(s.get("turnover")), "—" * has_b))
    rows.append(("Trading", "Costs (commission + taxes)", money(s.get("fees"), base), "—" * has_b))
    rows.append(("Trading", "Trades", num(s.get("trades", len(run.trades)), 0), "—" * has_b))
    return rows


def kpi_table(ctx: Context) -> str:
    rows = kpi_rows(ctx)
    has_b = ctx.bench is not None
    head = f'<th>Metric</th><th class="num">{h.esc(ctx.label)}</th>'
    if has_b:
        head += f'<th class="num">{h.esc(ctx.bench_label)}</th>'
    out = [f'<table class="kpi" id="kpi"><thead><tr>{head}</tr></thead><tbody>']
    group = None
    span = 3 if has_b else 2
    for g, label, s, b in rows:
        if g != group:
            out.append(f'<tr class="group"><th colspan="{span}">{h.esc(g)}</th></tr>')
            group = g
        cells = f'<td>{h.esc(label)}</td><td class="num">{h.esc(s)}</td>'
        if has_b:
            cells += f'<td class="num">{h.esc(b)}</td>'
        out.append(f"<tr>{cells}</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def facts_html(run: SavedRun) -> str:
    from reports import conventions as c

    return h.meta_list(c.facts(run))


# -- sections -----------------------------------------------------------------------------


def notes_section(run: SavedRun) -> str:
    """The run's notes as a table (every fallback and exception the engine recorded)."""
    import pandas as pd

    from reports import conventions as c

    notes = c.run_notes(run)
    if not notes:
        return (
            '<section id="run-notes"><h2>Run notes</h2>'
            "<p>The engine recorded no notes for this run (no fallback, no exception).</p>"
            "</section>"
        )
    frame = pd.DataFrame({"#": range(1, len(notes) + 1), "note": notes})
    table = h.table(frame, {"#": "int"}, sortable=False, table_id="notes", wrap=True)
    return f'<section id="run-notes"><h2>Run notes ({len(notes)})</h2>{table}</section>'


def growth_section(ctx: Context) -> str:
    from reports import svg

    chart = svg.line_chart(
        ctx.series(lambda c: c.growth - 1.0),
        "Cumulative return",
        percent=True,
        dashed=ctx.line_labels(),
        baseline=0.0,
        x_range=ctx.x_range,
        fig_id="chart-growth",
        caption="Equity / starting capital − 1 (the first day's purchase costs show)"
        + ("; the benchmark from its first level." if ctx.bench is not None else "."),
    )
    return f'<section id="growth"><h2>Growth</h2>{chart}</section>'


def signal_section(ctx: Context) -> str:
    """The signal a run traded on (saved as signal.csv); "" for a run without one."""
    import pandas as pd

    from reports import svg
    from reports.performance import false_spans, signal_weight_path

    sig = ctx.run.signal
    if sig is None or not len(sig):
        return ""
    spec = ctx.run.info.get("spec") if isinstance(ctx.run.info.get("spec"), dict) else {}
    full_at, max_weight = spec.get("full_at"), spec.get("max_weight")
    model = str(spec.get("model") or "the thesis model")
    avail = sig["available"].astype(bool)
    spans = false_spans(avail)
    label = "signal unavailable (no lithium price within the model's staleness limit)"
    adv = sig["advantage_cny_per_wh"].astype("float64").where(avail)
    lines = {"Na-ion cost advantage over LFP (CNY/Wh)": adv}
    if isinstance(full_at, (int, float)) and not isinstance(full_at, bool):
        lines[f"full_at {full_at:g}: the Na-ion sleeve at max_weight"] = pd.Series(
            float(full_at), index=sig.index
        )
    advantage = svg.line_chart(
        lines,
        "Na-ion cost advantage known at each close",
        dashed=tuple(k for k in lines if k.startswith("full_at")),
        baseline=0.0,
        x_range=ctx.x_range,
        fig_id="chart-signal",
        shade=spans,
        shade_label=label,
        caption=f"Model {model}: the advantage at the lithium carbonate price known at each day's"
        " close (as the run read it; saved with the run). Below 0 the LFP cell is cheaper.",
    )
    parts = [advantage]
    if "naion_weight" in sig.columns:
        weight = signal_weight_path(sig)
        cap = f" (max_weight {max_weight:g})" if isinstance(max_weight, (int, float)) else ""
        parts.append(
            svg.line_chart(
                {"Na-ion sleeve target weight": weight},
                "Na-ion sleeve target set on each rebalance day" + cap,
                percent=True,
                baseline=0.0,
                x_range=ctx.x_range,
                fig_id="chart-signal-weight",
                shade=spans,
                shade_label=label,
                steps=True,
                caption="clip(advantage / full_at, 0, 1) × max_weight, held until the next "
                "rebalance; on a rebalance day without a signal the previous target is kept.",
            )
        )
    if spans:
        rows = []
        for first, last in spans:
            inside = sig.loc[first:last]
            held = signal_weight_path(sig).loc[first:last] if "naion_weight" in sig else None
            rows.append(
                {
                    "from": first.date().isoformat(),
                    "to": last.date().isoformat(),
                    "days": len(inside),
                    "last price held": str(inside["price_date"].iloc[0])
                    if "price_date" in inside and isinstance(inside["price_date"].iloc[0], str)
                    else "—",
                    "Na-ion target held": float(held.iloc[0]) if held is not None else math.nan,
                }
            )
        table = h.table(
            pd.DataFrame(rows),
            {"days": "int", "Na-ion target held": "pct"},
            sortable=False,
            table_id="signal-gaps",
        )
        parts.append(f"<h3>When the signal was unavailable</h3>{table}")
    return f'<section id="signal"><h2>Signal</h2>{"".join(parts)}</section>'


def drawdown_section(ctx: Context) -> str:
    from reports import svg
    from reports.performance import drawdown, drawdown_periods

    chart = svg.line_chart(
        ctx.series(drawdown),
        "Drawdown from the running peak",
        percent=True,
        dashed=ctx.line_labels(),
        fill=True,
        x_range=ctx.x_range,
        fig_id="chart-drawdown",
        caption="Curve / running peak − 1; the peak starts at the capital.",
    )
    periods = drawdown_periods(ctx.curve, top=5)
    if len(periods):
        table = periods.assign(
            started=[d.date().isoformat() for d in periods["started"]],
            trough=[d.date().isoformat() for d in periods["trough"]],
            recovered=[
                d.date().isoformat() if d is not None and d == d else "ongoing"
                for d in periods["recovered"]
            ],
        )[["started", "trough", "recovered", "depth", "days"]]
        tbl = h.table(table, {"depth": "pct", "days": "int"}, sortable=False, table_id="drawdowns")
    else:
        tbl = "<p>No drawdown: the curve never fell below its running peak.</p>"
    return (
        f'<section id="drawdowns"><h2>Drawdowns</h2>{chart}<h3>Worst drawdown periods</h3>'
        f'{tbl}<p class="small">From the peak day to the first day back at the peak; '
        '"ongoing" when the run ends below its peak (days counted to the last day).</p>'
        "</section>"
    )


def returns_section(ctx: Context) -> str:
    import pandas as pd

    from reports import svg
    from reports.performance import monthly_returns, yearly_returns

    years = pd.DataFrame({k: v for k, v in ctx.series(yearly_returns).items()})
    years.index = [str(y) for y in years.index]
    chart = svg.bar_chart(
        years,
        "Calendar-year returns",
        dashed=ctx.line_labels(),
        fig_id="chart-years",
        caption="The first and last years count only the run's days in them.",
    )
    heat = heat_map(monthly_returns(ctx.curve), yearly_returns(ctx.curve))
    return (
        f'<section id="returns"><h2>Returns by year and month</h2>{chart}'
        f"<h3>Monthly returns of {h.esc(ctx.label)}</h3>{heat}"
        '<p class="small">Blank: a month outside the run. The first and last months count '
        "only the run's days in them.</p></section>"
    )


def heat_colour(v: float, scale: float) -> str:
    """Red for losses, green for gains, paler towards 0."""
    a = min(abs(v) / scale, 1.0) if scale > 0 else 0.0
    base = (180, 35, 24) if v < 0 else (6, 118, 71)
    r, g, b = (round(255 + (c - 255) * a * 0.85) for c in base)
    return f"#{r:02x}{g:02x}{b:02x}"


def heat_map(months: pd.DataFrame, years: pd.Series) -> str:
    """Years × months as a table: each cell shaded by its return; blank outside the run."""
    import numpy as np

    from reports.svg import MONTHS

    vals = months.to_numpy(dtype="float64")
    finite = np.abs(vals[np.isfinite(vals)])
    scale = float(np.quantile(finite, 0.9)) if finite.size else 0.0
    head = "".join(f"<th>{m}</th>" for m in MONTHS)
    out = [
        f'<div class="scroll"><table class="heat" id="heat-map"><thead><tr><th>year</th>{head}'
        "<th>whole year</th></tr></thead><tbody>"
    ]
    for year, row in months.iterrows():
        cells = [f"<th>{int(year)}</th>"]  # type: ignore[call-overload]
        for month, v in row.items():
            key = f"{int(year)}-{int(month):02d}"  # type: ignore[call-overload]
            if not math.isfinite(v):
                cells.append(f'<td class="out" data-month="{key}"></td>')
                continue
            colour = heat_colour(float(v), scale)
            cells.append(
                f'<td data-month="{key}" style="background:{colour}">{pct(float(v), 1)}</td>'
            )
        y = float(years.get(year, math.nan))
        cls = "year neg-text" if y < 0 else "year"
        cells.append(f'<td class="{cls}">{pct(y, 1)}</td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def rolling_section(ctx: Context) -> str:
    from reports import svg
    from reports.performance import ROLLING, rolling_beta, rolling_sharpe, rolling_volatility

    p = ctx.periods
    note = (
        f"Over the last {ROLLING} daily returns (about six months), drawn once the window is full."
    )
    if len(ctx.curve.values) <= ROLLING:
        return (
            '<section id="rolling"><h2>Rolling statistics</h2><p>The run has '
            f"{len(ctx.curve.values)} days: too short for a {ROLLING}-day window.</p></section>"
        )
    parts = [
        svg.line_chart(
            ctx.series(lambda c: rolling_volatility(c.returns(), p)),
            "Rolling volatility (6 months, annualised)",
            percent=True,
            dashed=ctx.line_labels(),
            x_range=ctx.x_range,
            fig_id="chart-rolling-vol",
            caption=note + " Standard deviation × √(periods per year).",
        ),
        svg.line_chart(
            ctx.series(lambda c: rolling_sharpe(c.returns(), p)),
            "Rolling Sharpe (6 months)",
            dashed=ctx.line_labels(),
            baseline=0.0,
            x_range=ctx.x_range,
            fig_id="chart-rolling-sharpe",
            caption=note + " Mean / standard deviation × √(periods per year); risk-free 0.",
        ),
    ]
    if ctx.bench is not None:
        beta = rolling_beta(ctx.curve.returns(), ctx.bench.returns())
        parts.append(
            svg.line_chart(
                {f"{ctx.label} vs {ctx.bench_label}": beta},
                "Rolling beta to the benchmark (6 months)",
                baseline=1.0,
                x_range=ctx.x_range,
                fig_id="chart-rolling-beta",
                caption=note + " cov(strategy, benchmark) / var(benchmark).",
            )
        )
    return '<section id="rolling"><h2>Rolling statistics</h2>' + "".join(parts) + "</section>"


def asset_labels(run: SavedRun) -> dict[str, str]:
    """code → "code name" (the Chinese name when there is one, else the English one)."""
    out = {}
    for row in run.assets.to_dict("records"):
        code = str(row["code"])
        name = next(
            (str(v) for v in (row.get("name"), row.get("name_en")) if isinstance(v, str) and v),
            "",
        )
        out[code] = f"{code} {name}".strip() if name != code else code
    return out


def holdings_section(ctx: Context) -> str:
    import pandas as pd

    from reports import svg
    from reports.exposure import CASH, sleeves_of, weekly_weights

    run = ctx.run
    w = run.weights.astype("float64")
    if w.empty:
        return '<section id="holdings"><h2>Holdings</h2><p>No weights saved.</p></section>'
    labels = asset_labels(run)
    chart = svg.area_chart(
        weekly_weights(w),
        "Weights over time",
        labels,
        x_range=ctx.x_range,
        fig_id="chart-holdings",
        caption="Weights after trading on the first day and at each week's last close (from "
        "the run's weights.csv); "
        "cash in grey.",
    )
    sleeves = sleeves_of(run)
    segments = {str(r["code"]): r.get("segment") for r in run.assets.to_dict("records")}
    rows = []
    for code in [c for c in w.columns if c != CASH] + ([CASH] if CASH in w.columns else []):
        col = w[code].fillna(0.0)
        if code != CASH and float(col.abs().max()) == 0.0:
            continue
        seg = segments.get(code)
        rows.append(
            {
                "holding": labels.get(code, code) if code != CASH else "cash",
                "segment": seg if isinstance(seg, str) and seg else "—",
                "sleeve": sleeves.get(code, "—") if sleeves else "—",
                "latest": float(col.iloc[-1]),
                "average": float(col.mean()),
                "max": float(col.max()),
            }
        )
    frame = pd.DataFrame(rows)
    if not sleeves:
        frame = frame.drop(columns=["sleeve"])
    frame = frame.sort_values("latest", ascending=False, kind="stable")
    table = h.table(
        frame,
        {"latest": "pct", "average": "pct", "max": "pct"},
        table_id="holdings-table",
        wrap=True,
    )
    return (
        f'<section id="holdings"><h2>Holdings</h2>{chart}<h3>Weights by holding</h3>{table}'
        f'<p class="small">latest = the last day ({data_as_of(run)}); average and max over '
        "every day of the run.</p></section>"
    )


def conventions_section(run: SavedRun) -> str:
    from reports import conventions as c

    assets = c.adjustments(run)
    table = (
        h.table(assets, sortable=False, table_id="assets", wrap=True) if len(assets) else "<p>—</p>"
    )
    return (
        '<section id="conventions"><h2>Money conventions</h2>'
        f"{h.notes_list(c.conventions(run))}<h3>Prices used per asset</h3>{table}</section>"
    )
