"""`naion screen --html` opens in headless Chromium and shows the table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import run_cli
from tests.reports.browser import chromium, render
from tests.reports.conftest import CHROMIUM


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
    assert png.stat().st_size > 20_000
    # the table sorts in the page itself (no CDN): opened as #sort=-3, rows come by close, desc
    sorted_dom = chromium(CHROMIUM, tmp_path, "--dump-dom", page.resolve().as_uri() + "#sort=-3")
    body = sorted_dom.stdout.split('id="screen"')[1].split("</table>")[0]
    rows = body.split("<tbody>")[1].split("<tr>")[1:]
    closes = [float(re.findall(r'data-v="([^"]+)"', r)[0]) for r in rows]
    assert len(closes) == 7 and closes == sorted(closes, reverse=True)
    unsorted = dom.split('id="screen"')[1].split("</table>")[0]
    assert unsorted != body  # ranked by peg first, so the order really changed
