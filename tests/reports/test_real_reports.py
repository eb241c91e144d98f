"""Done-when of the reports: on the imported real data, with the network unplugged, one
command writes the core-satellite tear sheet and one the comparison of core-satellite vs
thematic-overweight vs their benchmarks; both render in headless Chromium."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import run_cli
from tests.reports.browser import check_png, render
from tests.reports.conftest import CHROMIUM

WINDOW = ["--start", "2019-08-01", "--end", "2024-03-01", "--offline"]


def test_real_tearsheet_and_comparison_offline(
    real_home: Path, no_network: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tear = tmp_path / "core-satellite.html"
    code, out, err = run_cli(
        [
            "backtest",
            "core-satellite",
            *WINDOW,
            "--base-currency",
            "USD",
            "--report",
            str(tear),
            "-f",
            "json",
        ],
        capsys,
    )
    assert code == 0, err
    cs = json.loads(out)["run_id"]
    code, out, err = run_cli(["backtest", "thematic-overweight", *WINDOW, "-f", "json"], capsys)
    assert code == 0, err
    th = json.loads(out)["run_id"]
    cmp_page = tmp_path / "compare.html"
    code, _, err = run_cli(["report", cs, "--compare", th, "--output", str(cmp_page)], capsys)
    assert code == 0, err
    for page in (tear, cmp_page):
        text = page.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text
    text = cmp_page.read_text(encoding="utf-8")
    assert "70% SPDR S&amp;P 500 ETF Trust TR + 30% CSI 300 TR" in text
    assert "100% CSI 300 TR" in text
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed")
    dom, png = render(CHROMIUM, tear, tmp_path)
    assert "Core-satellite" in dom and 'id="key-figures"' in dom
    assert dom.count("<svg") >= 6
    check_png(png)
    dom, png = render(CHROMIUM, cmp_page, tmp_path)
    assert 'id="metrics"' in dom and cs in dom and th in dom
    assert dom.count("<svg") >= 5
    check_png(png)
