"""Headless Chromium renders every report: the DOM has its key parts, the heading's parts
stay on one line each, nothing scrolls sideways at 1,280 px, and the screenshot is a real
page (skipped when /usr/bin/chromium is absent; .ci/setup-browser.sh installs it).

Set NAION_REPORT_SHOTS=DIR to keep the screenshots for a look.
"""

from __future__ import annotations

from pathlib import Path

from tests.reports.browser import check_png, measure, render


def test_tearsheet_renders(built, chromium: Path, tmp_path: Path) -> None:
    dom, png = render(chromium, built.tearsheet, tmp_path)
    assert "<title>钠离子 supply chain, equal weight · 2019-01-02 → 2024-01-01 · CNY" in dom
    for sid in ("key-figures", "run-notes", "growth", "drawdowns", "returns", "rolling",
                "holdings", "conventions"):  # fmt: skip
        assert f'id="{sid}"' in dom, sid
    assert dom.count("<svg") == 7
    check_png(png)
    got = measure(chromium, built.tearsheet, tmp_path)
    assert got["scrollWidth"] <= 1280 and got["scrollers"] == [], got
    assert got["broken"] == [] and got["kept"] > 20, got
    assert got["lines"] == {
        "0:钠离子 supply chain, equal weight": 1,
        "1:2019-01-02 → 2024-01-01": 1,
        "2:CNY": 1,
        "3:run na-equal": 1,
        "4:benchmark: 100% CSI 300 TR": 1,
        "5:data as of 2024-01-01": 1,
    }
    assert got["h1Height"] < 40  # the heading is one line at 1,280 px


def test_long_title_wraps_between_parts_only(runs, chromium: Path, tmp_path: Path) -> None:
    import dataclasses

    from reports.tearsheet import write_tearsheet

    run = runs["a"]
    long = "Sodium-ion supply chain, equal weight across cells, cathode, anode and electrolyte"
    bench = "70% SPDR S&P 500 ETF Trust TR + 30% CSI 300 TR + a long third part of the blend"
    info = {**run.info, "title": long, "benchmark": bench, "strategy": "a-long-strategy-name"}
    page = write_tearsheet(dataclasses.replace(run, info=info), tmp_path / "long.html")
    for width in (1280, 900):
        got = measure(chromium, page, tmp_path, width=width)
        assert got["lines"]["1:2019-01-02 → 2024-01-01"] == 1  # the period never breaks
        assert got["broken"] == [], (width, got["broken"])  # nor any date in the body
        assert got["scrollWidth"] <= width, (width, got)


def test_comparison_renders(built, chromium: Path, tmp_path: Path) -> None:
    dom, png = render(chromium, built.comparison, tmp_path)
    assert "<title>naion comparison" in dom
    assert 'id="metrics"' in dom and "100% SPDR S&amp;P 500 ETF Trust TR" in dom
    assert dom.count("<svg") == 8
    assert 'role="alert"' in dom
    check_png(png)


def test_screen_report_renders(built, chromium: Path, tmp_path: Path) -> None:
    dom, png = render(chromium, built.screen, tmp_path)
    assert "<title>naion screen — sodium-ion</title>" in dom
    assert 'id="screen"' in dom and "宁德时代" in dom
    assert dom.count("<svg") == 1
    check_png(png)
