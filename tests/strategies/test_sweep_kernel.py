"""strategies.sweep_kernel: against a plain-Python loop, against vectorbt, metrics, edge cases."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from strategies.sweep_kernel import (
    METRIC_NAMES,
    period_start_mask,
    simulate_sweep,
    variant_metrics,
)

T, N = 300, 5
INIT_CASH = 10_000.0
REL = 1e-9


@pytest.fixture(scope="module")
def data() -> dict[str, np.ndarray]:
    """5 assets x 300 business days of seeded GBM prices, 8 variants over M/Q, bands, fees."""
    rng = np.random.default_rng(20240601)
    prices = 50.0 * np.exp(np.cumsum(rng.normal(0.0002, 0.025, (T, N)), axis=0))
    dates = pd.bdate_range("2021-01-04", periods=T).values
    masks = np.stack([period_start_mask(dates, "M"), period_start_mask(dates, "Q")])
    weights = rng.dirichlet(np.ones(N), size=8)
    weights[2] *= 0.6  # cash drag
    weights[5, 1] = 0.0  # a zero target
    weights[5] /= weights[5].sum()
    return {
        "prices": prices,
        "dates": dates,
        "masks": masks,
        "weights": weights,
        "calendar_of": np.array([0, 1, 0, 1, 0, 1, 0, 1]),
        "bands": np.array([0.0, 0.0, 0.05, 0.05, 0.0, 0.0, 0.05, 0.05]),
        "fees": np.array([0.0, 0.0, 0.0, 0.0, 0.001, 0.001, 0.001, 0.001]),
    }


def _run(d: dict[str, np.ndarray], **kw: object):
    return simulate_sweep(
        d["prices"], d["weights"], d["masks"], d["calendar_of"], d["bands"], d["fees"],
        INIT_CASH, **kw,
    )  # fmt: skip


# --------------------------------------------------------------------------- reference


def reference_loop(
    prices: np.ndarray,
    target: list[float],
    check: np.ndarray,
    band: float,
    fee: float,
    init_cash: float,
    update_value: bool = False,
) -> tuple[list[float], float, int]:
    """Straightforward day-by-day simulation of one variant, as the module docstring states.

    Returns (equity per day after trades, total fees, number of rebalances).
    """
    n_days, n_assets = prices.shape
    holdings = [0.0] * n_assets
    cash = init_cash
    equity: list[float] = []
    fees_paid = 0.0
    n_rebalances = 0
    for t in range(n_days):
        price = [float(x) for x in prices[t]]
        value = cash + sum(h * p for h, p in zip(holdings, price, strict=True))
        if t == 0:
            rebalance = True
        elif check[t]:
            drift = max(abs(holdings[i] * price[i] / value - target[i]) for i in range(n_assets))
            rebalance = band == 0 or drift > band
        else:
            rebalance = False
        if rebalance:
            n_rebalances += 1
            # sells first: ascending approximate order value (stable sort, like vectorbt)
            order_value = [target[i] * value - holdings[i] * price[i] for i in range(n_assets)]
            sizing_value = value
            for i in sorted(range(n_assets), key=lambda a: order_value[a]):
                shares = target[i] * sizing_value / price[i] - holdings[i]
                if shares < 0:
                    proceeds = -shares * price[i]
                    fee_i = proceeds * fee
                    cash += proceeds - fee_i
                elif shares > 0:
                    cost = shares * price[i]
                    if cost * (1 + fee) > cash:  # cut the buy to the cash available
                        shares = cash / (price[i] * (1 + fee))
                        cost = shares * price[i]
                    fee_i = cost * fee
                    cash -= cost + fee_i
                else:
                    continue
                holdings[i] += shares
                fees_paid += fee_i
                if update_value:
                    sizing_value -= fee_i
            value = cash + sum(h * p for h, p in zip(holdings, price, strict=True))
        equity.append(value)
    return equity, fees_paid, n_rebalances


@pytest.mark.parametrize("update_value", [False, True])
def test_matches_plain_python_loop(data: dict[str, np.ndarray], update_value: bool) -> None:
    res = _run(data, update_value=update_value)
    assert res.equity.shape == (T, 8)
    for v in range(8):
        eq, fees, n_reb = reference_loop(
            data["prices"], list(data["weights"][v]), data["masks"][data["calendar_of"][v]],
            float(data["bands"][v]), float(data["fees"][v]), INIT_CASH, update_value,
        )  # fmt: skip
        np.testing.assert_allclose(res.equity[:, v], eq, rtol=REL, atol=0)
        assert res.fees[v] == pytest.approx(fees, rel=REL, abs=1e-9)
        assert res.rebalances[v] == n_reb
    # the grid is not degenerate: fees paid where fee > 0, bands skip some check days
    assert (res.fees[4:] > 0).all() and (res.fees[:4] == 0).all()
    assert res.rebalances[2] < res.rebalances[0]
    assert res.rebalances[0] == data["masks"][0].sum()


def test_update_value_changes_fee_variants_only(data: dict[str, np.ndarray]) -> None:
    a = _run(data, update_value=False)
    b = _run(data, update_value=True)
    np.testing.assert_allclose(a.equity[:, :4], b.equity[:, :4], rtol=1e-12)
    assert (np.abs(a.equity[-1, 4:] / b.equity[-1, 4:] - 1) > 1e-7).all()


def test_parallel_equals_serial(data: dict[str, np.ndarray]) -> None:
    a = _run(data, parallel=True, record_rebalances=True)
    b = _run(data, parallel=False, record_rebalances=True)
    np.testing.assert_array_equal(a.equity, b.equity)
    np.testing.assert_array_equal(a.fees, b.fees)
    np.testing.assert_array_equal(a.turnover, b.turnover)
    np.testing.assert_array_equal(a.rebalance_mask, b.rebalance_mask)
    assert a.rebalance_mask is not None
    np.testing.assert_array_equal(a.rebalance_mask.sum(axis=0), a.rebalances)
    assert _run(data).rebalance_mask is None


def test_import_does_not_load_vectorbt() -> None:
    code = "import sys, strategies.sweep_kernel; print('vectorbt' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- vectorbt


def _vbt_portfolio(
    prices: np.ndarray,
    weights: np.ndarray,
    rebalance_mask: np.ndarray,
    fees: np.ndarray,
    update_value: bool,
):
    """All variants in one from_orders call: one group (cash-sharing) of N columns each."""
    import vectorbt as vbt

    n_var = weights.shape[0]
    index = pd.bdate_range("2021-01-04", periods=prices.shape[0])
    close = pd.DataFrame(np.tile(prices, (1, n_var)), index=index)
    size = np.where(
        np.repeat(rebalance_mask, N, axis=1), np.tile(weights.reshape(-1), (len(index), 1)), np.nan
    )
    return vbt.Portfolio.from_orders(
        close=close, size=size, size_type="targetpercent", cash_sharing=True,
        group_by=np.repeat(np.arange(n_var), N), call_seq="auto",
        fees=np.repeat(fees, N)[None, :], init_cash=INIT_CASH, freq="1D",
        update_value=update_value,
    )  # fmt: skip


@pytest.mark.parametrize("update_value", [False, True])
def test_matches_vectorbt(data: dict[str, np.ndarray], update_value: bool) -> None:
    res = _run(data, update_value=update_value, record_rebalances=True)
    pf = _vbt_portfolio(
        data["prices"], data["weights"], res.rebalance_mask, data["fees"], update_value
    )
    np.testing.assert_allclose(res.equity, pf.value().to_numpy(), rtol=REL, atol=0)
    records = pf.order_records
    vbt_fees = np.bincount(records["col"] // N, weights=records["fees"], minlength=8)
    np.testing.assert_allclose(res.fees, vbt_fees, rtol=REL, atol=1e-9)
    # every rebalance day traded in vectorbt too
    traded_days = set(zip(records["col"] // N, records["idx"], strict=True))
    assert len(traded_days) == res.rebalances.sum()


@pytest.mark.parametrize("fee", [0.0, 0.001])
def test_matches_vectorbt_single_group(data: dict[str, np.ndarray], fee: float) -> None:
    """The literal one-variant call: group_by=True, default update_value."""
    import vectorbt as vbt

    res = simulate_sweep(
        data["prices"], data["weights"][3], data["masks"], 1, 0.05, fee, INIT_CASH,
        record_rebalances=True,
    )  # fmt: skip
    index = pd.bdate_range("2021-01-04", periods=T)
    prices_df = pd.DataFrame(data["prices"], index=index, columns=[f"A{i}" for i in range(N)])
    target_df = pd.DataFrame(
        np.where(res.rebalance_mask, data["weights"][3][None, :], np.nan),
        index=index, columns=prices_df.columns,
    )  # fmt: skip
    pf = vbt.Portfolio.from_orders(
        close=prices_df, size=target_df, size_type="targetpercent", cash_sharing=True,
        group_by=True, call_seq="auto", fees=fee, init_cash=INIT_CASH, freq="1D",
    )  # fmt: skip
    np.testing.assert_allclose(res.equity[:, 0], pf.value().to_numpy(), rtol=REL, atol=0)
    assert 2 < res.rebalances[0] < data["masks"][1].sum()


def test_vectorbt_default_is_not_update_value(data: dict[str, np.ndarray]) -> None:
    """The comparison discriminates: the other sizing convention misses vectorbt's default."""
    res = _run(data, update_value=True, record_rebalances=True)
    pf = _vbt_portfolio(
        data["prices"], data["weights"], res.rebalance_mask, data["fees"], update_value=False
    )
    rel = np.abs(res.equity[-1, 4:] / pf.value().to_numpy()[-1, 4:] - 1)
    assert (rel > 1e-7).all()


# --------------------------------------------------------------------------- metrics


def test_metrics_by_hand() -> None:
    equity = np.array([[100.0, 5.0], [110.0, 5.0], [99.0, 5.0], [99.0, 5.0], [118.8, 5.0]])
    m = variant_metrics(equity)
    assert set(m) == set(METRIC_NAMES)
    # variant 0: returns +10 %, -10 %, 0 %, +20 %
    mean = (0.1 - 0.1 + 0.0 + 0.2) / 4  # 0.05
    var = (0.05**2 + 0.15**2 + 0.05**2 + 0.15**2) / 3  # ddof = 1
    downside = math.sqrt(0.1**2 / 4)  # quantstats: sum of squared negatives / count = 0.05
    assert m["total_return"][0] == pytest.approx(0.188, rel=1e-12)
    assert m["cagr"][0] == pytest.approx(1.188 ** (252 / 4) - 1, rel=1e-12)
    assert m["volatility"][0] == pytest.approx(math.sqrt(var) * math.sqrt(252), rel=1e-12)
    assert m["sharpe"][0] == pytest.approx(mean / math.sqrt(var) * math.sqrt(252), rel=1e-12)
    assert m["sortino"][0] == pytest.approx(mean / downside * math.sqrt(252), rel=1e-12)
    assert m["sortino"][0] == pytest.approx(math.sqrt(252), rel=1e-12)
    assert m["max_drawdown"][0] == pytest.approx(99 / 110 - 1, rel=1e-12)
    # variant 1: flat curve
    assert m["total_return"][1] == 0 and m["cagr"][1] == 0 and m["volatility"][1] == 0
    assert math.isnan(m["sharpe"][1]) and math.isnan(m["sortino"][1])
    assert m["max_drawdown"][1] == 0
    # periods_per_year and a 1-d curve
    m12 = variant_metrics(equity[:, 0], periods_per_year=12)
    assert m12["cagr"][0] == pytest.approx(1.188**3 - 1, rel=1e-12)


def test_metrics_match_quantstats(data: dict[str, np.ndarray]) -> None:
    import quantstats as qs

    res = _run(data)
    m = variant_metrics(res.equity)
    for v in (0, 5):
        curve = pd.Series(res.equity[:, v], index=pd.bdate_range("2021-01-04", periods=T))
        rets = curve.pct_change().dropna()
        assert m["sharpe"][v] == pytest.approx(qs.stats.sharpe(rets), rel=1e-10)
        assert m["sortino"][v] == pytest.approx(qs.stats.sortino(rets), rel=1e-10)
        assert m["volatility"][v] == pytest.approx(rets.std() * math.sqrt(252), rel=1e-10)
        assert m["max_drawdown"][v] == pytest.approx(qs.stats.max_drawdown(curve), rel=1e-10)


# --------------------------------------------------------------------------- edge cases


def test_huge_band_is_buy_and_hold(data: dict[str, np.ndarray]) -> None:
    prices, w = data["prices"], data["weights"][[2, 0]]  # [2] sums to 0.6: cash drag
    res = simulate_sweep(prices, w, data["masks"], 0, 10.0, 0.0, INIT_CASH)
    shares = w * INIT_CASH / prices[0]  # [2, N]
    cash = INIT_CASH * (1 - w.sum(axis=1))
    expected = prices @ shares.T + cash
    np.testing.assert_allclose(res.equity, expected, rtol=1e-12)
    np.testing.assert_array_equal(res.rebalances, [1, 1])
    np.testing.assert_array_equal(res.turnover, [0.0, 0.0])


def test_cash_drag_daily_rebalance_scales_returns(data: dict[str, np.ndarray]) -> None:
    """Frictionless daily rebalancing to w (sum 0.6): r_port(t) = sum_i w_i r_i(t)."""
    prices, w = data["prices"], data["weights"][2]
    assert w.sum() < 0.7
    every_day = np.ones(T, dtype=bool)
    res = simulate_sweep(prices, w, every_day, 0, 0.0, 0.0, INIT_CASH)
    port = res.equity[1:, 0] / res.equity[:-1, 0] - 1
    assets = prices[1:] / prices[:-1] - 1
    np.testing.assert_allclose(port, assets @ w, rtol=1e-9, atol=1e-15)
    assert res.rebalances[0] == T


def test_all_cash_and_day0_only(data: dict[str, np.ndarray]) -> None:
    never = np.zeros(T, dtype=bool)
    w = np.vstack([np.zeros(N), np.full(N, 0.2)])
    res = simulate_sweep(data["prices"], w, never, 0, 0.0, 0.001, INIT_CASH)
    np.testing.assert_array_equal(res.equity[:, 0], INIT_CASH)
    np.testing.assert_array_equal(res.rebalances, [1, 1])  # day 0 rebalances regardless
    assert res.fees[0] == 0
    # day 0 with fees: everything is bought, the last buy is cut so that fees fit the cash
    assert res.fees[1] == pytest.approx(INIT_CASH * 0.001 / 1.001, rel=1e-12)
    assert res.equity[0, 1] == pytest.approx(INIT_CASH - res.fees[1], rel=1e-12)


def test_turnover_definition(data: dict[str, np.ndarray]) -> None:
    prices = data["prices"]
    w = data["weights"][0]
    res = simulate_sweep(prices, w, data["masks"][0], 0, 0.0, 0.0, INIT_CASH)
    # frictionless: traded value on a rebalance day = sum |w * V - h * p|
    traded = 0.0
    rebal_days = np.flatnonzero(data["masks"][0])[1:]
    hold = w * INIT_CASH / prices[0]
    for t in rebal_days:
        value = hold @ prices[t]
        traded += np.abs(w * value - hold * prices[t]).sum()
        hold = w * value / prices[t]
    assert res.turnover[0] == pytest.approx(traded / res.equity[:, 0].mean(), rel=1e-9)


def test_period_start_mask() -> None:
    dates = pd.bdate_range("2021-12-28", "2022-07-05")
    for period, freq in (("M", "M"), ("Q", "Q"), ("W", "W"), ("Y", "Y")):
        got = period_start_mask(dates.values, period)
        keys = dates.to_period(freq)
        expected = np.r_[True, keys[1:] != keys[:-1]]
        np.testing.assert_array_equal(got, expected, err_msg=period)
    with pytest.raises(ValueError, match="period"):
        period_start_mask(dates.values, "D")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"prices": np.array([[1.0, -1.0]])}, "prices"),
        ({"prices": np.array([[1.0, np.nan]])}, "prices"),
        ({"weights": np.array([0.7, 0.7])}, "sum"),
        ({"weights": np.array([-0.1, 0.5])}, "long-only"),
        ({"calendar_of": 3}, "calendar_of"),
        ({"bands": np.array([0.1, 0.2])}, "bands"),
        ({"fee_rate": -0.01}, "fee_rate"),
        ({"check_masks": np.ones(5, dtype=bool)}, "check_masks"),
    ],
)
def test_validation(kwargs: dict[str, object], match: str) -> None:
    args: dict[str, object] = {
        "prices": np.array([[1.0, 2.0], [1.5, 2.5]]),
        "weights": np.array([0.5, 0.5]),
        "check_masks": np.ones(2, dtype=bool),
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        simulate_sweep(**args)  # type: ignore[arg-type]
