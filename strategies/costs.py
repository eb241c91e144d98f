"""Market rules the order planner applies: commission, stamp duty and lot sizes.

Commission  = max(commission_bps x traded value, minimum per order), per market, charged on
              every order; the minimum is in the listing currency (converted at the day's FX).
Stamp duty  A-shares: sells only, 0.1% of traded value until 2023-08-27, 0.05% from
            2023-08-28. Hong Kong: buys and sells, 0.1% until 2021-07-31, 0.13% from
            2021-08-01, 0.1% again from 2023-11-17. US: none.
Lots        A-share main board and ChiNext: 100-share lots. STAR: a buy of at least 200
            shares, then any whole share. BSE: at least 100, then any whole share. HK: the
            listing's board lot. US: whole shares. Selling a whole position is always allowed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# (first day, rate) steps; the rate applies from that day on
_STAMP = {
    "A": ((dt.date(1900, 1, 1), 0.001), (dt.date(2023, 8, 28), 0.0005)),
    "HK": (
        (dt.date(1900, 1, 1), 0.001),
        (dt.date(2021, 8, 1), 0.0013),
        (dt.date(2023, 11, 17), 0.001),
    ),
}
_STAMP_ON_BUYS = {"A": False, "HK": True}


def stamp_rate(market: str, day: dt.date, sell: bool) -> float:
    """Stamp duty as a fraction of traded value for one order."""
    steps = _STAMP.get(market)
    if not steps or (not sell and not _STAMP_ON_BUYS.get(market, False)):
        return 0.0
    rate = 0.0
    for first, r in steps:
        if day >= first:
            rate = r
    return rate


@dataclass(frozen=True)
class LotRule:
    lot: float  # shares per trading unit after the first order (0: fractional)
    min_buy: float  # smallest buy when opening or adding, shares

    def round_order(self, delta: float, held: float) -> float:
        """A share order of about ``delta`` that the rule allows (0 if none)."""
        if self.lot == 0:
            return delta
        if delta < 0 and held + delta <= self.lot / 2:
            return -held  # close the whole position (odd lots may be sold)
        size = round(abs(delta) / self.lot) * self.lot
        if delta > 0 and size < self.min_buy:
            size = self.min_buy if abs(delta) >= self.min_buy / 2 else 0.0
        if delta < 0:
            size = min(size, held)
        return size if delta > 0 else -size

    def affordable(self, size: float, cash_for_shares: float, price: float) -> float:
        """Largest allowed buy not above ``size`` whose cost fits ``cash_for_shares``."""
        if price <= 0 or cash_for_shares <= 0:
            return 0.0
        most = cash_for_shares / price
        if self.lot == 0:
            return min(size, most)
        fit = min(size, (most // self.lot) * self.lot)
        return fit if fit >= self.min_buy else 0.0


def lot_rule(market: str, lot: int, min_order: int, lots: bool) -> LotRule:
    """The rule of one listing (``lots=False``: fractional shares, for frictionless runs)."""
    if not lots:
        return LotRule(0.0, 0.0)
    return LotRule(float(lot or 1), float(min_order or lot or 1))
