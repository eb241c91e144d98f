"""`naion thesis` on ../shared/data/real: the figures checked against the CSVs themselves, and
the page rendered by headless Chromium (skipped without the data or the browser)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REAL
from tests.helpers import run_cli
from tests.thesis.helpers import read_real

CHROMIUM = Path("/usr/bin/chromium")


def test_as_of_2022_11_22_uses_the_100ppi_spot_of_that_day(
    thesis_real: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["thesis", "--as-of", "2022-11-22", "--format", "json"], capsys)
    assert code == 0, err
    [row] = json.loads(out)
    spot = read_real(REAL / "commodities", "li2co3_spot_100ppi").set_index("date")["close"]
    price = float(spot["2022-11-22"])
    assert price == 582_000.0
    assert row["series"] == "li2co3_spot_100ppi" and row["price_date"] == "2022-11-22"
    assert row["li2co3_cny_per_t"] == price
    want = 0.09 + (price - 250_000) * 0.16 / 310_000  # 0.26135...
    assert row["advantage_cny_per_wh"] == pytest.approx(want, rel=1e-12)
    assert row["distance_cny_per_t"] == pytest.approx(price - 75_625.0)


def test_range_splices_on_2024_01_05_and_is_unavailable_in_the_futures_gap(
    thesis_real: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["thesis", "--from", "2019-01-01", "--to", "2025-10-30", "--format", "json"]
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    rows = {r["date"]: r for r in json.loads(out)}
    fut = read_real(REAL / "commodities", "li2co3_gfex_main").set_index("date")["close"]
    spot = read_real(REAL / "commodities", "li2co3_spot_100ppi").set_index("date")["close"]
    assert rows["2024-01-04"]["series"] == "li2co3_spot_100ppi"
    assert rows["2024-01-05"]["series"] == "li2co3_gfex_main"
    assert rows["2024-01-05"]["li2co3_cny_per_t"] == float(fut["2024-01-05"])
    # the overlap ratio in the notes, from the CSVs: futures / spot on common dates
    common = fut.index.intersection(spot.index)
    ratio = (fut[common] / spot[common]).median()
    assert f"median {ratio:.3f}" in err and "2023-07-21 to 2024-01-04" in err
    # the futures gap 2024-01-08 .. 2024-04-30: 10 trading days carried, then unavailable
    assert rows["2024-01-19"]["available"] and rows["2024-01-19"]["age_days"] == 10
    off = [d for d, r in rows.items() if not r["available"]]
    assert off[0] == "2024-01-22" and off[-1] == "2024-04-30"
    assert rows["2024-05-06"]["available"]
    assert "signal unavailable 2024-01-22 to 2024-04-30" in err


@pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium not installed (.ci/setup-browser.sh)")
def test_the_real_page_renders_in_chromium(
    thesis_real: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    page = tmp_path / "thesis.html"
    args = ["thesis", "--from", "2019-01-01", "--to", "2025-10-30", "--html", str(page)]
    code, _, err = run_cli([*args, "--freq", "month"], capsys)
    assert code == 0, err
    flags = ["--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'p'}"]
    dom = subprocess.run(
        [str(CHROMIUM), *flags, "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count("<svg") == 3
    assert "Na-ion thesis signal" in dom.stdout and "Month-end values" in dom.stdout
    png = tmp_path / "thesis.png"
    shot = subprocess.run(
        [str(CHROMIUM), *flags, f"--screenshot={png}", "--window-size=1280,2400", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert shot.returncode == 0 and png.exists(), shot.stderr[-2000:]
    from PIL import Image

    with Image.open(png) as im:
        assert im.size == (1280, 2400)
        inked = sum(im.convert("L").histogram()[:240])  # pixels that are not page white
        colours = len(im.convert("RGB").getcolors(maxcolors=1 << 20) or ())
    assert inked > 0.02 * 1280 * 2400  # text, lines, bands: not a blank page
    assert colours > 50  # the series lines and the grey bands are drawn in colour
