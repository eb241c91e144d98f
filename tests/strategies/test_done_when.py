"""Issue 9's done-when checks on the real data (skipped without ../shared/data/real).

* every preset of strategies/presets/ passes ``naion backtest … --verify`` (vectorbt replays the
  kernel's orders and keeps the same books to 1e-9);
* ``naion rebalance`` turns a holdings file into lot-legal orders (A-share 100-share lots, STAR
  >= 200 shares, HK board lots, whole US shares), checked order by order;
* a ``naion sweep`` row equals ``naion backtest --set …`` with its keys, for every strategy type.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import run_cli

PRESETS = sorted(p.stem for p in (Path(__file__).parents[2] / "strategies/presets").glob("*.yaml"))
WINDOW = ["--start", "2022-05-05", "--end", "2023-04-03"]  # whole-market raw closes: real lots


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_verifies(
    name: str, real_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(
        ["backtest", name, "--offline", "--verify", "--no-save", "-f", "json"], capsys
    )
    assert code == 0, err
    assert "verified: vectorbt's replay of the orders keeps the same books (1e-9)" in err
    got = json.loads(out)
    assert got["trades"] > 0 and got["fees"] > 0


# a holdings file with odd lots everywhere: 45 odd A-shares, a STAR holding above the minimum
# by 50, an HK holding of 1.4 board lots (BYD H: 500 shares a lot)
HOLDINGS = (
    "code,shares\n300750.SZ,300\n688005.SH,250\n1211.HK,700\n002594.SZ,150\n002324.SZ,12345\n"
)
LOT = {"1211.HK": 500}


def _least(code: str) -> tuple[float, float]:
    """(lot, minimum order) in real shares: what the exchange takes."""
    if code in LOT:
        return LOT[code], LOT[code]
    if code.startswith(("688", "689")):
        return 1, 200  # STAR: >= 200 shares, then any whole share
    if code.endswith(".BJ"):
        return 1, 100
    if code.endswith((".SH", ".SZ")):
        return 100, 100
    return 1, 1  # US: whole shares


@pytest.mark.parametrize(("cash", "fees"), [("0", []), ("250000", ["--set", "fees_bps=30"])])
def test_rebalance_orders_are_lot_legal(
    cash: str, fees: list[str], real_home: Path, capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:  # fmt: skip
    holdings = tmp_path / "holdings.csv"
    holdings.write_text(HOLDINGS, encoding="utf-8")
    before = {r.split(",")[0]: float(r.split(",")[1]) for r in HOLDINGS.split()[1:]}
    code, out, err = run_cli(
        ["rebalance", "thematic-overweight", "--holdings", str(holdings), "--cash", cash,
         "--as-of", "2022-07-08", "--offline", "-f", "json", *fees], capsys,
    )  # fmt: skip
    assert code == 0, err
    rows = {r["code"]: r for r in json.loads(out)}
    orders = {c: r for c, r in rows.items() if c != "cash" and r["side"] in ("buy", "sell")}
    assert {"1211.HK", "688005.SH", "002324.SZ"} <= set(orders)  # every rule is exercised
    assert {r["currency"] for r in orders.values()} == {"CNY", "HKD"}
    for c, r in orders.items():
        lot, least = _least(c)
        held = before.get(c, 0.0)
        q = r["shares"]
        after = held + q if r["side"] == "buy" else held - q
        assert r["shares_after"] == pytest.approx(after, abs=1e-9), c
        assert q == int(q) and q > 0, c
        if r["side"] == "sell" and after == 0:
            continue  # a whole holding (odd remainder included) goes in one order
        assert q % lot == 0 and q >= least, (c, r["side"], q)
        if r["side"] == "sell":
            # a partial sell may leave an odd remainder, never more odd shares than it had
            assert after % lot == held % lot, (c, held, q)
        # costs: commission at least the CNY 5 minimum (A-shares), stamp duty on A sells and
        # on every HK order
        if c.endswith((".SH", ".SZ")):
            assert r["commission"] >= 5.0 - 1e-9
            assert (r["stamp_duty"] > 0) == (r["side"] == "sell")
        if c.endswith(".HK"):
            assert r["stamp_duty"] > 0
    after_weights = sum(r["weight_after"] for r in rows.values())
    assert after_weights == pytest.approx(1.0, abs=1e-9)
    assert rows["cash"]["value"] >= 0


# every strategy type: (preset, its type, a 2 x 2 grid)
GRIDS = {
    "core-satellite": ("sleeves", ["core_weight=0.5,0.7", "rebalance=M,Q"]),
    "thematic-overweight": ("sleeves", ["band=0,0.1", "fees_bps=2.5,10"]),
    "segment-equal": ("segment-equal", ["rebalance=M,Q", "band=0,0.05"]),
    "valuation-tilt": ("valuation-tilt", ["tilt.cap=0.2,0.3", "fees_bps=5,20"]),
    "screen-driven": ("screen-driven", ["screen.min_count=2,3", "rebalance=M,Q"]),
    "thesis-tilt": ("thesis-tilt", ["full_at=0.05,0.2", "max_weight=0.4,0.8"]),
}
KEYS = ("total_return", "cagr", "sharpe", "max_drawdown", "fees", "taxes", "trades")


def test_every_type_has_a_grid() -> None:
    from strategies.types import names

    assert {t for t, _ in GRIDS.values()} == set(names())


@pytest.mark.parametrize("name", list(GRIDS))
def test_sweep_rows_equal_backtest_set(
    name: str, real_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kind, grid = GRIDS[name]
    code, out, err = run_cli(
        ["sweep", name, *(a for g in grid for a in ("--grid", g)), *WINDOW, "--offline",
         "-f", "json"], capsys,
    )  # fmt: skip
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == 4
    keys = [g.split("=")[0] for g in grid]
    assert len({tuple(r[k] for k in KEYS) for r in rows}) > 1  # the grid reached the strategy
    for row in rows:
        sets = [a for k in keys for a in ("--set", f"{k}={row[k]}")]
        code, out, err = run_cli(
            ["backtest", name, *sets, *WINDOW, "--offline", "--no-save", "-f", "json"], capsys
        )
        assert code == 0, err
        got = json.loads(out)
        for k in KEYS:
            assert got[k] == pytest.approx(row[k], rel=1e-9, abs=1e-9), (kind, sets, k)
