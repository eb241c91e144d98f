"""Benchmark: the sweep kernel vs naive vectorbt vs bt on 1,000 rebalanced-portfolio variants.

Run: ``.venv/bin/python bench/sweep.py`` (bt is a bench-only dependency: ``pip install .[bench]``).

Data: 20 assets x 2,520 business days of seeded geometric-Brownian-motion closes.
Variants: 50 seeded Dirichlet(1) weight vectors x 2 calendars (first trading day of each
month / quarter) x 10 drift bands (0.00 .. 0.09) = 1,000, fee 10 bp, init cash 1e6.

* S  kernel: ``simulate_sweep`` + ``variant_metrics`` on all 1,000 variants, warm, best of 3.
* V  naive vectorbt: one ``Portfolio.from_orders`` over 20,000 columns grouped per variant
     (cash sharing, call_seq auto, targetpercent, same fees), with the kernel's rebalance days
     as the size mask (NaN elsewhere), timed for from_orders + total_return + sharpe_ratio,
     warm (JIT compiled on a small slice first). Its final values are checked against S.
* B  bt: a random sample of 20 variants, frictionless, each as RunMonthly/RunQuarterly ->
     DriftBand (a small custom Algo: day 0, band 0, or max |child.weight - target| > band)
     -> WeighSpecified -> Rebalance with fractional positions; bt decides its own
     rebalance days. Timed per variant (Backtest + run, which includes bt's stats) and
     extrapolated to 1,000.
* D  max over the sample of |final equity kernel - final equity bt| / final equity bt, with
     the kernel run frictionless on the same variants.
"""

from __future__ import annotations

import os
import platform
import sys
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")  # bt / ffn / vectorbt / pandas 3 deprecation chatter
os.environ.setdefault("TQDM_DISABLE", "1")

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numba  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from strategies.sweep_kernel import (  # noqa: E402
    period_start_mask,
    simulate_sweep,
    variant_metrics,
)

SEED = 20260101
T, N = 2520, 20
N_WEIGHTS, BANDS = 50, np.arange(10) / 100.0
MU_RANGE, SIGMA_RANGE = (0.02, 0.12), (0.15, 0.45)  # annual drift / volatility per asset
S0, FEE, INIT_CASH = 100.0, 0.001, 1_000_000.0
BT_SAMPLE = 20


def make_data() -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Seeded GBM: S_t = S0 * exp(cumsum((mu - sigma^2 / 2) dt + sigma sqrt(dt) Z)), dt = 1/252."""
    rng = np.random.default_rng(SEED)
    mu = rng.uniform(*MU_RANGE, N)
    sigma = rng.uniform(*SIGMA_RANGE, N)
    dt = 1.0 / 252.0
    z = rng.standard_normal((T, N))
    log_ret = (mu - 0.5 * sigma**2) * dt + sigma * np.sqrt(dt) * z
    log_ret[0] = 0.0
    prices = S0 * np.exp(np.cumsum(log_ret, axis=0))
    return pd.bdate_range("2016-01-01", periods=T), prices


def make_variants() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(SEED + 1)
    w = rng.dirichlet(np.ones(N), size=N_WEIGHTS)  # [50, N]
    # grid order: weight vector, calendar (0 = monthly, 1 = quarterly), band
    weights = np.repeat(w, 2 * len(BANDS), axis=0)
    calendar_of = np.tile(np.repeat(np.arange(2), len(BANDS)), N_WEIGHTS)
    bands = np.tile(BANDS, 2 * N_WEIGHTS)
    return {"weights": weights, "calendar_of": calendar_of, "bands": bands}


def time_kernel(prices: np.ndarray, masks: np.ndarray, var: dict[str, np.ndarray], **kw) -> float:
    best = np.inf
    for _ in range(3):
        t0 = time.perf_counter()
        res = simulate_sweep(
            prices, var["weights"], masks, var["calendar_of"], var["bands"], FEE, INIT_CASH, **kw
        )
        variant_metrics(res.equity)
        best = min(best, time.perf_counter() - t0)
    return best


def naive_vbt(
    dates: pd.DatetimeIndex,
    prices: np.ndarray,
    weights: np.ndarray,
    rebalance_mask: np.ndarray,
) -> tuple[float, np.ndarray]:
    """from_orders over V * N columns grouped per variant; returns (seconds, total_return)."""
    import vectorbt as vbt

    def build(cols: slice) -> dict:
        w = weights[cols]
        n_var = w.shape[0]
        size = np.where(
            np.repeat(rebalance_mask[:, cols], N, axis=1),
            np.tile(w.reshape(-1), (T, 1)),
            np.nan,
        )
        close = pd.DataFrame(np.tile(prices, (1, n_var)), index=dates)
        return {
            "close": close,
            "size": size,
            "group_by": np.repeat(np.arange(n_var), N),
        }

    def run(inputs: dict) -> tuple[np.ndarray, np.ndarray]:
        pf = vbt.Portfolio.from_orders(
            **inputs,
            size_type="targetpercent",
            cash_sharing=True,
            call_seq="auto",
            fees=FEE,
            init_cash=INIT_CASH,
            freq="1D",
        )
        return pf.total_return().to_numpy(), pf.sharpe_ratio().to_numpy()

    run(build(slice(0, 10)))  # JIT warm-up
    inputs = build(slice(None))
    t0 = time.perf_counter()
    total_return, _ = run(inputs)
    return time.perf_counter() - t0, total_return


def bt_sample(
    dates: pd.DatetimeIndex,
    prices: np.ndarray,
    masks: np.ndarray,
    var: dict[str, np.ndarray],
) -> tuple[float, float, int, list[int]]:
    """Frictionless bt runs of a random sample; returns (seconds/variant, D, days agree, ids)."""
    import bt

    class DriftBand(bt.Algo):
        """Pass on day 0, when band == 0, or when some child drifted more than band."""

        def __init__(self, targets: dict[str, float], band: float) -> None:
            super().__init__()
            self.targets = targets
            self.band = band

        def __call__(self, target) -> bool:
            if self.band == 0.0 or target.data.index.get_loc(target.now) == 1:
                return True
            children = target.children
            drift = max(abs(children[c].weight - w) for c, w in self.targets.items())
            return bool(drift > self.band)

    names = [f"A{i:02d}" for i in range(N)]
    data = pd.DataFrame(prices, index=dates, columns=names)
    run_period = (bt.algos.RunMonthly, bt.algos.RunQuarterly)

    def backtest(v: int) -> bt.Backtest:
        targets = dict(zip(names, var["weights"][v].tolist(), strict=True))
        strategy = bt.Strategy(
            f"v{v}",
            [
                run_period[var["calendar_of"][v]](),
                DriftBand(targets, float(var["bands"][v])),
                bt.algos.WeighSpecified(**targets),
                bt.algos.Rebalance(),
            ],
        )
        return bt.Backtest(
            strategy, data, initial_capital=INIT_CASH, integer_positions=False, progress_bar=False
        )

    ids = np.random.default_rng(SEED + 2).choice(len(var["bands"]), BT_SAMPLE, replace=False)
    ids = sorted(int(v) for v in ids)
    ref = simulate_sweep(
        prices,
        var["weights"][ids],
        masks,
        var["calendar_of"][ids],
        var["bands"][ids],
        0.0,
        INIT_CASH,
        record_rebalances=True,
    )
    assert ref.rebalance_mask is not None
    bt.run(backtest(ids[0]), progress_bar=False)  # warm-up (imports, caches)

    elapsed = 0.0
    max_diff = 0.0
    days_agree = 0
    for k, v in enumerate(ids):
        t0 = time.perf_counter()
        bk = backtest(v)
        bt.run(bk, progress_bar=False)
        elapsed += time.perf_counter() - t0
        final_bt = float(bk.strategy.values.iloc[-1])
        max_diff = max(max_diff, abs(ref.equity[-1, k] - final_bt) / final_bt)
        positions = pd.concat([bk.strategy.children[c].positions for c in names], axis=1)
        # drop bt's t0-1 row; day 0 always buys from zero positions
        traded = positions.diff().abs().sum(axis=1).to_numpy()[1:].copy()
        traded[0] = 1.0
        days_agree += bool(np.array_equal(traded > 0, ref.rebalance_mask[:, k]))
    return elapsed / len(ids), max_diff, days_agree, ids


def main() -> None:
    import bt
    import vectorbt as vbt

    dates, prices = make_data()
    masks = np.stack([period_start_mask(dates.values, "M"), period_start_mask(dates.values, "Q")])
    var = make_variants()
    n_var = len(var["bands"])

    print("# naion sweep kernel benchmark")
    print(
        f"# machine: cores={os.cpu_count()} numba_threads={numba.get_num_threads()} "
        f"{platform.machine()} python={platform.python_version()} numpy={np.__version__} "
        f"pandas={pd.__version__} numba={numba.__version__} vectorbt={vbt.__version__} "
        f"bt={bt.__version__}"
    )
    print(
        f"# data: seed={SEED} GBM {N} assets x {T} business days from {dates[0].date()}, "
        f"S0={S0}, mu~U{MU_RANGE}, sigma~U{SIGMA_RANGE} (annual), dt=1/252"
    )
    print(
        f"# variants: {N_WEIGHTS} Dirichlet(1) weight vectors (seed {SEED + 1}) x 2 calendars "
        f"(first trading day of month: {int(masks[0].sum())} days, of quarter: "
        f"{int(masks[1].sum())}) x {len(BANDS)} bands 0.00..0.09 = {n_var}; fee {FEE}, "
        f"init_cash {INIT_CASH:g}"
    )

    t0 = time.perf_counter()
    res = simulate_sweep(
        prices, var["weights"], masks, var["calendar_of"], var["bands"], FEE, INIT_CASH,
        record_rebalances=True,
    )  # fmt: skip
    variant_metrics(res.equity)
    simulate_sweep(prices, var["weights"][:2], masks, 0, 0.0, FEE, INIT_CASH, parallel=False)
    first_call = time.perf_counter() - t0
    assert res.rebalance_mask is not None
    seconds = time_kernel(prices, masks, var)
    serial = time_kernel(prices, masks, var, parallel=False)
    metrics = variant_metrics(res.equity)
    print(
        f"# kernel: first calls (compile or cache load) {first_call:.2f} s; warm best of 3: "
        f"parallel {seconds:.4f} s, serial {serial:.4f} s; rebalances per variant "
        f"min/mean/max {res.rebalances.min()}/{res.rebalances.mean():.1f}/{res.rebalances.max()};"
        f" median sharpe {np.median(metrics['sharpe']):.3f}"
    )

    naive_seconds, vbt_total_return = naive_vbt(dates, prices, var["weights"], res.rebalance_mask)
    vbt_final = INIT_CASH * (1.0 + vbt_total_return)  # vectorbt's return is vs init_cash
    vbt_diff = np.max(np.abs(res.equity[-1] - vbt_final) / vbt_final)
    print(
        f"# naive vectorbt: {n_var * N} columns, {n_var} groups, warm {naive_seconds:.2f} s; "
        f"max |final equity kernel - vectorbt| / vectorbt = {vbt_diff:.2e}"
    )

    per_variant, max_diff, days_agree, ids = bt_sample(dates, prices, masks, var)
    bt_seconds = per_variant * n_var
    print(
        f"# bt: {len(ids)} random variants {ids}, {per_variant:.3f} s/variant, extrapolated "
        f"x{n_var} = {bt_seconds:.1f} s; frictionless; rebalance days identical to the "
        f"kernel's for {days_agree}/{len(ids)}"
    )
    print(
        f"variants={n_var} seconds={seconds:.4f} bt_seconds={bt_seconds:.1f} "
        f"naive_vbt_seconds={naive_seconds:.2f} ratio_bt={bt_seconds / seconds:.0f} "
        f"ratio_naive={naive_seconds / seconds:.0f} max_abs_diff_vs_bt={max_diff:.2e}"
    )


if __name__ == "__main__":
    main()
