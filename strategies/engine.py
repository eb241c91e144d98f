"""``Backtest(spec, ...).run(store) -> Run``: weights schedule in, vectorbt portfolio out.

Steps: resolve the assets → price panel in the base currency (:mod:`strategies.prices`) →
target weights on rebalance days (:mod:`strategies.weights`) → share orders under the
market rules (:mod:`strategies.planner`) → vectorbt executes those orders
(``Portfolio.from_orders`` with share amounts, fixed per-order costs, one shared cash pool,
sells first) and keeps the books → metrics and benchmark (:mod:`strategies.metrics`).

The planner's books and vectorbt's must agree to 1e-9 relative on every day's value; a
disagreement is an internal error, never a silent result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from naion.errors import ConfigError, InputError

if TYPE_CHECKING:
    import pandas as pd

    from naion.store import Reader
    from strategies.planner import Plan
    from strategies.prices import Asset, PricePanel
    from strategies.spec import StrategySpec
    from universes.loader import Registry

CONVENTIONS = (
    "Close-to-close: orders execute at the close of the day they are decided on.",
    "Prices: forward-adjusted (dividends and splits) where held, else unadjusted (listed per "
    "asset).",
    "FX at the close: every price is converted to the base currency with that day's FX close "
    "(or the last before it); one cash pool, conversion free of charge.",
    "Costs on traded value: commission max(bps x value, per-order minimum); stamp duty "
    "(A-shares: sells, 0.1% until 2023-08-27, 0.05% from 2023-08-28; HK: both sides).",
    "Lots: A-share 100-share lots (STAR buys >= 200 shares, BSE >= 100), HK board lots, whole "
    "US shares; sells first, then buys smallest first, the last cut to what cash can pay.",
    "No trade on a day a listing's market is closed or it has no bar (suspended).",
)


@dataclass
class Run:
    """Everything a backtest produced, in the base currency."""

    spec: StrategySpec
    start: dt.date
    end: dt.date
    base_currency: str
    equity: pd.Series
    benchmark: pd.Series | None
    benchmark_name: str
    weights: pd.DataFrame  # daily weights at the close (after trading)
    targets: pd.DataFrame  # the schedule: target weights on rebalance days
    trades: pd.DataFrame
    metrics: dict[str, Any]
    assets: pd.DataFrame  # code, name, segment, market, currency, adjustment
    notes: list[str] = field(default_factory=list)
    conventions: tuple[str, ...] = CONVENTIONS
    data_as_of: dt.date | None = None
    params: dict[str, Any] = field(default_factory=dict)
    run_id: str = ""


@dataclass
class Backtest:
    spec: StrategySpec
    start: dt.date | None = None
    end: dt.date | None = None
    base_currency: str | None = None
    capital: float | None = None
    fees: float | None = None  # override every commission (bps) and stamp duty when 0
    lots: bool | None = None
    rebalance: str | None = None
    band: float | None = None
    allow_partial: bool = False

    def resolved_spec(self) -> StrategySpec:
        s = self.spec.model_copy(deep=True)
        if self.base_currency:
            s.base_currency = self.base_currency.upper()  # type: ignore[assignment]
        if self.capital:
            s.capital = self.capital
        if self.lots is not None:
            s.lots = self.lots
        if self.rebalance:
            from strategies.spec import Rebalance

            s.rebalance = Rebalance(calendar=self.rebalance, band=s.rebalance.band)  # type: ignore[arg-type]
        if self.band is not None:
            s.rebalance.band = self.band
        if self.fees is not None:
            s.costs.commission_bps = {m: self.fees for m in ("A", "HK", "US")}
            if self.fees == 0:
                s.costs.min_commission = {m: 0.0 for m in ("A", "HK", "US")}
                s.costs.stamp_duty = False
        return s

    def run(self, reader: Reader, registry: Registry | None = None) -> Run:
        from universes.loader import registry_for_home

        reg = registry or registry_for_home()
        spec = self.resolved_spec()
        members = asset_members(spec, reg)
        start, end = self._window(reader, members)
        return simulate(spec, reader, reg, members, start, end, self.allow_partial)

    def _window(self, reader: Reader, codes: list[str]) -> tuple[dt.date, dt.date]:
        """The run's dates: as given, else the longest window every member's prices cover."""
        if self.start and self.end and self.start >= self.end:
            raise InputError(f"--start {self.start} is not before --end {self.end}")
        if self.start and self.end:
            return self.start, self.end
        spec = self.resolved_spec()
        lo, hi = common_window(reader, codes, fx_pairs(reader, codes, spec.base_currency))
        start, end = self.start or lo, self.end or hi
        if start >= end:
            raise InputError(
                f"the members' prices have no common dates between {start} and {end}",
                hint="give --start and --end inside the dates 'naion data status' shows",
            )
        return start, end


def common_window(
    reader: Reader, codes: list[str], pairs: list[str] | None = None
) -> tuple[dt.date, dt.date]:
    """(latest first date, earliest last date) of the members' prices and the FX pairs."""
    from naion.errors import NotInStoreError

    rows = reader._con.execute(
        "SELECT code, min(date), max(date) FROM bars WHERE adjust IN ('none', 'qfq')"
        " AND code IN (" + ", ".join("?" * len(codes)) + ") GROUP BY code",
        codes,
    ).fetchall()
    held = {r[0]: (r[1], r[2]) for r in rows}
    absent = [c for c in codes if c not in held]
    if absent:
        raise NotInStoreError(
            f"the store holds no prices for {', '.join(absent[:4])}",
            hint=f"run 'naion data sync {' '.join(absent[:4])}' or 'naion data import PATH'",
        )
    lo = max(v[0] for v in held.values())
    hi = min(v[1] for v in held.values())
    for pair in pairs or []:
        span = reader._con.execute(
            "SELECT min(date), max(date) FROM fx WHERE pair = ?", [pair]
        ).fetchall()[0]
        if span[0] is not None:
            lo, hi = max(lo, span[0]), min(hi, span[1])
    return _d(lo), _d(hi)


def _d(value: object) -> dt.date:
    return (
        value
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime)
        else (
            value.date()  # type: ignore[union-attr]
        )
    )


def fx_pairs(reader: Reader, codes: list[str], base: str) -> list[str]:
    """The stored FX pairs a run of ``codes`` in ``base`` converts through."""
    secs = reader.securities(codes)
    currencies = set(secs["currency"].tolist()) | {base}
    pairs = {"USD": "USDCNY", "HKD": "HKDCNY"}
    return sorted(pairs[c] for c in currencies if c in pairs) if len(currencies) > 1 else []


def asset_members(spec: StrategySpec, reg: Registry) -> list[str]:
    """Every code the strategy may hold (canonical), checked against the registry."""
    if spec.type == "sleeves":
        codes = []
        for sleeve in (spec.sleeves or {}).values():
            for c in sleeve.members:
                try:
                    codes.append(reg.resolve(c))
                except InputError as exc:
                    raise ConfigError(f"strategy {spec.name}: {exc.one_line()}") from None
    else:
        codes = [m.code for m in reg.segment_members(spec.universe or "", spec.segments)]
    banned = {m.code for u in spec.exclude for m in reg.universe(u).members}
    bad = [c for c in codes if c in banned]
    if bad:
        raise ConfigError(
            f"strategy {spec.name}: {bad[0]} belongs to an excluded universe "
            f"({', '.join(spec.exclude)})"
        )
    return list(dict.fromkeys(codes))


def _assets(codes: list[str], reg: Registry) -> list[Asset]:
    from strategies.prices import Asset

    out = []
    seen = set()
    queue = list(codes)
    while queue:
        c = queue.pop(0)
        if c in seen:
            continue
        seen.add(c)
        m = reg.members[c]
        out.append(Asset(c, m.market or "A", m.currency or "CNY", m))
        if m.successor is not None and m.successor.code in reg.members:
            queue.append(m.successor.code)  # the shares turn into these
    return out


def simulate(
    spec: StrategySpec,
    reader: Reader,
    reg: Registry,
    codes: list[str],
    start: dt.date,
    end: dt.date,
    allow_partial: bool = False,
) -> Run:
    import numpy as np
    import pandas as pd

    from strategies import weights as W
    from strategies.costs import lot_rule
    from strategies.planner import AssetRules, plan_orders
    from strategies.prices import build_panel

    assets = _assets(codes, reg)
    required = set(codes) if spec.type in ("sleeves", "segment-equal") else set()
    panel = build_panel(reader, assets, start, end, spec.base_currency, required, allow_partial)
    notes = list(panel.notes)
    days = W.check_days(panel.dates, spec.rebalance.calendar, spec.rebalance.dates)
    if spec.type == "sleeves":
        targets = W.sleeves(spec, panel, days, reg)
    elif spec.type == "segment-equal":
        targets = W.segment_equal(spec, panel, days, reg)
    elif spec.type == "valuation-tilt":
        targets = W.valuation_tilt(spec, panel, days, reg, reader, notes)
    else:
        targets = W.screen_driven(spec, panel, days, reg, reader, notes)
    rules = []
    for a in panel.assets:
        lot, min_order = a.member.lot_rules() if a.member else (1, 1)
        rules.append(
            AssetRules(
                market=a.market,
                lot=lot_rule(a.market, lot, min_order, spec.lots),
                commission=spec.costs.commission_bps.get(a.market, 0.0) / 1e4,
                min_commission=spec.costs.min_commission.get(a.market, 0.0),
                stamp_duty=spec.costs.stamp_duty,
            )
        )
    plan = plan_orders(panel, targets, spec.rebalance.band, spec.capital, rules)
    notes.extend(plan.notes)
    execute_with_vectorbt(panel, plan, spec.capital)
    from strategies.metrics import benchmark_series, run_metrics

    equity = pd.Series(plan.equity, index=panel.dates, name=spec.name)
    bench, bench_name = benchmark_series(
        reader, spec.benchmark, panel.dates, spec.base_currency, reg, notes
    )
    trades = _trades(panel, plan)
    metrics = run_metrics(equity, spec.capital, trades)
    value = plan.holdings * np.where(np.isfinite(panel.base), panel.base, 0.0)
    wts = pd.DataFrame(value / plan.equity[:, None], index=panel.dates, columns=panel.codes)
    wts["cash"] = plan.cash / plan.equity
    return Run(
        spec=spec,
        start=panel.dates[0].date(),
        end=panel.dates[-1].date(),
        base_currency=spec.base_currency,
        equity=equity,
        benchmark=bench,
        benchmark_name=bench_name,
        weights=wts,
        targets=targets,
        trades=trades,
        metrics=metrics,
        assets=_asset_table(panel),
        notes=notes,
        data_as_of=_data_as_of(reader, panel.codes),
    )


def execute_with_vectorbt(panel: PricePanel, plan: Plan, capital: float) -> Any:
    """Replay the planned orders in vectorbt and check its books against the planner's."""
    import numpy as np
    import pandas as pd

    from naion.errors import NaionError

    vbt = _vectorbt()
    close = np.where(np.isfinite(panel.base), panel.base, 1.0)  # no position where no price
    cols = pd.Index(panel.codes)
    pf = vbt.Portfolio.from_orders(
        close=pd.DataFrame(close, index=panel.dates, columns=cols),
        size=pd.DataFrame(plan.size, index=panel.dates, columns=cols),
        size_type="amount",
        direction="longonly",
        price=pd.DataFrame(plan.price, index=panel.dates, columns=cols),
        fees=0.0,
        fixed_fees=pd.DataFrame(plan.commission + plan.stamp, index=panel.dates, columns=cols),
        init_cash=capital,
        cash_sharing=True,
        group_by=True,
        call_seq=plan.sequence.astype(np.int64),
        freq="1D",
    )
    value = pf.value().to_numpy()
    # vectorbt values positions at the close; the planner too (0 where no price yet)
    bad = np.abs(value - plan.equity) > 1e-9 * np.maximum(np.abs(plan.equity), 1.0)
    if bad.any():
        t = int(np.flatnonzero(bad)[0])
        raise NaionError(
            f"internal check failed: vectorbt values the portfolio at {value[t]:.6f} on "
            f"{panel.dates[t].date()}, the order planner at {plan.equity[t]:.6f}"
        )
    return pf


def _vectorbt() -> Any:
    import logging
    import warnings

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import vectorbt as vbt
    return vbt


def _trades(panel: PricePanel, plan: Plan) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    t_idx, j_idx = np.nonzero(np.isfinite(plan.size) & (plan.size != 0))
    order = np.lexsort((j_idx, t_idx))
    t_idx, j_idx = t_idx[order], j_idx[order]
    size = plan.size[t_idx, j_idx]
    price = plan.price[t_idx, j_idx]
    fx = panel.fx[t_idx, j_idx]
    k = panel.share_factor[t_idx, j_idx]  # real shares per unit of the price series
    return pd.DataFrame(
        {
            "date": panel.dates[t_idx],
            "code": [panel.codes[j] for j in j_idx],
            "side": np.where(size > 0, "buy", "sell"),
            "shares": np.round(np.abs(size) * k, 6),
            "price_local": price / fx / k,
            "fx": fx,
            "price": price,
            "value": np.abs(size) * price,
            "commission": plan.commission[t_idx, j_idx],
            "stamp_duty": plan.stamp[t_idx, j_idx],
        }
    )


def _asset_table(panel: PricePanel) -> pd.DataFrame:
    import pandas as pd

    first, last = panel.dates[0].date(), panel.dates[-1].date()
    return pd.DataFrame(
        [
            {
                "code": a.code,
                "name": (a.member.name_zh or a.member.name_en) if a.member else a.code,
                "name_en": a.member.name_en if a.member else None,
                "segment": a.member.segment if a.member else None,
                "market": a.market,
                "currency": a.currency,
                "adjustment": a.adjust,
                # the part of the series the run used
                "first": max(a.first, first) if a.first else None,
                "last": min(a.last, last) if a.last else None,
            }
            for a in panel.assets
        ]
    )


def _data_as_of(reader: Reader, codes: list[str]) -> dt.date | None:
    """The newest date the store holds for the run's assets (how fresh its data is)."""
    rows = reader._con.execute(
        "SELECT max(date) FROM bars WHERE code IN (" + ", ".join("?" * len(codes)) + ")", codes
    ).fetchall()
    d = rows[0][0] if rows else None
    return d if d is None or isinstance(d, dt.date) else d.date()
