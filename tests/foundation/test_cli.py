from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import run_cli, write

HEAVY = ("pandas", "numpy", "duckdb", "akshare", "vectorbt", "quantstats", "numba", "matplotlib")


def test_help_imports_nothing_heavy() -> None:
    """`naion --help` stays fast by importing none of the heavy libraries (its speed itself is
    measured in bench/, never asserted against the wall clock here)."""
    code = (
        "import sys; import naion.cli; from naion.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Usage" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_universe_show_prints_every_segment(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["universe", "show", "sodium-ion", "--format", "json"], capsys)
    assert code == 0
    rows = json.loads(out)
    assert {r["segment"] for r in rows} == {
        "cells",
        "cathode",
        "anode",
        "electrolyte",
        "upstream",
        "integrators",
    }
    assert len(rows) == 20
    bj = next(r for r in rows if r["code"] == "920185.BJ")
    assert bj["events"] == "formerly 835185.BJ" and bj["connect"].startswith("no")
    star = next(r for r in rows if r["code"] == "688005.SH")
    assert (star["board"], star["lot"], star["min_order"]) == ("STAR", 1, 200)
    code, out, _ = run_cli(["universe", "show", "sodium-ion"], capsys)
    for title in ("Cells", "Cathode", "Anode", "Electrolyte", "Upstream", "Integrators"):
        assert f"— {title} (" in out


def test_universe_segment_filter(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        ["universe", "show", "sodium-ion", "-s", "anode,electrolyte", "-f", "csv"], capsys
    )
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 1 + 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["universe", "show", "nope"], "unknown universe 'nope'"),
        (["universe", "show", "sodium-ion", "-s", "solar"], "unknown segment 'solar'"),
        (["universe", "show", "sodium-ion", "-f", "xml"], "unknown format 'xml'"),
        (["data", "status"], "no data store at"),
        (["data", "import", "/nonexistent/folder"], "/nonexistent/folder does not exist"),
        (["data", "sync", "sodium-ion", "--start", "2024-02-30"], "bad date '2024-02-30'"),
        (["data", "sync", "ZZZZ"], "'ZZZZ' is neither a universe nor a ticker"),
        (["data", "sync", "--start", "2024-01-01", "--end", "2023-01-01"], "is after --end"),
        (["universe", "shw"], "No such command 'shw'"),
        (["data", "import"], "naion data import needs a folder of CSV exports"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(args, capsys)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("naion: error: ")
    assert message in lines[0]


def test_bad_user_universe_files(naion_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(naion_home / "universes" / "mine.yaml", "name: mine\ntitle: [unclosed\n")
    code, _, err = run_cli(["universe", "list"], capsys)
    assert code == 2 and str(path) in err and "line 2" in err and "malformed YAML" in err
    write(
        path,
        """
name: mine
title: Mine
segments: {cells: {}}
members:
  - {code: 300750.SZ, segment: cells, colour: red}
""",
    )
    code, _, err = run_cli(["universe", "list"], capsys)
    assert code == 2
    assert err.strip() == f"naion: error: {path}: members[0].colour: unknown key"
    write(
        path,
        """
name: mine
title: Mine
segments: {cells: {}}
members:
  - {code: 300750.SZ, segment: anode}
""",
    )
    code, _, err = run_cli(["universe", "list"], capsys)
    assert code == 2 and "segment 'anode' is not one of cells" in err


def test_user_universe_is_listed(naion_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(
        naion_home / "universes" / "mine.yaml",
        """
name: my-cells
title: My cells
segments: {cells: {}}
members:
  - {code: sz300750, segment: cells}
  - {code: "835185", segment: cells}
""",
    )
    code, out, _ = run_cli(["universe", "show", "my-cells", "-f", "json"], capsys)
    assert code == 0
    assert [r["code"] for r in json.loads(out)] == ["300750.SZ", "920185.BJ"]
    write(
        naion_home / "universes" / "mine.yaml",
        """
name: my-cells
title: My cells
segments: {cells: {}}
members:
  - {code: 000625, segment: cells}
""",
    )
    code, out, err = run_cli(["universe", "show", "my-cells"], capsys)
    assert code == 2 and "members[0].code: write the code as text" in err


def test_an_internal_bug_is_one_line_exit_1_with_the_traceback_saved(
    naion_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import universes.loader

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("planted bug")

    monkeypatch.setattr(universes.loader, "registry_for_home", broken)
    code, out, err = run_cli(["universe", "list"], capsys)
    assert code == 1 and out == ""
    assert err.strip().splitlines() == [
        f"naion: error: internal error: ZeroDivisionError: planted bug; traceback in "
        f"{naion_home / 'logs' / 'last-error.log'}"
    ]
    assert "planted bug" in (naion_home / "logs" / "last-error.log").read_text()
