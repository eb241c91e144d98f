"""The tear sheet: self-contained, one-line title, data as of the run's last day, key figures
that agree with quantstats and hand calculations (strategy first), blank months outside the
run, trailing rows only when the run is that long, ongoing drawdowns, rolling windows that
start when full, holdings and notes."""

from __future__ import annotations

import dataclasses
import html
import logging
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reports.html_parts import external_refs, urls
from tests.reports.htmlcheck import parse


def section(text: str, sid: str) -> str:
    start = text.index(f'id="{sid}"')
    end = text.find("</section>", start)
    return text[start:end]


def kpi(text: str) -> dict[str, list[str]]:
    """Key-figure label → [strategy, benchmark] cell texts."""
    body = section(text, "key-figures")
    rows = re.findall(r'<tr><td>([^<]*)</td>((?:<td class="num">[^<]*</td>)+)</tr>', body)
    return {html.unescape(k): re.findall(r">([^<]*)<", v)[::2] for k, v in rows}


def plain(fragment: str) -> str:
    """The text of an HTML fragment (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def plain_cells(fragment: str) -> str:
    """``fragment`` without the spans that keep dates on one line."""
    return re.sub(r'<span class="nw">([^<]*)</span>', r"\1", fragment)


def pct(v: float, digits: int = 2) -> str:
    text = f"{v * 100:,.{digits}f}%"
    return "0.0%" if text == "-0.0%" else text  # the page drops the sign of a rounded zero


def planted(run, **changes):
    """A copy of a saved run with some of its data replaced (reports read only the run)."""
    return dataclasses.replace(run, **changes)


def test_self_contained_and_offline(built) -> None:
    text = built.tearsheet.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text, urls(text)[:5]
    assert external_refs(text) == []
    assert not re.search(r"<script[^>]+src=|<link|<img|<iframe", text, re.I)
    assert text.count("<svg") == 7  # growth, drawdown, years, vol, Sharpe, beta, holdings


def test_title_is_one_line_of_three_parts_and_data_as_of_is_the_last_day(built) -> None:
    run = built.runs["a"]
    text = built.tearsheet.read_text(encoding="utf-8")
    h1 = re.search(r"<h1>(.*?)</h1>", text, re.S).group(1)
    parts = re.findall(r'<span class="nw">([^<]*)</span>', h1)
    assert parts == ["钠离子 supply chain, equal weight", "2019-01-02 → 2024-01-01", "CNY"]
    assert re.sub(r"<[^>]+>", "", h1) == " · ".join(parts)
    title = re.search(r"<title>(.*?)</title>", text, re.S).group(1)
    assert (
        title
        == "钠离子 supply chain, equal weight · 2019-01-02 → 2024-01-01 · CNY — naion tear sheet"
    )
    header = text[text.index("<header>") : text.index("</header>")]
    assert header.count("2019-01-02") == 1  # the period is not repeated
    assert run.info["data_as_of"] == "2025-12-31"  # the store reached further than the run
    assert "data as of 2024-01-01" in header and "2025-12-31" not in header
    facts = plain(section(text, "facts"))
    assert "2024-01-01 (the run's last close; the store held prices to 2025-12-31)" in facts


def test_key_figures_strategy_first_and_equal_to_hand_and_quantstats(built) -> None:
    import quantstats as qs

    from tests.reports.quiet import quiet

    run = built.runs["a"]
    text = built.tearsheet.read_text(encoding="utf-8")
    head = re.search(r'<table class="kpi" id="kpi"><thead><tr>(.*?)</tr>', text).group(1)
    assert re.findall(r"<th[^>]*>([^<]*)</th>", head) == [
        "Metric",
        "钠离子 supply chain, equal weight",
        "100% CSI 300 TR",
    ]
    got = kpi(text)
    m = run.metrics
    p = m["periods_per_year"]
    r = run.returns()
    b = run.benchmark.pct_change().fillna(0.0)
    with quiet():
        assert got["Sharpe"] == [f"{qs.stats.sharpe(r, periods=p):.2f}",
                                 f"{qs.stats.sharpe(b, periods=p):.2f}"]  # fmt: skip
        assert got["Sortino"][0] == f"{qs.stats.sortino(r, periods=p):.2f}"
        assert got["Volatility (ann.)"][0] == pct(qs.stats.volatility(r, periods=p))
        assert got["CAGR"][0] == pct(qs.stats.cagr(r, periods=p))
        assert got["Best day"] == [pct(qs.stats.best(r)), pct(qs.stats.best(b))]
        assert got["Worst day"][0] == pct(qs.stats.worst(r))
        monthly = qs.stats.monthly_returns(r, eoy=False, compounded=True)
    assert got["Cumulative return"][0] == pct(m["total_return"])
    assert got["Max drawdown"][0] == pct(m["max_drawdown"])
    assert got["Best month"][0] == pct(float(monthly.to_numpy().max()))
    assert got["Winning days"][0] == pct(float((r > 0).mean()))
    beta = np.cov(r, b, ddof=1)[0, 1] / np.var(b, ddof=1)
    assert got["Beta"] == [f"{beta:.2f}", "1.00"]
    assert got["Costs (commission + taxes)"] == [f"CNY {m['fees']:,.2f}", "—"]


def test_trailing_rows_only_when_the_run_is_that_long(built, runs) -> None:
    from reports.tearsheet import tearsheet_html

    got = kpi(built.tearsheet.read_text(encoding="utf-8"))
    # 2019-01-02 → 2024-01-01: 3 years back exists, 5 years back (2019-01-01) does not
    assert "3Y (ann.)" in got and "5Y (ann.)" not in got and "10Y (ann.)" not in got
    eq = built.runs["a"].equity
    end = eq.index[-1]
    anchor = eq[eq.index <= end - pd.DateOffset(years=1)].iloc[-1]
    assert got["1Y"][0] == pct(eq.iloc[-1] / anchor - 1.0)
    since = eq[eq.index <= end - pd.DateOffset(years=3)]
    rows = len(eq) - len(since)
    ann = (eq.iloc[-1] / since.iloc[-1]) ** (261.0 / rows) - 1.0
    assert got["3Y (ann.)"][0] == pct(ann)
    assert got["MTD"][0] == pct(eq.iloc[-1] / eq[eq.index < "2024-01-01"].iloc[-1] - 1.0)
    short = kpi(tearsheet_html(runs["d"]))  # 2022-03-15 → 2023-09-13
    assert [k for k in short if k[0].isdigit() or k in ("MTD", "YTD")] == [
        "MTD", "3M", "6M", "YTD", "1Y"
    ]  # fmt: skip


def test_heat_map_blank_outside_the_run_and_equal_to_a_hand_loop(runs) -> None:
    from reports.tearsheet import tearsheet_html

    run = runs["d"]  # 2022-03-15 → 2023-09-13
    text = tearsheet_html(run)
    cells = dict(re.findall(r'<td[^>]*data-month="(\d{4}-\d\d)"[^>]*>([^<]*)</td>', text))
    for month in ("2022-01", "2022-02", "2023-10", "2023-11", "2023-12"):
        assert cells[month] == "", month
        assert re.search(rf'<td class="out" data-month="{month}"></td>', text)
    # by hand: month-end equity over the previous month-end (the first over the capital)
    prev, last_month, expected = run.capital, None, {}
    for day, value in run.equity.items():
        key = f"{day:%Y-%m}"
        if key != last_month and last_month is not None:
            prev = float(run.equity[run.equity.index < day].iloc[-1])
        expected[key] = float(value) / prev - 1.0
        last_month = key
    assert len(expected) == 19
    for key, value in expected.items():
        assert cells[key] == pct(value, 1), key


def test_drawdown_periods_by_hand() -> None:
    from reports.performance import Curve, drawdown_periods

    idx = pd.to_datetime(
        ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08", "2024-01-09"]
    )
    eq = pd.Series([90.0, 110.0, 100.0, 110.0, 120.0, 96.0], index=idx)
    got = drawdown_periods(Curve(eq, 100.0), top=5).to_dict("records")
    for row in got:
        row["recovered"] = None if pd.isna(row["recovered"]) else row["recovered"]
    assert got == [
        {"started": idx[4], "trough": idx[5], "recovered": None, "depth": pytest.approx(-0.2),
         "days": 1, "status": "ongoing"},
        {"started": idx[0], "trough": idx[0], "recovered": idx[1], "depth": pytest.approx(-0.1),
         "days": 1, "status": "recovered"},
        {"started": idx[1], "trough": idx[2], "recovered": idx[3], "depth": pytest.approx(-1 / 11),
         "days": 2, "status": "recovered"},
    ]  # fmt: skip


def test_planted_ongoing_drawdown_says_ongoing(runs) -> None:
    from reports.tearsheet import tearsheet_html

    run = runs["a"]
    eq = run.equity.copy()
    peak = float(eq.max())
    tail = 40
    eq.iloc[-tail:] = np.linspace(peak * 1.01, peak * 0.70, tail)  # a new peak, then -30.7%
    text = tearsheet_html(planted(run, equity=eq, metrics={}))
    table = text[
        text.index('id="drawdowns"') : text.index("</table>", text.index('id="drawdowns"'))
    ]
    first = table.split("<tbody>")[1].split("</tr>")[0]
    cells = [plain(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", first)]
    assert cells[2] == "ongoing" and cells[0] == eq.index[-tail].date().isoformat()
    assert cells[3] == "-30.7%"
    assert "Recovered" not in text
    # the recovered ones name their recovery day
    dated = r"<tr><td>([\d-]+)</td><td>([\d-]+)</td><td>([\d-]+)</td>"
    later = re.findall(dated, plain_cells(table))
    assert later and all(rec > start for start, _, rec in later)


def test_rolling_windows_start_when_full(built) -> None:
    from reports.performance import ROLLING, rolling_volatility
    from reports.svg import LEFT, RIGHT, W

    run = built.runs["a"]
    r = run.returns()
    vol = rolling_volatility(r, 261.0)
    assert vol.iloc[: ROLLING - 1].isna().all()
    assert vol.iloc[ROLLING - 1] == pytest.approx(np.std(r.iloc[:ROLLING], ddof=1) * math.sqrt(261))
    text = built.tearsheet.read_text(encoding="utf-8")
    for fig in ("chart-rolling-vol", "chart-rolling-sharpe", "chart-rolling-beta"):
        svg = text[text.index(f'id="{fig}"') :]
        svg = svg[: svg.index("</svg>")]
        first_x = float(re.search(r'<path d="M([\d.]+) ', svg).group(1))
        days = (run.equity.index - run.equity.index[0]).days
        expected = LEFT + days[ROLLING - 1] / days[-1] * (W - LEFT - RIGHT)
        assert first_x == pytest.approx(expected, abs=0.2), fig


def test_holdings_chart_and_table(built) -> None:
    run = built.runs["a"]
    text = built.tearsheet.read_text(encoding="utf-8")
    fig = text[
        text.index('id="chart-holdings"') : text.index(
            "</figure>", text.index('id="chart-holdings"')
        )
    ]
    legend = re.findall(r"</i>([^<]*)</span>", fig)
    assert sorted(legend) == sorted(
        [*(f"{c} {n}" for c, n in zip(run.assets["code"], run.assets["name"], strict=True)), "cash"]
    )
    assert fig.count("<path") == 6  # five holdings and cash
    table = text[text.index('id="holdings-table"') :]
    table = table[: table.index("</table>")]
    latest = run.weights.iloc[-1]
    for code in run.assets["code"]:
        row = re.search(rf"<td>{re.escape(code)} [^<]*</td>(.*?)</tr>", table).group(1)
        values = re.findall(r'data-v="([^"]+)"', row)
        assert float(values[0]) == pytest.approx(latest[code])
        assert float(values[1]) == pytest.approx(run.weights[code].mean())


def test_notes_and_conventions(built, runs) -> None:
    from reports.tearsheet import tearsheet_html

    run = built.runs["a"]
    text = built.tearsheet.read_text(encoding="utf-8")
    notes = section(text, "run-notes")
    assert notes.count("<tr>") == 1 + len(run.info["notes"]) >= 2
    assert "held only as unadjusted closes (600884.SH)" in notes
    conv = plain(section(text, "conventions"))
    for line in run.info["conventions"]:
        assert line in conv
    assert "adjusted: forward-adjusted (dividends and splits)" in conv
    assert "unadjusted: unadjusted (price only; dividends not counted)" in conv
    new_notes = [
        "300750.SZ: the buy on 2021-02-01 waited 2 days on the daily price limit",
        "ALB: traded in fractional units (no valid unadjusted price known)",
        "688567.SH: started late (2020-07-22): its adjusted series starts then",
    ]
    page = tearsheet_html(planted(run, info={**run.info, "notes": new_notes}))
    rows = re.findall(r"<tr><td class=\"num\" data-v=\"[^\"]+\">(\d)</td><td>([^<]*)</td></tr>",
                      plain_cells(section(page, "run-notes")))  # fmt: skip
    assert rows == [(str(i), html.escape(n)) for i, n in enumerate(new_notes, 1)]
    none = tearsheet_html(planted(run, info={**run.info, "notes": []}))
    assert "recorded no notes" in section(none, "run-notes")


def test_run_without_benchmark(runs, tmp_path: Path, no_network) -> None:
    from reports.tearsheet import write_tearsheet

    run = runs["d"]
    assert run.benchmark is None
    text = write_tearsheet(run, tmp_path / "deep" / "solo.html").read_text(encoding="utf-8")
    head = re.search(r'<table class="kpi" id="kpi"><thead><tr>(.*?)</tr>', text).group(1)
    assert re.findall(r"<th[^>]*>([^<]*)</th>", head) == ["Metric", "Solo, no benchmark"]
    assert "none (no benchmark series in this run)" in text
    assert "benchmark SPX: the store does not cover" in section(text, "run-notes")
    assert 'id="chart-rolling-beta"' not in text
    assert "http://" not in text and "https://" not in text


def test_no_console_noise(runs, tmp_path: Path, capfd, caplog, no_network) -> None:
    from reports.tearsheet import write_tearsheet

    caplog.set_level(logging.DEBUG)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        write_tearsheet(runs["b"], tmp_path / "b.html")
    assert [f"{w.category.__name__}: {w.message}" for w in seen] == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_page_parses_to_known_elements_only(built) -> None:
    from naion.html import SORT_JS
    from tests.reports.htmlcheck import problems

    text = built.tearsheet.read_text(encoding="utf-8")
    assert problems(text, (SORT_JS,)) == []
    assert len(parse(text).scripts) == 1


def test_benchmark_with_gaps_is_left_out_and_said_so(runs) -> None:
    from reports.tearsheet import tearsheet_html

    run = runs["a"]
    bench = run.benchmark.copy()
    bench.iloc[100:103] = np.nan
    text = tearsheet_html(planted(run, benchmark=bench))
    assert 'role="alert"' in text and "the saved benchmark has 3 missing days" in text
    head = re.search(r'<table class="kpi" id="kpi"><thead><tr>(.*?)</tr>', text).group(1)
    assert "100% CSI 300 TR" not in head
