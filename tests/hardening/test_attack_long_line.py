"""A line longer than DuckDB's read buffer (32 MB) is refused with its line number, not
skipped: the parallel reader drops such a line without a reject, so large files are read
serially (found by the attack pass, F16)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hardening.conftest import one_error_line
from tests.helpers import run_cli

HEADER = "date,code,open,high,low,close,volume,amount\n"
ROW = "2023-01-03,600000.SH,7.0,7.1,6.9,7.05,100000,705000\n"


def test_a_line_over_the_read_buffer_is_refused(
    tmp_path: Path, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "imp" / "market"
    folder.mkdir(parents=True)
    with open(folder / "panel.csv", "w", encoding="utf-8") as fh:
        fh.write(HEADER + ROW)
        fh.write("x" * 40_000_000 + "\n")
        fh.write(ROW.replace("01-03", "01-04"))
    code, out, err = run_cli(["data", "import", str(tmp_path / "imp")], capsys)
    line = one_error_line(code, out, err)
    assert "panel.csv:3: the line is too long" in line
    assert not (naion_home / "store.duckdb").exists() or "600000.SH" not in out
