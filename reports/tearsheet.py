"""The tear sheet of one saved run: quantstats' HTML report plus naion's notes, offline.

Conventions:

* returns are the run's daily returns in its base currency, the first against the starting
  capital (so the costs of the initial purchases count), as in :mod:`strategies.metrics`;
* the benchmark goes to quantstats as a pandas Series of daily returns on the same days
  (never a ticker string, which would make quantstats download from Yahoo);
* ``periods_per_year`` is the run's own (``metrics["periods_per_year"]``), so quantstats'
  CAGR, volatility, Sharpe and Sortino agree with naion's; ``match_dates=False`` keeps the
  first day (quantstats would otherwise drop it because the benchmark's first return is 0);
* quantstats 0.0.86 on pandas 3 draws the "EOY Returns" bars one tick to the right of their
  year label; while the tear sheet is drawn, :func:`eoy_bars_by_year` hands that chart a
  year-numbered index so bars and labels line up (restored afterwards);
* the page is self-contained: charts are inline SVG, the favicon link and the quantstats
  web link are removed, and no ``http(s)://`` string is left (SVG namespaces included).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from naion import html as h

if TYPE_CHECKING:
    from strategies.runs import SavedRun

_TITLE = re.compile(r"<title>.*?</title>", re.DOTALL | re.IGNORECASE)
_EXT_LINK = re.compile(r"""<link\b[^>]*href\s*=\s*["']?(?:https?:)?//[^>]*>\s*""", re.IGNORECASE)
_EXT_SCRIPT = re.compile(
    r"""<script\b[^>]*src\s*=\s*["']?(?:https?:)?//[^>]*>\s*</script>\s*""", re.IGNORECASE
)
_EXT_ANCHOR = re.compile(
    r"""<a\b[^>]*href\s*=\s*["']?(?:https?:)?//[^>]*>(.*?)</a>""", re.IGNORECASE | re.DOTALL
)
_ONLOAD = re.compile(r"""\s+onload\s*=\s*["']save\(\)["']""", re.IGNORECASE)


def title_of(run: SavedRun) -> str:
    """Strategy title, period, base currency and the data's as-of date."""
    as_of = run.info.get("data_as_of") or "unknown"
    return (
        f"{run.title} · {run.info.get('start')} → {run.info.get('end')} · "
        f"{run.base_currency} · data as of {as_of}"
    )


def write_tearsheet(run: SavedRun, path: Path) -> Path:
    """Write the tear sheet of ``run`` to ``path`` (HTML) and return the path."""
    from naion.errors import InputError
    from reports.fonts import configure, label, quiet
    from reports.stats import qs_periods, run_periods

    path = Path(path)
    if len(run.equity) < 2:
        raise InputError(f"run {run.run_id} has fewer than 2 days; nothing to report")
    configure()
    returns = run.returns().astype("float64")
    strategy = label(str(run.info.get("strategy") or ""), run.run_id)
    returns.name = strategy
    bench = run.benchmark_returns()
    bench_title = None
    if bench is not None:
        bench_title = label(str(run.info.get("benchmark") or ""), "Benchmark")
        bench = bench.astype("float64").rename(bench_title)
    periods = qs_periods(run_periods(run.metrics, run.equity.index))
    title = title_of(run)
    with quiet(), eoy_bars_by_year(), tempfile.TemporaryDirectory(prefix="naion-qs-") as tmp:
        import quantstats as qs

        raw = Path(tmp) / "tearsheet.html"
        qs.reports.html(
            returns,
            benchmark=bench,  # a Series: quantstats never downloads
            rf=0.0,
            title=h.esc(title),
            output=str(raw),
            compounded=True,
            periods_per_year=periods,
            match_dates=False,
            figfmt="svg",
            strategy_title=strategy,
            benchmark_title=bench_title,
            parameters={"Run": h.esc(run.run_id), "Base": run.base_currency},
        )
        text = raw.read_text(encoding="utf-8")
    text = finish(text, run, title)
    from naion.output import save_text

    return save_text(path, text)


@contextmanager
def eoy_bars_by_year() -> Iterator[None]:
    """Patch quantstats' yearly bar chart to plot on a year-number index (then restore)."""
    import pandas as pd
    from quantstats._plotting import core

    original = core.plot_returns_bars

    def by_year(x: Any) -> Any:
        if isinstance(x, (pd.Series, pd.DataFrame)) and isinstance(x.index, pd.DatetimeIndex):
            return (1.0 + x).groupby(x.index.year).prod() - 1.0  # compounded per year
        return x

    def patched(returns: Any, benchmark: Any = None, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("resample") == "YE" and kwargs.get("subtitle") is False and not args:
            kwargs["resample"] = None
            returns, benchmark = by_year(returns), by_year(benchmark)
        return original(returns, benchmark, *args, **kwargs)

    core.plot_returns_bars = patched
    try:
        yield
    finally:
        core.plot_returns_bars = original


def finish(text: str, run: SavedRun, title: str) -> str:
    """quantstats' page → naion's: title, notes block, nothing external."""
    from reports.charts import clean_svg

    text = _TITLE.sub(lambda _: f"<title>{h.esc(title)} — naion tear sheet</title>", text, 1)
    text = _EXT_LINK.sub("", text)
    text = _EXT_SCRIPT.sub("", text)
    text = _EXT_ANCHOR.sub(r"\1", text)
    text = _ONLOAD.sub("", text)
    text = clean_svg(text)
    block = notes_html(run)
    at = text.find("<hr>", max(text.find("<h1"), 0))
    if at < 0:  # unknown template: put the notes first in the body
        at = text.find(">", text.lower().find("<body")) + 1
        return text[:at] + block + text[at:]
    at += len("<hr>")
    return text[:at] + block + text[at:]


def notes_html(run: SavedRun) -> str:
    """The "Notes" block: facts, money conventions, prices per asset, the run's notes."""
    from naion import __version__
    from reports import conventions as c
    from reports.html_parts import notes_block

    assets = c.adjustments(run)
    table = h.table(assets, sortable=False) if len(assets) else "<p>—</p>"
    return notes_block(
        f"Notes (naion {__version__})",
        c.facts(run),
        c.conventions(run),
        table,
        c.run_notes(run),
    )
