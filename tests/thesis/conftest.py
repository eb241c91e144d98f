"""Fixtures for the thesis tests: a store with planted Li2CO3 rows, and the real data."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REAL
from tests.thesis.helpers import plant_real_commodities


@pytest.fixture(scope="session")
def thesis_real_dir(
    real_store_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """A copy of the session's imported real store, with the commodities/ CSVs planted when
    the import did not bring them in (the importer learns that folder separately)."""
    from naion.store import Store

    home = tmp_path_factory.mktemp("thesis-real")
    shutil.copy(real_store_dir / "store.duckdb", home / "store.duckdb")
    with Store(home / "store.duckdb", read_only=True) as st:
        held = len(st.commodity("li2co3_spot_100ppi")) and len(st.commodity("li2co3_gfex_main"))
    if not held:
        plant_real_commodities(home, REAL)
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def thesis_real(thesis_real_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NAION_HOME", str(thesis_real_dir))
    return thesis_real_dir
