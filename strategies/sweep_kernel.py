"""Vectorized parameter-sweep simulator for rebalanced, long-only, cash-sharing portfolios.

vectorbt stays the engine for single runs. This module is for sweeps (``naion sweep``): one numba
kernel simulates V portfolio variants over the same prices in one call, with no per-variant
Python overhead. It imports numpy and numba only (never vectorbt), and it reproduces what
``vbt.Portfolio.from_orders`` 1.2.0 does for each variant, order by order (see "Equivalence").

Inputs
------
``prices[T, N]``
    Close prices of N assets over T days, finite and > 0 everywhere, one currency.
    Returns are close to close; every order fills at the close of its day.
``weights[V, N]``
    Long-only target weights per variant (>= 0); each row sums to <= 1 and the rest is
    cash earning 0 %.
``check_masks[C, T]`` (bool) and ``calendar_of[V]`` (int64)
    C rebalance calendars; variant v checks for a rebalance on the days where
    ``check_masks[calendar_of[v]]`` is true. Day 0 is always a full rebalance (the initial
    buy), whatever the mask says.
``bands[V]``
    Drift band, a fraction (0.05 = 5 percentage points). On a check day t > 0 the variant
    rebalances iff ``band == 0`` or ``max_i |w_i(t) - target_i| > band``, where
    ``w_i(t) = holdings_i * prices[t, i] / value(t)`` and
    ``value(t) = cash + sum_i holdings_i * prices[t, i]`` at the close of t, before trading.
``fee_rate[V]``
    Proportional fee on traded value, ``fee = |shares| * price * fee_rate``, paid from cash.
``init_cash``
    Starting cash of every variant (all of it is cash before day 0's trades).

One rebalance (at the close of day t, fractional shares)
--------------------------------------------------------
1. ``value0 = cash + sum_i holdings_i * price_i`` (before trading).
2. Call order: assets sorted ascending (stable insertion sort, ties keep asset order) by the
   approximate order value ``key_i = target_i * value0 - holdings_i * price_i`` -- vectorbt's
   ``approx_order_value_nb`` for TargetPercent -- so sells come first and release cash.
3. The orders run one at a time in that order. Each one is sized when it executes::

       shares_i = target_i * value / price_i - holdings_i

   where ``value`` is ``value0`` for every order of the rebalance (vectorbt's default,
   ``update_value=False``: the group value is computed once per row, before any order).
   With ``update_value=True`` (vectorbt's ``update_value=True``), ``value`` is instead
   updated after each filled order by its cash flow and asset value change, i.e. it is
   ``cash + sum holdings * price`` at that moment and already reflects the fees paid by the
   earlier orders of the same rebalance.
4. Sell (``shares_i < 0``): ``cash += |shares| * price * (1 - fee_rate)``.
   Buy (``shares_i > 0``): costs ``shares * price * (1 + fee_rate)``; if that exceeds the
   cash (beyond vectorbt's 1e-9 relative tolerance), the buy is reduced to what the cash can
   pay: ``shares = cash / (price * (1 + fee_rate))``, fee ``= cash - shares * price``, and the
   cash becomes 0. A buy with no cash left is skipped.
   With fees 0 this is just "set holdings to targets". With fees > 0 and the default
   ``value0`` sizing, every order aims at ``target_i * value0`` and the buys that run last
   (the largest order values) absorb the fees by being cut to the cash left.
5. vectorbt's numerical guards are reproduced: before each order, cash, the position and the
   value are snapped to 0 when within ``abs_tol = 1e-12`` of 0; orders of <= 1e-12 shares
   are ignored; ``add_nb`` (a sum whose result is within 1e-9 relative of zero is 0) is used
   for the cash and position updates; the "enough cash" test is ``is_close_or_less``.

Outputs (:class:`SweepResult`)
------------------------------
``equity[T, V]``
    Portfolio value ``cash + sum holdings * price`` at each close, after that day's trades.
    It is the transpose of a C-contiguous ``[V, T]`` buffer (so each variant's curve is
    contiguous in memory); call ``np.ascontiguousarray`` if a C-ordered ``[T, V]`` is needed.
``turnover[V]``
    ``sum over days t >= 1 of traded value (|shares| * price, all assets) / mean_t equity[t]``.
    Day 0's initial purchase is excluded, so buy-and-hold has turnover 0; a monthly
    rebalance that trades 5 % of equity each month has turnover ~0.05 * months.
    Not annualised.
``fees[V]``
    Total fees paid, day 0 included.
``rebalances[V]``
    Number of rebalance events, day 0 included.
``rebalance_mask[T, V]`` (only with ``record_rebalances=True``)
    True on the days a variant rebalanced; feed it (as NaN/target sizes) to vectorbt's
    ``from_orders`` to reproduce a variant there.

Equivalence with vectorbt
-------------------------
For each variant, ``equity[:, v]`` equals ``pf.value()`` of::

    vbt.Portfolio.from_orders(
        close=prices_df, size=size_df, size_type="targetpercent", cash_sharing=True,
        group_by=True, call_seq="auto", fees=fee_rate[v], init_cash=init_cash, freq="1D",
        update_value=update_value)

with ``size_df`` = the variant's weights on its rebalance days and NaN elsewhere (ignored
orders). ``tests/strategies/test_sweep_kernel.py`` checks this to 1e-9 relative.
Price slippage, fixed fees, minimum sizes and integer shares are not modelled.

Metrics (:func:`variant_metrics`)
---------------------------------
Daily returns ``r_t = equity_t / equity_{t-1} - 1`` (t = 1..T-1, n = T-1 of them), P =
``periods_per_year``. ``equity_0`` is the value after day 0's trades, so day 0's fees are not
in the returns (vectorbt's ``total_return`` is measured from ``init_cash`` instead; the two
agree when fees are 0):

* ``total_return = equity_{T-1} / equity_0 - 1``
* ``cagr = (equity_{T-1} / equity_0) ** (P / (T - 1)) - 1`` (each row is one period)
* ``volatility = std(r, ddof=1) * sqrt(P)``
* ``sharpe = mean(r) / std(r, ddof=1) * sqrt(P)`` (rf = 0; NaN if std is 0)
* ``sortino = mean(r) / sqrt(sum(min(r, 0) ** 2) / n) * sqrt(P)`` -- quantstats' formula
  (``stats.sortino``, rf = 0, not smart); NaN if there is no negative return
* ``max_drawdown = min_t (equity_t / max_{s <= t} equity_s - 1)`` (<= 0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

__all__ = [
    "METRIC_NAMES",
    "SweepResult",
    "period_start_mask",
    "simulate_sweep",
    "variant_metrics",
]

METRIC_NAMES: tuple[str, ...] = (
    "total_return",
    "cagr",
    "volatility",
    "sharpe",
    "sortino",
    "max_drawdown",
)

# vectorbt.utils.math_ tolerances
_REL_TOL = 1e-9
_ABS_TOL = 1e-12

# per-variant scalar outputs, rows of the stats buffer
_S_FEES = 0
_S_TRADED = 1  # traded value on days >= 1
_S_EQSUM = 2  # sum of equity over all days
_S_REBAL = 3
_N_STATS = 4


# --------------------------------------------------------------------------- numba kernel


@njit(cache=True)
def _is_close(a: float, b: float) -> bool:
    """vectorbt ``is_close_nb``."""
    if np.isnan(a) or np.isnan(b):
        return False
    if np.isinf(a) or np.isinf(b):
        return False
    if a == b:
        return True
    return abs(a - b) <= max(_REL_TOL * max(abs(a), abs(b)), _ABS_TOL)


@njit(cache=True)
def _add(a: float, b: float) -> float:
    """vectorbt ``add_nb``: ``a + b``, or 0 when the sum is zero within tolerance."""
    if np.sign(a) != np.sign(b):
        zero = _is_close(abs(a), abs(b))
    else:
        zero = _is_close(a + b, 0.0)
    if zero:
        return 0.0
    return a + b


@njit(cache=True)
def _run_variant(
    prices: np.ndarray,
    target: np.ndarray,
    check: np.ndarray,
    band: float,
    fee: float,
    init_cash: float,
    update_value: bool,
    record: bool,
    equity_row: np.ndarray,
    rebal_row: np.ndarray,
    stats: np.ndarray,
    v: int,
) -> None:
    """Simulate one variant over all days; write its equity row and its scalar stats."""
    n_days, n_assets = prices.shape
    hold = np.zeros(n_assets)
    key = np.empty(n_assets)
    seq = np.empty(n_assets, dtype=np.int64)
    cash = init_cash
    fees_total = 0.0
    traded = 0.0
    eq_sum = 0.0
    n_rebal = 0

    for t in range(n_days):
        p = prices[t]
        value = cash
        for i in range(n_assets):
            value += hold[i] * p[i]

        do = t == 0
        if not do and check[t]:
            if band == 0.0:
                do = True
            else:
                for i in range(n_assets):
                    if abs(hold[i] * p[i] / value - target[i]) > band:
                        do = True
                        break

        if do:
            n_rebal += 1
            # call sequence: stable insertion argsort of the approximate order values
            for i in range(n_assets):
                key[i] = target[i] * value - hold[i] * p[i]
                seq[i] = i
            for j in range(1, n_assets):
                kj = key[j]
                sj = seq[j]
                m = j - 1
                while m >= 0 and (key[m] > kj or np.isnan(key[m])):
                    key[m + 1] = key[m]
                    seq[m + 1] = seq[m]
                    m -= 1
                key[m + 1] = kj
                seq[m + 1] = sj

            run_value = value
            for k in range(n_assets):
                i = seq[k]
                price = p[i]
                pos_before = hold[i]
                cash_before = cash
                # execute_order_nb: snap state to zero
                cash_s = 0.0 if _is_close(cash, 0.0) else cash
                pos_s = 0.0 if _is_close(pos_before, 0.0) else pos_before
                val_s = 0.0 if _is_close(run_value, 0.0) else run_value
                new_cash = cash_s
                new_pos = pos_s
                filled = False
                f_size = 0.0
                f_fees = 0.0
                if val_s > 0.0:
                    size = target[i] * val_s
                    size /= price
                    size -= pos_s
                    if size > 0.0:
                        # buy_nb
                        if cash_s != 0.0:
                            req_cash = size * price
                            req_fees = req_cash * fee
                            total_req = req_cash + req_fees
                            ok = False
                            final_req = 0.0
                            if _is_close(total_req, cash_s) or total_req < cash_s:
                                f_size = size
                                f_fees = req_fees
                                final_req = total_req
                                ok = True
                            else:
                                max_req = cash_s / (1.0 + fee)
                                if max_req > 0.0:
                                    f_size = max_req / price
                                    f_fees = cash_s - max_req
                                    final_req = cash_s
                                    ok = True
                            if ok and not _is_close(size, 0.0):
                                new_cash = _add(cash_s, -final_req)
                                new_pos = _add(pos_s, f_size)
                                filled = True
                    else:
                        # sell_nb (size 0 is ignored)
                        sell = -size
                        if not _is_close(sell, 0.0):
                            acq = sell * price
                            f_fees = acq * fee
                            final_acq = _add(acq, -f_fees)
                            if final_acq >= 0.0:
                                new_cash = cash_s + final_acq
                                new_pos = _add(pos_s, -sell)
                                f_size = sell
                                filled = True
                if filled:
                    fees_total += f_fees
                    if t > 0:
                        traded += f_size * price
                    if update_value:
                        av_before = pos_before * price if pos_before != 0.0 else 0.0
                        av_now = new_pos * price if new_pos != 0.0 else 0.0
                        run_value = run_value + (new_cash - cash_before) + (av_now - av_before)
                cash = new_cash
                hold[i] = new_pos

            value = cash
            for i in range(n_assets):
                value += hold[i] * p[i]
            if record:
                rebal_row[t] = True

        equity_row[t] = value
        eq_sum += value

    stats[_S_FEES, v] = fees_total
    stats[_S_TRADED, v] = traded
    stats[_S_EQSUM, v] = eq_sum
    stats[_S_REBAL, v] = n_rebal


@njit(cache=True)
def _sweep_serial(
    prices: np.ndarray,
    weights: np.ndarray,
    check_masks: np.ndarray,
    calendar_of: np.ndarray,
    bands: np.ndarray,
    fee_rate: np.ndarray,
    init_cash: float,
    update_value: bool,
    record: bool,
    equity_vt: np.ndarray,
    rebal_vt: np.ndarray,
    stats: np.ndarray,
) -> None:
    for v in range(weights.shape[0]):
        rv = rebal_vt[v] if record else rebal_vt[0]
        _run_variant(
            prices, weights[v], check_masks[calendar_of[v]], bands[v], fee_rate[v], init_cash,
            update_value, record, equity_vt[v], rv, stats, v,
        )  # fmt: skip


@njit(cache=True, parallel=True)
def _sweep_parallel(
    prices: np.ndarray,
    weights: np.ndarray,
    check_masks: np.ndarray,
    calendar_of: np.ndarray,
    bands: np.ndarray,
    fee_rate: np.ndarray,
    init_cash: float,
    update_value: bool,
    record: bool,
    equity_vt: np.ndarray,
    rebal_vt: np.ndarray,
    stats: np.ndarray,
) -> None:
    for v in prange(weights.shape[0]):
        rv = rebal_vt[v] if record else rebal_vt[0]
        _run_variant(
            prices, weights[v], check_masks[calendar_of[v]], bands[v], fee_rate[v], init_cash,
            update_value, record, equity_vt[v], rv, stats, v,
        )  # fmt: skip


@njit(cache=True, parallel=True)
def _metrics_nb(equity_vt: np.ndarray, periods: float, out: np.ndarray) -> None:
    n_var, n_days = equity_vt.shape
    n = n_days - 1
    ann = np.sqrt(periods)
    for v in prange(n_var):
        e = equity_vt[v]
        first = e[0]
        last = e[n_days - 1]
        out[0, v] = last / first - 1.0
        out[1, v] = (last / first) ** (periods / n) - 1.0 if n > 0 else np.nan
        s = 0.0
        for t in range(1, n_days):
            s += e[t] / e[t - 1] - 1.0
        mean = s / n if n > 0 else np.nan
        ss = 0.0
        down = 0.0
        for t in range(1, n_days):
            r = e[t] / e[t - 1] - 1.0
            d = r - mean
            ss += d * d
            if r < 0.0:
                down += r * r
        std = np.sqrt(ss / (n - 1)) if n > 1 else np.nan
        out[2, v] = std * ann
        out[3, v] = mean / std * ann if std > 0.0 else np.nan
        downside = np.sqrt(down / n) if n > 0 else np.nan
        out[4, v] = mean / downside * ann if downside > 0.0 else np.nan
        peak = first
        mdd = 0.0
        for t in range(n_days):
            x = e[t]
            if x > peak:
                peak = x
            dd = x / peak - 1.0
            if dd < mdd:
                mdd = dd
        out[5, v] = mdd


# --------------------------------------------------------------------------- Python API


@dataclass(frozen=True)
class SweepResult:
    """Outputs of :func:`simulate_sweep` (definitions in the module docstring)."""

    equity: np.ndarray  # [T, V] float64, value at each close after trades
    turnover: np.ndarray  # [V] traded value on days >= 1 / mean equity
    fees: np.ndarray  # [V] total fees paid
    rebalances: np.ndarray  # [V] int64, rebalance events including day 0
    rebalance_mask: np.ndarray | None = None  # [T, V] bool, with record_rebalances=True


def _per_variant(x: object, n_var: int, dtype: type, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=dtype)
    if a.ndim == 0:
        a = np.full(n_var, a, dtype=dtype)
    if a.shape != (n_var,):
        raise ValueError(f"{name} must be a scalar or have shape ({n_var},), got {a.shape}")
    return np.ascontiguousarray(a)


def simulate_sweep(
    prices: np.ndarray,
    weights: np.ndarray,
    check_masks: np.ndarray,
    calendar_of: np.ndarray | int = 0,
    bands: np.ndarray | float = 0.0,
    fee_rate: np.ndarray | float = 0.0,
    init_cash: float = 100.0,
    *,
    update_value: bool = False,
    record_rebalances: bool = False,
    parallel: bool = True,
) -> SweepResult:
    """Simulate V rebalanced portfolio variants over the same prices in one numba call.

    Args:
        prices: ``[T, N]`` close prices, finite and > 0.
        weights: ``[V, N]`` (or ``[N]`` for one variant) long-only target weights, rows <= 1.
        check_masks: ``[C, T]`` (or ``[T]``) bool rebalance calendars.
        calendar_of: ``[V]`` index into ``check_masks`` per variant (scalar = same for all).
        bands: ``[V]`` drift bands as fractions (scalar broadcasts); 0 = always on check days.
        fee_rate: ``[V]`` proportional fee rates (scalar broadcasts).
        init_cash: starting cash of each variant.
        update_value: size each order off the value updated by the earlier orders of the same
            rebalance (vectorbt ``update_value=True``) instead of the value before the
            rebalance (vectorbt's default, ``False``).
        record_rebalances: also return ``rebalance_mask[T, V]``.
        parallel: run variants across threads (``prange``); the results are identical.

    Returns:
        :class:`SweepResult`; the formulas are in the module docstring. The first call
        compiles the kernel (or loads it from numba's on-disk cache).
    """
    px = np.ascontiguousarray(prices, dtype=np.float64)
    if px.ndim != 2 or px.shape[0] < 1 or px.shape[1] < 1:
        raise ValueError(f"prices must be a non-empty [T, N] array, got shape {px.shape}")
    n_days, n_assets = px.shape
    if not (np.isfinite(px).all() and (px > 0).all()):
        raise ValueError("prices must be finite and > 0 everywhere")

    w = np.asarray(weights, dtype=np.float64)
    if w.ndim == 1:
        w = w[None, :]
    w = np.ascontiguousarray(w)
    if w.ndim != 2 or w.shape[1] != n_assets:
        raise ValueError(f"weights must be [V, {n_assets}], got shape {w.shape}")
    n_var = w.shape[0]
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("weights must be finite and >= 0 (long-only)")
    if (w.sum(axis=1) > 1.0 + 1e-12).any():
        raise ValueError("each weights row must sum to <= 1")

    masks = np.asarray(check_masks)
    if masks.ndim == 1:
        masks = masks[None, :]
    masks = np.ascontiguousarray(masks, dtype=np.bool_)
    if masks.ndim != 2 or masks.shape[1] != n_days:
        raise ValueError(f"check_masks must be [C, {n_days}], got shape {masks.shape}")
    cal = _per_variant(calendar_of, n_var, np.int64, "calendar_of")
    if ((cal < 0) | (cal >= masks.shape[0])).any():
        raise ValueError(f"calendar_of must be in [0, {masks.shape[0]})")
    band = _per_variant(bands, n_var, np.float64, "bands")
    fee = _per_variant(fee_rate, n_var, np.float64, "fee_rate")
    if not (np.isfinite(band).all() and (band >= 0).all()):
        raise ValueError("bands must be finite and >= 0")
    if not (np.isfinite(fee).all() and (fee >= 0).all()):
        raise ValueError("fee_rate must be finite and >= 0")
    cash0 = float(init_cash)
    if not (np.isfinite(cash0) and cash0 > 0):
        raise ValueError("init_cash must be finite and > 0")

    equity_vt = np.empty((n_var, n_days))
    rebal_vt = np.zeros((n_var, n_days) if record_rebalances else (1, 1), dtype=np.bool_)
    stats = np.zeros((_N_STATS, n_var))
    kernel = _sweep_parallel if parallel else _sweep_serial
    kernel(
        px, w, masks, cal, band, fee, cash0, bool(update_value), bool(record_rebalances),
        equity_vt, rebal_vt, stats,
    )  # fmt: skip

    mean_equity = stats[_S_EQSUM] / n_days
    return SweepResult(
        equity=equity_vt.T,
        turnover=stats[_S_TRADED] / mean_equity,
        fees=stats[_S_FEES].copy(),
        rebalances=stats[_S_REBAL].astype(np.int64),
        rebalance_mask=rebal_vt.T if record_rebalances else None,
    )


def variant_metrics(equity: np.ndarray, periods_per_year: float = 252) -> dict[str, np.ndarray]:
    """Per-variant performance metrics of ``equity[T, V]`` (a ``[T]`` curve counts as V = 1).

    Returns a dict of ``[V]`` float64 arrays keyed by :data:`METRIC_NAMES`: total_return,
    cagr, volatility, sharpe, sortino, max_drawdown. The formulas (quantstats conventions,
    rf = 0, ddof = 1) are in the module docstring. Needs T >= 2 (>= 3 for volatility/sharpe).
    """
    eq = np.asarray(equity, dtype=np.float64)
    if eq.ndim == 1:
        eq = eq[:, None]
    if eq.ndim != 2 or eq.shape[0] < 2:
        raise ValueError(f"equity must be [T, V] with T >= 2, got shape {eq.shape}")
    equity_vt = np.ascontiguousarray(eq.T)  # free for the F-ordered SweepResult.equity
    out = np.empty((len(METRIC_NAMES), equity_vt.shape[0]))
    _metrics_nb(equity_vt, float(periods_per_year), out)
    return {name: out[k] for k, name in enumerate(METRIC_NAMES)}


def period_start_mask(dates: np.ndarray, period: str) -> np.ndarray:
    """Bool ``[T]`` mask of the first trading day of each period in ``dates``.

    ``period`` is ``"W"`` (ISO week, Monday start), ``"M"``, ``"Q"`` or ``"Y"``. Day 0 is
    True. This is the calendar bt's ``RunWeekly/RunMonthly/RunQuarterly/RunYearly`` use
    (run on the first date whose period differs from the previous date's).
    """
    d = np.asarray(dates).astype("datetime64[D]")
    if period == "W":
        # 1970-01-01 was a Thursday: shift so weeks start on Monday
        key = (d.astype(np.int64) + 3) // 7
    elif period == "M":
        key = d.astype("datetime64[M]").astype(np.int64)
    elif period == "Q":
        key = d.astype("datetime64[M]").astype(np.int64) // 3
    elif period == "Y":
        key = d.astype("datetime64[Y]").astype(np.int64)
    else:
        raise ValueError(f"period must be one of W, M, Q, Y, got {period!r}")
    mask = np.ones(len(d), dtype=np.bool_)
    mask[1:] = key[1:] != key[:-1]
    return mask
