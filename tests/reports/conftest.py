"""Fixtures for the report tests: synthetic saved runs, a network guard, the CLI, Chromium.

Runs are written by :func:`reports.sample.write_sample_run` (seeded, no vectorbt, no market
data) in the folder layout :mod:`strategies.runs` reads. The expensive artefacts (a tear
sheet, a comparison, a screen report) are built once per session, with networking disabled.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")


class NetworkBlocked(AssertionError):
    pass


def _blocked(*args: object, **kwargs: object) -> None:
    raise NetworkBlocked(f"network access attempted: {args!r}")


def block_network(mp: pytest.MonkeyPatch) -> None:
    """Any connect() or create_connection() raises (and fails the test)."""
    mp.setattr(socket.socket, "connect", _blocked)
    mp.setattr(socket.socket, "connect_ex", _blocked)
    mp.setattr(socket, "create_connection", _blocked)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    block_network(monkeypatch)


def write_runs() -> dict[str, object]:
    """Three runs: two CNY runs sharing a benchmark, one USD run with its own."""
    from reports.sample import write_sample_run

    a = write_sample_run("na-equal", title="钠离子 supply chain, equal weight")
    b = write_sample_run(
        "na-cells",
        codes=("300750.SZ", "600348.SH", "1211.HK"),
        title="Cells and integrators",
        cash_weight=0.1,
    )
    c = write_sample_run(
        "cross-usd",
        codes=("300750.SZ", "1211.HK", "ALB", "002407.SZ"),
        base_currency="USD",
        benchmark="100% S&P 500 TR",
        start="2020-01-02",
        years=4,
        seed=3,
        title="Cross-market basket",
    )
    return {"a": a, "b": b, "c": c}


@pytest.fixture
def runs(naion_home: Path) -> dict[str, object]:
    """The three sample runs written into this test's NAION_HOME."""
    return write_runs()


@dataclass
class Built:
    home: Path
    runs: dict[str, object]
    tearsheet: Path
    comparison: Path
    screen: Path


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """A tear sheet, a comparison and a screen report, generated once, offline."""
    from reports.compare import write_comparison
    from reports.screen import write_screen_report
    from reports.tearsheet import write_tearsheet
    from screener.engine import Screen

    root = tmp_path_factory.mktemp("reports")
    old = os.environ.get("NAION_HOME")
    os.environ["NAION_HOME"] = str(root / "home")
    try:
        with pytest.MonkeyPatch.context() as mp:
            block_network(mp)
            runs = write_runs()
            ts = write_tearsheet(runs["a"], root / "tearsheet.html")
            cmp = write_comparison([runs["a"], runs["b"], runs["c"]], root / "compare.html")
            result = Screen(source="seed-2022", rank_by="pe_fy1", descending=False).run(None)
            scr = write_screen_report(result, root / "screen.html")
    finally:
        if old is None:
            os.environ.pop("NAION_HOME", None)
        else:
            os.environ["NAION_HOME"] = old
    yield Built(root / "home", runs, ts, cmp, scr)
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed (run .ci/setup-browser.sh)")
    return CHROMIUM
