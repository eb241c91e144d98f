"""Several saved runs side by side in one self-contained HTML page (naion's shared look).

Conventions:

* the runs keep the order they were named in, everywhere on the page (heading, tables,
  legends, charts, exposure columns, notes); distinct benchmarks follow the runs;
* every run is shown in its own base currency; returns and ratios are comparable across
  currencies, money amounts (fees, taxes) are not — the page says so at the top when the
  base currencies differ;
* equity curves are rebased to 1 at each run's start (equity / starting capital, so the
  initial purchase costs show); benchmarks are rebased to 1 on their first day, and a
  benchmark shared by several runs (same name, currency, days and levels) is drawn once;
* drawdown = curve / running peak − 1, the peak starting at 1 (the capital);
* rolling volatility = standard deviation of the last 63 daily returns × √P, with P the
  run's periods per year, drawn once the window is full;
* metrics as in :mod:`strategies.metrics` (see :mod:`reports.stats`), each over its run's
  own period; exposure (by sleeve, supply-chain segment, market and currency) as in
  :mod:`reports.exposure`;
* a run that kept the signal it traded on (``thesis-tilt``, ``signal.csv``) adds the signal:
  the cost advantage (from the first such run) and each such run's Na-ion sleeve target, the
  days the signal was unavailable shaded — read from the saved runs, never recomputed;
* the page fits 1,280 px without sideways scrolling: text cells wrap, and tables with a
  column per run are split into blocks of :data:`RUNS_PER_TABLE` runs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from naion import html as h

if TYPE_CHECKING:
    import pandas as pd

    from strategies.runs import SavedRun

ROLLING_DAYS = 63
RUNS_PER_TABLE = 6
HEADERS = {
    "series": "series",
    "total_return": "total return",
    "cagr": "CAGR",
    "volatility": "volatility",
    "sharpe": "Sharpe",
    "sortino": "Sortino",
    "max_drawdown": "max drawdown",
    "turnover": "turnover / yr",
    "fees": "costs (commission + taxes)",
    "taxes": "taxes",
    "periods_per_year": "periods / yr",
}


def write_comparison(runs: list[SavedRun], path: Path) -> Path:
    """Write the comparison of ``runs`` to ``path`` (HTML) and return the path."""
    check_runs(runs)
    text = comparison_html(runs)
    from naion.output import save_text

    return save_text(Path(path), text)


def check_runs(runs: Sequence[SavedRun]) -> None:
    """At least one run, none named twice (else one InputError line)."""
    from naion.errors import InputError

    if not runs:
        raise InputError("nothing to compare: name at least one run")
    ids = [r.run_id for r in runs]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise InputError(f"run {dupes[0]!r} is named twice")


def last_day(run: SavedRun) -> str:
    return run.equity.index[-1].date().isoformat()


def comparison_html(runs: Sequence[SavedRun]) -> str:
    """The whole comparison page."""
    from reports import svg
    from reports.html_parts import EXTRA_CSS, section, warn
    from reports.stats import benchmarks

    labels = [r.run_id for r in runs]
    benches = benchmarks(runs)
    bench_labels = [lab for lab, _ in benches]
    curves = {lab: r.equity / r.capital for lab, r in zip(labels, runs, strict=True)}
    for lab, r in benches:
        assert r.benchmark is not None
        curves[lab] = r.benchmark / float(r.benchmark.iloc[0])
    colors = svg.colors_for(list(curves), bench_labels)

    body = []
    bases = list(dict.fromkeys(r.base_currency for r in runs))
    if len(bases) > 1:
        body.append(
            warn(
                f"these runs use different base currencies ({', '.join(bases)}). Each curve, "
                "return and ratio is in its own run's base currency, so currency moves are "
                "part of the differences; fees and taxes are in different units and are not "
                "comparable."
            )
        )
    runs_table = h.table(
        runs_frame(runs),
        {"days": "int", "capital": "int"},
        sortable=False,
        table_id="runs",
        wrap=True,
    )
    body.append(section("Runs", runs_table))
    body.append(
        section(
            "Metrics",
            metrics_html(runs),
            '<p class="small">Each row over its own period and in its own base currency; '
            "risk-free rate 0; turnover one-way per year; costs (commission + taxes) in the "
            "run's base currency.</p>",
        )
    )
    body.append(
        section(
            "Growth of 1",
            svg.line_chart(
                curves,
                "Equity rebased to 1 at each run's start",
                dashed=bench_labels,
                baseline=1.0,
                colors=colors,
                fig_id="chart-growth",
                caption="Runs solid, benchmarks dashed. Equity / starting capital (so the "
                "first day's purchase costs show); benchmarks / their first level.",
            ),
        )
    )
    body.append(signal_html(runs, labels, colors))
    body.append(
        section(
            "Drawdowns",
            svg.line_chart(
                {k: drawdown(v) for k, v in curves.items()},
                "Drawdown from the running peak",
                percent=True,
                dashed=bench_labels,
                baseline=0.0,
                colors=colors,
                fig_id="chart-drawdown",
                caption="Curve / running peak − 1; the peak starts at the capital.",
            ),
        )
    )
    vols = {lab: rolling_vol(r.returns(), _periods(r)) for lab, r in zip(labels, runs, strict=True)}
    for lab, r in benches:
        rb = r.benchmark_returns()
        assert rb is not None
        vols[lab] = rolling_vol(rb, _periods(r))
    body.append(
        section(
            "Rolling volatility",
            svg.line_chart(
                vols,
                f"{ROLLING_DAYS}-day rolling volatility, annualised",
                percent=True,
                dashed=bench_labels,
                colors=colors,
                fig_id="chart-rolling-vol",
                caption=f"Standard deviation of the last {ROLLING_DAYS} daily returns × "
                "√(periods per year of the run), drawn once the window is full.",
            ),
        )
    )
    body.append(weights_html(runs, labels))
    body.append(exposure_html(runs, labels))
    body.append(
        section(
            "Fees and taxes",
            h.table(costs_frame(runs), COST_KINDS, sortable=False, table_id="costs", wrap=True),
        )
    )
    body.append(notes_html(runs))
    title = "naion comparison — " + ", ".join(labels)
    if len(title) > 120:
        title = f"naion comparison — {len(runs)} runs"
    sub = [f"{len(runs)} runs"] + [
        f"{r.run_id}: {r.info.get('start')} → {r.info.get('end')}, {r.base_currency}" for r in runs
    ]
    as_of = "; ".join(f"{r.run_id} {last_day(r)}" for r in runs)
    return h.page(
        title,
        " · ".join(sub),
        "".join(body),
        footer=f"data as of the runs' last days: {as_of}",
        title_parts=["naion comparison", *labels],
        subtitle_parts=sub,
        css=EXTRA_CSS + svg.CSS,
    )


def signal_html(runs: Sequence[SavedRun], labels: Sequence[str], colors: dict[str, str]) -> str:
    """The thesis signal of the runs that kept one (signal.csv); "" when none did."""
    from reports import svg
    from reports.html_parts import section
    from reports.performance import false_spans, signal_weight_path

    with_signal = [(lab, r) for lab, r in zip(labels, runs, strict=True) if r.signal is not None]
    if not with_signal:
        return ""
    first_label, first = with_signal[0]
    sig = first.signal
    assert sig is not None
    avail = sig["available"].astype(bool)
    spans = false_spans(avail)
    shade_label = f"signal unavailable ({first_label})"
    spec = first.info.get("spec") if isinstance(first.info.get("spec"), dict) else {}
    parts = [
        svg.line_chart(
            {
                f"cost advantage, CNY/Wh ({first_label})": sig["advantage_cny_per_wh"]
                .astype("float64")
                .where(avail)
            },
            "Na-ion cost advantage over LFP known at each close",
            baseline=0.0,
            fig_id="chart-signal",
            shade=spans,
            shade_label=shade_label,
            caption=f"Model {spec.get('model') or 'of the run'}, as saved with {first_label};"
            " below 0 the LFP cell is cheaper.",
        )
    ]
    weights = {
        lab: signal_weight_path(r.signal)  # type: ignore[arg-type]
        for lab, r in with_signal
        if r.signal is not None and "naion_weight" in r.signal.columns
    }
    if weights:
        parts.append(
            svg.line_chart(
                weights,
                "Na-ion sleeve target set on each rebalance day",
                percent=True,
                baseline=0.0,
                colors={k: colors.get(k, svg.PALETTE[0]) for k in weights},
                fig_id="chart-signal-weight",
                shade=spans,
                shade_label=shade_label,
                steps=True,
                caption="clip(advantage / full_at, 0, 1) × max_weight, held until the next"
                " rebalance; the previous target is kept while the signal is unavailable.",
            )
        )
    return section("Thesis signal", *parts)


def _periods(run: SavedRun) -> float:
    from reports.stats import run_periods

    return run_periods(run.metrics, run.equity.index)


def drawdown(curve: pd.Series) -> pd.Series:
    """curve / running peak − 1, the peak starting at 1 (the capital)."""
    peak = curve.cummax().clip(lower=1.0)
    return curve / peak - 1.0


def rolling_vol(returns: pd.Series, periods: float, days: int = ROLLING_DAYS) -> pd.Series:
    return returns.rolling(days, min_periods=days).std() * math.sqrt(periods)


def runs_frame(runs: Sequence[SavedRun]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "run": r.run_id,
                "strategy": str(r.info.get("strategy")),
                "title": r.title,
                "period": f"{r.info.get('start')} → {r.info.get('end')}",
                "days": len(r.equity),
                "base": r.base_currency,
                "capital": r.capital,
                "benchmark": str(r.info.get("benchmark") or "none")
                if r.benchmark is not None
                else "none",
                "data as of": last_day(r),
            }
            for r in runs
        ]
    ).astype({"days": "int64", "capital": "float64"})


def metrics_html(runs: Sequence[SavedRun]) -> str:
    from reports.stats import TABLE_KEYS, metrics_table
    from strategies.metrics import PERCENT as PCT

    m = metrics_table(runs)
    shown = m[["series", "kind", "base", *TABLE_KEYS]]
    kinds = {k: "pct" for k in PCT}
    kinds["fees"] = kinds["taxes"] = "money"
    signed = ("total_return", "cagr", "max_drawdown")
    return h.table(
        shown,
        kinds,
        signed=signed,
        table_id="metrics",
        header=lambda c: HEADERS.get(c, c),
        wrap=True,
    )


def asset_names(run: SavedRun) -> dict[str, str]:
    from reports.tearsheet import asset_labels

    return asset_labels(run)


def weights_html(runs: Sequence[SavedRun], labels: Sequence[str]) -> str:
    from reports import svg
    from reports.exposure import weekly_weights
    from reports.html_parts import section

    figs = []
    for run, lab in zip(runs, labels, strict=True):
        figs.append(
            svg.area_chart(
                weekly_weights(run.weights),
                f"{lab}: weights at the close",
                asset_names(run),
                fig_id=f"chart-weights-{lab}",
                caption="Stacked weights after trading at each week's last close; cash in grey.",
            )
        )
    return section("Weights over time", *figs)


def _blocks(labels: Sequence[str]) -> list[list[str]]:
    return [list(labels[i : i + RUNS_PER_TABLE]) for i in range(0, len(labels), RUNS_PER_TABLE)]


def exposure_tables(
    runs: Sequence[SavedRun], labels: Sequence[str], by: str, table_id: str
) -> list[str]:
    """Average and latest weight per group, a column per run (blocks of RUNS_PER_TABLE)."""
    from reports.exposure import exposure_by_run

    out = []
    avg = exposure_by_run(list(runs), by, list(labels), "average")
    latest = exposure_by_run(list(runs), by, list(labels), "latest")
    for k, block in enumerate(_blocks(labels)):
        suffix = f"-{k + 1}" if len(labels) > RUNS_PER_TABLE else ""
        for name, frame in (("average", avg), ("latest", latest)):
            part = frame[block].reset_index()
            kinds = {c: "pct" for c in block}
            out.append(
                f"<h4>{h.esc(name)} weight</h4>"
                + h.table(
                    part,
                    kinds,
                    sortable=False,
                    table_id=f"{table_id}-{name}{suffix}",
                    wrap=True,
                )
            )
    return out


def exposure_html(runs: Sequence[SavedRun], labels: Sequence[str]) -> str:
    from reports import svg
    from reports.exposure import GROUPINGS, exposure_by_run, sleeves_of
    from reports.html_parts import section

    parts = []
    groupings = ["segment", "market_currency"]
    if any(sleeves_of(r) for r in runs):
        groupings.insert(0, "sleeve")
    for by in groupings:
        title = GROUPINGS[by]
        parts.append(f'<h3 id="exposure-by-{by}">By {h.esc(title)}</h3>')
        if by != "market_currency":
            avg = exposure_by_run(list(runs), by, list(labels), "average")
            parts.append(
                svg.bar_chart(
                    avg,
                    f"Average exposure by {title}",
                    fig_id=f"chart-exposure-{by}",
                    caption="Time-average weight per group; cash shown separately.",
                )
            )
        parts += exposure_tables(runs, labels, by, f"exposure-{by.replace('_', '-')}")
    parts.append(
        '<p class="small">average = mean of the daily weights over the run; latest = the last '
        "day. Weights at the close after trading, in the run's base currency. A sleeve is the "
        "part of a sleeves strategy its spec names; a run without sleeves has none.</p>"
    )
    return section("Exposure", *parts)


COST_KINDS = {
    "trades": "int",
    "commission": "money",
    "taxes": "money",
    "costs (commission + taxes)": "money",
    "of capital": "pct",
    "per year, of mean equity": "pct",
    "turnover / yr": "pct",
}


def costs_frame(runs: Sequence[SavedRun]) -> pd.DataFrame:
    import pandas as pd

    from reports.stats import run_metrics_of

    rows = []
    for r in runs:
        m = run_metrics_of(r)
        total = float(m.get("fees") or 0.0)
        years = max(len(r.equity) / float(m.get("periods_per_year") or 252.0), 1e-9)
        rows.append(
            {
                "run": r.run_id,
                "base": r.base_currency,
                "trades": int(m.get("trades", len(r.trades))),
                "commission": float(m.get("commission") or 0.0),
                "taxes": float(m.get("taxes") or 0.0),
                "costs (commission + taxes)": total,
                "of capital": total / r.capital if r.capital else math.nan,
                "per year, of mean equity": total / years / float(r.equity.mean()),
                "turnover / yr": float(m.get("turnover") or 0.0),
            }
        )
    return pd.DataFrame(rows)


def notes_html(runs: Sequence[SavedRun]) -> str:
    import pandas as pd

    from reports import conventions as c
    from reports.html_parts import section

    conv: list[str] = []
    for r in runs:
        for line in c.conventions(r):
            if line not in conv:
                conv.append(line)
    notes = pd.DataFrame(
        [{"run": r.run_id, "note": n} for r in runs for n in c.run_notes(r)],
        columns=["run", "note"],
    )
    facts = {r.run_id: c.facts(r)["Fees and taxes paid"] for r in runs}
    assets = pd.concat([c.adjustments(r).assign(run=r.run_id) for r in runs], ignore_index=True)
    assets = assets[["run", *[col for col in assets.columns if col != "run"]]]
    parts = [
        "<h3>Run notes</h3>",
        h.table(notes, sortable=False, table_id="notes", wrap=True)
        if len(notes)
        else "<p>No run recorded a note.</p>",
        "<h3>Money conventions</h3>",
        h.notes_list(conv),
        "<h3>Fees and taxes paid</h3>",
        h.meta_list(facts),
        "<h3>Prices used per asset</h3>",
        h.table(assets, sortable=True, table_id="assets", wrap=True),
    ]
    return section("Conventions and notes", *parts)
