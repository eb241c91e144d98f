"""``Backtest(spec, ...).run(reader, registry) -> Run``: the kernel with one variant.

Steps: the strategy's members → the price panel (:mod:`strategies.panel`, one store query)
→ target weights on the check days of its calendar (the strategy type's ``targets``) → the
kernel (:mod:`strategies.kernel`) keeps the books under every market rule → metrics
(:mod:`strategies.metrics`) and the benchmark. ``naion sweep`` runs the same kernel with many
variants (:mod:`strategies.sweep`); ``Run.portfolio()`` replays the orders in vectorbt for
those who want its statistics and plots (:mod:`strategies.vbt`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from naion.errors import ConfigError, InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from naion.store import Reader
    from strategies.kernel import Books, Market
    from strategies.panel import History, Panel
    from strategies.spec import StrategySpec
    from strategies.types.base import Context
    from universes.loader import Registry

CONVENTIONS = (
    "Close-to-close: orders execute at the close of the day they are decided on.",
    "Prices: forward-adjusted (dividends and splits) for returns; an unadjusted stretch joins "
    "only through the adjustment factor of the join day, and every join is in the notes. Lots "
    "apply to real shares (the unadjusted close of the day); where it is unknown the name "
    "trades in fractional units (named in the notes).",
    "FX at the close: every price is converted to the base currency with that day's FX close "
    "(or the last before it); one cash pool, conversion free of charge.",
    "Costs on traded value: commission max(bps x value, per-order minimum in the listing "
    "currency); stamp duty by trade date (A-shares: sells, 0.1% until 2023-08-27, 0.05% from "
    "2023-08-28; HK: both sides).",
    "Lots: A-share 100-share lots (STAR orders >= 200 shares, BSE >= 100, a holding below the "
    "minimum sold whole in one order), HK board lots, whole US shares; sells first, then buys "
    "smallest first, the last cut to what cash can pay.",
    "A-share price limits: no buy of a name closing at its upper limit, no sell at its lower "
    "limit; the order waits for the next day it can execute.",
    "No trade on a day a listing's market is closed or it has no bar (suspended); a rebalance "
    "waits for the first day every market involved is open.",
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
    targets: pd.DataFrame  # the schedule: target weights on check days
    trades: pd.DataFrame
    metrics: dict[str, Any]
    assets: pd.DataFrame  # code, name, segment, market, currency, adjustment, ...
    notes: list[str] = field(default_factory=list)
    conventions: tuple[str, ...] = CONVENTIONS
    data_as_of: dt.date | None = None
    params: dict[str, Any] = field(default_factory=dict)
    run_id: str = ""
    replay: dict[str, Any] | None = field(default=None, repr=False)  # arrays for vectorbt

    def portfolio(self) -> Any:
        """A ``vectorbt.Portfolio`` replaying this run's orders and costs (imports vectorbt)."""
        from strategies.vbt import replay

        return replay(self)


@dataclass
class Backtest:
    spec: StrategySpec
    start: dt.date | None = None
    end: dt.date | None = None
    base_currency: str | None = None
    capital: float | None = None
    fees: float | None = None  # commission bps for every market; 0: frictionless
    lots: bool | None = None
    rebalance: str | None = None
    band: float | None = None
    allow_partial: bool = False
    params: Mapping[str, Any] = field(default_factory=dict)  # --set KEY=VALUE
    universe: str | None = None
    ignore_membership_dates: bool = False

    def resolved_spec(self) -> StrategySpec:
        from strategies.spec import with_params

        s = self.spec.model_copy(deep=True)
        if self.base_currency:
            base = self.base_currency.upper()
            if base not in ("CNY", "USD", "HKD"):
                raise InputError(f"unknown base currency {self.base_currency!r}",
                                 hint="use CNY, USD or HKD")  # fmt: skip
            s.base_currency = base  # type: ignore[assignment]
        if self.universe:
            if s.universe_name() is None:
                raise InputError(
                    f"--universe: {s.name} names its members ({s.type}); it has no universe"
                )
            s = s.model_copy(update={"universe": self.universe, "segments": None})
        opts: dict[str, Any] = {}
        if self.capital is not None:
            opts["capital"] = self.capital
        if self.fees is not None:
            opts["fees_bps"] = self.fees
        if self.lots is not None:
            opts["lots"] = self.lots
        if self.rebalance:
            opts["rebalance"] = self.rebalance
        if self.band is not None:
            opts["band"] = self.band
        return with_params(with_params(s, opts), dict(self.params))

    def run(
        self,
        reader: Reader,
        registry: Registry | None = None,
        history: History | None = None,
    ) -> Run:
        """Simulate; ``history`` (what :func:`strategies.panel.load_history` read for these
        members) saves reading the store again."""
        from naion.progress import spinner
        from strategies.panel import load_history, query_codes
        from universes.loader import registry_for_home

        with spinner("backtest"):
            reg = registry or registry_for_home()
            spec = self.resolved_spec()
            members = asset_members(spec, reg, reader)
            if history is None or any(
                c not in history.spans and (history.matrix is None or c not in history.matrix.codes)
                for c in query_codes(members, reg, spec.benchmark)
            ):
                history = load_history(reader, reg, members, spec.benchmark)
            start, end = self.window(reader, reg, members, spec, history.spans)
            return simulate(
                spec, reader, reg, members, start, end, self.allow_partial,
                self.ignore_membership_dates, history,
            )  # fmt: skip

    def window(
        self,
        reader: Reader,
        reg: Registry,
        members: list[str],
        spec: StrategySpec | None = None,
        spans: dict[str, tuple[dt.date, dt.date]] | None = None,
    ) -> tuple[dt.date, dt.date]:
        """The run's dates: as given, else from the prices held (see :func:`default_window`)."""
        if self.start and self.end and self.start >= self.end:
            raise InputError(f"--start {self.start} is not before --end {self.end}")
        if self.start and self.end:
            return self.start, self.end
        spec = spec or self.resolved_spec()
        dates = membership_dates(spec, reg, self.ignore_membership_dates)
        lo, hi = default_window(reader, reg, spec, members, spans, dates)
        start, end = self.start or lo, self.end or hi
        if start >= end:
            raise InputError(
                f"the members' prices have no common dates between {start} and {end}",
                hint="give --start and --end inside the dates 'naion data status' shows",
            )
        return start, end


def default_window(
    reader: Reader,
    reg: Registry,
    spec: StrategySpec,
    members: list[str],
    spans: dict[str, tuple[dt.date, dt.date]] | None = None,
    membership: Mapping[str, tuple[dt.date | None, dt.date | None]] | None = None,
) -> tuple[dt.date, dt.date]:
    """Start: named members (sleeves) — the first day all are priced; a universe — the first day
    a current member is priced. End: the last day every member still needed (not delisted,
    not past ``until``) and every FX pair is held; for ``all-a`` the market's last day."""
    from naion.errors import NotInStoreError
    from strategies.panel import member_info, spans_of
    from strategies.rules import fx_pairs

    spans = spans if spans is not None else spans_of(reader, members)
    absent = [c for c in members if c not in spans]
    universe = spec.universe_name()
    if absent and (universe is None or len(absent) == len(members)):
        raise NotInStoreError(
            f"the store holds no prices for {', '.join(absent[:4])}",
            hint=f"run 'naion data sync {' '.join(absent[:4])}' or 'naion data import PATH'",
        )
    held = [c for c in members if c in spans]
    mems = {c: reg.members.get(c) for c in held}
    dates = membership if membership is not None else membership_dates(spec, reg)
    since = {c: dates.get(c, (None, None))[0] for c in held}
    if universe is None:
        start = max(spans[c][0] for c in held)
    else:
        start = min(max(spans[c][0], since[c] or spans[c][0]) for c in held)
    ends = [
        spans[c][1]
        for c, m in mems.items()
        if (m is None or m.delisted is None) and dates.get(c, (None, None))[1] is None
    ]
    end = (max if universe == "all-a" else min)(ends or [spans[c][1] for c in held])
    currencies = {member_info(c, reg)[2] for c in held}
    pairs = fx_pairs(currencies, spec.base_currency)
    if pairs:
        fx = reader.fx_spans(pairs)
        for first, last in zip(fx["first_date"], fx["last_date"], strict=True):
            start, end = max(start, _date(first)), min(end, _date(last))
    return start, end


def membership_dates(
    spec: StrategySpec, reg: Registry, ignore: bool = False
) -> dict[str, tuple[dt.date | None, dt.date | None]]:
    """code → (since, until) of its membership in the strategy's universe: the dates of THAT
    universe (a code may sit in several with different dates); none for named members, for
    ``all-a`` and with ``--ignore-membership-dates``."""
    name = spec.universe_name()
    if ignore or name is None or name == "all-a":
        return {}
    return {m.code: (m.since, m.until) for m in reg.universe(name).members}


def current_in(
    members: list[str], dates: Mapping[str, tuple[dt.date | None, dt.date | None]],
    start: dt.date, end: dt.date,
) -> tuple[list[str], list[str]]:  # fmt: skip
    """(members current on some day of [start, end], the others): a name that joins its
    universe after the window, or left before it, is never held, so the run needs no data
    for it."""
    keep: list[str] = []
    outside: list[str] = []
    for c in members:
        since, until = dates.get(c, (None, None))
        current = (since is None or since <= end) and (until is None or until >= start)
        (keep if current else outside).append(c)
    return keep, outside


def outside_note(outside: list[str], start: dt.date, end: dt.date) -> str:
    shown = ", ".join(outside[:6]) + ("…" if len(outside) > 6 else "")
    return (
        f"{len(outside)} member{'s are' if len(outside) > 1 else ' is'} not current between "
        f"{start} and {end} (membership dates), so never held and not read: {shown}"
    )


def _date(x: Any) -> dt.date:
    from strategies.panel import _date as d

    return d(x)


def asset_members(spec: StrategySpec, reg: Registry, reader: Reader | None = None) -> list[str]:
    """Every code the strategy may hold (canonical), checked against the registry."""
    from strategies.panel import check_benchmark

    codes = spec.members(reg, reader)
    banned = {m.code for u in spec.exclude for m in reg.universe(u).members}
    bad = [c for c in codes if c in banned]
    if bad:
        raise ConfigError(
            f"strategy {spec.name}: {bad[0]} belongs to an excluded universe "
            f"({', '.join(spec.exclude)})"
        )
    index = [c for c in codes if (m := reg.members.get(c)) is not None and m.market == "INDEX"]
    if index:
        raise ConfigError(
            f"strategy {spec.name}: {index[0]} is an index; it cannot be held",
            hint="hold an index fund instead (e.g. SPY), or use it as the benchmark",
        )
    check_benchmark(spec.benchmark, reg, spec.name)
    spec.check(reg)
    if not codes:
        raise InputError(f"strategy {spec.name} has no members to hold")
    return list(dict.fromkeys(codes))


# -- the pieces a run (and a sweep) is built from ---------------------------------------------


def market_of(panel: Panel) -> Market:
    """The kernel's shared inputs from a panel: prices in base currency, rules, events."""
    import numpy as np

    from strategies.kernel import Market
    from strategies.rules import carry_forward, stamp_table

    T, N = panel.px.shape
    with np.errstate(invalid="ignore"):
        pb = np.where(np.isfinite(panel.px), panel.px * panel.fx, 0.0)
    exit_row = np.full(N, -1, dtype=np.int64)
    conv_row = np.full(N, -1, dtype=np.int64)
    conv_to = np.zeros(N, dtype=np.int64)
    conv_ratio = np.ones(N)
    cash_row = np.full(N, -1, dtype=np.int64)
    cash_paid = np.zeros(N)
    pos = {c: j for j, c in enumerate(panel.codes)}
    tradable = panel.tradable
    k_known = carry_forward(panel.k)
    for j, m in enumerate(panel.members):
        succ = m.successor if m is not None else None
        if succ is not None and succ.code in pos:
            r = int(np.searchsorted(panel.dates, np.datetime64(succ.date, "D")))
            if r < T:
                conv_row[j], conv_to[j], conv_ratio[j] = r, pos[succ.code], succ.ratio
            continue
        if m is not None and m.cash_out is not None:
            r = int(np.searchsorted(panel.dates, np.datetime64(m.cash_out.date, "D")))
            if r < T:
                cash_row[j] = r
                kk = k_known[min(r, T - 1), j]
                cash_paid[j] = m.cash_out.price * (kk if np.isfinite(kk) else 1.0)
            continue
        if panel.live[:, j].any() and not panel.live[-1, j]:
            rows = np.flatnonzero(tradable[:, j])
            if len(rows):
                exit_row[j] = rows[-1]
    return Market(
        pb=pb, k=panel.k, tradable=tradable, mopen=panel.open, lim_up=panel.lim_up,
        lim_dn=panel.lim_dn, fx=panel.fx, market=panel.market_index, lot=panel.lot,
        least=panel.min_order, exit_row=exit_row, conv_row=conv_row, conv_to=conv_to,
        conv_ratio=conv_ratio, cash_row=cash_row, cash_paid=cash_paid,
        stamp=stamp_table(panel.dates),
    )  # fmt: skip


def context_of(
    panel: Panel, reader: Reader, reg: Registry, notes: list[str], ignore_membership: bool
) -> Context:
    from strategies.types.base import Context

    return Context(
        codes=panel.codes, n_members=panel.n_members, dates=panel.dates, live=panel.live,
        reader=reader, registry=reg, notes=notes, ignore_membership=ignore_membership,
    )  # fmt: skip


def schedule(spec: StrategySpec, ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """(check-day rows, targets ``[rows, N]``) of a spec over the context's days."""
    import numpy as np

    from strategies.calendar import check_mask

    days = np.flatnonzero(check_mask(ctx.dates, spec.rebalance.calendar, spec.rebalance.dates))
    w = np.asarray(spec.targets(ctx, days), dtype=np.float64)
    if w.shape != (len(days), len(ctx.codes)):
        raise RuntimeError(f"{spec.type}.targets returned shape {w.shape}")
    bad = ~np.isfinite(w) | (w < -1e-12) | (w.sum(axis=1, keepdims=True) > 1 + 1e-9)
    if bad.any():
        raise RuntimeError(f"{spec.type}.targets returned weights outside [0, 1] or summing > 1")
    return days, np.clip(w, 0.0, None)


def execution(specs: list[StrategySpec], groups: list[int]) -> Any:
    """Per-variant execution parameters (band, capital, lots, costs) as kernel arrays."""
    import numpy as np

    from strategies.rules import MARKETS

    V = len(specs)
    bps = np.zeros((V, 3))
    minc = np.zeros((V, 3))
    for v, s in enumerate(specs):
        for m, market in enumerate(MARKETS):
            bps[v, m] = s.costs.commission_bps.get(market, 0.0) / 1e4
            minc[v, m] = s.costs.min_commission.get(market, 0.0)
    return dict(
        group=np.asarray(groups, dtype=np.int64),
        band=np.array([s.rebalance.band for s in specs], dtype=np.float64),
        capital=np.array([s.capital for s in specs], dtype=np.float64),
        lots=np.array([s.lots for s in specs], dtype=np.bool_),
        bps=bps,
        minc=minc,
        stamp=np.array([s.costs.stamp_duty for s in specs], dtype=np.bool_),
    )


def simulate(
    spec: StrategySpec,
    reader: Reader,
    reg: Registry,
    members: list[str],
    start: dt.date,
    end: dt.date,
    allow_partial: bool = False,
    ignore_membership: bool = False,
    history: History | None = None,
) -> Run:
    import numpy as np

    from naion.progress import step
    from strategies.kernel import Variants, run
    from strategies.panel import load_panel

    dates = membership_dates(spec, reg, ignore_membership)
    members, outside = current_in(members, dates, start, end)
    if not members:
        raise InputError(
            f"no member of {spec.universe_name()} is current between {start} and {end}",
            hint="pick a window after its members joined, or add --ignore-membership-dates",
        )
    panel = load_panel(
        reader, reg, members, start, end, spec.base_currency, spec.benchmark, allow_partial,
        spec.lots, history=history, membership=dates,
    )  # fmt: skip
    notes = list(panel.notes)
    if outside:
        notes.append(outside_note(outside, start, end))
    ctx = context_of(panel, reader, reg, notes, ignore_membership)
    step(f"{spec.type} targets of {len(panel.codes):,} names")
    days, tgt = schedule(spec, ctx)
    T = len(panel.dates)
    row_of = np.full((1, T), -1, dtype=np.int64)
    row_of[0, days] = np.arange(len(days))
    mk = market_of(panel)
    var = Variants(row_of=row_of, tgt=tgt, **execution([spec], [0]))
    step(f"simulating {len(panel.codes):,} names over {T:,} days")
    books = run(mk, var, record=True)
    step("metrics and trade records")
    return build_run(spec, reader, reg, panel, mk, books, days, tgt, notes, ctx.stats)


def build_run(
    spec: StrategySpec, reader: Reader, reg: Registry, panel: Panel, mk: Market, books: Books,
    days: np.ndarray, tgt: np.ndarray, notes: list[str], extra: Mapping[str, float] | None = None,
) -> Run:  # fmt: skip
    """The run of variant 0 of ``books``; ``extra``: the type's own figures (into metrics)."""
    import numpy as np
    import pandas as pd

    from strategies import kernel as K
    from strategies.metrics import blend, metrics_columns, periods_per_year

    index = pd.DatetimeIndex(panel.dates.astype("datetime64[ns]"))
    equity = pd.Series(books.equity[0], index=index, name=spec.name)
    bench, bench_name = blend(panel, spec.benchmark, reg, notes)
    stats = books.stats[0]
    P = periods_per_year(index)
    m = metrics_columns(
        books.equity[0][:, None], np.array([spec.capital]), P,
        traded=stats[None, K.S_TRADED], commission=stats[None, K.S_COMMISSION],
        taxes=stats[None, K.S_TAXES], trades=stats[None, K.S_TRADES],
    )  # fmt: skip
    metrics = {k: float(v[0]) for k, v in m.items()}
    metrics["trades"] = int(stats[K.S_TRADES])
    if metrics["trades"] == 0 and np.nansum(tgt) > 0:
        notes.append(
            f"no order was placed: {spec.base_currency} {spec.capital:,.6g} of capital buys no "
            "whole lot (or minimum order) of any target; the run held cash"
        )
    metrics.update(extra or {})
    waited = int(stats[K.S_WAITED])
    metrics["waited_orders"] = waited
    if waited:
        t_idx, j_idx = np.nonzero(books.waited)
        first = f"{panel.codes[j_idx[0]]} on {panel.dates[t_idx[0]]}"
        notes.append(
            f"price limits: {waited} order{'s' if waited > 1 else ''} waited for a day the name "
            f"was not locked at its limit (first: {first})"
        )
    frac = int(stats[K.S_FRACTIONAL])
    if frac:
        metrics["fractional_orders"] = frac
    assert books.holdings is not None and books.cash is not None
    value = books.holdings * mk.pb
    wts = pd.DataFrame(value / books.equity[0][:, None], index=index, columns=panel.codes)
    wts["cash"] = books.cash / books.equity[0]
    targets = pd.DataFrame(tgt, index=index[days], columns=panel.codes)
    trades = trades_frame(panel, mk, books)
    as_of = max((last for _, last in panel.spans.values()), default=None)
    return Run(
        spec=spec,
        start=panel.dates[0].astype(object),
        end=panel.dates[-1].astype(object),
        base_currency=spec.base_currency,
        equity=equity,
        benchmark=bench,
        benchmark_name=bench_name,
        weights=wts,
        targets=targets,
        trades=trades,
        metrics=metrics,
        assets=asset_table(panel),
        notes=notes,
        data_as_of=as_of,
        replay={
            "close": mk.pb,
            "size": books.size,
            "price": books.price,
            "fees": books.commission + books.taxes,
            "capital": spec.capital,
            "equity": books.equity[0],
            "dates": index,
            "codes": panel.codes,
        },
    )


KINDS = {1: "trade", 2: "conversion", 3: "cash-out", 4: "delisting"}


def trades_frame(panel: Panel, mk: Market, books: Books) -> pd.DataFrame:
    """One row per (day, asset) with an order: value and costs; shares and the local price are
    real (unadjusted) where the day's unadjusted close is known (``lots`` true), else units
    and prices of the adjusted series — never a made-up unadjusted price."""
    import numpy as np
    import pandas as pd

    assert books.kind is not None and books.size is not None and books.price is not None
    t_idx, j_idx = np.nonzero(books.kind)
    size = books.size[t_idx, j_idx]
    price = books.price[t_idx, j_idx]
    fx = panel.fx[t_idx, j_idx]
    k = panel.k[t_idx, j_idx]
    k = np.where(np.isfinite(k), k, 1.0)
    return pd.DataFrame(
        {
            "date": pd.DatetimeIndex(panel.dates[t_idx].astype("datetime64[ns]")),
            "code": [panel.codes[j] for j in j_idx],
            "side": np.where(size > 0, "buy", "sell"),
            "shares": np.round(np.abs(size) * k, 6),
            "price_local": price / fx / k,
            "fx": fx,
            "price": price,
            "value": books.value[t_idx, j_idx],  # type: ignore[index]
            "commission": books.commission[t_idx, j_idx],  # type: ignore[index]
            "stamp_duty": books.taxes[t_idx, j_idx],  # type: ignore[index]
            "kind": [KINDS[int(x)] for x in books.kind[t_idx, j_idx]],
            "lots": books.lots[t_idx, j_idx],  # type: ignore[index]
        }
    )


def asset_table(panel: Panel) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for j, (c, m) in enumerate(zip(panel.codes, panel.members, strict=True)):
        frac = panel.fractional.get(c)
        rows.append(
            {
                "code": c,
                "name": (m.name_zh or m.name_en) if m else c,
                "name_en": m.name_en if m else None,
                "segment": m.segment if m else None,
                "market": panel.markets[j],
                "currency": panel.currencies[j],
                "adjustment": panel.basis[j],
                "first": panel.first[j],
                "last": panel.last[j],
                "fractional_from": frac[0] if frac else None,
                "fractional_to": frac[1] if frac else None,
            }
        )
    return pd.DataFrame(rows)
