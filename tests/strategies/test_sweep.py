"""Sweeps: grid parsing, errors, and agreement with a frictionless backtest."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from naion.errors import InputError
from naion.store import Store
from strategies.engine import Backtest
from strategies.spec import get_spec
from strategies.sweep import parse_grid, run_sweep
from tests.helpers import run_cli
from tests.strategies.conftest import export, import_export, user_strategy
from universes.loader import registry_for_home

DAYS = pd.bdate_range("2022-01-03", "2023-12-29")
SPEC = """
name: cs
title: CS
type: sleeves
base_currency: CNY
rebalance: {calendar: Q}
sleeves:
  core: {weight: 0.7, members: {300750.SZ: 1, 002594.SZ: 1}}
  satellite: {weight: 0.3, members: {688005.SH: 2, TSLA: 1}}
"""


def test_parse_grid() -> None:
    g = parse_grid(["core_weight=0.4:0.9:0.05", "rebalance=M,Q", "band=0,0.05,0.1"])
    assert len(g["core_weight"]) == 11 and g["core_weight"][0] == 0.4
    assert g["core_weight"][-1] == pytest.approx(0.9)
    assert g["rebalance"] == ["M", "Q"] and g["band"] == [0.0, 0.05, 0.1]
    for bad in ("core_weight", "x=1:0:0.1", "band=a,b"):
        with pytest.raises(InputError):
            parse_grid([bad])


def test_sweep_variant_equals_frictionless_backtest(
    tmp_path: Path, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export(tmp_path / "x", DAYS)
    import_export(tmp_path / "x", capsys)
    user_strategy(naion_home, "cs", SPEC)
    spec = get_spec("cs", naion_home / "strategies")
    reg = registry_for_home()
    with Store.open(read_only=True) as st:
        res = run_sweep(
            spec,
            st,
            reg,
            parse_grid(["core_weight=0.5:0.8:0.1", "rebalance=M,Q", "fees_bps=0"]),
            DAYS[0].date(),
            DAYS[-1].date(),
        )
        assert res.variants == 8
        row = res.table[(res.table["core_weight"] == 0.6) & (res.table["rebalance"] == "M")]
        s = spec.model_copy(deep=True)
        s.sleeves["core"].weight, s.sleeves["satellite"].weight = 0.6, 0.4
        run = Backtest(s, DAYS[0].date(), DAYS[-1].date(), fees=0, lots=False, rebalance="M").run(
            st, reg
        )
    assert row["total_return"].iloc[0] == pytest.approx(run.metrics["total_return"], rel=1e-9)
    assert row["sharpe"].iloc[0] == pytest.approx(run.metrics["sharpe"], rel=1e-9)


def test_sweep_cli(tmp_path: Path, naion_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export(tmp_path / "x", DAYS)
    import_export(tmp_path / "x", capsys)
    user_strategy(naion_home, "cs", SPEC)
    code, out, err = run_cli(
        [
            "sweep",
            "cs",
            "--grid",
            "core_weight=0.4:0.9:0.05",
            "--grid",
            "rebalance=M,Q",
            "--grid",
            "band=0,0.05,0.1",
            "-f",
            "json",
        ],
        capsys,
    )
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == 11 * 2 * 3
    sharpe = [r["sharpe"] for r in rows]
    assert sharpe == sorted(sharpe, reverse=True) and rows[0]["rank"] == 1
    code, _, err = run_cli(["sweep", "cs", "--grid", "colour=1,2"], capsys)
    assert code == 2 and "unknown sweep parameter 'colour'" in err
    code, _, err = run_cli(["sweep", "screen-driven"], capsys)
    assert code == 2 and "sweeps need fixed target weights" in err
