"""Bad input of every kind is one line and exit 2; a backtest reads the store read-only and
never imports vectorbt; the compiled kernel equals the interpreted one; vectorbt's replay of
the orders keeps the same books."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from naion.store import Store
from strategies.engine import Backtest
from strategies.spec import get_spec
from tests.helpers import run_cli, write
from tests.strategies.conftest import export, import_export, user_strategy

DAYS = pd.bdate_range("2023-01-02", "2023-12-29")
GOOD = """
name: ok
title: OK
type: sleeves
rebalance: {calendar: M}
sleeves: {s: {weight: 0.9, members: {300750.SZ: 1, 688005.SH: 1, 1211.HK: 1, TSLA: 1}}}
"""


@pytest.fixture
def home(tmp_path: Path, naion_home: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    export(tmp_path / "x", DAYS, closed={"A": ["2023-10-02", "2023-10-03"]})
    import_export(tmp_path / "x", capsys)
    user_strategy(naion_home, "ok", GOOD)
    return naion_home


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--capital", "0"], "capital=0.0: the starting cash must be positive"),
        (["--capital", "-5"], "capital=-5.0: the starting cash must be positive"),
        (["--capital", "nan"], "capital=nan: must be a finite number"),
        (["--capital", "inf"], "capital=inf: must be a finite number"),
        (["--band", "1"], "band=1.0: a drift band is a fraction in [0, 1)"),
        (["--band", "-0.1"], "band=-0.1: a drift band is a fraction in [0, 1)"),
        (["--band", "nan"], "band=nan: must be a finite number"),
        (["--fees", "-1"], "fees_bps=-1.0: a commission is between 0 and 1000 bps"),
        (["--fees", "inf"], "fees_bps=inf: must be a finite number"),
        (["--fees", "1e9"], "fees_bps=1000000000.0: a commission is between 0 and 1000 bps"),
        (["--fees", "nan"], "fees_bps=nan: must be a finite number"),
        (["--set", "colour=red"], "unknown parameter 'colour'"),
        (["--set", "s_weight=2"], "s_weight=2: a sleeve weight is between 0 and 1"),
        (["--set", "nonsense"], "bad --set 'nonsense'"),
        (["--rebalance", "X"], "rebalance=X: unknown calendar"),
        (["--universe", "all-a"], "--universe: ok names its members"),
    ],
)
def test_bad_options_are_one_line(
    args: list[str], message: str, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["backtest", "ok", "--offline", *args], capsys)
    assert code == 2 and out == "", err
    assert len(err.strip().splitlines()) == 1 and message in err, err


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (GOOD.replace("300750.SZ: 1", "300750.SZ: .inf"), "Input should be a finite number"),
        (GOOD.replace("300750.SZ: 1", "300750.SZ: .nan"), "Input should be a finite number"),
        (GOOD + "benchmark: {000300.SH: .nan}\n", "benchmark.000300.SH: Input should be a finite"),
        (GOOD + "benchmark: {ZZZ9: 1}\n", "unknown benchmark code 'ZZZ9'"),
        (GOOD + "costs: {commission_bps: {A: .nan}}\n", "costs.commission_bps.A: Input should be"),
        (GOOD + "costs: {commission_bps: {A: .inf}}\n", "costs.commission_bps.A: Input should be"),
        (GOOD + "capital: .inf\n", "capital: Input should be a finite number"),
        (GOOD + "capital: 0\n", "capital: Input should be greater than 0"),
        ("name: t\ntitle: T\ntype: valuation-tilt\nuniverse: sodium-ion\n"
         "tilt: {field: name}\n", "tilt.field 'name' is a text field"),
        ("name: t\ntitle: T\ntype: sleeves\nsleeve: {}\n", "sleeve: unknown key"),
    ],
)  # fmt: skip
def test_bad_strategy_files_are_one_line(
    body: str, message: str, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(home / "strategies" / "ok.yaml", body.replace("name: t\n", "name: ok\n"))
    code, out, err = run_cli(["backtest", "ok", "--offline"], capsys)
    assert code == 2 and out == "", err
    assert len(err.strip().splitlines()) == 1 and message in err, err


def test_a_backtest_reads_the_store_read_only(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Another reader holds the store open: a default (online) backtest with nothing to fetch
    must not need the write lock."""
    with Store.open(read_only=True):
        code, _, err = run_cli(["backtest", "ok", "-f", "json", "--no-save"], capsys)
    assert code == 0, err


def test_a_backtest_never_imports_vectorbt(home: Path) -> None:
    code = (
        "import sys; from naion.cli import main; "
        "rc = main(['backtest', 'ok', '--offline', '--no-save', '-f', 'json']); "
        "print('vectorbt' in sys.modules, rc)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)  # fmt: skip
    assert out.stdout.strip().splitlines()[-1] == "False 0"


def test_compiled_and_interpreted_kernels_keep_the_same_books(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = get_spec("ok", home / "strategies")
    runs = {}
    for jit in ("0", "1"):
        monkeypatch.setenv("NAION_JIT", jit)
        with Store.open(read_only=True) as st:
            runs[jit] = Backtest(spec, DAYS[0].date(), DAYS[-1].date(), band=0.01).run(st)
    a, b = runs["0"], runs["1"]
    assert np.array_equal(a.equity.to_numpy(), b.equity.to_numpy())
    pd.testing.assert_frame_equal(a.trades, b.trades)


def test_vectorbt_replays_the_same_books(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from strategies.vbt import VerifyError, verify

    spec = get_spec("ok", home / "strategies")
    with Store.open(read_only=True) as st:
        run = Backtest(spec, DAYS[0].date(), DAYS[-1].date()).run(st)
    pf = verify(run)
    assert pf.orders.count() == len(run.trades)
    run.replay["equity"] = run.replay["equity"] * (1 + 1e-6)  # a planted disagreement
    with pytest.raises(VerifyError, match="vectorbt values the portfolio at"):
        verify(run)
    code, _, err = run_cli(["backtest", "ok", "--offline", "--verify", "--no-save"], capsys)
    assert code == 0 and "verified" in err, err
