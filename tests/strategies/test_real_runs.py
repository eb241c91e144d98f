"""Backtests on the imported real data (skipped when ../shared is absent)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from strategies.runs import load_run
from tests.helpers import run_cli

KEYS = {
    "total_return",
    "cagr",
    "volatility",
    "sharpe",
    "max_drawdown",
    "turnover",
    "fees",
    "start",
    "end",
    "base_currency",
    "run_id",
}


def test_core_satellite_done_when(
    real_home: Path, real_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(
        [
            "backtest",
            "core-satellite",
            "--start",
            "2019-08-01",
            "--end",
            "2024-03-01",
            "--base-currency",
            "USD",
            "--offline",
            "-f",
            "json",
        ],
        capsys,
    )
    assert code == 0, err
    m = json.loads(out)
    assert KEYS <= set(m)
    assert (m["start"], m["end"], m["base_currency"]) == ("2019-08-01", "2024-03-01", "USD")
    saved = load_run(m["run_id"])
    eq = saved.equity
    assert m["total_return"] == pytest.approx(eq.iloc[-1] / 1e6 - 1, rel=1e-12)
    dd = (eq / eq.cummax() - 1).min()
    assert m["max_drawdown"] == pytest.approx(min(dd, eq.iloc[0] / 1e6 - 1), rel=1e-9)
    # the benchmark is 70% SPY (dividend-adjusted) + 30% CSI 300 total return, in USD,
    # rebalanced daily: rebuild it from the CSV files
    spy = pd.read_csv(real_data / "prices" / "SPY.csv", parse_dates=["date"], index_col="date")[
        "adj_close"
    ]
    csi = pd.read_csv(
        real_data / "indexes" / "000300.SH.csv", parse_dates=["date"], index_col="date"
    )["adj_close"]
    usdcny = pd.read_csv(real_data / "fx" / "USDCNY.csv", parse_dates=["date"], index_col="date")[
        "rate"
    ]
    days = eq.index

    def on(s: pd.Series) -> pd.Series:
        return s.reindex(s.index.union(days)).ffill().reindex(days)

    csi_usd = on(csi) / on(usdcny)
    r = 0.7 * on(spy).pct_change().fillna(0) + 0.3 * csi_usd.pct_change().fillna(0)
    level = (1 + r).cumprod()
    assert saved.benchmark is not None
    assert saved.benchmark.to_numpy() == pytest.approx(level.to_numpy(), rel=1e-9)
    # weights: 70/30 right after each rebalance, within lot rounding
    w = saved.weights
    first = w.iloc[0]
    assert first[["TSLA", "FSLR", "ENPH"]].sum() == pytest.approx(0.70, abs=0.01)
    assert first[["300750.SZ", "688005.SH"]].sum() == pytest.approx(0.30, abs=0.01)
    assert first["300750.SZ"] == pytest.approx(2 * first["688005.SH"], rel=0.05)


def test_thematic_overweight_runs(real_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(
        [
            "backtest",
            "thematic-overweight",
            "--start",
            "2019-08-01",
            "--end",
            "2024-03-01",
            "--offline",
            "-f",
            "json",
        ],
        capsys,
    )
    assert code == 0, err
    m = json.loads(out)
    saved = load_run(m["run_id"])
    held = set(saved.trades["code"])
    assert not held & {"ALB", "LTHM", "ALTM"}
    assert {"002324.SZ", "000625.SZ", "002594.SZ", "1211.HK"} <= held
    assert m["fees"] > 0 and m["base_currency"] == "CNY"


def test_run_outside_the_store_is_one_line(
    real_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(
        ["backtest", "core-satellite", "--start", "2019-08-01", "--end", "2026-06-30", "--offline"],
        capsys,
    )
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "lacks data" in err and "FSLR" in err


def test_listing_inside_the_window_joins_later(
    real_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """688005.SH listed on 2019-07-22: before that its sleeve holds CATL alone."""
    code, out, err = run_cli(
        [
            "backtest",
            "core-satellite",
            "--start",
            "2019-01-02",
            "--end",
            "2019-12-31",
            "--offline",
            "-f",
            "json",
        ],
        capsys,
    )
    assert code == 0, err
    w = load_run(json.loads(out)["run_id"]).weights
    assert w.loc[:"2019-07-19", "688005.SH"].eq(0).all()
    assert w.loc["2019-01-02", "300750.SZ"] == pytest.approx(0.30, abs=0.01)
    assert w.loc["2019-10-08", "688005.SH"] == pytest.approx(0.10, abs=0.01)


PRESETS = sorted(p.stem for p in (Path(__file__).parents[2] / "strategies/presets").glob("*.yaml"))


@pytest.mark.parametrize("name", PRESETS)
def test_vectorbt_replays_every_preset(name: str, real_home: Path) -> None:
    from naion.store import Store
    from strategies.engine import Backtest
    from strategies.spec import get_spec
    from strategies.vbt import verify

    with Store.open(read_only=True) as st:
        run = Backtest(get_spec(name)).run(st)
    pf = verify(run)
    assert pf.orders.count() == len(run.trades) > 0
    assert run.metrics["fees"] > 0


def test_five_hundred_names_with_fees_and_lots(real_home: Path) -> None:
    """500 A-shares of the market panel, equal weight, monthly, default fees and lots: the
    CNY 5 minimum commission applies to many orders; vectorbt's books equal the kernel's."""
    from naion.store import Store
    from strategies.engine import Backtest
    from strategies.spec import parse_spec
    from strategies.vbt import verify
    from universes.loader import Registry, registry_for_home
    from universes.model import Universe

    base = registry_for_home()
    with Store.open(read_only=True) as st:
        spans = st.spans(None, ("none",))
        full = spans[(pd.to_datetime(spans["first_date"]) <= "2022-04-01")
                     & (pd.to_datetime(spans["last_date"]) >= "2023-04-03")
                     & spans["code"].str.match(r"^(60|00|30|68)\d{4}\.(SH|SZ)$")]  # fmt: skip
        codes = sorted(full["code"])[:: max(1, len(full) // 500)][:500]
        uni = Universe(name="five-hundred", title="500", segments={"all": {"title": "All"}},
                       members=[{"code": c, "segment": "all"} for c in codes])  # fmt: skip
        reg = Registry({**base.universes, "five-hundred": uni})
        spec = parse_spec({"name": "eq500", "title": "EQ", "type": "segment-equal",
                           "universe": "five-hundred", "rebalance": {"calendar": "M"}}, "test")
        run = Backtest(spec, pd.Timestamp("2022-04-06").date(),
                       pd.Timestamp("2023-04-03").date()).run(st, reg)  # fmt: skip
    assert len(codes) == 500
    t = run.trades
    assert (t["commission"] >= 5.0 - 1e-9).all()
    assert (t["commission"] == 5.0).sum() > 100  # the minimum binds on small orders
    main = t[t["code"].str.match(r"^(60|00|30)") & (t["side"] == "buy") & t["lots"]]
    assert (main["shares"] % 100 == 0).all()
    star = t[t["code"].str.startswith("68") & t["lots"]]
    assert (star["shares"] >= 200).all() or (star["side"] == "sell").all()
    verify(run)


def test_sweep_rows_equal_backtests_on_the_real_data(real_home: Path) -> None:
    import datetime as dt

    from naion.store import Store
    from strategies.engine import Backtest
    from strategies.spec import get_spec
    from strategies.sweep import parse_grid, run_sweep
    from universes.loader import registry_for_home

    spec = get_spec("core-satellite")
    reg = registry_for_home()
    start, end = dt.date(2019, 8, 1), dt.date(2024, 3, 1)
    grid = parse_grid(["core_weight=0.4:0.9:0.1", "rebalance=M,Q"])
    with Store.open(read_only=True) as st:
        res = run_sweep(spec, st, reg, grid, start, end)
        for _, row in res.table.iterrows():
            params = {"core_weight": str(row["core_weight"]), "rebalance": row["rebalance"]}
            run = Backtest(spec, start, end, params=params).run(st, reg)
            assert row["total_return"] == pytest.approx(run.metrics["total_return"], rel=1e-9)
            assert row["fees"] == pytest.approx(run.metrics["fees"], rel=1e-9)


def test_rebalance_gives_lot_legal_orders(
    real_home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    holdings = tmp_path / "h.csv"
    holdings.write_text("code,shares\n300750.SZ,300\nTSLA,120\n688005.SH,250\n",
                        encoding="utf-8")  # fmt: skip
    code, out, err = run_cli(
        ["rebalance", "core-satellite", "--holdings", str(holdings), "--cash", "50000",
         "--as-of", "2025-05-23", "--offline", "-f", "json"], capsys,
    )  # fmt: skip
    assert code == 0, err
    rows = {r["code"]: r for r in json.loads(out)}
    assert set(rows) == {"TSLA", "FSLR", "ENPH", "300750.SZ", "688005.SH", "cash"}
    assert rows["300750.SZ"]["shares"] % 100 == 0 and rows["300750.SZ"]["price"] > 200
    star = rows["688005.SH"]
    assert star["side"] == "hold" or star["shares"] >= 200
    for c in ("TSLA", "FSLR", "ENPH"):
        assert rows[c]["shares"] == int(rows[c]["shares"])
    assert 0 <= rows["cash"]["value"] < 0.01 * 102_000
    after = sum(r["weight_after"] for r in rows.values())
    assert after == pytest.approx(1.0, abs=1e-9)
    # a price older than five trading days is refused
    code, _, err = run_cli(
        ["rebalance", "core-satellite", "--holdings", str(holdings), "--as-of", "2025-11-20",
         "--offline"], capsys,
    )  # fmt: skip
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "the newest unadjusted close held is from 2025-05-23" in err


def test_screen_driven_over_all_a(real_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(
        ["backtest", "screen-driven", "--universe", "all-a", "--start", "2022-05-05", "--end",
         "2023-04-03", "--set", "screen.where=adv_20d > 5e8", "--offline", "-f", "json"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    saved = load_run(json.loads(out)["run_id"])
    assert saved.info["spec"]["screen"]["where"] == "adv_20d > 5e8"
    assert saved.info["spec"]["universe"] == "all-a"
    held = (saved.weights.drop(columns="cash") > 0).sum(axis=1)
    assert held.max() > 100  # hundreds of liquid A-shares pass
    assert "names held only as unadjusted closes" in err


def test_star_and_bse_orders_respect_the_exchange_minimum(real_home: Path) -> None:
    """No partial STAR sell below 200 shares (the issue saw 36 in one run, e.g. 1 share of
    688005.SH): every lot-ruled order is >= the minimum or empties the position."""
    from naion.store import Store
    from strategies.engine import Backtest
    from strategies.spec import get_spec

    with Store.open(read_only=True) as st:
        runs = [Backtest(get_spec(n), rebalance="M").run(st)
                for n in ("core-satellite", "segment-equal")]  # fmt: skip
    seen = 0
    for run in runs:
        t = run.trades[run.trades["lots"] & run.trades["code"].str.match(r"^(688|689|92|8|4)")]
        for _, row in t.iterrows():
            least = 200 if row["code"].startswith("68") else 100
            emptied = run.weights.loc[row["date"], row["code"]] == 0
            assert row["shares"] >= least - 1e-6 or (row["side"] == "sell" and emptied), row
            seen += 1
    assert seen > 20
