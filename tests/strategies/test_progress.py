"""Progress on long steps: a spinner naming the step on a terminal, after a delay; nothing on
a pipe or for a quick step; backtest, sweep, rebalance and --verify name their steps."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from naion import progress
from tests.helpers import run_cli


def _terminal() -> tuple[object, io.StringIO]:
    from rich.console import Console

    buf = io.StringIO()
    return Console(file=buf, force_terminal=True, width=100), buf


def test_a_slow_step_shows_its_name() -> None:
    console, buf = _terminal()
    with progress.spinner("sweep", enabled=True, delay=0, console=console):
        progress.step("simulating variants 1–2,048 of 10,000")
    assert "simulating variants 1–2,048 of 10,000" in buf.getvalue()


def test_a_quick_step_prints_nothing() -> None:
    console, buf = _terminal()
    with progress.spinner("backtest", enabled=True, delay=60, console=console):
        progress.step("loading the price panel")
    assert buf.getvalue() == ""


def test_the_spinner_appears_after_the_delay() -> None:
    console, buf = _terminal()
    with progress.spinner("backtest", enabled=True, delay=0.05, console=console):
        progress.step("loading the price panel")
        deadline = time.monotonic() + 30
        while progress._scopes[-1].status is None and time.monotonic() < deadline:
            time.sleep(0.05)  # the timer thread starts it (a loaded machine may take a while)
        assert progress._scopes[-1].status is not None
    assert "loading the price panel" in buf.getvalue()


def test_nothing_when_stderr_is_not_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(progress, "DELAY", 0.0)
    with progress.spinner("backtest", delay=0.0):
        progress.step("loading the price panel")
        time.sleep(0.2)
    assert capsys.readouterr().err == ""


def test_nested_scopes_show_one_spinner() -> None:
    console, buf = _terminal()
    with progress.spinner("backtest", enabled=True, delay=0, console=console):
        with progress.spinner("verify", enabled=True, delay=0, console=console):
            progress.step("replaying 12 orders in vectorbt")
        assert progress._scopes and progress._scopes[-1].name.startswith("replaying")
    assert not progress._scopes
    assert "replaying 12 orders in vectorbt" in buf.getvalue()


def test_outside_a_scope_a_step_does_nothing() -> None:
    progress.step("nothing to show")
    assert not progress._scopes


@pytest.fixture
def steps(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = progress.step
    monkeypatch.setattr(progress, "step", lambda name: (seen.append(name), real(name)))
    return seen


def test_backtest_sweep_and_rebalance_name_their_steps(
    steps: list[str], real_home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run_cli(
        ["sweep", "core-satellite", "--grid", "core_weight=0.5,0.7", "--offline", "-f", "json"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert any(s.startswith("reading what the store holds for") for s in steps)
    assert any(s.startswith("loading the price panel of 5 names") for s in steps)
    assert any(s.startswith("sleeves targets of 5 names: schedule 1 of 2") for s in steps)
    assert any(s.startswith("simulating variants 1–2 of 2") for s in steps)
    steps.clear()
    code, _, err = run_cli(["backtest", "core-satellite", "--offline", "--no-save"], capsys)
    assert code == 0, err
    assert any(s.startswith("simulating 5 names over") for s in steps)
    steps.clear()
    holdings = tmp_path / "h.csv"
    holdings.write_text("code,shares\nTSLA,10\n", encoding="utf-8")
    code, _, err = run_cli(
        ["rebalance", "core-satellite", "--holdings", str(holdings), "--as-of", "2024-03-08",
         "--offline"], capsys,
    )  # fmt: skip
    assert code == 0, err
    assert any(s.startswith("loading the price panel") for s in steps)
    assert "\x1b[" not in err  # captured stderr is no terminal: no spinner
