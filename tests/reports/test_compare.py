"""The comparison page: offline, self-contained, runs in one order everywhere, exposure by
sleeve / segment / market (maths checked), wide tables split, fits 1,280 px in Chromium."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from naion.errors import InputError
from reports.html_parts import external_refs
from tests.reports.browser import measure
from tests.reports.htmlcheck import problems

ORDER = ["na-equal", "na-cells", "cross-usd"]


def block(text: str, anchor: str, end: str = "</table>") -> str:
    start = text.index(anchor)
    return text[start : text.index(end, start)]


def order_in(text: str, names: list[str]) -> list[str]:
    """``names`` sorted by where they first appear in ``text``."""
    found = [n for n in names if n in text]
    return sorted(found, key=text.index)


def test_self_contained_and_offline(built) -> None:
    from naion.html import SORT_JS

    text = built.comparison.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text
    assert external_refs(text) == []
    assert problems(text, (SORT_JS,)) == []


def test_sections_and_charts(built) -> None:
    text = built.comparison.read_text(encoding="utf-8")
    assert "<title>naion comparison — na-equal, na-cells, cross-usd</title>" in text
    for heading in (
        "Runs",
        "Metrics",
        "Growth of 1",
        "Drawdowns",
        "Rolling volatility",
        "Weights over time",
        "Exposure",
        "Fees and taxes",
        "Conventions and notes",
    ):
        assert f"<h2>{heading}</h2>" in text
    # growth, drawdown, rolling vol, 3 weight areas, sleeve and segment bars
    assert text.count("<svg") == 8
    for table_id in ("runs", "metrics", "costs", "notes", "assets"):
        assert f'id="{table_id}"' in text
    metrics = block(text, 'id="metrics"')
    assert metrics.count("<tr>") == 1 + 5  # header + 3 runs + 2 distinct benchmarks
    assert "FX at the close" in text
    assert "different base currencies (CNY, USD)" in text


def test_runs_in_one_order_everywhere(built) -> None:
    text = built.comparison.read_text(encoding="utf-8")
    header = block(text, "<header>", "</header>")
    h1 = re.findall(r'<span class="nw">([^<]*)</span>', block(header, "<h1>", "</h1>"))
    assert h1 == ["naion comparison", *ORDER]
    sub = re.findall(r'<span class="nw">([^<]*)</span>', block(header, 'class="sub"', "</div>"))
    assert sub == [
        "3 runs",
        "na-equal: 2019-01-02 → 2024-01-01, CNY",
        "na-cells: 2019-01-02 → 2024-01-01, CNY",
        "cross-usd: 2020-01-02 → 2024-01-01, USD",
    ]
    places = {
        "runs table": block(text, 'id="runs"'),
        "metrics": block(text, 'id="metrics"'),
        "growth legend": block(text, 'id="chart-growth"', "<svg"),
        "drawdown legend": block(text, 'id="chart-drawdown"', "<svg"),
        "vol legend": block(text, 'id="chart-rolling-vol"', "<svg"),
        "weights": block(text, "<h2>Weights over time</h2>", "<h2>Exposure"),
        "segment bars": block(text, 'id="chart-exposure-segment"', "<svg"),
        "segment table": block(text, 'id="exposure-segment-average"', "</thead>"),
        "market table": block(text, 'id="exposure-market-currency-latest"', "</thead>"),
        "costs": block(text, 'id="costs"'),
        "fees paid": block(text, "<h3>Fees and taxes paid</h3>", "</dl>"),
        "assets": block(text, 'id="assets"'),
        "footer": block(text, "<footer>", "</footer>"),
    }
    for where, part in places.items():
        assert order_in(part, ORDER) == ORDER, where
    legend = re.findall(r"</i>([^<]*)</span>", places["growth legend"])
    assert legend == [*ORDER, "100% CSI 300 TR", "100% SPDR S&amp;P 500 ETF Trust TR"]


def test_exposure_sums_groups_and_sleeves(runs) -> None:
    from reports.exposure import exposure, exposure_by_run, grouped_weights, sleeves_of

    run = runs["c"]
    g = grouped_weights(run, "segment")
    assert list(g.columns)[-1] == "cash"
    np.testing.assert_allclose(g.sum(axis=1), 1.0, rtol=1e-9)
    e = exposure(run, "segment")
    assert e["average"].sum() == pytest.approx(1.0)
    assert e.index[-1] == "cash"
    assert e.loc["lithium", "latest"] == pytest.approx(run.weights["ALB"].iloc[-1])
    assert e.loc["lithium", "average"] == pytest.approx(run.weights["ALB"].mean())
    m = exposure(run, "market_currency")
    assert set(m.index) == {"A · CNY", "HK · HKD", "US · USD", "cash"}
    assert sleeves_of(run) == {
        "300750.SZ": "core",
        "002407.SZ": "core",
        "1211.HK": "satellite",
        "ALB": "satellite",
    }
    s = exposure(run, "sleeve")
    w = run.weights
    assert s.loc["core", "average"] == pytest.approx((w["300750.SZ"] + w["002407.SZ"]).mean())
    assert s.loc["satellite", "latest"] == pytest.approx(w["1211.HK"].iloc[-1] + w["ALB"].iloc[-1])
    table = exposure_by_run([runs["a"], run], "sleeve", ["a", "c"], "average")
    assert table.columns.tolist() == ["a", "c"]
    assert table.index[-1] == "cash"
    assert table.loc["satellite", "a"] == 0.0
    assert table.loc["core", "a"] == pytest.approx(1.0 - runs["a"].weights["cash"].mean())


def test_exposure_by_sleeve_on_the_page(built) -> None:
    text = built.comparison.read_text(encoding="utf-8")
    assert text.index('id="exposure-by-sleeve"') < text.index('id="exposure-by-segment"')
    table = block(text, 'id="exposure-sleeve-average"')
    rows = dict(
        (name, re.findall(r'data-v="([^"]+)"', cells))
        for name, cells in re.findall(r"<tr><td>([^<]*)</td>(.*?)</tr>", table)
    )
    c = built.runs["c"].weights
    assert float(rows["satellite"][2]) == pytest.approx((c["1211.HK"] + c["ALB"]).mean())
    assert float(rows["satellite"][0]) == 0.0  # na-equal has one sleeve, "core"


def many_runs(runs: dict, home: Path, n: int) -> list:
    """``n`` runs with long ids (copies of the samples under new names)."""
    from strategies.runs import load_run

    out = []
    for i in range(n):
        src = list(runs.values())[i % 3]
        rid = f"{src.run_id}-variant-{i + 1:02d}-20260410-123456"
        shutil.copytree(home / "runs" / src.run_id, home / "runs" / rid)
        out.append(load_run(rid))
    return out


def test_wide_comparisons_split_their_tables(runs, naion_home: Path) -> None:
    from reports.compare import RUNS_PER_TABLE, comparison_html

    many = many_runs(runs, naion_home, 8)
    text = comparison_html(many)
    assert RUNS_PER_TABLE == 6
    first = block(text, 'id="exposure-segment-average-1"', "</thead>")
    second = block(text, 'id="exposure-segment-average-2"', "</thead>")
    ids = [r.run_id for r in many]
    assert order_in(first, ids) == ids[:6] and order_in(second, ids) == ids[6:]
    assert order_in(block(text, 'id="metrics"'), ids) == ids


def test_fits_1280_px_in_chromium(built, runs, naion_home: Path, chromium, tmp_path) -> None:
    from reports.compare import write_comparison

    wide = write_comparison(many_runs(runs, naion_home, 8), tmp_path / "wide.html")
    for page in (built.comparison, wide):
        got = measure(chromium, page, tmp_path)
        assert got["scrollWidth"] <= 1280, (page.name, got)
        assert got["scrollers"] == [], (page.name, got["scrollers"])  # no table scrolls sideways
        assert all(n == 1 for n in got["lines"].values()), got["lines"]  # no part breaks
        assert got["broken"] == [], (page.name, got["broken"])  # nor any date in the body


def test_same_currency_has_no_warning(runs, tmp_path: Path, no_network) -> None:
    from reports.compare import write_comparison

    text = write_comparison([runs["a"], runs["b"]], tmp_path / "c.html").read_text("utf-8")
    assert "different base currencies" not in text
    metrics = block(text, 'id="metrics"')
    assert metrics.count("100% CSI 300 TR") == 1  # the shared benchmark once
    assert 'id="exposure-by-sleeve"' in text  # both are sleeves strategies (one sleeve each)


def test_drawdown_and_rolling_vol() -> None:
    from reports.compare import drawdown, rolling_vol

    idx = pd.bdate_range("2024-01-01", periods=5)
    curve = pd.Series([0.9, 1.2, 0.6, 1.5, 1.2], index=idx)
    assert drawdown(curve).round(12).tolist() == [-0.1, 0.0, -0.5, 0.0, -0.2]
    r = pd.Series([0.01, -0.02, 0.03, 0.0, 0.01], index=idx)
    v = rolling_vol(r, 252, days=3)
    assert math.isnan(v.iloc[1])
    assert v.iloc[2] == pytest.approx(np.std([0.01, -0.02, 0.03], ddof=1) * math.sqrt(252))


def test_errors(runs, tmp_path: Path) -> None:
    from reports.compare import write_comparison

    with pytest.raises(InputError):
        write_comparison([], tmp_path / "x.html")
    with pytest.raises(InputError, match="named twice"):
        write_comparison([runs["a"], runs["a"]], tmp_path / "x.html")
