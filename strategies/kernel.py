"""The one simulation kernel: V variants x N assets x T days, arrays in, arrays out.

Every money rule of naion lives here (the plain-Python loop in ``tests/`` is an oracle, not a
second implementation). :func:`run` executes it compiled by numba (``cache=True``, variants
in parallel) or, for a run too small to repay numba's import, by the interpreter — the same
source either way, and the tests check both give identical books.

A day, for each variant (base currency; one cash pool; close-to-close):

1. **Corporate events** before trading: a succession converts the predecessor's units into
   the successor's at the exchange ratio (at the successor's close, no cost); a cash-out pays
   its price per real share into cash.
2. **Check day**: the variant's calendar row sets a new target row (names that left the
   market drop out, the rest scale up to keep the invested total). The rebalance then waits
   for the first day every involved market (a target or a holding) is open.
3. **Rebalance** (with a drift band: only if some weight is more than ``band`` off target;
   the first always trades). Value V = cash + holdings at today's closes. A suspended name
   (market open, no bar) keeps its holding; the other targets scale to fill the rest.
   Each order is ``target x V / price - holding`` units, rounded to the listing's lots in real
   shares (units x ``k``; see :mod:`strategies.rules`; fractional where ``k`` is unknown or lots
   are off). A buy of a name closing at its upper price limit, or a sell at its lower limit,
   waits: it executes on the first later day it can, unless a new rebalance replaces it.
   Sells first, then buys from the smallest to the largest; a buy the cash cannot pay (with
   its costs) is cut to what the cash can.
4. **Costs** per order: commission max(bps x value, minimum x FX) and stamp duty at the
   trade date's rate for the market and side, both paid from cash.
5. **Delisting**: on its last trading day a name still held is sold at its close (with costs).
6. **Books** at the close: equity = cash + sum(units x close x FX).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

try:
    JIT = __naion_jit__  # type: ignore[name-defined]  # set by _compiled() for its copy
except NameError:
    JIT = False

if TYPE_CHECKING or not JIT:
    prange = range

    def _fn(f: Any) -> Any:
        return f

    _par = _fn
else:
    import numba
    from numba import prange

    def _fn(f: Any) -> Any:
        return numba.njit(cache=True, nogil=True)(f)

    def _par(f: Any) -> Any:
        return numba.njit(cache=True, parallel=True)(f)


# per-variant statistics (columns of ``stats``)
S_COMMISSION, S_TAXES, S_TRADED, S_TRADES, S_WAITED, S_REBALANCES, S_FRACTIONAL = range(7)
N_STATS = 7
# what a recorded order was
K_TRADE, K_CONVERSION, K_CASH_OUT, K_DELISTING = 1, 2, 3, 4


@_fn
def _sell_shares(want: float, held: float, lot: float, least: float) -> float:
    """Real shares to sell for about ``want`` out of ``held`` under the lot rules: the nearest
    lot-multiple of at least ``least``, or the whole holding when that is nearer; a holding
    below ``least`` (an odd remainder) can only be sold whole."""
    if want >= held - 1e-9:
        return held
    if held < least - 1e-9:
        return held if want >= held * 0.5 else 0.0
    q = float(int(want / lot + 0.5)) * lot
    if q < least:
        q = least if want >= least * 0.5 else 0.0
    if q >= held - 1e-9 or held - want < abs(want - q):
        return held
    return q


@_fn
def _buy_shares(want: float, lot: float, least: float) -> float:
    q = float(int(want / lot + 0.5)) * lot
    if q < least:
        q = least if want >= least * 0.5 else 0.0
    return q


@_fn
def _cost(value: float, bps: float, minimum: float, stamp: float) -> float:
    c = bps * value
    if c < minimum:
        c = minimum
    return c + stamp * value


@_fn
def _affordable(
    units: float, cash: float, price: float, k: float, lot: float, least: float, use_lots: bool,
    bps: float, minimum: float, stamp: float,
) -> float:  # fmt: skip
    """The largest allowed buy (<= ``units``) whose value and costs fit ``cash``."""
    if cash <= minimum or price <= 0.0:
        return 0.0
    v = cash / (1.0 + bps + stamp)
    if bps * v < minimum:
        v = (cash - minimum) / (1.0 + stamp)
    if use_lots:
        per_share = price / k
        sh = float(int(v / per_share / lot + 1e-9)) * lot
        want = units * k
        if sh > want:
            sh = want
        while sh >= least and sh * per_share + _cost(sh * per_share, bps, minimum, stamp) > cash:
            sh -= lot
        if sh < least or sh <= 0.0:
            return 0.0
        return sh / k
    q = v / price
    if q > units:
        q = units
    for _ in range(4):
        if q * price + _cost(q * price, bps, minimum, stamp) <= cash:
            return q
        q *= 1.0 - 1e-12
    return 0.0


@_fn
def _variant(
    v: int, pb: np.ndarray, k: np.ndarray, tradable: np.ndarray, mopen: np.ndarray,
    lim_up: np.ndarray, lim_dn: np.ndarray, market: np.ndarray, lot: np.ndarray,
    least: np.ndarray, exit_row: np.ndarray, conv_row: np.ndarray, conv_to: np.ndarray,
    conv_ratio: np.ndarray, cash_row: np.ndarray, cash_paid: np.ndarray, gone_row: np.ndarray,
    event: np.ndarray, stamp: np.ndarray, row_of: np.ndarray, tgt: np.ndarray,
    group: np.ndarray, band: np.ndarray, capital: np.ndarray, lots_on: np.ndarray,
    bps: np.ndarray, minc: np.ndarray, stamp_on: np.ndarray, fx: np.ndarray,
    init_hold: np.ndarray, first_forced: bool, equity: np.ndarray, stats: np.ndarray,
    record: bool, r_size: np.ndarray, r_price: np.ndarray, r_comm: np.ndarray,
    r_tax: np.ndarray, r_value: np.ndarray, r_kind: np.ndarray, r_wait: np.ndarray,
    r_lots: np.ndarray, r_hold: np.ndarray, r_cash: np.ndarray,
) -> None:  # fmt: skip
    T = pb.shape[0]
    N = pb.shape[1]
    g = group[v]
    h = init_hold.copy()
    cash = capital[v]
    pend = np.zeros(N)
    n_pend = 0
    w = np.zeros(N)
    order = np.zeros(N)
    key = np.zeros(N)
    last_day = np.full(N, -1, dtype=np.int64)
    cur = -1
    pending = False
    done_once = not first_forced
    use_stamp = stamp_on[v]
    lots_v = lots_on[v]
    waited = 0
    rebalances = 0
    fractional = 0
    for t in range(T):
        p = pb[t]
        # -- 1. corporate events ------------------------------------------------------------
        if event[t]:
            for n in range(N):
                if conv_row[n] == t and h[n] != 0.0:
                    s = conv_to[n]
                    q = h[n] * conv_ratio[n]
                    if record:
                        r_size[t, n] -= h[n]
                        r_price[t, n] = p[s] * conv_ratio[n]
                        r_value[t, n] += h[n] * p[s] * conv_ratio[n]
                        r_kind[t, n] = K_CONVERSION
                        r_size[t, s] += q
                        r_price[t, s] = p[s]
                        r_value[t, s] += q * p[s]
                        if r_kind[t, s] == 0:
                            r_kind[t, s] = K_CONVERSION
                    h[s] += q
                    h[n] = 0.0
                if cash_row[n] == t and h[n] != 0.0:
                    paid = cash_paid[n] * fx[t, n]
                    cash += h[n] * paid
                    if record:
                        r_size[t, n] -= h[n]
                        r_price[t, n] = paid
                        r_value[t, n] += h[n] * paid
                        r_kind[t, n] = K_CASH_OUT
                    h[n] = 0.0
        # -- 2. check day ----------------------------------------------------------------------
        r = row_of[g, t]
        if r >= 0:
            cur = r
            pending = True
            if n_pend > 0:
                for n in range(N):
                    pend[n] = 0.0
                n_pend = 0
        value = cash
        for n in range(N):
            value += h[n] * p[n]
        executed = False
        if pending and cur >= 0:
            total = 0.0
            kept = 0.0
            for n in range(N):
                x = tgt[cur, n]
                total += x
                if t >= gone_row[n]:
                    x = 0.0
                w[n] = x
                kept += x
            if kept > 0.0 and kept < total:
                for n in range(N):
                    w[n] *= total / kept
            ready = True
            for n in range(N):
                if (w[n] > 0.0 or h[n] != 0.0) and not mopen[t, n]:
                    ready = False
                    break
            if ready:
                pending = False
                go = not done_once or band[v] <= 0.0
                if not go:
                    for n in range(N):
                        held_w = h[n] * p[n] / value if value > 0.0 else 0.0
                        if abs(held_w - w[n]) > band[v] + 1e-12:
                            go = True
                            break
                if go:
                    done_once = True
                    executed = True
                    rebalances += 1
                    # suspended names keep their holding; the others fill the rest
                    frozen_w = 0.0
                    free_w = 0.0
                    all_w = 0.0
                    for n in range(N):
                        all_w += w[n]
                        if not (tradable[t, n] and p[n] > 0.0):
                            if h[n] != 0.0 or w[n] > 0.0:
                                frozen_w += h[n] * p[n] / value if value > 0.0 else 0.0
                                w[n] = -1.0
                        else:
                            free_w += w[n]
                    room = all_w - frozen_w
                    if room < 0.0:
                        room = 0.0
                    for n in range(N):
                        order[n] = 0.0
                        if w[n] < 0.0 or not (tradable[t, n] and p[n] > 0.0):
                            continue
                        x = w[n] * room / free_w if free_w > 0.0 else 0.0
                        want = x * value / p[n] - h[n]
                        if abs(want * p[n]) <= 1e-9 * value:
                            continue
                        use_lots = lots_v and lot[n] > 0.0 and k[t, n] == k[t, n]
                        if use_lots:
                            held = h[n] * k[t, n]
                            if want < 0.0:
                                s_sh = _sell_shares(-want * k[t, n], held, lot[n], least[n])
                                q = -h[n] if s_sh >= held - 1e-9 else -s_sh / k[t, n]
                            else:
                                q = _buy_shares(want * k[t, n], lot[n], least[n]) / k[t, n]
                        else:
                            q = want
                            if want < 0.0 and -want > h[n]:
                                q = -h[n]
                        if q == 0.0:
                            continue
                        if (q > 0.0 and lim_up[t, n]) or (q < 0.0 and lim_dn[t, n]):
                            pend[n] = q
                            n_pend += 1
                            waited += 1
                            if record:
                                r_wait[t, n] = True
                            continue
                        if not use_lots and lots_v and lot[n] > 0.0:
                            fractional += 1
                        order[n] = q
                    # sells first
                    for n in range(N):
                        if order[n] < 0.0:
                            cash = _sell(
                                t, n, v, -order[n], cash, p, market, stamp, use_stamp, bps,
                                minc, fx, h, record, r_size, r_price, r_comm, r_tax, r_value,
                                r_kind, r_lots, K_TRADE,
                                lots_v and lot[n] > 0.0 and k[t, n] == k[t, n], last_day, stats,
                            )  # fmt: skip
                    # then buys, smallest first
                    for n in range(N):
                        key[n] = order[n] * p[n] if order[n] > 0.0 else 0.0
                    seq = np.argsort(key, kind="mergesort")
                    for i in range(N):
                        n = seq[i]
                        if order[n] <= 0.0:
                            continue
                        cash = _buy(
                            t, n, v, order[n], cash, p, k, lot, least, lots_v, market, stamp,
                            use_stamp, bps, minc, fx, h, record, r_size, r_price, r_comm, r_tax,
                            r_value, r_kind, r_lots, last_day, stats,
                        )  # fmt: skip
        # -- waiting orders (no rebalance today) -------------------------------------------------
        if not executed and n_pend > 0:
            for n in range(N):
                if pend[n] < 0.0 and tradable[t, n] and p[n] > 0.0 and not lim_dn[t, n]:
                    q = -pend[n]
                    if q > h[n]:
                        q = h[n]
                    pend[n] = 0.0
                    n_pend -= 1
                    if q <= 0.0:
                        continue
                    cash = _sell(
                        t, n, v, q, cash, p, market, stamp, use_stamp, bps, minc, fx, h,
                        record, r_size, r_price, r_comm, r_tax, r_value, r_kind, r_lots, K_TRADE,
                        lots_v and lot[n] > 0.0 and k[t, n] == k[t, n], last_day, stats,
                    )  # fmt: skip
            for n in range(N):
                if pend[n] > 0.0 and t >= gone_row[n]:
                    pend[n] = 0.0
                    n_pend -= 1
                elif pend[n] > 0.0 and tradable[t, n] and p[n] > 0.0 and not lim_up[t, n]:
                    q = pend[n]
                    pend[n] = 0.0
                    n_pend -= 1
                    cash = _buy(t, n, v, q, cash, p, k, lot, least, lots_v, market, stamp,
                                use_stamp, bps, minc, fx, h, record, r_size, r_price, r_comm,
                                r_tax, r_value, r_kind, r_lots, last_day, stats)  # fmt: skip
        # -- 5. a delisted name still held is sold on its last trading day -----------------------
        if event[t]:
            for n in range(N):
                if exit_row[n] == t and h[n] > 0.0:
                    cash = _sell(
                        t, n, v, h[n], cash, p, market, stamp, use_stamp, bps, minc, fx, h,
                        record, r_size, r_price, r_comm, r_tax, r_value, r_kind, r_lots,
                        K_DELISTING, False, last_day, stats,
                    )  # fmt: skip
        # -- 6. books ----------------------------------------------------------------------------
        value = cash
        for n in range(N):
            value += h[n] * p[n]
        equity[v, t] = value
        if record:
            r_hold[t, :] = h
            r_cash[t] = cash
    stats[v, S_WAITED] += waited
    stats[v, S_REBALANCES] += rebalances
    stats[v, S_FRACTIONAL] += fractional


@_fn
def _sell(
    t: int, n: int, v: int, q: float, cash: float, p: np.ndarray, market: np.ndarray,
    stamp: np.ndarray, use_stamp: bool, bps: np.ndarray, minc: np.ndarray, fx: np.ndarray,
    h: np.ndarray, record: bool, r_size: np.ndarray, r_price: np.ndarray, r_comm: np.ndarray,
    r_tax: np.ndarray, r_value: np.ndarray, r_kind: np.ndarray, r_lots: np.ndarray,
    kind: int, lots_used: bool, last_day: np.ndarray, stats: np.ndarray,
) -> float:  # fmt: skip
    """Execute a sell of ``q`` units of asset n (commission with its minimum, stamp duty of
    the day's sell side); the new cash."""
    val = q * p[n]
    m = market[n]
    st = stamp[t, m, 1] if use_stamp else 0.0
    c = bps[v, m] * val
    if c < minc[v, m] * fx[t, n]:
        c = minc[v, m] * fx[t, n]
    cash += val - c - st * val
    h[n] -= q
    if abs(h[n]) < 1e-12 * q:
        h[n] = 0.0
    stats[v, S_COMMISSION] += c
    stats[v, S_TAXES] += st * val
    if t > 0:
        stats[v, S_TRADED] += val
    if last_day[n] != t:
        stats[v, S_TRADES] += 1
        last_day[n] = t
    if record:
        r_size[t, n] -= q
        r_price[t, n] = p[n]
        r_comm[t, n] += c
        r_tax[t, n] += st * val
        r_value[t, n] += val
        r_kind[t, n] = kind
        if kind == K_TRADE:
            r_lots[t, n] = lots_used
    return cash


@_fn
def _buy(
    t: int, n: int, v: int, units: float, cash: float, p: np.ndarray, k: np.ndarray,
    lot: np.ndarray, least: np.ndarray, lots_v: bool, market: np.ndarray, stamp: np.ndarray,
    use_stamp: bool, bps: np.ndarray, minc: np.ndarray, fx: np.ndarray, h: np.ndarray,
    record: bool, r_size: np.ndarray, r_price: np.ndarray, r_comm: np.ndarray,
    r_tax: np.ndarray, r_value: np.ndarray, r_kind: np.ndarray, r_lots: np.ndarray,
    last_day: np.ndarray, stats: np.ndarray,
) -> float:  # fmt: skip
    """Execute a buy of ``units`` of asset n (cut to what ``cash`` can pay); the new cash."""
    m = market[n]
    st = stamp[t, m, 0] if use_stamp else 0.0
    mc = minc[v, m] * fx[t, n]
    use_lots = lots_v and lot[n] > 0.0 and k[t, n] == k[t, n]
    q = units
    val = q * p[n]
    if val + _cost(val, bps[v, m], mc, st) > cash:
        q = _affordable(q, cash, p[n], k[t, n], lot[n], least[n], use_lots, bps[v, m], mc, st)
        if q <= 0.0:
            return cash
        val = q * p[n]
    c = bps[v, m] * val
    if c < mc:
        c = mc
    cash -= val + c + st * val
    h[n] += q
    stats[v, S_COMMISSION] += c
    stats[v, S_TAXES] += st * val
    if t > 0:
        stats[v, S_TRADED] += val
    if last_day[n] != t:
        stats[v, S_TRADES] += 1
        last_day[n] = t
    if record:
        r_size[t, n] += q
        r_price[t, n] = p[n]
        r_comm[t, n] += c
        r_tax[t, n] += st * val
        r_value[t, n] += val
        r_kind[t, n] = K_TRADE
        r_lots[t, n] = use_lots
    return cash


@_fn
def _simulate_serial(
    pb, k, tradable, mopen, lim_up, lim_dn, market, lot, least, exit_row, conv_row, conv_to,
    conv_ratio, cash_row, cash_paid, gone_row, event, stamp, row_of, tgt, group, band, capital,
    lots_on, bps, minc, stamp_on, fx, init_hold, first_forced, equity, stats, record, r_size,
    r_price, r_comm, r_tax, r_value, r_kind, r_wait, r_lots, r_hold, r_cash,
):  # type: ignore[no-untyped-def]  # fmt: skip
    for v in range(group.shape[0]):
        _variant(v, pb, k, tradable, mopen, lim_up, lim_dn, market, lot, least, exit_row,
                 conv_row, conv_to, conv_ratio, cash_row, cash_paid, gone_row, event, stamp,
                 row_of, tgt, group, band, capital, lots_on, bps, minc, stamp_on, fx, init_hold,
                 first_forced, equity, stats, record, r_size, r_price, r_comm, r_tax, r_value,
                 r_kind, r_wait, r_lots, r_hold, r_cash)  # fmt: skip


@_par
def _simulate_parallel(
    pb, k, tradable, mopen, lim_up, lim_dn, market, lot, least, exit_row, conv_row, conv_to,
    conv_ratio, cash_row, cash_paid, gone_row, event, stamp, row_of, tgt, group, band, capital,
    lots_on, bps, minc, stamp_on, fx, init_hold, first_forced, equity, stats, record, r_size,
    r_price, r_comm, r_tax, r_value, r_kind, r_wait, r_lots, r_hold, r_cash,
):  # type: ignore[no-untyped-def]  # fmt: skip
    for v in prange(group.shape[0]):
        _variant(v, pb, k, tradable, mopen, lim_up, lim_dn, market, lot, least, exit_row,
                 conv_row, conv_to, conv_ratio, cash_row, cash_paid, gone_row, event, stamp,
                 row_of, tgt, group, band, capital, lots_on, bps, minc, stamp_on, fx, init_hold,
                 first_forced, equity, stats, False, r_size, r_price, r_comm, r_tax, r_value,
                 r_kind, r_wait, r_lots, r_hold, r_cash)  # fmt: skip


# --------------------------------------------------------------------------- Python API

@dataclass
class Market:
    """The shared inputs of a simulation: prices, calendars, rules, events (see :func:`run`)."""

    pb: np.ndarray  # [T, N] close x FX (base currency per unit); 0 where no price
    k: np.ndarray  # [T, N] real shares per unit (NaN: unknown → fractional)
    tradable: np.ndarray  # [T, N] bool
    mopen: np.ndarray  # [T, N] bool: the listing's market is open
    lim_up: np.ndarray  # [T, N] bool
    lim_dn: np.ndarray  # [T, N] bool
    fx: np.ndarray  # [T, N]
    market: np.ndarray  # [N] int64: 0 A, 1 HK, 2 US
    lot: np.ndarray  # [N] real shares (0: fractional)
    least: np.ndarray  # [N] smallest order, real shares
    exit_row: np.ndarray  # [N] int64 last trading row of a delisted name (-1 none)
    conv_row: np.ndarray  # [N] int64 succession row (-1 none)
    conv_to: np.ndarray  # [N] int64 successor column
    conv_ratio: np.ndarray  # [N]
    cash_row: np.ndarray  # [N] int64 cash-out row (-1 none)
    cash_paid: np.ndarray  # [N] cash per unit, listing currency
    stamp: np.ndarray  # [T, 3, 2] stamp-duty rates (market, buy/sell)

    @property
    def gone_row(self) -> np.ndarray:
        big = np.iinfo(np.int64).max
        rows = [np.where(r >= 0, r, big) for r in (self.exit_row, self.conv_row, self.cash_row)]
        return np.minimum(np.minimum(rows[0], rows[1]), rows[2]).astype(np.int64)

    @property
    def event(self) -> np.ndarray:
        T = self.pb.shape[0]
        ev = np.zeros(T, dtype=np.bool_)
        for r in (self.exit_row, self.conv_row, self.cash_row):
            ev[r[(r >= 0) & (r < T)]] = True
        return ev


@dataclass
class Variants:
    """Per-variant inputs: target schedules and execution parameters."""

    row_of: np.ndarray  # [G, T] int64: target row of schedule g on day t (-1: no check)
    tgt: np.ndarray  # [R, N] target weights
    group: np.ndarray  # [V] int64 schedule of each variant
    band: np.ndarray  # [V]
    capital: np.ndarray  # [V]
    lots: np.ndarray  # [V] bool
    bps: np.ndarray  # [V, 3] commission fraction per market
    minc: np.ndarray  # [V, 3] minimum commission, listing currency
    stamp: np.ndarray  # [V] bool


@dataclass
class Books:
    """Outputs: equity ``[V, T]``, stats ``[V, N_STATS]``, and with ``record`` the orders."""

    equity: np.ndarray
    stats: np.ndarray
    size: np.ndarray | None = None  # [T, N] units ordered (+ buy / - sell), 0: none
    price: np.ndarray | None = None  # [T, N] execution price, base currency per unit
    commission: np.ndarray | None = None
    taxes: np.ndarray | None = None
    value: np.ndarray | None = None  # [T, N] traded value (sum of |orders| x price)
    kind: np.ndarray | None = None  # [T, N] int8: K_TRADE, K_CONVERSION, ...
    waited: np.ndarray | None = None  # [T, N] bool: an order deferred by a price limit
    lots: np.ndarray | None = None  # [T, N] bool: the order followed lot rules
    holdings: np.ndarray | None = None  # [T, N] units at the close
    cash: np.ndarray | None = None  # [T]


_JIT_MODULE: Any = None
JIT_THRESHOLD = 150_000  # variant-asset-days below which the interpreter is faster than numba


def _compiled() -> Any:
    """This module's source compiled by numba (loaded once per process; cached on disk)."""
    global _JIT_MODULE
    if _JIT_MODULE is None:
        import importlib.util

        name = "strategies._kernel_jit"
        spec = importlib.util.spec_from_file_location(name, __file__)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        module.__dict__["__naion_jit__"] = True
        sys.modules[name] = module
        spec.loader.exec_module(module)
        _JIT_MODULE = module
    return _JIT_MODULE


def compiled_on_disk() -> bool:
    """Whether numba's cache of this kernel exists and is newer than this file (else the first
    compiled call compiles it, once, for about a minute)."""
    from pathlib import Path

    here = Path(__file__)
    source = here.stat().st_mtime
    return all(
        max((p.stat().st_mtime for p in here.parent.glob(f"__pycache__/kernel.{fn}-*.nbi")),
            default=0.0) >= source
        for fn in ("_simulate_serial", "_simulate_parallel")
    )  # fmt: skip


def use_jit(work: int) -> bool:
    """Compile (numba) or interpret: ``NAION_JIT`` = 1/0 forces, else by the amount of work."""
    forced = os.environ.get("NAION_JIT")
    if forced in ("0", "1"):
        return forced == "1"
    return work >= JIT_THRESHOLD or "numba" in sys.modules


def run(
    mk: Market,
    var: Variants,
    record: bool = False,
    init_hold: np.ndarray | None = None,
    first_forced: bool = True,
    jit: bool | None = None,
) -> Books:
    """Simulate every variant of ``var`` over ``mk``; ``record`` (one variant) keeps orders."""
    T, N = mk.pb.shape
    V = len(var.group)
    if record and V != 1:
        raise ValueError("record needs exactly one variant")
    equity = np.zeros((V, T))
    stats = np.zeros((V, N_STATS))
    shape = (T, N) if record else (1, 1)
    rec = [np.zeros(shape) for _ in range(6)]  # size, price, comm, tax, value, hold
    r_kind = np.zeros(shape, dtype=np.int8)
    r_wait = np.zeros(shape, dtype=np.bool_)
    r_lots = np.zeros(shape, dtype=np.bool_)
    r_cash = np.zeros(T if record else 1)
    hold0 = np.zeros(N) if init_hold is None else np.asarray(init_hold, dtype=np.float64)
    jit = use_jit(V * T * N) if jit is None else jit
    if jit and _JIT_MODULE is None:
        from naion.progress import step

        step(
            "loading the compiled kernel" if compiled_on_disk()
            else "compiling the simulation kernel (once, about a minute; numba caches it)"
        )  # fmt: skip
    mod = _compiled() if jit else sys.modules[__name__]
    fn = mod._simulate_parallel if (jit and V > 1 and not record) else mod._simulate_serial
    c = np.ascontiguousarray
    fn(
        c(mk.pb, dtype=np.float64), c(mk.k, dtype=np.float64), c(mk.tradable), c(mk.mopen),
        c(mk.lim_up), c(mk.lim_dn), c(mk.market), c(mk.lot), c(mk.least), c(mk.exit_row),
        c(mk.conv_row), c(mk.conv_to), c(mk.conv_ratio), c(mk.cash_row), c(mk.cash_paid),
        mk.gone_row, mk.event, c(mk.stamp), c(var.row_of), c(var.tgt), c(var.group),
        c(var.band), c(var.capital), c(var.lots), c(var.bps), c(var.minc), c(var.stamp),
        c(mk.fx), c(hold0), bool(first_forced), equity, stats, bool(record), rec[0], rec[1],
        rec[2], rec[3], rec[4], r_kind, r_wait, r_lots, rec[5], r_cash,
    )  # fmt: skip
    if not record:
        return Books(equity, stats)
    return Books(
        equity, stats, size=rec[0], price=rec[1], commission=rec[2], taxes=rec[3],
        value=rec[4], kind=r_kind, waited=r_wait, lots=r_lots, holdings=rec[5], cash=r_cash,
    )  # fmt: skip
