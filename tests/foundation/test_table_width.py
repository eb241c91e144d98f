"""Every table naion prints fits 80 and 100 columns without splitting a cell.

Each command runs through ``naion.cli.main`` on the fuzz corpus's planted world, once with
COLUMNS=1000 (the reference: every column, every cell on one line) and once at 80 and 100.
The narrow tables are parsed from their box lines: no line is wider than the terminal, every
column shown is one of the reference's, and every cell, its wrapped lines joined by one space,
equals the reference cell — a number, date, id or word cut across lines fails (``1,515.0`` /
``2`` joins to ``1,515.0 2``). Then the machine outputs (``--output``, ``--format csv|json``)
are checked by value, and a failed ``data sync --keep-going`` ends with one error line.
"""

from __future__ import annotations

import errno
import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from rich.cells import cell_len

from naion.cli import main

SYNC = ["data", "sync", "TSLA", "--keep-going", "--no-valuation", "--no-eps"]
COMMANDS = {
    "backtest": ["backtest", "core-satellite", "--offline", "--no-save"],
    "backtest --list": ["backtest", "--list"],
    "sweep": ["sweep", "core-satellite", "--grid", "band=0,0.05,0.1", "--offline"],
    "rebalance": ["rebalance", "core-satellite", "--cash", "100000", "--offline"],
    "screen": ["screen"],
    "screen all-a": ["screen", "--universe", "all-a", "--top", "12"],
    "screen --fields": ["screen", "--fields"],
    "screen --presets": ["screen", "--presets"],
    "report --list": ["report", "--list"],
    "report --metrics": ["report", "sample-a", "--compare", "sample-b", "--metrics"],
    "universe list": ["universe", "list"],
    "universe show": ["universe", "show", "sodium-ion"],
    "data status": ["data", "status"],
    "data import": ["data", "import", "{data}"],
    "data sync": SYNC,
    "thesis": ["thesis", "--from", "2023-06-01", "--to", "2023-06-30"],
}
SPLIT = set("┃│")


def _no_network(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENETUNREACH, "network disabled in this test")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(home, import folder): the planted world, a saved backtest and a month of lithium
    carbonate prices."""
    import contextlib
    import io
    import os

    from tests.fuzz.plant import make_home
    from tests.thesis.helpers import plant_series

    root = tmp_path_factory.mktemp("tables")
    old = os.environ.get("NAION_HOME")
    home, data = make_home(root)
    os.environ["NAION_HOME"] = str(home)  # a run saved under a real id (strategy-date-time)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["backtest", "core-satellite", "--offline"]) == 0
    if old is None:
        os.environ.pop("NAION_HOME")
    else:
        os.environ["NAION_HOME"] = old
    days = pd.bdate_range("2023-05-02", "2023-06-30")
    prices = {d.date().isoformat(): 250_000.0 + 1_000.0 * i for i, d in enumerate(days)}
    plant_series(home, "li2co3_gfex_main", prices)
    yield home, data


def _run(
    argv: list[str], width: int, world: tuple[Path, Path], tmp: Path, mp: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[int, str, str]:  # fmt: skip
    home, data = world
    if argv[:2] == ["data", "import"]:  # a fresh home each time: the same counts each run
        home = tmp / f"import-{width}"
    elif argv[:2] == ["data", "sync"]:  # the sync writes: a copy
        home = tmp / f"sync-{width}"
        shutil.copytree(world[0], home)
    mp.setenv("NAION_HOME", str(home))
    mp.setenv("COLUMNS", str(width))
    capsys.readouterr()
    code = main([a.replace("{data}", str(data)) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def tables(text: str) -> list[tuple[list[list[str]], list[list[str]]]]:
    """The box tables of ``text``: (header lines, body lines), each line a list of cells."""
    found, head, body, part = [], [], [], None
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("┏"):
            head, body, part = [], [], "head"
        elif s.startswith("┡"):
            part = "body"
        elif s.startswith("└"):
            found.append((head, body))
            part = None
        elif part is not None and s and s[0] in SPLIT:
            cells = [c.strip() for c in _cells(s)]
            (head if part == "head" else body).append(cells)
    return found


def _cells(line: str) -> list[str]:
    out, cur = [], ""
    for ch in line[1:]:
        if ch in SPLIT:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    return out


def _join(lines: list[list[str]]) -> list[str]:
    """A row's wrapped lines → its cells, the pieces of each joined by one space."""
    return [" ".join(line[j] for line in lines if line[j]) for j in range(len(lines[0]))]


def _grouped(lines: list[list[str]], key: int) -> list[list[str]]:
    """Body lines → rows: a row starts where column ``key`` (never wrapped, never empty) has
    text."""
    rows: list[list[list[str]]] = []
    for line in lines:
        if line[key] or not rows:
            rows.append([line])
        else:
            rows[-1].append(line)
    return [_join(r) for r in rows]


def check_fits(narrow: str, ref: str, width: int) -> int:
    """Assert the narrow output's tables are the reference's, no cell split; returns how many
    tables were compared."""
    wide_lines = [ln for ln in narrow.splitlines() if cell_len(ln.rstrip()) > width]
    assert not wide_lines, f"lines wider than {width}:\n" + "\n".join(wide_lines[:5])
    got, want = tables(narrow), tables(ref)
    assert len(got) == len(want) and want, (len(got), len(want))
    for (g_head, g_body), (w_head, w_body) in zip(got, want, strict=True):
        w_cols = _join(w_head)
        assert len(w_head) == 1, f"reference header wraps: {w_head}"
        w_rows = w_body  # at 1000 columns nothing wraps
        g_cols = _join(g_head)
        idx = []
        for h in g_cols:
            assert h in w_cols, f"header {h!r} split or unknown (reference: {w_cols})"
            idx.append(w_cols.index(h))
        # the row key: a shown column whose reference cells are all one unbroken word
        key = next(
            (k for k, j in enumerate(idx) if all(r[j] and " " not in r[j] for r in w_rows)), 0
        )
        g_rows = _grouped(g_body, key)
        assert len(g_rows) == len(w_rows), (g_cols, len(g_rows), len(w_rows))
        for g, w in zip(g_rows, w_rows, strict=True):
            for k, j in enumerate(idx):
                assert g[k] == w[j], f"column {g_cols[k]!r}: {g[k]!r} is split (whole: {w[j]!r})"
    return len(got)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_tables_fit_80_and_100_columns_without_splitting_a_cell(
    name: str, world: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    import time

    monkeypatch.setattr(socket.socket, "connect", _no_network)
    monkeypatch.setattr(socket, "getaddrinfo", _no_network)
    monkeypatch.setattr(time, "sleep", lambda s: None)
    argv = COMMANDS[name]
    expected = 2 if argv is SYNC else 0
    code, ref, err = _run(argv, 1000, world, tmp_path, monkeypatch, capsys)
    assert code == expected, err
    for width in (80, 100):
        code, out, err = _run(argv, width, world, tmp_path, monkeypatch, capsys)
        assert code == expected, err
        assert check_fits(out, ref, width) >= 1


def test_wide_shows_every_column_and_says_what_is_hidden(
    world: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    _, narrow, _ = _run(["data", "status"], 80, world, tmp_path, monkeypatch, capsys)
    _, wide, _ = _run(["data", "status", "--wide"], 80, world, tmp_path, monkeypatch, capsys)
    shown = _join(tables(narrow)[0][0])
    every = _join(tables(wide)[0][0])
    assert "source" not in shown and "source" in every and set(shown) < set(every)
    assert "not shown at 80 columns: " in narrow and "--wide" in narrow
    assert "not shown" not in wide.split("Other datasets")[0]


def test_check_fits_catches_a_split_number() -> None:
    ref = "┏━┓\n┃ id ┃ n        ┃\n┡━┩\n│ A  │ 1,515.02 │\n└─┘\n"
    split = "┏━┓\n┃ id ┃ n       ┃\n┡━┩\n│ A  │ 1,515.0 │\n│    │ 2       │\n└─┘\n"
    with pytest.raises(AssertionError, match="split"):
        check_fits(split, ref, 80)


# -- the machine outputs, by value --------------------------------------------------------------
def _home(world: tuple[Path, Path], tmp: Path, mp: pytest.MonkeyPatch) -> Path:
    home = tmp / "home"
    shutil.copytree(world[0], home)
    mp.setenv("NAION_HOME", str(home))
    mp.chdir(tmp)
    return home


def test_backtest_csv_costs_are_commission_plus_taxes_of_its_trades(
    world: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from strategies.runs import list_runs, load_run

    _home(world, tmp_path, monkeypatch)
    code = main(["backtest", "core-satellite", "--offline", "-f", "csv", "-o", "m.csv"])
    assert code == 0, capsys.readouterr().err
    frame = pd.read_csv(tmp_path / "m.csv").set_index("series")
    run_id = next(r["run_id"] for r in list_runs() if r["strategy"] == "core-satellite")
    trades = load_run(run_id).trades
    row = frame.loc["strategy"]
    assert row["commission"] == pytest.approx(trades["commission"].sum(), rel=1e-9)
    assert row["taxes"] == pytest.approx(trades["stamp_duty"].sum(), rel=1e-9)
    assert row["costs"] == pytest.approx(row["commission"] + row["taxes"], rel=1e-12)
    assert row["fees"] == row["costs"]  # kept for scripts written before `costs`
    bench = frame.drop(index="strategy").iloc[0]
    assert pd.isna(bench["costs"]) and pd.isna(bench["turnover"])

    code = main(["backtest", "core-satellite", "--offline", "--no-save", "-f", "json", "-o",
                 "m.json"])  # fmt: skip
    got = json.loads((tmp_path / "m.json").read_text())
    assert got["costs"] == pytest.approx(row["costs"]) and got["taxes"] == pytest.approx(
        row["taxes"]
    )


def test_universe_list_json_and_report_list_csv_by_value(
    world: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from strategies.runs import load_run
    from universes.loader import registry_for_home

    _home(world, tmp_path, monkeypatch)
    assert main(["universe", "list", "--format", "json", "--output", "u.json"]) == 0
    got = {r["universe"]: r["members"] for r in json.loads((tmp_path / "u.json").read_text())}
    reg = registry_for_home()
    assert got == {n: len(u.members) for n, u in reg.universes.items()}
    assert main(["report", "--list", "-f", "csv", "-o", "runs.csv"]) == 0
    runs = pd.read_csv(tmp_path / "runs.csv").set_index("run_id")
    for run_id in ("sample-a", "sample-b"):
        m = load_run(run_id).metrics
        assert runs.loc[run_id, "total_return"] == pytest.approx(m["total_return"], rel=1e-12)
    assert main(["universe", "list", "-o", "u.txt"]) == 0  # a table to a file: every column
    text = (tmp_path / "u.txt").read_text()
    assert "sodium-ion" in text and "source" in text and "not shown" not in text


def test_data_import_csv_counts_the_rows_of_the_files(
    world: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    data = world[1]
    monkeypatch.setenv("NAION_HOME", str(tmp_path / "fresh"))
    monkeypatch.chdir(tmp_path)
    assert main(["data", "import", str(data), "-f", "csv", "-o", "imp.csv"]) == 0
    frame = pd.read_csv(tmp_path / "imp.csv").set_index("dataset")
    fx_rows = sum(len(pd.read_csv(p)) for p in (data / "fx").glob("*.csv"))
    assert frame.loc["fx", "rows read"] == fx_rows == frame.loc["fx", "new"]
    assert frame.loc["fx", "files"] == len(list((data / "fx").glob("*.csv")))
    assert main(["data", "import", str(data), "-f", "json", "-o", "again.json"]) == 0
    again = {r["dataset"]: r for r in json.loads((tmp_path / "again.json").read_text())}
    assert again["fx"]["unchanged files"] == frame.loc["fx", "files"]


def test_failed_keep_going_sync_is_one_error_line_and_its_table(
    world: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    import time

    monkeypatch.setattr(socket.socket, "connect", _no_network)
    monkeypatch.setattr(socket, "getaddrinfo", _no_network)
    monkeypatch.setattr(time, "sleep", lambda s: None)
    _home(world, tmp_path, monkeypatch)
    capsys.readouterr()
    code = main([*SYNC, "-f", "json", "-o", "sync.json"])
    _, err = capsys.readouterr()
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("naion: error: "), err
    rows = json.loads((tmp_path / "sync.json").read_text())
    failed = [r for r in rows if r["status"] == "failed"]
    assert f"{len(failed)} sync requests failed" in lines[0] and failed
    assert any(r["item"].startswith("TSLA") for r in failed)


def test_output_refuses_naions_own_files(
    world: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    home = _home(world, tmp_path, monkeypatch)
    before = (home / "store.duckdb").read_bytes()
    for argv in (["universe", "list"], ["backtest", "--list"], ["data", "status"]):
        capsys.readouterr()
        assert main([*argv, "-f", "csv", "-o", str(home / "store.duckdb")]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "would overwrite the data store" in err
    assert (home / "store.duckdb").read_bytes() == before
