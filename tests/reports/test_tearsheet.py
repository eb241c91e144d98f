"""The tear sheet: quantstats' report of the run, offline, self-contained, with naion's notes,
numbers that agree with the run's metrics, and no console noise."""

from __future__ import annotations

import html
import logging
import re
import warnings
from pathlib import Path

import pytest

from reports.html_parts import external_refs, urls


def _row(text: str, metric: str) -> list[str]:
    m = re.search(rf"<tr><td>{re.escape(metric)}</td>((?:<td>[^<]*</td>)+)</tr>", text)
    assert m, metric
    return re.findall(r"<td>([^<]*)</td>", m.group(1))


def test_self_contained_and_offline(built) -> None:
    text = built.tearsheet.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text, urls(text)[:5]
    assert external_refs(text) == []
    assert not re.search(r"<script[^>]+src=", text, re.I)
    assert not re.search(r"<link[^>]+href=", text, re.I)
    assert not re.search(r"<img[^>]+src=[\"'](?!data:)", text, re.I)
    assert "<?xml" not in text and "<metadata>" not in text
    assert 'onload="save()"' not in text
    assert text.count("<svg") >= 12  # every chart inline


def test_title_and_notes(built) -> None:
    run = built.runs["a"]
    text = built.tearsheet.read_text(encoding="utf-8")
    title = re.search(r"<title>(.*?)</title>", text, re.S).group(1)
    for part in (
        "钠离子 supply chain, equal weight",
        "2019-01-02",
        "2023-10-31",
        "CNY",
        "data as of 2023-10-31",
    ):
        assert part in title
    assert "QuantStats" not in title
    notes = text[text.index('id="naion-notes"') : text.index("</section>")]
    assert text.index('id="naion-notes"') < text.index('id="left"')  # near the top
    for conv in run.info["conventions"]:
        assert html.escape(conv.split(":")[0]) in notes
    assert "FX at the close" in notes
    for code in run.assets["code"]:
        assert code in notes
    assert "none: unadjusted" in notes and "qfq: forward-adjusted" in notes
    m = run.metrics
    assert f"CNY {m['fees']:,.2f}" in notes
    assert f"CNY {m['taxes']:,.2f}" in notes and f"CNY {m['commission']:,.2f}" in notes
    assert "100% CSI 300 TR" in notes
    assert "synthetic run written by reports.sample" in notes


def test_quantstats_figures_agree_with_run_metrics(built) -> None:
    """quantstats got the run's periods per year and the first day: its table = naion's."""
    m = built.runs["a"].metrics
    text = built.tearsheet.read_text(encoding="utf-8")
    assert "Periods/Year: 261" in text
    _bench, strat = _row(text, "Sharpe")
    assert float(strat) == round(m["sharpe"], 2)
    assert float(_row(text, "Sortino")[1]) == round(m["sortino"], 2)
    assert _row(text, "CAGR﹪")[1] == f"{round(m['cagr'] * 100, 2)}%"
    assert _row(text, "Cumulative Return")[1] == f"{round(m['total_return'] * 100, 2)}%"
    assert _row(text, "Max Drawdown")[1] == f"{round(m['max_drawdown'] * 100, 2)}%"
    assert _row(text, "Volatility (ann.)")[1] == f"{round(m['volatility'] * 100, 2)}%"


def test_eoy_bars_line_up_with_their_years(runs) -> None:
    """quantstats' yearly bars on pandas 3 sit one tick off; the patch puts them on the year."""
    import quantstats as qs

    from reports.fonts import configure, quiet
    from reports.tearsheet import eoy_bars_by_year

    configure()
    run = runs["a"]
    r = run.returns().rename("s")
    b = run.benchmark_returns().rename("b")
    original = qs._plotting.core.plot_returns_bars
    with quiet(), eoy_bars_by_year():
        fig = qs.plots.yearly_returns(r, b, show=False, prepare_returns=False, subtitle=False)
    assert qs._plotting.core.plot_returns_bars is original  # restored
    ax = fig.axes[0]
    ticks = {t.get_text(): t.get_position()[0] for t in ax.get_xticklabels() if t.get_text()}
    assert list(ticks) == ["2019", "2020", "2021", "2022", "2023"]
    yearly = (1 + r).groupby(r.index.year).prod() - 1
    bars = ax.patches[len(yearly) : 2 * len(yearly)]  # second series = the strategy
    for (year, value), bar in zip(yearly.items(), bars, strict=True):
        centre = bar.get_x() + bar.get_width() / 2
        assert abs(centre - ticks[str(year)]) < 0.5
        assert bar.get_height() == pytest.approx(value)
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_no_console_noise(runs, tmp_path: Path, capfd, caplog, no_network) -> None:
    from reports.tearsheet import write_tearsheet

    caplog.set_level(logging.DEBUG)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        write_tearsheet(runs["b"], tmp_path / "b.html")
    assert [f"{w.category.__name__}: {w.message}" for w in seen] == []
    noisy = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING or "findfont" in r.getMessage()
    ]
    assert noisy == []
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert (tmp_path / "b.html").stat().st_size > 100_000


def test_run_without_benchmark(naion_home, tmp_path: Path, no_network) -> None:
    from reports.sample import write_sample_run
    from reports.tearsheet import write_tearsheet

    run = write_sample_run("solo", benchmark=None, years=1.5)
    assert run.benchmark is None
    text = write_tearsheet(run, tmp_path / "deep" / "solo.html").read_text(encoding="utf-8")
    assert "none (no benchmark series in this run)" in text
    assert "http://" not in text and "https://" not in text
    assert "<h3>EOY Returns</h3>" in text
