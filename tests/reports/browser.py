"""Headless Chromium for report tests: the DOM after load, a screenshot, and measurements
taken by a script added to a copy of the page (the page itself has no such script)."""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

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
WIDTH = 1280

MEASURE_JS = """
<script>
(function () {
  var root = document.documentElement;
  var wide = [];
  document.querySelectorAll('body *').forEach(function (el) {
    var s = getComputedStyle(el);
    if ((s.overflowX === 'auto' || s.overflowX === 'scroll') &&
        el.scrollWidth > el.clientWidth + 1) {
      wide.push((el.firstElementChild && el.firstElementChild.id) || el.tagName);
    }
  });
  var lines = {};
  document.querySelectorAll('header .nw').forEach(function (el, i) {
    lines[i + ':' + el.textContent] = el.getClientRects().length;
  });
  var broken = [];
  document.querySelectorAll('main .nw').forEach(function (el) {
    if (el.getClientRects().length > 1) { broken.push(el.textContent); }
  });
  var out = {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
             bodyScrollWidth: document.body.scrollWidth, scrollers: wide, lines: lines,
             broken: broken, kept: document.querySelectorAll('main .nw').length,
             h1Height: document.querySelector('header h1').getBoundingClientRect().height};
  root.setAttribute('data-measure', JSON.stringify(out));
})();
</script>
"""


def chromium(binary: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(binary), *FLAGS, f"--user-data-dir={tmp / 'profile'}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def dump_dom(binary: Path, page: Path, tmp: Path, width: int = WIDTH, suffix: str = "") -> str:
    url = page.resolve().as_uri() + suffix
    dom = chromium(binary, tmp, f"--window-size={width},2000", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    return dom.stdout


def render(binary: Path, page: Path, tmp: Path) -> tuple[str, Path]:
    """(DOM after load, screenshot PNG at 1280 x 2000) of ``page``.

    Set NAION_REPORT_SHOTS=DIR to keep the screenshots for a look."""
    dom = dump_dom(binary, page, tmp)
    png = tmp / (page.stem + ".png")
    shot = chromium(binary, tmp, f"--screenshot={png}", f"--window-size={WIDTH},2000",
                    page.resolve().as_uri())  # fmt: skip
    assert shot.returncode == 0 and png.exists(), shot.stderr[-2000:]
    keep = os.environ.get("NAION_REPORT_SHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(png, Path(keep) / png.name)
    return dom, png


def measure(binary: Path, page: Path, tmp: Path, width: int = WIDTH) -> dict[str, Any]:
    """Layout facts of ``page`` at ``width`` px: document scroll width, elements that scroll
    sideways, line boxes of each heading part, and the dates (``.nw``) in the body that broke
    across lines (``broken``) out of how many (``kept``)."""
    text = page.read_text(encoding="utf-8")
    at = text.rindex("</body>")
    probe = tmp / f"measure-{page.name}"
    probe.write_text(text[:at] + MEASURE_JS + text[at:], encoding="utf-8")
    dom = dump_dom(binary, probe, tmp, width)
    start = dom.index('data-measure="') + len('data-measure="')
    return json.loads(html.unescape(dom[start : dom.index('"', start)]))


def check_png(png: Path, min_kb: int = 60) -> None:
    from PIL import Image

    assert png.stat().st_size > min_kb * 1024
    with Image.open(png) as im:
        assert im.size == (1280, 2000)
        hist = im.convert("L").resize((128, 200)).histogram()
    pixels = 128 * 200
    assert sum(hist[:250]) > 0.15 * pixels  # tables, bands and charts, not a blank page
    assert sum(hist[:200]) > 0.01 * pixels  # and dark text and lines
