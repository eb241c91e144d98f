"""`naion backtest` fetches what the store lacks through the provider (unless --offline)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from naion.store import Store
from tests.helpers import run_cli, write

from .test_sync import serve_all

SOLO = """
name: solo
title: CATL alone
type: sleeves
sleeves: {s: {weight: 0.9, members: {300750.SZ: 1}}}
benchmark: {300750.SZ: 1}
"""
ARGS = ["backtest", "solo", "--start", "2024-01-02", "--end", "2024-01-04", "-f", "json"]


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "sleep", lambda seconds: None)


def test_missing_data_is_fetched_then_reused(
    rsps, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(naion_home / "strategies" / "solo.yaml", SOLO)
    serve_all(rsps)
    code, out, err = run_cli(ARGS, capsys)
    assert code == 0, err
    assert "fetched from akshare: 300750.SZ" in err
    m = json.loads(out)
    assert (m["start"], m["end"]) == ("2024-01-02", "2024-01-04")
    with Store(naion_home / "store.duckdb", read_only=True) as st:
        assert len(st.bars(["300750.SZ"], "qfq")) == 3
    calls = len(rsps.calls)
    code, out, err = run_cli([*ARGS, "--offline"], capsys)
    assert code == 0, err
    assert len(rsps.calls) == calls  # the second run reads the store only


def test_offline_and_missing_names_the_fix(
    naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(naion_home / "strategies" / "solo.yaml", SOLO)
    code, out, err = run_cli([*ARGS, "--offline"], capsys)
    assert code == 2 and out == ""
    assert "no data store" in err and "naion data import" in err
