"""Fixtures for the report tests: sample saved runs, a network guard, the CLI, Chromium.

Runs are made by :func:`reports.sample.write_sample_run` — a synthetic store and the real
engine (``Backtest(...).run(reader, registry)`` then ``save_run``) — once per session in a
session NAION_HOME; each test that wants them gets a copy of the run folders (and, when it
runs the engine itself, of the store) in its own NAION_HOME. The expensive artefacts (a tear
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
RUN_IDS = {"a": "na-equal", "b": "na-cells", "c": "cross-usd", "d": "solo"}


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


def make_runs() -> None:
    """Four runs in the current NAION_HOME: two CNY runs sharing a benchmark, a USD run
    with two sleeves and its own benchmark, and a short run without a benchmark that starts
    mid-month."""
    from reports.sample import write_sample_run

    write_sample_run("na-equal", title="钠离子 supply chain, equal weight")
    write_sample_run(
        "na-cells",
        codes=("300750.SZ", "600348.SH", "1211.HK"),
        title="Cells and integrators",
        cash_weight=0.1,
    )
    write_sample_run(
        "cross-usd",
        base_currency="USD",
        benchmark="SPY",
        start="2020-01-02",
        years=4,
        title="Cross-market basket",
        sleeves={"core": ["300750.SZ", "002407.SZ"], "satellite": ["1211.HK", "ALB"]},
    )
    write_sample_run(
        "solo",
        codes=("300750.SZ", "002407.SZ"),
        start="2022-03-15",
        years=1.5,
        benchmark=None,
        title="Solo, no benchmark",
    )


@pytest.fixture(scope="session")
def sample_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A NAION_HOME holding the sample store and the four sample runs (built once)."""
    home = tmp_path_factory.mktemp("sample-home")
    old = os.environ.get("NAION_HOME")
    os.environ["NAION_HOME"] = str(home)
    try:
        with pytest.MonkeyPatch.context() as mp:
            block_network(mp)
            make_runs()
    finally:
        if old is None:
            os.environ.pop("NAION_HOME", None)
        else:
            os.environ["NAION_HOME"] = old
    yield home
    shutil.rmtree(home, ignore_errors=True)


def copy_runs(sample: Path, home: Path) -> dict[str, object]:
    """Copy the sample runs into ``home`` (the test's NAION_HOME) and load them."""
    from strategies.runs import load_run

    (home / "runs").mkdir(parents=True, exist_ok=True)
    for rid in RUN_IDS.values():
        shutil.copytree(sample / "runs" / rid, home / "runs" / rid, dirs_exist_ok=True)
    return {key: load_run(rid) for key, rid in RUN_IDS.items()}


@pytest.fixture
def runs(sample_home: Path, naion_home: Path) -> dict[str, object]:
    """The sample runs, copied into this test's NAION_HOME."""
    return copy_runs(sample_home, naion_home)


@pytest.fixture
def sample_store(sample_home: Path, naion_home: Path) -> Path:
    """The sample store, copied into this test's NAION_HOME (to run the engine on)."""
    naion_home.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(sample_home / "store.duckdb", naion_home / "store.duckdb"))


@dataclass
class Built:
    home: Path
    runs: dict[str, object]
    tearsheet: Path
    comparison: Path
    screen: Path


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, sample_home: Path) -> Iterator[Built]:
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
            runs = copy_runs(sample_home, root / "home")
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
