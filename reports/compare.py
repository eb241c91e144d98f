"""Several saved runs side by side in one self-contained HTML page (naion's shared look).

Conventions:

* every run is shown in its own base currency; returns and ratios are comparable across
  currencies, money amounts (fees, taxes) are not — the page says so at the top when the
  base currencies differ;
* equity curves are rebased to 1 at each run's start (equity / starting capital, so the
  initial purchase costs show); benchmarks are rebased to 1 on their first day, and a
  benchmark shared by several runs (same name, currency, days and levels) is drawn once;
* drawdown = curve / running peak − 1, the peak starting at 1 (the capital);
* rolling volatility = standard deviation of the last 63 daily returns × √P, with P the
  run's periods per year;
* metrics as in :mod:`strategies.metrics` (see :mod:`reports.stats`), each over its run's
  own period; exposure as in :mod:`reports.exposure`.
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
HEADERS = {
    "series": "series",
    "total_return": "total return",
    "cagr": "CAGR",
    "volatility": "volatility",
    "sharpe": "Sharpe",
    "sortino": "Sortino",
    "max_drawdown": "max drawdown",
    "turnover": "turnover / yr",
    "fees": "fees + taxes",
    "taxes": "taxes",
    "periods_per_year": "periods / yr",
}


def write_comparison(runs: list[SavedRun], path: Path) -> Path:
    """Write the comparison of ``runs`` to ``path`` (HTML) and return the path."""
    from naion.errors import InputError

    if not runs:
        raise InputError("nothing to compare: name at least one run")
    ids = [r.run_id for r in runs]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise InputError(f"run {dupes[0]!r} is named twice")
    text = comparison_html(runs)
    from naion.output import save_text

    return save_text(Path(path), text)


def comparison_html(runs: Sequence[SavedRun]) -> str:
    """The whole comparison page."""
    from reports import charts
    from reports.fonts import configure
    from reports.html_parts import EXTRA_CSS, figure, section, warn
    from reports.stats import benchmarks

    configure()
    labels = [r.run_id for r in runs]
    benches = benchmarks(runs)
    bench_labels = [lab for lab, _ in benches]
    curves = {lab: r.equity / r.capital for lab, r in zip(labels, runs, strict=True)}
    for lab, r in benches:
        assert r.benchmark is not None
        curves[lab] = r.benchmark / float(r.benchmark.iloc[0])

    body = [f"<style>{EXTRA_CSS}</style>"]
    bases = sorted({r.base_currency for r in runs})
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
        runs_frame(runs), {"days": "int", "capital": "int"}, sortable=False, table_id="runs"
    )
    body.append(section("Runs", runs_table))
    body.append(
        section(
            "Metrics",
            metrics_html(runs),
            '<p class="small">Each row over its own period and in its own base currency; '
            "risk-free rate 0; turnover one-way per year; fees + taxes in the run's base "
            "currency.</p>",
        )
    )
    body.append(
        section(
            "Growth of 1",
            figure(
                charts.line_chart(
                    curves,
                    "Equity rebased to 1 at each run's start",
                    "growth of 1",
                    dashed=bench_labels,
                    baseline=1.0,
                ),
                "Runs solid, benchmarks dashed. Equity / starting capital (so the first "
                "day's purchase costs show); benchmarks / their first level.",
            ),
        )
    )
    body.append(
        section(
            "Drawdowns",
            figure(
                charts.line_chart(
                    {k: drawdown(v) for k, v in curves.items()},
                    "Drawdown from the running peak",
                    percent=True,
                    dashed=bench_labels,
                    baseline=0.0,
                ),
                "Curve / running peak − 1; the peak starts at the capital.",
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
            figure(
                charts.line_chart(
                    vols,
                    f"{ROLLING_DAYS}-day rolling volatility, annualised",
                    percent=True,
                    dashed=bench_labels,
                ),
                f"Standard deviation of the last {ROLLING_DAYS} daily returns × √(periods "
                "per year of the run).",
            ),
        )
    )
    body.append(weights_html(runs, labels))
    body.append(exposure_html(runs, labels))
    body.append(section("Fees and taxes", h.table(costs_frame(runs), COST_KINDS, sortable=False)))
    body.append(notes_html(runs))
    title = "naion comparison — " + ", ".join(labels)
    if len(title) > 120:
        title = f"naion comparison — {len(runs)} runs"
    periods = sorted({f"{r.info.get('start')} → {r.info.get('end')}" for r in runs})
    subtitle = f"{len(runs)} runs · {'; '.join(periods)} · base {', '.join(bases)}"
    as_of = sorted({str(r.info.get("data_as_of") or "unknown") for r in runs})
    return h.page(title, subtitle, "".join(body), footer=f"data as of {', '.join(as_of)}")


def _periods(run: SavedRun) -> float:
    from reports.stats import run_periods

    return run_periods(run.metrics, run.equity.index)


def drawdown(curve: pd.Series) -> pd.Series:
    """curve / running peak − 1, the peak starting at 1 (the capital)."""
    peak = curve.cummax().clip(lower=1.0)
    return curve / peak - 1.0


def rolling_vol(returns: pd.Series, periods: float, days: int = ROLLING_DAYS) -> pd.Series:
    return returns.rolling(days).std() * math.sqrt(periods)


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
                "data as of": str(r.info.get("data_as_of") or "unknown"),
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
        shown, kinds, signed=signed, table_id="metrics", header=lambda c: HEADERS.get(c, c)
    )


def weights_html(runs: Sequence[SavedRun], labels: Sequence[str]) -> str:
    from reports import charts
    from reports.fonts import label
    from reports.html_parts import figure, section

    figs = []
    for run, lab in zip(runs, labels, strict=True):
        names = {}
        for row in run.assets.to_dict("records"):
            code = str(row["code"])
            en = row.get("name_en")
            en = str(en) if isinstance(en, str) and en else None
            names[code] = f"{code} {label(str(row.get('name') or ''), en or '')}".strip()
        weekly = run.weights.resample("W-FRI").last().dropna(how="all")
        figs.append(
            figure(
                charts.area_chart(weekly, f"{lab}: weights at the close", names),
                "Stacked weights after trading at each week's last close; cash in grey.",
            )
        )
    return section("Weights over time", *figs)


def exposure_html(runs: Sequence[SavedRun], labels: Sequence[str]) -> str:
    from reports import charts
    from reports.exposure import exposure_table
    from reports.html_parts import figure, section

    seg = exposure_table(list(runs), "segment", list(labels))
    mkt = exposure_table(list(runs), "market_currency", list(labels))
    kinds = {c: "pct" for c in seg.columns[1:]}
    avg = seg.set_index(seg.columns[0])[[f"{lab} avg" for lab in labels]]
    avg.columns = list(labels)
    chart = charts.grouped_bars(avg, "Average exposure by segment")
    return section(
        "Exposure",
        "<h3>By supply-chain segment</h3>",
        figure(chart, "Time-average weight per segment; cash shown separately."),
        h.table(seg, kinds, sortable=False, table_id="exposure-segment"),
        "<h3>By market and currency</h3>",
        h.table(
            mkt, {c: "pct" for c in mkt.columns[1:]}, sortable=False, table_id="exposure-market"
        ),
        '<p class="small">avg = mean of the daily weights over the run; latest = the last '
        "day. Weights at the close after trading, in the run's base currency.</p>",
    )


COST_KINDS = {
    "trades": "int",
    "commission": "money",
    "taxes": "money",
    "fees + taxes": "money",
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
                "fees + taxes": total,
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
    notes = [f"{r.run_id}: {n}" for r in runs for n in c.run_notes(r)]
    facts = {r.run_id: c.facts(r)["Fees and taxes paid"] for r in runs}
    assets = pd.concat([c.adjustments(r).assign(run=r.run_id) for r in runs], ignore_index=True)
    assets = assets[["run", *[col for col in assets.columns if col != "run"]]]
    parts = [
        "<h3>Money conventions</h3>",
        h.notes_list(conv),
        "<h3>Fees and taxes paid</h3>",
        h.meta_list(facts),
        "<h3>Prices used per asset</h3>",
        h.table(assets, sortable=True, table_id="assets"),
    ]
    if notes:
        parts += ["<h3>Run notes</h3>", h.notes_list(notes)]
    return section("Conventions and notes", *parts)
