"""The thesis-tilt preset on ../shared/data/real (skipped without it): it backtests and sweeps,
its weights follow the 100ppi spot price by hand, its notes name the futures gap and what was
held then, and its tear sheet charts the signal."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REAL
from tests.helpers import run_cli
from tests.thesis.helpers import read_real

WINDOW = ["--offline", "--start", "2019-08-01", "--end", "2025-10-30"]
NAION = ("300750.SZ", "600348.SH", "688005.SH", "300073.SZ", "600884.SH", "002709.SZ",
         "002407.SZ")  # fmt: skip


def tilt(price: float, full_at: float = 0.15, max_weight: float = 0.6) -> float:
    adv = 0.09 + (price - 250_000.0) * (0.25 - 0.09) / (560_000.0 - 250_000.0)
    return min(max(adv / full_at, 0.0), 1.0) * max_weight


@pytest.fixture(scope="module")
def tilt_home_dir(
    thesis_real_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """Its own copy of the real store, so the saved runs stay in this module."""
    home = tmp_path_factory.mktemp("tilt-real")
    shutil.copy(thesis_real_dir / "store.duckdb", home / "store.duckdb")
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def tilt_home(tilt_home_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NAION_HOME", str(tilt_home_dir))
    return tilt_home_dir


@pytest.fixture(scope="module")
def saved(tilt_home_dir: Path) -> str:
    import os

    from naion.cli import main
    from strategies.runs import run_ids

    old = os.environ.get("NAION_HOME")
    os.environ["NAION_HOME"] = str(tilt_home_dir)
    try:
        assert main(["backtest", "thesis-tilt", *WINDOW]) == 0
        return [r for r in run_ids() if r.startswith("thesis-tilt-")][-1]
    finally:
        if old is None:
            os.environ.pop("NAION_HOME", None)
        else:
            os.environ["NAION_HOME"] = old


def test_weights_follow_the_spot_price_by_hand(tilt_home: Path, saved: str) -> None:
    from strategies.runs import load_run

    run = load_run(saved)
    spot = read_real(REAL / "commodities", "li2co3_spot_100ppi").set_index("date")["close"]
    naion = run.targets[list(NAION)].sum(axis=1)
    for day in ("2019-08-01", "2021-09-01", "2022-11-01", "2023-06-01", "2024-01-02"):
        price = float(spot[day])
        assert naion[day] == pytest.approx(tilt(price), abs=1e-12), day
    assert naion["2022-11-01"] == pytest.approx(0.6)  # 2022: far above full_at
    assert naion["2019-08-01"] == 0.0  # below parity (75,625 CNY/t): no Na-ion weight


def test_notes_say_when_the_signal_was_unavailable_and_what_was_held(
    tilt_home: Path, saved: str
) -> None:
    from strategies.runs import load_run

    run = load_run(saved)
    notes = run.info["notes"]
    spot = read_real(REAL / "commodities", "li2co3_spot_100ppi").set_index("date")["close"]
    held = tilt(float(spot["2024-01-02"]))
    line = next(n for n in notes if "signal unavailable on" in n)
    assert "4 rebalance days, 2024-02-01 to 2024-05-01" in line
    assert "kept the targets set on 2024-01-02" in line
    assert f"Na-ion sleeve {held:.1%}" in line
    assert any(n.startswith("thesis signal: signal unavailable 2024-01-22 to") for n in notes)
    assert any("splice: li2co3_gfex_main takes over from li2co3_spot_100ppi on 2024-01-05" in n
               for n in notes)  # fmt: skip
    naion = run.targets[list(NAION)].sum(axis=1)
    for day in ("2024-02-01", "2024-03-01", "2024-04-01", "2024-05-01"):
        assert naion[day] == pytest.approx(held, abs=1e-12), day
    sig = run.signal
    assert sig is not None
    assert not sig.loc["2024-01-22":"2024-04-30", "available"].any()
    assert sig.loc["2024-01-19", "available"] and sig.loc["2024-05-06", "available"]


def test_sweep_row_equals_the_backtest(
    tilt_home: Path, saved: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from strategies.runs import load_run

    args = ["sweep", "thesis-tilt", "--grid", "full_at=0.05:0.25:0.05", *WINDOW, "-f", "json"]
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    rows = {round(r["full_at"], 6): r for r in json.loads(out)}
    assert sorted(rows) == [0.05, 0.1, 0.15, 0.2, 0.25]
    run = load_run(saved)  # the preset's full_at is 0.15
    for key in ("total_return", "sharpe", "max_drawdown", "trades"):
        assert rows[0.15][key] == pytest.approx(run.metrics[key], rel=1e-9, abs=1e-12), key
    code, out, err = run_cli(["backtest", "thesis-tilt", *WINDOW, "--set", "full_at=0.05",
                              "--no-save", "-f", "json"], capsys)  # fmt: skip
    assert code == 0, err
    assert rows[0.05]["total_return"] == pytest.approx(json.loads(out)["total_return"], rel=1e-9)


def test_tear_sheet_charts_the_signal(tilt_home: Path, saved: str) -> None:
    from reports.tearsheet import tearsheet_html
    from strategies.runs import load_run

    page = tearsheet_html(load_run(saved))
    section = page[page.index('<section id="signal">') : page.index('<section id="drawdowns">')]
    assert 'id="chart-signal"' in section and 'id="chart-signal-weight"' in section
    assert section.count('class="shade"') == 2  # the one gap, on both charts
    table = section[section.index('id="signal-gaps"') :]
    cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", table)]
    # the last A-share day of the gap is 2024-04-30; the run's US days carry it to 05-03
    assert cells[:5] == ["2024-01-22", "2024-05-03", "75", "2024-01-05", "3.7%"]
