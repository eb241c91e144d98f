"""What a fresh `naion backtest` process skips: the CLI builds only the command it runs, and
save_run does not parse back the files it has just written (its SavedRun reads them, checked,
on first use) — with every figure and file the same as before."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from naion.store import Store
from strategies.engine import Backtest
from strategies.spec import get_spec
from tests.strategies.test_sweep import closures  # noqa: F401  (a fixture)
from universes.loader import registry_for_home


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["backtest", "x"], "backtest"),
        (["--home", "/tmp/h", "sweep", "--grid", "a=1"], "sweep"),
        (["--home=/tmp/h", "data", "status"], "data"),
        (["--help"], None),
        (["--home", "/tmp/h"], None),
        ([], None),
        (["--version", "backtest"], None),
    ],
)
def test_the_invoked_command(args: list[str], name: str | None) -> None:
    from naion.cli import invoked

    assert invoked(args) == name


def test_only_the_invoked_command_is_built() -> None:
    from naion.cli import MOUNT_OF, _command

    only = _command("backtest")
    assert set(only.commands) == {"backtest", "sweep", "rebalance"}
    every = _command(None)
    assert set(every.commands) == set(MOUNT_OF)
    assert _command("no-such-command") is every  # click names the bad command from all
    # the output check wraps the commands either way
    assert only.commands["sweep"].callback.__wrapped__ is not None


def test_saved_run_equals_the_files_read_back(closures: Path) -> None:  # noqa: F811
    from strategies.runs import load_run, save_run

    with Store.open(read_only=True) as st:
        run = Backtest(get_spec("cs", closures / "strategies")).run(st, registry_for_home())
    saved = save_run(run)
    assert "equity" not in vars(saved)  # not parsed yet
    again = load_run(run.run_id)
    assert saved.info == again.info and saved.metrics == again.metrics
    pd.testing.assert_series_equal(saved.equity, again.equity)
    assert "equity" in vars(saved)  # parsed (and checked) on first use
    for name in ("weights", "targets", "trades", "assets"):
        pd.testing.assert_frame_equal(getattr(saved, name), getattr(again, name))
    pd.testing.assert_series_equal(saved.benchmark, again.benchmark)
    # the fast writer's text is pandas' to_csv text, byte for byte
    for frame, file in ((run.weights, "weights.csv"), (run.targets, "targets.csv")):
        ref = frame.copy()
        ref.index.name = "date"
        buf = io.StringIO()
        ref.to_csv(buf, date_format="%Y-%m-%d")
        assert (saved.path / file).read_text(encoding="utf-8") == buf.getvalue()


def test_the_fast_csv_writer_matches_pandas(tmp_path: Path) -> None:
    from strategies.runs import _frame_csv

    rng = np.random.default_rng(7)
    values = rng.standard_normal(600) * 10.0 ** rng.integers(-25, 25, 600)
    values[:13] = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, 1e16, 1e-5, 0.1, 1 / 3, 5e-324,
                   1.7976931348623157e308, 123456789.0]  # fmt: skip
    frame = pd.DataFrame(values.reshape(-1, 6), columns=["a", "b,c", 'q"x', "600000.SH",
                         "1211.HK", "cash"],
                         index=pd.bdate_range("2020-01-01", periods=100))  # fmt: skip
    for f in (frame, frame.iloc[:0], frame[[]]):
        _frame_csv(f, tmp_path / "x.csv")
        ref = f.copy()
        ref.index.name = "date"
        buf = io.StringIO()
        ref.to_csv(buf, date_format="%Y-%m-%d")
        assert (tmp_path / "x.csv").read_text(encoding="utf-8") == buf.getvalue()
