"""Saved runs (run ids, damaged files, failed saves) and damaged stores: one line each."""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.hardening.conftest import one_error_line
from tests.helpers import damage_store, run_cli


@pytest.fixture
def two_runs(naion_home: Path) -> Path:
    from reports.sample import write_sample_run

    write_sample_run("good", years=0.3)
    write_sample_run("victim", years=0.3, codes=("300750.SZ", "600348.SH"))
    return naion_home / "runs"


def test_a_run_id_is_a_name_not_a_path(
    two_runs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere" / "run"
    shutil.copytree(two_runs / "good", elsewhere)
    for rid in (
        str(elsewhere),
        "../../elsewhere/run",
        "../runs/good",
        "./good",
        "good/",
        ".",
        "..",
        "x" * 5000,
    ):
        code, out, err = run_cli(["report", rid, "--metrics", "-f", "json"], capsys)
        line = one_error_line(code, out, err)
        assert "not a run id" in line or "unknown run id" in line, rid
        assert len(line) < 400
    code, out, err = run_cli(["report", "good", "--compare", "../x/run", "--metrics"], capsys)
    assert "not a run id" in one_error_line(code, out, err)
    code, out, _ = run_cli(["report", "good", "--metrics", "-f", "json"], capsys)
    assert code == 0 and json.loads(out)[0]["series"]


DAMAGE = {
    "run.json empty": ("run.json", b"", "run.json is not valid JSON"),
    "run.json binary": ("run.json", b"\x00\xff\xfe\x80garbage", "run.json is not UTF-8"),
    "run.json invalid": ("run.json", b"{not json", "run.json is not valid JSON"),
    "run.json a list": ("run.json", b"[1, 2]", "run.json does not hold an object"),
    "run.json no keys": ("run.json", b"{}", "run.json lacks the key 'strategy'"),
    "run.json bad start": (
        "run.json",
        b'{"strategy": "s", "start": "2020-13-01", "end": "2021-01-01", "base_currency": "CNY"}',
        "start '2020-13-01' is not a YYYY-MM-DD date",
    ),
    "run.json metric text": (
        "run.json",
        b'{"strategy": "s", "start": "2020-01-01", "end": "2021-01-01", "base_currency": "CNY",'
        b' "metrics": {"capital": "lots"}}',
        "metrics.capital is not a number",
    ),
    "run.json deep": ("run.json", b"[" * 100_000 + b"]" * 100_000, "run.json is not valid JSON"),
    "equity empty": ("equity.csv", b"", "equity.csv is empty"),
    "equity garbage": ("equity.csv", b"\x00\x01garbage\nmore", "equity.csv"),
    "equity no rows": ("equity.csv", b"date,equity\n", "equity.csv has no rows"),
    "equity text": ("equity.csv", b"date,equity\n2020-01-02,abc\n", "not numbers"),
    "equity bad date": ("equity.csv", b"date,equity\n2020-02-30,1\n", "not a YYYY-MM-DD"),
    "equity negative": ("equity.csv", b"date,equity\n2020-01-02,-5\n", "must be a positive"),
    "equity unsorted": (
        "equity.csv",
        b"date,equity\n2020-01-03,1\n2020-01-02,1\n",
        "not unique and ascending",
    ),
    "weights empty": ("weights.csv", b"", "weights.csv is empty"),
    "weights text": ("weights.csv", b"date,A,cash\n2020-01-02,x,1\n", "not numbers"),
    "trades empty": ("trades.csv", b"", "trades.csv is empty"),
    "trades garbage": ("trades.csv", b"a,b\n1,2\n", "trades.csv lacks the column(s) date"),
    "assets missing": ("assets.csv", None, "assets.csv is missing"),
}


@pytest.mark.parametrize("case", DAMAGE)
def test_a_damaged_run_is_one_line_and_does_not_break_the_others(
    two_runs: Path, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    name, data, message = DAMAGE[case]
    target = two_runs / "victim" / name
    if data is None:
        target.unlink()
    else:
        target.write_bytes(data)
    code, out, err = run_cli(["report", "victim", "--metrics", "-f", "json"], capsys)
    line = one_error_line(code, out, err)
    assert "saved run 'victim' is unreadable" in line and message in line
    code, out, err = run_cli(["report", "--list", "-f", "json"], capsys)
    assert code == 0, err
    rows = {r["run_id"]: r for r in json.loads(out)}
    assert set(rows) == {"good", "victim"}
    assert rows["good"]["strategy"] != "" and not rows["good"]["strategy"].startswith("unread")
    if name == "run.json":
        assert rows["victim"]["strategy"].startswith("unreadable: run.json")
    code, out, _ = run_cli(["report", "good", "--metrics", "-f", "json"], capsys)
    assert code == 0


def test_a_failed_save_leaves_no_run_listed(
    naion_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import pandas as pd

    from naion.errors import StoreError
    from reports.sample import write_sample_run
    from strategies.runs import list_runs, load_run, save_run

    write_sample_run("template", years=0.3)
    saved = load_run("template")
    spec = SimpleNamespace(
        name="fake",
        title="Fake",
        type="sleeves",
        capital=1e6,
        model_dump=lambda mode: {"name": "fake"},
    )
    run = SimpleNamespace(
        run_id="",
        spec=spec,
        params={},
        start=saved.equity.index[0].date(),
        end=saved.equity.index[-1].date(),
        base_currency="CNY",
        benchmark_name=None,
        data_as_of=None,
        metrics=dict(saved.metrics),
        notes=[],
        conventions=[],
        equity=saved.equity,
        benchmark=None,
        weights=saved.weights,
        targets=saved.targets,
        trades=saved.trades.assign(date=saved.trades["date"].dt.strftime("%Y-%m-%d")),
        assets=saved.assets,
    )
    real_to_csv = pd.DataFrame.to_csv

    def disk_full(self: pd.DataFrame, path: object = None, *a: object, **k: object) -> object:
        if path is not None and str(path).endswith("trades.csv"):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_to_csv(self, path, *a, **k)

    monkeypatch.setattr(pd.DataFrame, "to_csv", disk_full)
    with pytest.raises(StoreError, match="No space left on device"):
        save_run(run)
    assert [r["run_id"] for r in list_runs()] == ["template"]
    assert sorted(p.name for p in (naion_home / "runs").iterdir()) == ["template"]
    monkeypatch.setattr(pd.DataFrame, "to_csv", real_to_csv)
    run.run_id = ""
    again = save_run(run)
    assert again.run_id.startswith("fake-") and len(again.equity) == len(saved.equity)
    assert (again.path.stat().st_mode & 0o777) == 0o755


def test_run_ids_from_odd_strategy_names_are_plain_names() -> None:
    import datetime as dt

    from strategies.runs import new_run_id

    when = dt.datetime(2024, 1, 2, 3, 4, 5)
    assert new_run_id("../../x y", when) == "x-y-20240102-030405"
    assert new_run_id("", when) == "run-20240102-030405"


@pytest.mark.parametrize("how", ["garbage", "empty", "half", "header only"])
@pytest.mark.parametrize(
    "args",
    [
        ["data", "status"],
        ["data", "status", "-f", "json"],
        ["screen", "--where", "pe_ttm < 10"],
        ["backtest", "core-satellite", "--offline", "--no-save"],
        ["data", "import", "{empty}"],
        ["sweep", "core-satellite", "--grid", "band=0,0.05"],
    ],
)
def test_a_corrupt_store_is_one_line_naming_the_file_and_the_way_back(
    planted: Path, tmp_path: Path, how: str, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    damage_store(planted, how)
    before = planted.read_bytes()
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, err = run_cli([a.format(empty=empty) for a in args], capsys)
    line = one_error_line(code, out, err)
    assert f"the store {planted} is corrupt or truncated" in line
    assert "restore it from a backup, or move it aside" in line
    assert planted.read_bytes() == before


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"capital": -5}, "capital -5 is not a positive amount"),
        ({"capital": 0}, "capital 0 is not a positive amount"),
        ({"start": "2099-01-01", "end": "2099-12-31"}, "equity.csv runs 2019-01-02"),
        ({"start": "2021-01-01", "end": "2020-01-01"}, "start 2021-01-01 is after end 2020-01-01"),
    ],
)
def test_a_hand_edited_run_json_out_of_range_is_one_line(
    two_runs: Path, edit: dict[str, object], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = two_runs / "victim" / "run.json"
    info = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**info, **edit}), encoding="utf-8")
    page = two_runs.parent / "victim.html"
    for args in (
        ["report", "victim", "--metrics", "-f", "json"],
        ["report", "victim", "-o", str(page)],
    ):
        code, out, err = run_cli(args, capsys)
        line = one_error_line(code, out, err)
        assert "saved run 'victim' is unreadable" in line and message in line, line
    assert not page.exists()
    code, out, _ = run_cli(["report", "good", "--metrics", "-f", "json"], capsys)
    assert code == 0
