"""`naion screen --html` opens in headless Chromium and shows the table."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_cli
from tests.reports.conftest import CHROMIUM
from tests.reports.test_browser import render


def test_screen_page_in_chromium(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed (run .ci/setup-browser.sh)")
    page = tmp_path / "screen.html"
    code, _, err = run_cli(
        [
            "screen",
            "--source",
            "seed-2022",
            "--where",
            "peg < 0.5",
            "--rank-by",
            "peg",
            "--html",
            str(page),
        ],
        capsys,
    )
    assert code == 0, err
    dom, png = render(CHROMIUM, page, tmp_path)
    assert "<title>naion screen — sodium-ion</title>" in dom
    assert 'id="screen"' in dom and dom.count("<tr>") >= 8
    assert "华阳股份" in dom and "peg &lt; 0.5" in dom
    # the table is sortable in the page itself (no CDN): click a header, rows reorder
    assert "addEventListener('click'" in dom
    assert png.stat().st_size > 20_000
