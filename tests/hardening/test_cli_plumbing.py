"""CLI plumbing: bare groups print their help, --home edge cases, environment failures."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from tests.hardening.conftest import one_error_line
from tests.helpers import run_cli


@pytest.mark.parametrize(
    ("args", "usage"),
    [
        ([], "Usage: naion [OPTIONS] COMMAND"),
        (["data"], "Usage: naion data"),
        (["universe"], "Usage: naion universe"),
    ],
)
def test_bare_groups_print_their_help_and_exit_0(
    args: list[str], usage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(args, capsys)
    assert code == 0 and err == ""
    assert out.startswith(usage) and "Commands:" in out and len(out.splitlines()) > 5


def test_empty_home_is_the_default_not_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.setenv("NAION_HOME", str(tmp_path / "elsewhere"))
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(["--home", "", "data", "status"], capsys)
    line = one_error_line(code, out, err)
    assert f"no data store at {cache / 'naion' / 'store.duckdb'}" in line
    from naion.settings import default_home

    monkeypatch.setenv("NAION_HOME", "  ")
    assert default_home() == cache / "naion"


def test_home_naming_a_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    for home in (afile, afile / "below"):
        code, out, err = run_cli(["--home", str(home), "data", "import", str(tmp_path)], capsys)
        assert "is not a folder" in one_error_line(code, out, err)
    assert afile.read_text(encoding="utf-8") == "x"


def test_a_read_only_home_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def read_only(self: Path, *args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system", str(self))

    monkeypatch.setattr(Path, "mkdir", read_only)
    data = tmp_path / "data"
    os.mkdir(data)  # not Path.mkdir: that one now fails
    code, out, err = run_cli(
        ["--home", str(tmp_path / "home"), "data", "import", str(data)], capsys
    )
    assert "Read-only file system" in one_error_line(code, out, err)


def test_proc_as_home_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "data").mkdir()
    code, out, err = run_cli(["--home", "/proc", "data", "import", str(tmp_path / "data")], capsys)
    one_error_line(code, out, err)
    code, out, err = run_cli(["--home", "/proc", "data", "status"], capsys)
    one_error_line(code, out, err)


def test_an_os_error_anywhere_is_one_line_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import universes.loader

    def disk_gone(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EIO, "Input/output error", "/some/file")

    monkeypatch.setattr(universes.loader, "registry_for_home", disk_gone)
    code, out, err = run_cli(["universe", "list"], capsys)
    line = one_error_line(code, out, err)
    assert "/some/file" in line and "Input/output error" in line


def test_a_nul_in_a_path_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["--home", "a\0b", "universe", "list"], capsys)
    assert "NUL" in one_error_line(code, out, err)
    code, out, err = run_cli(["screen", "--fields", "-f", "csv", "-o", "a\0b.csv"], capsys)
    one_error_line(code, out, err)
    from naion.errors import InputError
    from naion.output import check_output

    with pytest.raises(InputError, match="NUL"):
        check_output("a\0b.csv")
