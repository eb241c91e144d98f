"""Headless Chromium renders every report: the DOM has its key parts and the screenshot is
a real page (skipped when /usr/bin/chromium is absent; .ci/setup-browser.sh installs it).

Set NAION_REPORT_SHOTS=DIR to keep the screenshots for a look.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def _chromium(binary: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(binary), *FLAGS, f"--user-data-dir={tmp / 'profile'}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def render(binary: Path, page: Path, tmp: Path) -> tuple[str, Path]:
    """(DOM after load, screenshot PNG) of ``page``."""
    url = page.resolve().as_uri()
    dom = _chromium(binary, tmp, "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    png = tmp / (page.stem + ".png")
    shot = _chromium(binary, tmp, f"--screenshot={png}", "--window-size=1280,2000", url)
    assert shot.returncode == 0 and png.exists(), shot.stderr[-2000:]
    keep = os.environ.get("NAION_REPORT_SHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(png, Path(keep) / png.name)
    return dom.stdout, png


def check_png(png: Path, min_kb: int = 60) -> None:
    from PIL import Image

    assert png.stat().st_size > min_kb * 1024
    with Image.open(png) as im:
        assert im.size == (1280, 2000)
        gray = im.convert("L").resize((128, 200))
        dark = sum(gray.histogram()[:200])
    assert dark > 0.03 * 128 * 200  # text and charts, not a blank page


def test_tearsheet_renders(built, chromium: Path, tmp_path: Path) -> None:
    dom, png = render(chromium, built.tearsheet, tmp_path)
    assert "<title>钠离子 supply chain, equal weight" in dom
    assert 'id="naion-notes"' in dom and "Money conventions" in dom
    assert "Key Performance Metrics" in dom and "<td>Sharpe</td>" in dom
    assert dom.count("<svg") >= 12
    check_png(png)


def test_comparison_renders(built, chromium: Path, tmp_path: Path) -> None:
    dom, png = render(chromium, built.comparison, tmp_path)
    assert "<title>naion comparison" in dom
    assert 'id="metrics"' in dom and "100% S&amp;P 500 TR" in dom
    assert dom.count("<svg") == 7
    assert 'role="alert"' in dom
    check_png(png)


def test_screen_report_renders(built, chromium: Path, tmp_path: Path) -> None:
    dom, png = render(chromium, built.screen, tmp_path)
    assert "<title>naion screen — sodium-ion</title>" in dom
    assert 'id="screen"' in dom and "宁德时代" in dom
    assert dom.count("<svg") == 1
    check_png(png)
