"""The thesis-tilt strategy type on planted data: weights by hand, point in time, the rule while
the signal is unavailable, sweep rows equal backtests, the signal kept with the saved run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from naion.errors import ConfigError, InputError
from naion.store import Store
from screener.thesis.model import get_model
from screener.thesis.signal import signal_on
from strategies.engine import Backtest
from strategies.spec import get_spec, with_params
from strategies.sweep import parse_grid, run_sweep
from tests.helpers import run_cli
from tests.strategies.conftest import export, import_export, user_strategy
from tests.thesis.helpers import plant_calendar, plant_series
from universes.loader import registry_for_home

DAYS = pd.bdate_range("2022-01-03", "2022-09-30")
SPOT = "li2co3_spot_100ppi"
# the lithium carbonate price planted for each month (CNY/t); none from 2022-05-10 to 07-15
MONTH_PRICE = {1: 269_375.0, 2: 560_000.0, 3: 75_625.0, 4: 40_000.0, 5: 250_000.0,
               7: 400_000.0, 8: 400_000.0, 9: 400_000.0}  # fmt: skip
GAP = (pd.Timestamp("2022-05-10"), pd.Timestamp("2022-07-15"))
NAION, OTHER = ("300750.SZ", "688005.SH"), ("TSLA", "002594.SZ")
SPEC = """
name: tt
title: Thesis tilt test
type: thesis-tilt
base_currency: CNY
capital: 1000000
rebalance: {calendar: M}
full_at: 0.2
max_weight: 0.6
sleeves:
  naion: {members: {300750.SZ: 1, 688005.SH: 1}}
  otherwise: {members: {TSLA: 1, 002594.SZ: 1}}
"""


def by_hand(price: float) -> float:
    """The report's line through (250,000, 0.09) and (560,000, 0.25), CNY/Wh."""
    return 0.09 + (price - 250_000.0) * (0.25 - 0.09) / (560_000.0 - 250_000.0)


def tilt(price: float, full_at: float = 0.2, max_weight: float = 0.6) -> float:
    return min(max(by_hand(price) / full_at, 0.0), 1.0) * max_weight


@pytest.fixture
def home(tmp_path: Path, naion_home: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    export(tmp_path / "x", DAYS)
    import_export(tmp_path / "x", capsys)
    rows = {d.date().isoformat(): MONTH_PRICE[d.month] for d in DAYS
            if not GAP[0] <= d <= GAP[1]}  # fmt: skip
    plant_series(naion_home, SPOT, rows)
    plant_calendar(naion_home, [d.date().isoformat() for d in DAYS])
    user_strategy(naion_home, "tt", SPEC)
    return naion_home


def backtest(home: Path, **params: str):  # type: ignore[no-untyped-def]
    spec = get_spec("tt", home / "strategies")
    with Store.open(read_only=True) as st:
        return Backtest(spec, DAYS[0].date(), DAYS[-1].date(), params=params).run(
            st, registry_for_home()
        )


def test_weights_by_hand(home: Path) -> None:
    run = backtest(home)
    t = run.targets
    assert [d.month for d in t.index] == list(range(1, 10))  # first trading day of each month
    # 269,375 CNY/t -> advantage 0.1 CNY/Wh; full_at 0.2, max_weight 0.6 -> 0.3 on the Na-ion sleeve
    assert by_hand(269_375.0) == pytest.approx(0.1, abs=1e-15)
    expect = {1: 0.3, 2: 0.6, 3: 0.0, 4: 0.0, 5: 0.27, 6: 0.27, 7: 0.27,
              8: tilt(400_000.0), 9: tilt(400_000.0)}  # fmt: skip
    assert expect[8] == pytest.approx(0.50225806451, rel=1e-9)
    for day, row in t.iterrows():
        w = expect[day.month]
        for c in NAION:
            assert row[c] == pytest.approx(w / 2, abs=1e-12), (day, c)
        for c in OTHER:
            assert row[c] == pytest.approx((1 - w) / 2, abs=1e-12), (day, c)
    sig = run.spec.recorded()["signal"]
    rebal = sig[sig["rebalance"]]
    assert [d.month for d in rebal.index] == list(range(1, 10))
    assert rebal["naion_weight"].tolist() == pytest.approx([expect[m] for m in range(1, 10)])
    assert rebal["kept_previous"].tolist() == [m in (6, 7) for m in range(1, 10)]


def test_unavailable_signal_keeps_the_last_weight_and_says_so(home: Path) -> None:
    run = backtest(home)
    said = [n for n in run.notes if "signal unavailable on" in n]
    assert said == [
        "thesis-tilt (full_at 0.2, max_weight 0.6): signal unavailable on 2 rebalance days,"
        " 2022-06-01 to 2022-07-01: kept the targets set on 2022-05-02 (advantage 0.0900"
        " CNY/Wh) — Na-ion sleeve 27.0%, 300750.SZ, 688005.SH 73.0%"
        .replace("300750.SZ, 688005.SH", "TSLA, 002594.SZ")
    ]  # fmt: skip
    # the signal's own span: the last price 2022-05-09 is carried 10 trading days, no more
    assert any(
        n.startswith("thesis signal: signal unavailable 2022-05-24 to 2022-07-15 (39 dates)")
        for n in run.notes
    )


def test_each_rebalance_reads_only_what_its_close_knew(home: Path) -> None:
    run = backtest(home)
    sig = run.spec.recorded()["signal"]
    m = get_model()
    with Store.open(read_only=True) as st:
        for day in run.targets.index:
            alone = signal_on(st.at(day.date()), m, day.date()).frame.iloc[0]
            got = sig.loc[day]
            assert bool(got["available"]) == bool(alone["available"])
            if alone["available"]:
                assert got["advantage_cny_per_wh"] == alone["advantage_cny_per_wh"]
    # a later price never moves an earlier target: cut the run before August, same targets
    spec = get_spec("tt", home / "strategies")
    with Store.open(read_only=True) as st:
        short = Backtest(spec, DAYS[0].date(), dt.date(2022, 7, 29)).run(st, registry_for_home())
    pd.testing.assert_frame_equal(short.targets, run.targets.loc[short.targets.index])


def test_cash_otherwise_and_a_new_calendar(home: Path) -> None:
    spec = get_spec("tt", home / "strategies")
    data = spec.model_dump()
    cash = type(spec).model_validate({**data, "sleeves": {**data["sleeves"], "otherwise": "cash"}})
    assert cash.otherwise is None
    with Store.open(read_only=True) as st:
        run = Backtest(cash, DAYS[0].date(), DAYS[-1].date()).run(st, registry_for_home())
    t = run.targets
    assert t.loc["2022-01-03", list(NAION)].sum() == pytest.approx(0.3)
    assert not set(OTHER) & set(t.columns)  # the rest is cash
    assert t.loc["2022-02-01"].sum() == pytest.approx(0.6)
    q = with_params(spec, {"calendar": "Q", "full_at": "0.1", "max_weight": "0.5"})
    assert (q.rebalance.calendar, q.full_at, q.max_weight) == ("Q", 0.1, 0.5)
    with pytest.raises(InputError, match="calendar=X"):
        with_params(spec, {"calendar": "X"})
    with pytest.raises(InputError, match="full_at"):
        with_params(spec, {"full_at": "0"})


def test_sweep_rows_equal_backtests(home: Path) -> None:
    spec = get_spec("tt", home / "strategies")
    reg = registry_for_home()
    grid = parse_grid(["full_at=0.05:0.25:0.1", "max_weight=0.4,0.8", "calendar=M,Q",
                       "band=0,0.05"])  # fmt: skip
    keys = ("total_return", "cagr", "sharpe", "max_drawdown", "fees", "taxes", "trades")
    with Store.open(read_only=True) as st:
        res = run_sweep(spec, st, reg, grid, DAYS[0].date(), DAYS[-1].date())
        assert res.variants == 24
        assert res.table["total_return"].nunique() > 12
        for _, row in res.table.iloc[::5].iterrows():
            params = {k: str(row[k]) for k in grid}
            run = Backtest(spec, DAYS[0].date(), DAYS[-1].date(), params=params).run(st, reg)
            for k in keys:
                assert row[k] == pytest.approx(run.metrics[k], rel=1e-9, abs=1e-9), (params, k)


def test_saved_run_keeps_the_signal_and_old_runs_still_load(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from strategies.runs import load_run, run_ids

    args = ["backtest", "tt", "--offline", "--start", "2022-01-03", "--end", "2022-09-30"]
    code, _, err = run_cli(args, capsys)
    assert code == 0, err
    rid = run_ids()[-1]
    saved = load_run(rid)
    sig = saved.signal
    assert sig is not None and len(sig) == len(saved.equity)
    assert sig["available"].dtype == bool and not sig.loc["2022-06-01", "available"]
    assert sig.loc["2022-01-03", "advantage_cny_per_wh"] == pytest.approx(0.1, abs=1e-12)
    assert sig.loc["2022-06-01", "naion_weight"] == pytest.approx(0.27)
    assert np.isnan(sig.loc["2022-01-04", "naion_weight"])
    (saved.path / "signal.csv").unlink()  # a run saved before signal.csv existed
    assert load_run(rid).signal is None
    (saved.path / "signal.csv").write_text("date,x\n2022-01-03,1\n", encoding="utf-8")
    code, _, err = run_cli(["report", rid, "--output", str(home / "r.html")], capsys)
    assert code == 2 and "signal.csv has no 'advantage_cny_per_wh' column" in err


def test_bad_files_are_one_line(home: Path) -> None:
    from strategies.spec import parse_spec

    base = {"name": "x", "title": "X", "type": "thesis-tilt",
            "sleeves": {"naion": {"members": {"TSLA": 1}}}}  # fmt: skip
    with pytest.raises(ConfigError, match="either members or a universe"):
        parse_spec({**base, "sleeves": {"naion": {}}}, "t")
    with pytest.raises(ConfigError, match=r"sleeves\.naion"):
        parse_spec({**base, "sleeves": {"otherwise": "cash"}}, "t")
    with pytest.raises(ConfigError, match="max_weight"):
        parse_spec({**base, "max_weight": 1.5}, "t")
    s = parse_spec({**base, "model": "nope"}, "t")
    with pytest.raises(ConfigError, match="unknown thesis model 'nope'"):
        s.check(registry_for_home())


def test_tear_sheet_and_comparison_chart_the_saved_signal_escaped(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from reports.compare import comparison_html
    from reports.tearsheet import tearsheet_html
    from strategies.runs import load_run, run_ids

    args = ["backtest", "tt", "--offline", "--start", "2022-01-03", "--end", "2022-09-30"]
    assert run_cli(args, capsys)[0] == 0
    rid = run_ids()[-1]
    info_file = load_run(rid).path / "run.json"
    info = json.loads(info_file.read_text(encoding="utf-8"))
    info["spec"]["model"] = "<script>alert(1)</script>"
    info_file.write_text(json.dumps(info), encoding="utf-8")
    run = load_run(rid)
    page = tearsheet_html(run)
    section = page[page.index('<section id="signal">') : page.index('<section id="drawdowns">')]
    assert 'id="chart-signal"' in section and 'id="chart-signal-weight"' in section
    assert section.count('class="shade"') == 2  # one gap (2022-05-24 to 07-15) on each chart
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in section
    assert "2022-05-24" in section and "27.0%" in section  # the gaps table: the weight held
    # the line of the advantage: its points are the saved signal (NaN where unavailable)
    assert "full_at 0.2: the Na-ion sleeve at max_weight" in section
    write = run_cli(["backtest", "tt", "--offline", "--set", "calendar=Q", "--start",
                     "2022-01-03", "--end", "2022-09-30"], capsys)  # fmt: skip
    assert write[0] == 0
    other = load_run(run_ids()[-1])
    (other.path / "signal.csv").unlink()  # a run without a signal beside one with it
    other = load_run(other.run_id)
    assert '<section id="signal">' not in tearsheet_html(other)
    both = comparison_html([run, other])
    assert "Thesis signal" in both and both.count('class="shade"') == 2
    assert "<script>alert" not in both


def test_rebalance_on_a_day_without_a_signal_keeps_the_last_target(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    args = ["rebalance", "tt", "--as-of", "2022-06-15", "--cash", "1000000", "--offline"]
    code, out, err = run_cli([*args, "-f", "json"], capsys)
    assert code == 0, err
    rows = {r["code"]: r for r in json.loads(out)}
    for c in NAION:  # the 2022-05-02 target: advantage 0.09 -> 0.27, split over two names
        assert rows[c]["target"] == pytest.approx(0.135, abs=1e-12)
    for c in OTHER:
        assert rows[c]["target"] == pytest.approx(0.365, abs=1e-12)
    assert "kept the targets set on 2022-05-02 (advantage 0.0900 CNY/Wh)" in err
