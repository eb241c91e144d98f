"""A plain-Python loop of naion's money rules, written from the README, to test the kernel.

Dicts and floats, one day at a time, no arrays and no shared code with ``strategies``.
Rules: close-to-close; one cash pool in the base currency; on a check day the rebalance waits
for the first day every market with a target or a holding is open; drift band; suspended
names (no bar) keep their holding and the other targets fill the rest; orders in real shares
rounded to lots (A main board 100; STAR every order >= 200 and BSE >= 100, then single shares;
sells leave at least the minimum or sell everything); a buy at the upper price limit or a
sell at the lower waits for the next day it can execute; sells first, then buys from the
smallest to the largest, each cut to the largest lot-multiple the cash can pay; commission
max(bps x value, minimum x FX), stamp duty by market, side and date.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field


def stamp(market: str, day: dt.date, sell: bool) -> float:
    if market == "A":
        return (0.001 if day < dt.date(2023, 8, 28) else 0.0005) if sell else 0.0
    if market == "HK":
        if day < dt.date(2021, 8, 1):
            return 0.001
        return 0.0013 if day < dt.date(2023, 11, 17) else 0.001
    return 0.0


@dataclass
class Listing:
    market: str  # A, HK, US
    lot: int  # shares per lot (1: single shares)
    least: int  # smallest order


@dataclass
class Day:
    date: dt.date
    price: dict[str, float]  # base-currency close, carried over days without a bar
    bar: dict[str, bool]  # a bar that day
    open: dict[str, bool]  # its market trades that day
    fx: dict[str, float]
    up: dict[str, bool] = field(default_factory=dict)  # closed at the upper limit
    down: dict[str, bool] = field(default_factory=dict)


@dataclass
class Result:
    equity: list[float]
    fees: float
    taxes: float
    trades: list[tuple[dt.date, str, float]]  # day, code, signed shares
    waited: int


def lot_order(want: float, held: float, li: Listing) -> float:
    """Signed shares for a wanted change ``want`` (real shares)."""
    if want > 0:
        q = math.floor(want / li.lot + 0.5) * li.lot
        if q < li.least:
            q = li.least if want >= li.least / 2 else 0
        return q
    sell = -want
    if sell >= held:
        return -held
    if held < li.least:  # an odd remainder may only be sold whole
        return -held if sell >= held / 2 else 0.0
    q = math.floor(sell / li.lot + 0.5) * li.lot
    if q < li.least:
        q = li.least if sell >= li.least / 2 else 0
    if q >= held or held - sell < abs(sell - q):  # selling everything is nearer
        return -held
    return -q


def simulate(
    days: list[Day],
    checks: set[dt.date],
    target: dict[str, float],
    listings: dict[str, Listing],
    capital: float,
    bps: dict[str, float],
    minimum: dict[str, float],
    lots: bool = True,
    stamp_duty: bool = True,
    band: float = 0.0,
) -> Result:
    cash = capital
    held = dict.fromkeys(target, 0.0)
    waiting: dict[str, float] = {}
    pending = False
    first = True
    fees = taxes = 0.0
    trades: list[tuple[dt.date, str, float]] = []
    equity = []
    waited = 0

    def cost(code: str, value: float, sell: bool, d: Day) -> tuple[float, float]:
        mk = listings[code].market
        c = max(bps[mk] * value, minimum[mk] * d.fx[code])
        s = stamp(mk, d.date, sell) * value if stamp_duty else 0.0
        return c, s

    def sell(code: str, q: float, d: Day) -> None:
        nonlocal cash, fees, taxes
        v = q * d.price[code]
        c, s = cost(code, v, True, d)
        cash += v - c - s
        fees += c
        taxes += s
        held[code] -= q
        trades.append((d.date, code, -q))

    def buy(code: str, q: float, d: Day) -> None:
        nonlocal cash, fees, taxes
        li = listings[code]
        p = d.price[code]
        step = li.lot if lots else None
        while q > 0:
            c, s = cost(code, q * p, False, d)
            if q * p + c + s <= cash:
                break
            if step is None:  # fractional: the exact amount the cash can pay
                st = stamp(li.market, d.date, False) if stamp_duty else 0.0
                v = cash / (1 + bps[li.market] + st)
                if bps[li.market] * v < minimum[li.market] * d.fx[code]:
                    v = (cash - minimum[li.market] * d.fx[code]) / (1 + st)
                q = min(q, v / p) if v > 0 else 0.0
                c, s = cost(code, q * p, False, d)
                while q > 0 and q * p + c + s > cash:
                    q *= 1 - 1e-12
                    c, s = cost(code, q * p, False, d)
                break
            q = q - step if q - step >= li.least else 0.0
        if q <= 0:
            return
        c, s = cost(code, q * p, False, d)
        cash -= q * p + c + s
        fees += c
        taxes += s
        held[code] += q
        trades.append((d.date, code, q))

    for d in days:
        if d.date in checks:
            pending = True
            waiting = {}
        value = cash + sum(held[c] * d.price.get(c, 0.0) for c in held)
        done = False
        if pending and all(d.open[c] for c in held if target[c] > 0 or held[c] != 0):
            pending = False
            drift = max(abs(held[c] * d.price.get(c, 0.0) / value - target[c]) for c in held)
            if first or band <= 0 or drift > band + 1e-12:
                first = False
                done = True
                frozen = [c for c in held if not d.bar[c] and (held[c] or target[c] > 0)]
                free = [c for c in held if c not in frozen and d.bar[c]]
                frozen_w = sum(held[c] * d.price[c] for c in frozen) / value
                room = max(sum(target.values()) - frozen_w, 0.0)
                free_w = sum(target[c] for c in free)
                orders = {}
                for c in free:
                    w = target[c] * room / free_w if free_w > 0 else 0.0
                    want = w * value / d.price[c] - held[c]
                    if abs(want * d.price[c]) <= 1e-9 * value:
                        continue
                    q = lot_order(want, held[c], listings[c]) if lots else max(want, -held[c])
                    if (q > 0 and d.up.get(c)) or (q < 0 and d.down.get(c)):
                        waiting[c] = q
                        waited += 1
                    elif q != 0:
                        orders[c] = q
                for c, q in orders.items():
                    if q < 0:
                        sell(c, -q, d)
                order = list(held)
                buys = [c for c in orders if orders[c] > 0]
                for c in sorted(buys, key=lambda c: (orders[c] * d.price[c], order.index(c))):
                    buy(c, orders[c], d)
        if not done and waiting:
            for c, q in list(waiting.items()):
                if q < 0 and d.bar[c] and d.open[c] and not d.down.get(c):
                    sell(c, min(-q, held[c]), d)
                    del waiting[c]
            for c, q in list(waiting.items()):
                if q > 0 and d.bar[c] and d.open[c] and not d.up.get(c):
                    buy(c, q, d)
                    del waiting[c]
        equity.append(cash + sum(held[c] * d.price.get(c, 0.0) for c in held))
    return Result(equity, fees, taxes, trades, waited)
