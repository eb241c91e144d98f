"""`naion report`: list, metrics export, tear sheet, comparison, and the one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import run_cli

REPO = Path(__file__).resolve().parents[2]


def test_list_empty_and_full(capsys, naion_home, sample_home) -> None:
    code, out, _err = run_cli(["report", "--list", "-f", "json"], capsys)
    assert (code, json.loads(out)) == (0, [])
    from tests.reports.conftest import copy_runs

    copy_runs(sample_home, naion_home)
    code, out, _ = run_cli(["report", "--list", "-f", "json"], capsys)
    rows = json.loads(out)
    assert code == 0
    assert [r["run_id"] for r in rows] == ["cross-usd", "na-cells", "na-equal", "solo"]
    assert rows[2]["base"] == "CNY" and rows[0]["base"] == "USD"
    code, out, _ = run_cli(["report", "--list", "-f", "csv"], capsys)
    assert code == 0 and out.splitlines()[0].startswith("run_id,strategy,start,end,base")
    code, out, _ = run_cli(["report", "--list"], capsys)
    assert code == 0 and "Saved runs" in out and "na-equal" in out


def test_unknown_run_is_one_line_exit_2(capsys, runs) -> None:
    code, out, err = run_cli(["report", "nope", "--output", "x.html"], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert err.startswith("naion: error: unknown run id 'nope'")
    assert "naion report --list" in err


def test_missing_output_is_exit_2(capsys, runs) -> None:
    code, _out, err = run_cli(["report", "na-equal"], capsys)
    assert code == 2 and err.count("\n") == 1 and "--output" in err
    code, _, err = run_cli(["report"], capsys)
    assert code == 2 and "name a saved run" in err
    code, _, err = run_cli(["report", "na-equal", "--metrics", "-f", "xml"], capsys)
    assert code == 2 and "unknown format" in err


def test_metrics_json_and_csv(capsys, runs, tmp_path: Path) -> None:
    code, out, _ = run_cli(["report", "na-equal", "--metrics", "-f", "json"], capsys)
    assert code == 0
    rows = json.loads(out)
    assert [r["kind"] for r in rows] == ["run", "benchmark"]
    m = runs["a"].metrics
    for key in ("total_return", "cagr", "sharpe", "sortino", "max_drawdown", "fees", "taxes"):
        assert rows[0][key] == pytest.approx(m[key])
    assert rows[1]["turnover"] is None
    target = tmp_path / "m.csv"
    code, _, err = run_cli(
        ["report", "na-equal", "-c", "cross-usd", "--metrics", "-f", "csv", "-o", str(target)],
        capsys,
    )
    assert code == 0 and f"wrote {target}" in err
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("series,kind,run_id,base,start,end,total_return")
    assert len(lines) == 1 + 4


def test_comparison_via_cli(capsys, runs, tmp_path: Path, no_network) -> None:
    target = tmp_path / "out" / "cmp.html"
    target.parent.mkdir()  # a missing folder is refused (tests/hardening/test_output.py)
    code, out, err = run_cli(
        ["report", "na-equal", "--compare", "na-cells", "-o", str(target)], capsys
    )
    assert code == 0 and out == ""
    assert err.strip() == f"wrote {target}"
    assert "<h2>Growth of 1</h2>" in target.read_text(encoding="utf-8")


def test_fresh_process_tearsheet_is_quiet(runs, naion_home: Path, tmp_path: Path) -> None:
    """What a user sees: `naion report RUN -o FILE` prints one line and nothing else."""
    target = tmp_path / "ts.html"
    env = {**os.environ, "NAION_HOME": str(naion_home), "PYTHONWARNINGS": "default"}
    proc = subprocess.run(
        [sys.executable, "-m", "naion.cli", "report", "na-equal", "-o", str(target)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.strip() == f"wrote {target}"  # no spinner when stderr is not a terminal
    assert target.stat().st_size > 100_000


def test_report_process_loads_no_chart_or_quantstats_library(runs, naion_home, tmp_path) -> None:
    """Font set-up costs nothing: `naion report` never imports matplotlib or quantstats."""
    target = tmp_path / "ts.html"
    code = (
        "import sys\n"
        "from naion.cli import main\n"
        f"assert main(['report', 'na-equal', '-c', 'na-cells', '-o', {str(target)!r}]) == 0\n"
        f"assert main(['report', 'na-equal', '-o', {str(target)!r}]) == 0\n"
        "print(','.join(m for m in ('matplotlib', 'quantstats', 'seaborn', 'scipy', 'vectorbt')"
        " if m in sys.modules))\n"
    )
    env = {**os.environ, "NAION_HOME": str(naion_home)}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=env, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


def test_spinner_names_the_step_on_a_terminal(runs, naion_home, tmp_path) -> None:
    """With stderr on a terminal, `naion report` shows which step it is on."""
    import pty

    target = tmp_path / "ts.html"
    leader, follower = pty.openpty()
    env = {**os.environ, "NAION_HOME": str(naion_home), "TERM": "xterm", "COLUMNS": "120"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "naion.cli", "report", "na-equal", "-o", str(target)],
        stdout=subprocess.DEVNULL,
        stderr=follower,
        cwd=REPO,
        env=env,
    )
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    assert proc.wait(timeout=120) == 0
    os.close(leader)
    text = seen.decode("utf-8", "replace")
    assert "naion report (tear sheet): loading run na-equal" in text
    assert f"wrote {target}" in text


def test_cli_module_imports_nothing_heavy() -> None:
    code = (
        "import sys, reports.cli\n"
        "heavy = [m for m in ('pandas', 'matplotlib', 'quantstats', 'numpy') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    ).stdout.strip()
    assert out == ""
