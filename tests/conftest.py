"""Shared fixtures: an isolated NAION_HOME per test, and the real data (skipped when absent)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NAION_SHARED", REPO.parent / "shared"))
REAL = SHARED / "data" / "real"
SEED = SHARED / "data" / "seed"


@pytest.fixture(autouse=True)
def naion_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty NAION_HOME: no test touches the user's store."""
    home = tmp_path / "naion-home"
    monkeypatch.setenv("NAION_HOME", str(home))
    monkeypatch.setenv("TQDM_DISABLE", "1")
    return home


@pytest.fixture
def real_data() -> Path:
    if not (REAL / "securities.csv").exists():
        pytest.skip(f"real data not found at {REAL}")
    return REAL


@pytest.fixture(scope="session")
def real_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A NAION_HOME with ../shared/data/real imported through `naion data import` (once)."""
    if not (REAL / "securities.csv").exists():
        pytest.skip(f"real data not found at {REAL}")
    from naion.cli import main

    home = tmp_path_factory.mktemp("real-home")
    old = os.environ.get("NAION_HOME")
    os.environ["NAION_HOME"] = str(home)
    try:
        assert main(["data", "import", str(REAL), "--format", "json"]) == 0
    finally:
        if old is None:
            os.environ.pop("NAION_HOME", None)
        else:
            os.environ["NAION_HOME"] = old
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def real_home(real_store_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point NAION_HOME at the session's imported real store (treat it as read-only)."""
    monkeypatch.setenv("NAION_HOME", str(real_store_dir))
    return real_store_dir
