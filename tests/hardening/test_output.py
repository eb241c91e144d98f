"""Output files: one check (never NAION_HOME's store, runs, logs), atomic writes, CSV cells
safe for spreadsheets, user strings printed as typed (no rich markup)."""

from __future__ import annotations

import json
import os
import resource
import signal
from pathlib import Path

import pytest

from tests.hardening.conftest import one_error_line
from tests.helpers import run_cli, write


def _digest(path: Path) -> bytes:
    return path.read_bytes()


@pytest.mark.parametrize("target", ["store.duckdb", "store.duckdb.wal", "runs/x.csv", "logs/e"])
def test_outputs_never_overwrite_the_store_runs_or_logs(
    planted: Path, naion_home: Path, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _digest(planted)
    dest = naion_home / target
    code, out, err = run_cli(["data", "status", "-f", "csv", "-o", str(dest)], capsys)
    line = one_error_line(code, out, err)
    assert "would overwrite" in line and str(dest) in line
    assert _digest(planted) == before
    assert not (dest.exists() and dest != planted)


def test_a_symlink_into_the_store_is_refused_too(
    planted: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "innocent.csv"
    link.symlink_to(planted)
    before = _digest(planted)
    code, out, err = run_cli(["data", "status", "-f", "csv", "-o", str(link)], capsys)
    assert "would overwrite the data store" in one_error_line(code, out, err)
    assert _digest(planted) == before


@pytest.mark.parametrize(
    "args",
    [
        ["screen", "--source", "seed-2022", "-f", "csv", "-o", "{home}/store.duckdb"],
        ["screen", "--source", "seed-2022", "--html", "{home}/runs/page.html"],
        ["universe", "show", "sodium-ion", "-f", "csv", "-o", "{home}/logs/x.csv"],
        ["report", "--list", "-f", "json", "-o", "{home}/store.duckdb"],
        ["screen", "--fields", "-f", "csv", "-o", "{home}/store.duckdb"],
    ],
)
def test_every_output_option_goes_through_the_check(
    planted: Path, naion_home: Path, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    before = _digest(planted)
    code, out, err = run_cli([a.format(home=naion_home) for a in args], capsys)
    assert "would overwrite" in one_error_line(code, out, err)
    assert _digest(planted) == before
    assert not (naion_home / "runs").exists() and not (naion_home / "logs").exists()


def test_an_output_that_is_a_folder_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["screen", "--fields", "-f", "csv", "-o", str(tmp_path)], capsys)
    assert "is a folder" in one_error_line(code, out, err)


def test_a_full_disk_leaves_the_old_file_intact(tmp_path: Path) -> None:
    """The write fails past 4 KiB (RLIMIT_FSIZE, as a full disk would): the old file stays."""
    from naion.errors import InputError
    from naion.output import save_text

    target = tmp_path / "report.csv"
    target.write_text("old,contents\n1,2\n", encoding="utf-8")
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, hard))
    try:
        with pytest.raises((InputError, OSError)) as info:
            save_text(target, "new,row\n" * 10_000)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old_handler)
    assert isinstance(info.value, InputError) and str(target) in info.value.one_line()
    assert target.read_text(encoding="utf-8") == "old,contents\n1,2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv"]  # no temp left


def test_atomic_write_keeps_permissions_and_replaces(tmp_path: Path) -> None:
    from naion.output import save_text

    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    os.chmod(target, 0o640)
    save_text(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert target.stat().st_mode & 0o777 == 0o640
    fresh = save_text(tmp_path / "sub" / "fresh.txt", "x")
    assert fresh.read_text(encoding="utf-8") == "x"


def test_csv_text_cells_are_neutralised_numbers_are_not() -> None:
    import pandas as pd

    from naion.output import csv_text, records

    frame = pd.DataFrame(
        {
            "name": ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "plain"],
            "num": [-0.5, 1.0, -2.0, 3.0, 4.0],
            "numtext": ["-0.5", "+1", "-1e3", "1", "x"],
            "=head": ["a", "b", "c", "d", "\tTAB"],
        }
    )
    lines = csv_text(frame).splitlines()
    assert lines[0] == "name,num,numtext,'=head"
    rows = [line.split(",", 1) for line in lines[1:]]
    assert [r[0] for r in rows] == [
        '"\'=HYPERLINK(""http://x"")"',
        "'+cmd|' /C calc'!A0",
        "'-2+3",
        "'@SUM(A1)",
        "plain",
    ]
    assert lines[1].endswith(",-0.5,-0.5,a") and lines[3].endswith(",-2.0,-1e3,c")
    assert lines[5].endswith(",4.0,x,'\tTAB")
    # JSON is data, not a spreadsheet: untouched
    assert records(frame)[0]["name"] == '=HYPERLINK("http://x")'


_HOSTILE = """
name: hostile
title: "Hostile [bold]names[/bold]"
segments: {cells: {}}
members:
  - {code: 300750.SZ, segment: cells, name_en: "=HYPERLINK(\\"http://evil\\",\\"x\\")"}
  - {code: 600348.SH, segment: cells, name_en: "notes[v2].txt"}
"""


def test_user_strings_reach_csv_safe_and_json_as_is(
    naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(naion_home / "universes" / "hostile.yaml", _HOSTILE)
    code, out, _ = run_cli(["universe", "show", "hostile", "-f", "csv"], capsys)
    assert code == 0
    assert "'=HYPERLINK" in out and ",=HYPERLINK" not in out
    code, out, _ = run_cli(["universe", "show", "hostile", "-f", "json"], capsys)
    names = [r["name_en"] for r in json.loads(out)]
    assert names == ['=HYPERLINK("http://evil","x")', "notes[v2].txt"]


def test_brackets_print_as_typed(
    naion_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(naion_home / "universes" / "hostile.yaml", _HOSTILE)
    code, out, _ = run_cli(["universe", "show", "hostile"], capsys)
    assert code == 0 and "notes[v2].txt" in out and "[bold]names[/bold]" in out
    dest = tmp_path / "notes[v2].csv"
    code, _, err = run_cli(["universe", "show", "hostile", "-f", "csv", "-o", str(dest)], capsys)
    assert code == 0 and err.strip() == f"wrote {dest}" and dest.exists()
    code, out, _ = run_cli(["universe", "list"], capsys)
    assert "Hostile [bold]names[/bold]" in out


def test_devices_are_written_not_replaced_and_symlinks_kept(tmp_path: Path) -> None:
    import stat

    from naion.errors import InputError
    from naion.output import save_text

    save_text("/dev/null", "discarded")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    with pytest.raises(InputError, match="No space left on device"):
        save_text("/dev/full", "x" * 100_000)
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
    real = tmp_path / "real.txt"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    save_text(link, "new")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"


def test_the_issue_example_notes_v2_is_reported_with_its_brackets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "notes[v2].txt").write_text("hello", encoding="utf-8")
    (folder / "fx").mkdir()
    (folder / "fx" / "USDCNY.csv").write_text("date,rate\n2024-01-02,7.1\n", encoding="utf-8")
    code, _, err = run_cli(["data", "import", str(folder), "-f", "json"], capsys)
    assert code == 0 and f"skipped {folder / 'notes[v2].txt'}" in err, (code, err)


@pytest.mark.parametrize(
    "target", ["universes/x.yaml", "strategies/s.yaml", "models/m.yaml", "universes/t.csv"]
)
def test_outputs_never_land_in_the_yaml_folders(
    planted: Path, naion_home: Path, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A table written into universes/ (or strategies/, models/) would break every later
    command that loads them; only 'universe refresh --write' may write a universe there."""
    dest = naion_home / target
    dest.parent.mkdir(parents=True, exist_ok=True)
    code, out, err = run_cli(["data", "status", "-f", "csv", "-o", str(dest)], capsys)
    assert "would overwrite naion's" in one_error_line(code, out, err)
    assert not dest.exists()
    code, _, err = run_cli(["universe", "list"], capsys)
    assert code == 0, err


def test_an_output_in_a_missing_folder_is_refused(
    planted: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "typo" / "deeper" / "x.csv"
    code, out, err = run_cli(["data", "status", "-f", "csv", "-o", str(dest)], capsys)
    line = one_error_line(code, out, err)
    assert "does not exist" in line and str(dest.parent) in line
    assert not (tmp_path / "typo").exists()
