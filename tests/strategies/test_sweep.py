"""Sweeps: grid parsing and limits, every strategy type, rows equal backtests exactly."""

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
from tests.helpers import run_cli, write
from tests.strategies.conftest import export, import_export, user_strategy
from universes.loader import registry_for_home

DAYS = pd.bdate_range("2022-01-03", "2023-12-29")
GOLDEN_WEEK = [d.strftime("%Y-%m-%d") for d in pd.bdate_range("2023-09-29", "2023-10-06")]
CLOSED = {"A": ["2022-10-03", "2022-10-04", *GOLDEN_WEEK], "US": ["2023-07-04"],
          "HK": ["2022-12-26"]}  # fmt: skip
SPEC = """
name: cs
title: CS
type: sleeves
base_currency: CNY
capital: 200000
rebalance: {calendar: Q}
sleeves:
  core: {weight: 0.7, members: {300750.SZ: 1, 002594.SZ: 1}}
  satellite: {weight: 0.3, members: {688005.SH: 2, TSLA: 1, 1211.HK: 1}}
"""
KEYS = ("total_return", "cagr", "sharpe", "max_drawdown", "fees", "taxes", "trades")


def test_parameter_keys_reach_the_spec(naion_home: Path) -> None:
    from strategies.spec import with_params

    s = with_params(get_spec("screen-driven"), {"screen.top": "10", "screen.where": "close > 1",
                                                "rebalance": "W", "band": "0.02"})  # fmt: skip
    assert (s.screen.top, s.screen.where) == (10, "close > 1")
    assert (s.rebalance.calendar, s.rebalance.band) == ("W", 0.02)
    t = with_params(get_spec("valuation-tilt"), {"tilt.cap": "0.1", "costs.commission_bps.A": "7",
                                                 "fees_bps": "0"})  # fmt: skip
    assert t.tilt.cap == 0.1 and t.costs.commission_bps == {"A": 0.0, "HK": 0.0, "US": 0.0}
    c = with_params(get_spec("core-satellite"), {"core_weight": "0.5", "lots": "false"})
    assert c.sleeves["core"].weight == 0.5 and c.sleeves["satellite"].weight == 0.5
    assert c.lots is False
    with pytest.raises(InputError, match=r"screen\.top=0"):
        with_params(get_spec("screen-driven"), {"screen.top": "0"})


def test_parse_grid() -> None:
    g = parse_grid(["core_weight=0.4:0.9:0.05", "rebalance=M,Q", "band=0,0.05,0.1"])
    assert len(g["core_weight"]) == 11 and g["core_weight"][0] == 0.4
    assert g["core_weight"][-1] == pytest.approx(0.9)
    assert g["rebalance"] == ["M", "Q"] and g["band"] == [0.0, 0.05, 0.1]


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("core_weight", "bad --grid"),
        ("x=1:0:0.1", "bad range"),
        ("x=1.2.3:2:1", "'1.2.3' is not a number"),
        ("x=.:1:1", "'.' is not a number"),
        ("x=0:1:0", "bad range"),
        ("x=0:1e16:1", "more than 100,000"),
    ],
)
def test_bad_grids_are_one_line(item: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_grid([item])


def test_a_grid_too_large_is_refused_before_it_is_built() -> None:
    with pytest.raises(InputError, match="100,000,000 variants, more than 100,000"):
        parse_grid(["a=1:1e4:1", "b=1:1e4:1", "c=1:1e4:1", "d=1:1e4:1"])
    with pytest.raises(InputError, match="more than 100,000"):
        parse_grid(["a=1:400:1", "b=1:400:1"])


@pytest.fixture
def closures(tmp_path: Path, naion_home: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    export(tmp_path / "x", DAYS, closed=CLOSED)
    import_export(tmp_path / "x", capsys)
    user_strategy(naion_home, "cs", SPEC)
    return naion_home


@pytest.mark.parametrize("jit", ["0", "1"])
def test_every_row_equals_its_backtest(
    closures: Path, jit: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Market closures, fees with minimums, stamp duty (A and HK), lots, bands: each sweep row
    (interpreted, then numba-compiled) equals `backtest --set` with its keys to 1e-9."""
    spec = get_spec("cs", closures / "strategies")
    reg = registry_for_home()
    grid = parse_grid(["core_weight=0.5:0.8:0.3", "rebalance=M,Q", "band=0,0.03",
                       "fees_bps=2.5,30"])  # fmt: skip
    monkeypatch.setenv("NAION_JIT", jit)
    with Store.open(read_only=True) as st:
        res = run_sweep(spec, st, reg, grid, DAYS[0].date(), DAYS[-1].date())
        monkeypatch.setenv("NAION_JIT", "0")
        assert res.variants == 16 and list(res.table.columns[:4]) == list(grid)
        assert res.table["taxes"].gt(0).all() and res.table["trades"].gt(0).all()
        for _, row in res.table.iterrows():
            params = {k: str(row[k]) for k in grid}
            run = Backtest(spec, DAYS[0].date(), DAYS[-1].date(), params=params).run(st, reg)
            for k in KEYS:
                assert row[k] == pytest.approx(run.metrics[k], rel=1e-9, abs=1e-9), (params, k)


UNI = """
name: trio
title: Three A-shares
segments: {cells: {title: Cells}, cathode: {title: Cathode}}
members:
  - {code: 300750.SZ, segment: cells}
  - {code: 002594.SZ, segment: cells}
  - {code: 688005.SH, segment: cathode}
"""
TYPES = {
    "segment-equal": ("", ["rebalance=M,Q", "band=0,0.05"]),
    "valuation-tilt": ("tilt: {field: pe_ttm, cap: 0.5}\n", ["tilt.cap=0.4,0.6", "fees_bps=0,5"]),
    "screen-driven": ('screen: {where: "ret_1m > 0", min_count: 1, top: 2}\n',
                      ["screen.top=1,2", "rebalance=M,Q"]),
}  # fmt: skip


@pytest.mark.parametrize("kind", list(TYPES))
def test_every_type_sweeps(kind: str, closures: Path) -> None:
    extra, grid_items = TYPES[kind]
    write(closures / "universes" / "trio.yaml", UNI)
    user_strategy(closures, "u", f"name: u\ntitle: U\ntype: {kind}\nuniverse: trio\n{extra}")
    spec = get_spec("u", closures / "strategies")
    reg = registry_for_home()
    grid = parse_grid(grid_items)
    with Store.open(read_only=True) as st:
        res = run_sweep(spec, st, reg, grid, DAYS[0].date(), DAYS[-1].date())
        assert res.variants == 4
        # the first key changes the result (it reached the strategy)
        first = next(iter(grid))
        by_first = res.table.groupby(first)["total_return"].apply(tuple)
        assert by_first.iloc[0] != by_first.iloc[1]
        for _, row in res.table.iterrows():
            params = {k: str(row[k]) for k in grid}
            run = Backtest(spec, DAYS[0].date(), DAYS[-1].date(), params=params).run(st, reg)
            assert row["total_return"] == pytest.approx(run.metrics["total_return"], rel=1e-9)


def test_sweep_cli(closures: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    page = tmp_path / "sweep.html"
    code, out, err = run_cli(
        ["sweep", "cs", "--grid", "core_weight=0.4:0.9:0.05", "--grid", "rebalance=M,Q",
         "--grid", "band=0,0.05,0.1", "-f", "json", "--offline", "--report", str(page)],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == 11 * 2 * 3
    assert {"core_weight", "rebalance", "band", *KEYS} <= set(rows[0])
    sharpe = [r["sharpe"] for r in rows]
    assert sharpe == sorted(sharpe, reverse=True) and rows[0]["rank"] == 1
    html = page.read_text(encoding="utf-8")
    assert "<svg" in html and "core_weight" in html and "http://" not in html.replace(
        "http://www.w3.org", ""
    )
    # the top row reproduces with backtest --set
    top = rows[0]
    code, out, err = run_cli(
        ["backtest", "cs", "--offline", "-f", "json", "--no-save", "--set",
         f"core_weight={top['core_weight']}", "--set", f"rebalance={top['rebalance']}",
         "--set", f"band={top['band']}"], capsys,
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["total_return"] == pytest.approx(top["total_return"], rel=1e-9)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--grid", "colour=1,2"], "unknown parameter 'colour'"),
        (["--grid", "band=-0.1,0.1"], "band=-0.1: a drift band is a fraction in [0, 1)"),
        (["--grid", "band=nan"], "band=nan: must be a finite number"),
        (["--grid", "fees_bps=-1,2"], "fees_bps=-1.0: a commission is between 0 and 1000"),
        (["--grid", "fees_bps=inf"], "fees_bps=inf: must be a finite number"),
        (["--grid", "x=1:1e9:1"], "more than 100,000"),
        (["--grid", "core_weight=1.2.3:2:1"], "'1.2.3' is not a number"),
    ],
)
def test_sweep_refusals_are_one_line(
    args: list[str], message: str, closures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["sweep", "cs", "--offline", *args], capsys)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and message in err, err
