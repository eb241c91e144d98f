"""The comparison page: offline, self-contained, the sections the brief lists, exposure maths."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from naion.errors import InputError
from reports.html_parts import external_refs


def test_self_contained_and_offline(built) -> None:
    text = built.comparison.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text
    assert external_refs(text) == []
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", text, re.I)


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
    # growth, drawdown, rolling vol, 3 weight areas, segment bars
    assert text.count("<svg") == 7
    for table_id in ("runs", "metrics", "exposure-segment", "exposure-market", "assets"):
        assert f'id="{table_id}"' in text
    metrics = text[text.index('id="metrics"') :]
    metrics = metrics[: metrics.index("</table>")]
    assert metrics.count("<tr>") == 1 + 5  # header + 3 runs + 2 distinct benchmarks
    assert "FX at the close" in text
    assert "different base currencies (CNY, USD)" in text


def test_same_currency_has_no_warning(runs, tmp_path: Path, no_network) -> None:
    from reports.compare import write_comparison

    text = write_comparison([runs["a"], runs["b"]], tmp_path / "c.html").read_text("utf-8")
    assert "different base currencies" not in text
    metrics = text[text.index('id="metrics"') :]
    metrics = metrics[: metrics.index("</table>")]
    assert metrics.count("100% CSI 300 TR") == 1  # the shared benchmark once


def test_exposure_sums_and_groups(runs) -> None:
    from reports.exposure import exposure, exposure_table, grouped_weights

    run = runs["c"]
    g = grouped_weights(run, "segment")
    assert list(g.columns)[-1] == "cash"
    np.testing.assert_allclose(g.sum(axis=1), 1.0, rtol=1e-9)
    e = exposure(run, "segment")
    assert e["average"].sum() == pytest.approx(1.0)
    assert e["latest"].sum() == pytest.approx(1.0)
    assert e.index[-1] == "cash"
    assert e.loc["lithium", "latest"] == pytest.approx(run.weights["ALB"].iloc[-1])
    assert e.loc["lithium", "average"] == pytest.approx(run.weights["ALB"].mean())
    m = exposure(run, "market_currency")
    assert set(m.index) == {"SZSE · CNY", "HKEX · HKD", "NYSE · USD", "cash"}
    t = exposure_table([runs["a"], run], "segment", ["a", "c"])
    assert t.columns.tolist() == ["segment", "a avg", "a latest", "c avg", "c latest"]
    assert t["segment"].iloc[-1] == "cash"
    assert t.loc[t["segment"] == "lithium", "a avg"].item() == 0.0


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
