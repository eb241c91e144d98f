"""Sweep speed: 1,000 variants under the full market rules, each figure with its reference.

Run: .venv/bin/python bench/sweep.py [PATH-TO-shared/data/real]
(bt is a bench-only dependency: ``pip install .[bench]``).

  real       core-satellite on the real data, USD, 2019-07-22 -> 2025-11-21: core_weight
             0.30..0.79 (50) x rebalance M,Q x band 0..0.09 (10) = 1,000 variants with lots,
             commission minimums, stamp duty, calendars and price limits. Timed: the sweep
             (targets + kernel + metrics), first call (numba's cache load) and warm, best of 3;
             reference: `Backtest.run` per variant (warm, 10 sampled, extrapolated to 1,000).
             Those 10 rows are checked against their backtests (1e-9).    Goal: <= 1 s.
  synthetic  20 seeded GBM assets x 2,520 business days, 1,000 variants (50 Dirichlet weight
             vectors x month/quarter x 10 bands), 10 bp commission: the kernel alone, warm;
             reference: bt on 20 sampled variants, frictionless (what bt models), extrapolated,
             and the kernel's final equities against bt's.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")
os.environ.setdefault("TQDM_DISABLE", "1")
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

SEED = 20260101


def real(home_real: Path) -> None:
    import numpy as np

    from bench.backtest import home_with_real_data
    from naion.store import Store
    from strategies.engine import Backtest
    from strategies.spec import get_spec
    from strategies.sweep import parse_grid, run_sweep
    from universes.loader import registry_for_home

    home_with_real_data(home_real)
    reg = registry_for_home()
    spec = get_spec("core-satellite")
    grid = parse_grid(["core_weight=0.30:0.79:0.01", "rebalance=M,Q", "band=0:0.09:0.01"])
    start, end = dt.date(2019, 7, 22), dt.date(2025, 11, 21)
    st = Store.open(read_only=True)
    t0 = time.perf_counter()
    res = run_sweep(spec, st, reg, grid, start, end)
    first_wall, first = time.perf_counter() - t0, res.seconds
    warm, wall = np.inf, np.inf
    for _ in range(3):
        t0 = time.perf_counter()
        res = run_sweep(spec, st, reg, grid, start, end)
        warm, wall = min(warm, res.seconds), min(wall, time.perf_counter() - t0)
    rows = np.random.default_rng(SEED).choice(res.variants, 10, replace=False)
    per, worst = [], 0.0
    for i in rows:
        row = res.table.iloc[int(i)]
        params = {k: str(row[k]) for k in grid}
        t0 = time.perf_counter()
        run = Backtest(spec, start, end, params=params).run(st, reg)
        per.append(time.perf_counter() - t0)
        for k in ("total_return", "sharpe", "fees", "max_drawdown"):
            worst = max(worst, abs(row[k] - run.metrics[k]) / max(abs(run.metrics[k]), 1e-12))
    loop = float(np.median(per)) * res.variants
    st.close()
    print(
        f"real variants={res.variants} days={len(run.equity)} "
        f"sweep_seconds={warm:.3f} sweep_wall={wall:.3f} first_call={first:.3f} "
        f"(wall {first_wall:.3f}) backtest_loop_seconds={loop:.1f} ratio={loop / warm:.0f} "
        f"max_rel_diff_vs_backtest={worst:.1e}"
    )


def synthetic() -> None:
    import bt
    import numpy as np
    import pandas as pd

    from strategies import kernel as K
    from strategies.calendar import check_mask

    T, N = 2520, 20
    rng = np.random.default_rng(SEED)
    mu, sigma = rng.uniform(0.02, 0.12, N), rng.uniform(0.15, 0.45, N)
    z = rng.standard_normal((T, N))
    logret = (mu - sigma**2 / 2) / 252 + sigma / np.sqrt(252) * z
    logret[0] = 0
    prices = 100 * np.exp(np.cumsum(logret, axis=0))
    dates = pd.bdate_range("2016-01-01", periods=T)
    w = np.random.default_rng(SEED + 1).dirichlet(np.ones(N), size=50)
    bands = np.arange(10) / 100
    masks = [check_mask(dates.values, c) for c in ("M", "Q")]
    # schedules: 50 weight vectors x 2 calendars; variants add the 10 bands
    row_of = np.full((100, T), -1, dtype=np.int64)
    tgt = []
    for g in range(100):
        days = np.flatnonzero(masks[g % 2])
        start = sum(len(x) for x in tgt)
        row_of[g, days] = start + np.arange(len(days))
        tgt.append(np.repeat(w[g // 2][None, :], len(days), axis=0))
    tgt = np.vstack(tgt)
    V = 1000
    group = np.repeat(np.arange(100), 10)
    none = np.full(N, -1, dtype=np.int64)

    def market() -> K.Market:
        ones = np.ones((T, N), dtype=np.bool_)
        return K.Market(
            pb=prices, k=np.ones((T, N)), tradable=ones, mopen=ones, lim_up=~ones, lim_dn=~ones,
            fx=np.ones((T, N)), market=np.full(N, 2, dtype=np.int64), lot=np.zeros(N),
            least=np.zeros(N), exit_row=none, conv_row=none, conv_to=np.zeros(N, np.int64),
            conv_ratio=np.ones(N), cash_row=none, cash_paid=np.zeros(N),
            stamp=np.zeros((T, 3, 2)),
        )  # fmt: skip

    def variants(fee: float, sel: np.ndarray) -> K.Variants:
        n = len(sel)
        return K.Variants(
            row_of=row_of, tgt=tgt, group=group[sel], band=np.tile(bands, 100)[sel],
            capital=np.full(n, 1e6), lots=np.zeros(n, dtype=np.bool_),
            bps=np.full((n, 3), fee), minc=np.zeros((n, 3)), stamp=np.zeros(n, dtype=np.bool_),
        )  # fmt: skip

    mk = market()
    allv = np.arange(V)
    K.run(mk, variants(1e-3, allv[:2]), jit=True)  # cache load
    best = np.inf
    for _ in range(3):
        t0 = time.perf_counter()
        K.run(mk, variants(1e-3, allv), jit=True)
        best = min(best, time.perf_counter() - t0)
    sample = np.sort(np.random.default_rng(SEED + 2).choice(V, 20, replace=False))
    mine = K.run(mk, variants(0.0, sample), jit=True).equity[:, -1]
    names = [f"A{i:02d}" for i in range(N)]
    data = pd.DataFrame(prices, index=dates, columns=names)

    class Band(bt.Algo):
        def __init__(self, targets: dict, band: float) -> None:
            super().__init__()
            self.targets, self.band, self.first = targets, band, True

        def __call__(self, target: object) -> bool:
            if self.first or self.band == 0:
                self.first = False
                return True
            drift = max(abs(target.children[c].weight - x) if c in target.children else x
                        for c, x in self.targets.items())  # fmt: skip
            return bool(drift > self.band + 1e-12)

    elapsed, worst = 0.0, 0.0
    for k, v in enumerate(sample):
        targets = dict(zip(names, w[group[v] // 2], strict=True))
        period = bt.algos.RunMonthly() if group[v] % 2 == 0 else bt.algos.RunQuarterly()
        algos = [bt.algos.Or([bt.algos.RunOnce(), period]), Band(targets, float(bands[v % 10])),
                 bt.algos.WeighSpecified(**targets), bt.algos.Rebalance()]  # fmt: skip
        t0 = time.perf_counter()
        test = bt.Backtest(bt.Strategy(f"v{v}", algos), data, initial_capital=1e6,
                           integer_positions=False, progress_bar=False)  # fmt: skip
        bt.run(test)
        elapsed += time.perf_counter() - t0
        final = float(test.strategy.values.iloc[-1])
        worst = max(worst, abs(mine[k] - final) / final)
    bt_total = elapsed / len(sample) * V
    print(
        f"synthetic assets={N} days={T} variants={V} kernel_seconds={best:.3f} "
        f"bt_seconds_extrapolated={bt_total:.1f} ratio_bt={bt_total / best:.0f} "
        f"max_rel_diff_final_equity_vs_bt={worst:.1e} (20 frictionless variants)"
    )


def main() -> None:
    from importlib.metadata import version

    real_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "data" / "real"
    print(
        f"# machine: {os.cpu_count()} cores (shared), {platform.machine()}, Python "
        f"{platform.python_version()}, numba {version('numba')}, bt {version('bt')}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    if (real_dir / "securities.csv").exists():
        real(real_dir)
    else:
        print(f"# real data not found at {real_dir}: skipped")
    synthetic()


if __name__ == "__main__":
    main()
