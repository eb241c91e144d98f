"""``naion rebalance``: the orders that bring real holdings to a strategy's targets today.

Holdings (``code,shares`` in real shares) and cash go through the kernel's one-day step
(:func:`strategies.kernel.run` with one day): the strategy's targets as of the date, the
store's latest unadjusted close of each name (its listing currency) and FX, lots, sells first,
buys cut to the cash, commission (with its minimum) and stamp duty. A price older than five
trading days of its market is refused: sync first. Price limits are not applied (today's
close is not known yet).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from naion.errors import InputError, NotInStoreError

if TYPE_CHECKING:
    import pandas as pd

    from naion.store import Reader
    from strategies.spec import StrategySpec
    from universes.loader import Registry

STALE_DAYS = 5  # trading days a price may be old
HISTORY_DAYS = 120  # calendar days of prices loaded before the date (liveness, limits)


@dataclass
class TradeList:
    table: pd.DataFrame
    as_of: dt.date
    base_currency: str
    value: float  # holdings + cash before trading, base currency
    cash_after: float
    costs: float
    notes: list[str] = field(default_factory=list)


def read_holdings(path: Path) -> dict[str, float]:
    """``code,shares`` rows (a header line first) → code → real shares."""
    from universes.codes import normalize

    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows or [c.strip().lower() for c in rows[0][:2]] != ["code", "shares"]:
        raise InputError(f"{path}: the first line must be the header code,shares")
    out: dict[str, float] = {}
    for n, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) < 2:
            raise InputError(f"{path}: line {n}: expected code,shares")
        try:
            code = normalize(row[0])
        except InputError as exc:
            raise InputError(f"{path}: line {n}: {exc.one_line()}") from None
        try:
            shares = float(row[1])
        except ValueError:
            raise InputError(f"{path}: line {n}: shares {row[1]!r} is not a number") from None
        if not shares >= 0 or shares == float("inf"):
            raise InputError(f"{path}: line {n}: shares must be a finite number >= 0")
        if code in out:
            raise InputError(f"{path}: line {n}: {code} is listed twice")
        out[code] = shares
    return out


def trade_list(
    spec: StrategySpec,
    reader: Reader,
    reg: Registry,
    holdings: dict[str, float],
    cash: float,
    as_of: dt.date | None = None,
    ignore_membership: bool = False,
) -> TradeList:
    """The orders that bring ``holdings`` (real shares) and ``cash`` to the targets."""
    from naion.progress import spinner

    with spinner("rebalance"):
        return _trade_list(spec, reader, reg, holdings, cash, as_of, ignore_membership)


def _trade_list(
    spec: StrategySpec,
    reader: Reader,
    reg: Registry,
    holdings: dict[str, float],
    cash: float,
    as_of: dt.date | None,
    ignore_membership: bool,
) -> TradeList:
    import math

    import numpy as np
    import pandas as pd

    from strategies import kernel as K
    from strategies.engine import asset_members, context_of, execution, membership_dates
    from strategies.panel import load_panel, spans_of
    from strategies.rules import stamp_table

    if not math.isfinite(cash) or cash < 0:
        raise InputError(f"--cash {cash:g}: give a finite amount >= 0")
    members = asset_members(spec, reg, reader)
    held = [reg.canonical(c) for c in holdings]
    codes = list(dict.fromkeys(members + held))
    spans = spans_of(reader, codes)
    missing = [c for c in held if c not in spans]
    if missing:
        raise NotInStoreError(
            f"the store holds no prices for {', '.join(missing[:4])}",
            hint=f"run 'naion data sync {' '.join(missing[:4])}'",
        )
    day = as_of or max(last for c, (_, last) in spans.items() if c in held or c in members)
    start = day - dt.timedelta(days=HISTORY_DAYS)
    panel = load_panel(reader, reg, codes, start, day, spec.base_currency, spec.benchmark,
                       lots=spec.lots, spans=spans,
                       membership=membership_dates(spec, reg, ignore_membership))  # fmt: skip
    notes = [n for n in panel.notes if not n.startswith("no unadjusted close held")]
    t = len(panel.dates) - 1
    pos = {c: j for j, c in enumerate(panel.codes)}
    N = len(panel.codes)
    shares = np.zeros(N)
    for c, q in holdings.items():
        shares[pos[reg.canonical(c)]] = q
    # the latest unadjusted close of each name held or targeted, at most STALE_DAYS old
    price = np.full(N, np.nan)
    age = np.zeros(N, dtype=np.int64)
    last_row = np.full(N, -1, dtype=np.int64)
    for j in range(N):
        rows = np.flatnonzero(np.isfinite(panel.raw[:, j]))
        if len(rows):
            last_row[j] = rows[-1]
            age[j] = int(panel.open[rows[-1] + 1 :, j].sum())
            price[j] = panel.raw[rows[-1], j]
    fx = panel.fx[t]
    pb = np.where(np.isfinite(price), price * fx, 0.0)
    value = cash + float(shares @ pb)
    ctx = context_of(panel, reader, reg, notes, ignore_membership)
    ctx.previous = shares * pb / value if value > 0 else np.zeros(N)
    target = np.asarray(spec.targets(ctx, np.array([t])), dtype=np.float64)[0]
    for j in np.flatnonzero((shares > 0) | (target > 0)):
        c = panel.codes[j]
        if last_row[j] < 0:
            raw = reader.spans([c], ("none",))
            held = None
            if len(raw):
                held = (str(raw["first_date"].iloc[0])[:10], str(raw["last_date"].iloc[0])[:10])
            if held is None:
                what = "the newest unadjusted close held does not exist"
            elif held[1] < day.isoformat():
                what = (
                    f"the newest unadjusted close held is from {held[1]}, more than "
                    f"{HISTORY_DAYS} days before {day}"
                )
            else:  # held around the date, not in the days before it (a gap in the series)
                what = (
                    f"no unadjusted close held in the {HISTORY_DAYS} days up to {day} (the "
                    f"store holds {held[0]} → {held[1]} with gaps)"
                )
            raise NotInStoreError(
                f"{c}: {what}", hint=f"run 'naion data sync {c}' or pick another --as-of"
            )
        if age[j] > STALE_DAYS:
            raise NotInStoreError(
                f"{c}: the newest unadjusted close held is from {panel.dates[last_row[j]]}, "
                f"{age[j]} trading days before {panel.dates[t]}",
                hint=f"run 'naion data sync {c}' (or pick --as-of {panel.dates[last_row[j]]})",
            )
    if value <= 0:
        raise InputError("nothing to rebalance: no holdings with a price and no cash")
    ones = np.ones((1, N), dtype=np.bool_)
    none = np.full(N, -1, dtype=np.int64)
    mk = K.Market(
        pb=pb[None, :], k=np.ones((1, N)), tradable=np.isfinite(price)[None, :], mopen=ones,
        lim_up=~ones, lim_dn=~ones, fx=fx[None, :], market=panel.market_index, lot=panel.lot,
        least=panel.min_order, exit_row=none, conv_row=none, conv_to=np.zeros(N, np.int64),
        conv_ratio=np.ones(N), cash_row=none, cash_paid=np.zeros(N),
        stamp=stamp_table(panel.dates[t:]),
    )  # fmt: skip
    ex = execution([spec], [0])
    ex["capital"] = np.array([cash])
    var = K.Variants(row_of=np.zeros((1, 1), dtype=np.int64), tgt=target[None, :], **ex)
    books = K.run(mk, var, record=True, init_hold=shares, first_forced=False)
    assert books.size is not None and books.holdings is not None and books.cash is not None
    after = float(books.equity[0, 0])
    rows = []
    for j, c in enumerate(panel.codes):
        q = float(books.size[0, j])
        if q == 0 and shares[j] == 0 and target[j] == 0:
            continue
        m = panel.members[j]
        comm = float(books.commission[0, j])  # type: ignore[index]
        tax = float(books.taxes[0, j])  # type: ignore[index]
        rows.append(
            {
                "code": c,
                "name": (m.name_zh or m.name_en) if m else c,
                "side": "buy" if q > 0 else "sell" if q < 0 else "hold",
                "shares": abs(q),
                "price": price[j],
                "currency": panel.currencies[j],
                "value": abs(q) * pb[j],
                "commission": comm,
                "stamp_duty": tax,
                "costs": comm + tax,
                "weight_before": shares[j] * pb[j] / value,
                "weight_after": float(books.holdings[0, j]) * pb[j] / after,
                "target": target[j],
                "shares_after": float(books.holdings[0, j]),
            }
        )
    cash_after = float(books.cash[0])
    rows.append(
        {"code": "cash", "name": spec.base_currency, "side": "", "shares": np.nan,
         "price": np.nan, "currency": spec.base_currency, "value": cash_after,
         "commission": np.nan, "stamp_duty": np.nan, "costs": np.nan,
         "weight_before": cash / value, "weight_after": cash_after / after,
         "target": max(0.0, 1.0 - float(target.sum())), "shares_after": np.nan}
    )  # fmt: skip
    table = pd.DataFrame(rows)
    costs = float(np.nansum(table["costs"]))
    if books.stats[0, K.S_REBALANCES] == 0:
        notes.append(
            f"every weight is within the drift band ({spec.rebalance.band:g}) of its target: "
            "no trade"
        )
    return TradeList(table, panel.dates[t].astype(object), spec.base_currency, value,
                     cash_after, costs, notes)  # fmt: skip
