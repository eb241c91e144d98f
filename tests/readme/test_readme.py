"""The README is a test: every ```python block runs, and every ``naion …`` line of its bash
blocks (the tour and the strategies section) runs through ``naion.cli.main`` against the real
data (``../shared/data/real`` imported through ``naion data import``; skipped without it).

The network is made absent for every case (as on a machine without internet), so the commands
that need it are held to what the README promises then: one line on stderr, exit 2.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REAL, REPO
from tests.helpers import network_down

README = (REPO / "README.md").read_text(encoding="utf-8")



def needs_network(argv: list[str]) -> bool:
    """Commands that fetch what is new: a refresh, a sync, and a rebalance for today (synced
    first when online). Without network the README says they print one line on stderr and
    exit 2 ("Bad input — … the network down … — prints one line … exits with code 2"; the
    real data ends before today, and a rebalance "refuses a price more than five trading
    days old")."""
    line = " ".join(argv)
    return line.startswith(("universe refresh", "data sync")) or (
        line.startswith("rebalance") and "--as-of" not in argv
    )


def python_blocks(text: str) -> list[str]:
    """Every ```python block, dedented (some sit inside a list item)."""
    found = re.findall(r"^([ \t]*)```python\n(.*?)^\1```", text, re.S | re.M)
    return [textwrap.dedent(body) for _, body in found]


def cli_lines(text: str) -> list[str]:
    """Every ``naion …`` command of the bash blocks, continuation lines joined."""
    out = []
    for body in re.findall(r"^```bash\n(.*?)^```", text, re.S | re.M):
        joined = re.sub(r"\\\n\s*", " ", body)
        out += [ln.strip() for ln in joined.splitlines() if ln.strip().startswith("naion ")]
    return out


def _argv(line: str) -> list[str]:
    return shlex.split(line, comments=True)[1:]


def _case(line: str) -> object:
    argv = _argv(line)
    return pytest.param(line, id=" ".join(argv)[:60])


LINES = cli_lines(README)


def test_the_readme_has_examples() -> None:
    """The extraction itself: a README edit that broke the fences would skip everything."""
    assert len(python_blocks(README)) >= 2
    assert len(LINES) >= 25
    assert "naion data import --snapshot" in [ln.split("#")[0].strip() for ln in LINES]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    network_down(monkeypatch)


@pytest.fixture(scope="module")
def readme_home(real_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the session's real store (the tour writes runs and imports again), holding
    two saved runs for the tour's RUN_ID and OTHER_RUN_ID."""
    from naion.cli import main

    home = tmp_path_factory.mktemp("readme-home")
    shutil.copy2(real_store_dir / "store.duckdb", home / "store.duckdb")
    old = os.environ.get("NAION_HOME")
    os.environ["NAION_HOME"] = str(home)
    try:
        for name in ("core-satellite", "segment-equal"):
            assert main(["backtest", name, "--end", "2024-03-01", "--offline", "-f", "json"]) == 0
    finally:
        if old is None:
            os.environ.pop("NAION_HOME", None)
        else:
            os.environ["NAION_HOME"] = old
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def tour(
    readme_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_network: None
) -> Path:
    """NAION_HOME = the README store; the working folder a scratch one holding mine.csv."""
    monkeypatch.setenv("NAION_HOME", str(readme_home))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.csv").write_text("code,shares\nTSLA,100\n300750.SZ,200\n")
    return readme_home


@pytest.mark.parametrize("block", python_blocks(README), ids=lambda b: b.splitlines()[0][:40])
def test_python_block_runs(block: str, tour: Path, capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, object] = {"__name__": "readme"}
    exec(compile(block, "README.md", "exec"), namespace)  # the README's own code
    if "Backtest(" in block:  # the API example: what it computed, checked against the CLI
        from naion.cli import main

        run = namespace["run"]
        out = capsys.readouterr().out
        assert f"CAGR {run.metrics['cagr']:.1%}" in out  # type: ignore[attr-defined]
        args = ["backtest", "core-satellite", "--start", "2019-08-01", "--end", "2024-03-01"]
        assert main([*args, "--base-currency", "USD", "--offline", "--no-save", "-f", "json"]) == 0
        import json

        cli = json.loads(capsys.readouterr().out)
        assert cli["cagr"] == pytest.approx(run.metrics["cagr"], abs=1e-12)  # type: ignore[attr-defined]
        assert len(namespace["monthly"]) == 3  # type: ignore[arg-type]


def _substitute(argv: list[str], home: Path) -> list[str]:
    """Placeholders → real values: saved run ids, the real data folder, a scratch home."""
    from strategies.runs import run_ids

    ids = sorted(run_ids())
    subs = {
        "RUN_ID": ids[0],
        "OTHER_RUN_ID": ids[1],
        "../shared/data/real": str(REAL),
        "/data/naion": str(home),
        "...": "--help",
    }
    return [subs.get(a, a) for a in argv]


@pytest.mark.parametrize("line", [_case(ln) for ln in LINES])
def test_tour_command(line: str, tour: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from naion.cli import main

    argv = _substitute(_argv(line), tour)
    code = main(argv)
    out, err = capsys.readouterr()
    if needs_network(argv):
        assert code == 2, err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
        return
    assert code == 0, f"{line}\n{err}"
    assert out or err


def test_the_readme_quotes_the_bundled_snapshot_line() -> None:
    """The one line the README quotes is the line a run prints (as-of date included)."""
    from naion import snapshot

    if not snapshot.available():
        pytest.skip("no bundled snapshot in this checkout")
    line = f"using the bundled snapshot as of {snapshot.info().as_of}; run 'naion data sync'"
    assert line in " ".join(README.split())
