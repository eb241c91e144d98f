"""The order planner: target weights + market rules → the share orders of every day.

Money conventions (every report repeats them):

* Close-to-close: orders execute at the close of the day they are decided on; a position's
  value is its close (carried forward over days its market is shut) times the FX close.
* One cash pool in the base currency; currency conversion is free.
* Costs on traded value: commission max(bps x value, minimum) per order, stamp duty per
  market schedule (:mod:`strategies.costs`); both are paid from cash.
* Rebalance day: value V = cash + holdings at today's closes (before trading). A name's
  target is w x V; the order is rounded to the listing's lots. Sells execute first, then
  buys from the smallest to the largest; a buy the remaining cash cannot pay (with its
  costs) is cut to the whole lots it can.
* Drift band: on a calendar day, trade only when some weight |held - target| > band.
* A day on which the market of a name to trade is closed is skipped: the rebalance runs on
  the next day all of them are open. A suspended name (market open, no bar) keeps its
  position; the other targets are scaled to fill the rest.
* Delisting: the position is sold at its last close on its last trading day and the
  remaining targets are scaled up. Succession: shares convert at the exchange ratio on
  the succession date (at the successor's close, no cost). Cash-out: paid at the cash price.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from strategies.costs import LotRule, stamp_rate

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from strategies.prices import PricePanel


@dataclass(frozen=True)
class AssetRules:
    market: str  # A, HK, US
    lot: LotRule
    commission: float  # fraction of traded value
    min_commission: float  # per order, listing currency
    stamp_duty: bool = True


@dataclass
class Plan:
    """Every order and the day-by-day books of one run (base currency)."""

    size: np.ndarray  # [T, N] shares ordered (+buy / -sell), NaN: no order
    price: np.ndarray  # [T, N] execution price in base currency
    commission: np.ndarray  # [T, N]
    stamp: np.ndarray  # [T, N]
    sequence: np.ndarray  # [T, N] execution order of the day's orders (vectorbt call_seq)
    holdings: np.ndarray  # [T, N] shares at the close, after trading
    cash: np.ndarray  # [T]
    equity: np.ndarray  # [T]
    rebalanced: np.ndarray  # [T] bool
    notes: list[str] = field(default_factory=list)


def plan_orders(
    panel: PricePanel,
    targets: pd.DataFrame,
    band: float,
    capital: float,
    rules: list[AssetRules],
) -> Plan:
    """Walk the days of ``panel`` and decide the orders that follow ``targets``.

    ``targets``: index = check days (a subset of panel.dates), columns = panel codes,
    values = target weights (each row sums to <= 1).
    """
    import numpy as np
    import pandas as pd

    T, N = panel.local.shape
    base = panel.base
    px = np.where(np.isfinite(base), base, 0.0)
    fx = panel.fx
    size = np.full((T, N), np.nan)
    price = px.copy()
    commission = np.zeros((T, N))
    stamp = np.zeros((T, N))
    sequence = np.tile(np.arange(N), (T, 1))
    holdings = np.zeros((T, N))
    cash_out = np.zeros(T)
    equity = np.zeros(T)
    rebalanced = np.zeros(T, dtype=bool)
    notes: list[str] = []

    check = np.zeros(T, dtype=bool)
    tgt_rows = np.full((T, N), np.nan)
    pos = {d: i for i, d in enumerate(panel.dates)}
    tgt = targets.reindex(columns=panel.codes).fillna(0.0)
    for d, row in tgt.iterrows():
        i = pos.get(pd.Timestamp(d))
        if i is None:
            raise ValueError(f"target date {d} is not a trading day of the panel")
        check[i] = True
        tgt_rows[i] = row.to_numpy(dtype="float64")

    exit_day, convert, cash_pay = _events(panel)
    h = np.zeros(N)
    cash = float(capital)
    current_target: np.ndarray | None = None
    pending = False
    gone = np.zeros(N, dtype=bool)
    for t in range(T):
        day = panel.dates[t].date()
        # -- corporate events before trading ---------------------------------------------
        for j, (k, succ, ratio) in convert.items():
            if t == k:
                gone[j] = True
                if h[j] != 0:
                    size[t, j] = -h[j]
                    price[t, j] = px[t, succ] * ratio
                    size[t, succ] = h[j] * ratio
                    h[succ] += h[j] * ratio
                    notes.append(
                        f"{day}: {panel.codes[j]} converted into {panel.codes[succ]} x {ratio:g}"
                    )
                    h[j] = 0.0
        for j, (k, cash_price) in cash_pay.items():
            if t == k:
                if h[j] != 0:
                    paid = cash_price * fx[t, j]
                    size[t, j] = -h[j]
                    price[t, j] = paid
                    cash += h[j] * paid
                    notes.append(
                        f"{day}: {panel.codes[j]} paid out in cash at "
                        f"{cash_price:g} {panel.assets[j].currency}"
                    )
                    h[j] = 0.0
                gone[j] = True
        for j, k in exit_day.items():
            if t >= k:
                gone[j] = True  # no new target on (or after) a delisted name's last day
        # -- rebalance --------------------------------------------------------------------
        if check[t]:
            current_target = tgt_rows[t]
            pending = True
        value = cash + float(h @ px[t])
        if pending and current_target is not None:
            w = _live_targets(current_target, gone)
            involved = (w > 0) | (h > 0)
            if not panel.market_open[t, involved].all():
                pass  # a market to trade is shut today: try again tomorrow
            else:
                pending = False
                first = not rebalanced.any()
                held_w = (h * px[t]) / value if value > 0 else np.zeros(N)
                if first or band <= 0 or np.max(np.abs(held_w - w)) > band + 1e-12:
                    cash = _rebalance(
                        t, day, w, h, cash, value, px, fx, panel, rules, size, commission, stamp
                    )
                    rebalanced[t] = True
        # -- forced exits on the last trading day of a delisted name -------------------
        for j, k in exit_day.items():
            if t == k and h[j] > 0:
                value_j = h[j] * px[t, j]
                c, s = _costs(rules[j], day, value_j, True, fx[t, j])
                size[t, j] = (size[t, j] if np.isfinite(size[t, j]) else 0.0) - h[j]
                commission[t, j] += c
                stamp[t, j] += s
                cash += value_j - c - s
                h[j] = 0.0
                notes.append(f"{day}: {panel.codes[j]} delisted: sold at its last close")
        traded = np.isfinite(size[t])
        if traded.any():
            key = np.where(traded, size[t] * price[t], 0.0)
            sequence[t] = np.argsort(key, kind="stable")  # sells first, then smallest buys
        holdings[t] = h
        cash_out[t] = cash
        equity[t] = cash + float(h @ px[t])
    return Plan(
        size, price, commission, stamp, sequence, holdings, cash_out, equity, rebalanced, notes
    )


def _live_targets(target: np.ndarray, gone: np.ndarray) -> np.ndarray:
    """Targets without names that left the market, scaled to keep the invested total."""
    import numpy as np

    w = target.copy()
    if gone.any() and w[gone].sum() > 0:
        total = w.sum()
        w[gone] = 0.0
        rest = w.sum()
        if rest > 0:
            w *= total / rest
    return np.clip(w, 0.0, None)


def _costs(
    rule: AssetRules, day: dt.date, value: float, sell: bool, fx: float
) -> tuple[float, float]:
    """(commission, stamp duty) in base currency for an order of ``value`` (base)."""
    if value <= 0:
        return 0.0, 0.0
    c = max(rule.commission * value, rule.min_commission * fx)
    s = stamp_rate(rule.market, day, sell) * value if rule.stamp_duty else 0.0
    return c, s


def _rebalance(
    t: int,
    day: dt.date,
    w: np.ndarray,
    h: np.ndarray,
    cash: float,
    value: float,
    px: np.ndarray,
    fx: np.ndarray,
    panel: PricePanel,
    rules: list[AssetRules],
    size: np.ndarray,
    commission: np.ndarray,
    stamp: np.ndarray,
) -> float:
    import numpy as np

    N = len(h)
    can = panel.tradable[t] & (px[t] > 0)
    frozen = ~can & ((h > 0) | (w > 0))
    w = w.copy()
    if frozen.any():
        frozen_w = float((h[frozen] * px[t, frozen]).sum() / value) if value > 0 else 0.0
        free = ~frozen
        want = w[free].sum()
        room = max(w.sum() - frozen_w, 0.0)
        w[frozen] = 0.0
        if want > 0:
            w[free] *= room / want
    # holdings are in units of the (adjusted) price series; lots apply to real shares:
    # real shares = units x k, k = adjusted / unadjusted price
    k = panel.share_factor[t]
    orders = np.zeros(N)
    for j in range(N):
        if not can[j]:
            continue
        delta = w[j] * value / px[t, j] - h[j]
        orders[j] = rules[j].lot.round_order(delta * k[j], h[j] * k[j]) / k[j]
    sells = [j for j in range(N) if orders[j] < 0]
    buys = sorted((j for j in range(N) if orders[j] > 0), key=lambda j: orders[j] * px[t, j])
    for j in sells:
        v = -orders[j] * px[t, j]
        c, s = _costs(rules[j], day, v, True, fx[t, j])
        cash += v - c - s
        h[j] += orders[j]
        if abs(h[j]) < 1e-9 * max(1.0, abs(orders[j])):
            h[j] = 0.0
        size[t, j], commission[t, j], stamp[t, j] = orders[j], c, s
    for j in buys:
        q = orders[j]
        p = px[t, j]
        c, s = _costs(rules[j], day, q * p, False, fx[t, j])
        if q * p + c + s > cash + 1e-9:
            q = _affordable(rules[j], day, q * k[j], cash, p / k[j], fx[t, j]) / k[j]
            if q <= 0:
                continue
            c, s = _costs(rules[j], day, q * p, False, fx[t, j])
        cash -= q * p + c + s
        h[j] += q
        size[t, j], commission[t, j], stamp[t, j] = q, c, s
    return cash


def _affordable(
    rule: AssetRules, day: dt.date, want: float, cash: float, price: float, fx: float
) -> float:
    """The largest allowed buy (<= want) whose cost plus commission and stamp fits cash."""
    st = stamp_rate(rule.market, day, False) if rule.stamp_duty else 0.0
    # commission at the bps rate, unless the minimum binds
    budget = cash / (1.0 + rule.commission + st)
    q = rule.lot.affordable(want, budget, price)
    if q > 0 and rule.commission * q * price < rule.min_commission * fx:
        budget = (cash - rule.min_commission * fx) / (1.0 + st)
        q = rule.lot.affordable(want, budget, price)
    while q > 0:
        c, s = _costs(rule, day, q * price, False, fx)
        if q * price + c + s <= cash + 1e-9:
            return q
        step = rule.lot.lot or q * 1e-6
        q = q - step if q - step >= rule.lot.min_buy else 0.0
    return 0.0


def _events(
    panel: PricePanel,
) -> tuple[dict[int, int], dict[int, tuple[int, int, float]], dict[int, tuple[int, float]]]:
    """Days of delisting sales, succession conversions and cash-outs, by asset column."""
    import numpy as np
    import pandas as pd

    exits: dict[int, int] = {}
    convert: dict[int, tuple[int, int, float]] = {}
    cash: dict[int, tuple[int, float]] = {}
    codes = panel.codes
    for j, a in enumerate(panel.assets):
        m = a.member
        if m is None or m.delisted is None:
            continue
        if m.successor is not None and m.successor.code in codes:
            k = int(np.searchsorted(panel.dates, pd.Timestamp(m.successor.date)))
            if k < len(panel.dates):
                convert[j] = (k, codes.index(m.successor.code), m.successor.ratio)
            continue
        if m.cash_out is not None:
            k = int(np.searchsorted(panel.dates, pd.Timestamp(m.cash_out.date)))
            if k < len(panel.dates):
                cash[j] = (k, m.cash_out.price)
            continue
        last = np.flatnonzero(panel.tradable[:, j] & (panel.dates <= pd.Timestamp(m.delisted)))
        if len(last) and panel.dates[last[-1]] < panel.dates[-1]:
            exits[j] = int(last[-1])
    return exits, convert, cash
