"""Parameter sweeps: every grid variant through the one kernel, under the full market rules.

Grid syntax (one ``--grid`` per key, the variants are their cartesian product)::

    core_weight=0.4:0.9:0.05     a range, ends included
    rebalance=M,Q                a list
    band=0,0.05,0.1

The keys are those of ``naion backtest --set`` (:func:`strategies.spec.with_params`), so any
row reproduces exactly with ``naion backtest STRATEGY --set KEY=VALUE ...``. Every strategy
type sweeps: each distinct combination of the keys that change targets (a sleeve weight, the
calendar, ``tilt.cap``, ``screen.top`` ...) gets its target schedule from the type; the keys
that only change execution (``band``, ``fees_bps``, ``capital``, ``lots``, ``costs.*``) share
one. The books of all variants are then simulated together by :mod:`strategies.kernel`, in
chunks, and :func:`strategies.metrics.metrics_columns` scores each column.
"""

from __future__ import annotations

import itertools
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from naion.errors import InputError
from naion.progress import spinner

if TYPE_CHECKING:
    import datetime as dt

    import pandas as pd

    from naion.store import Reader
    from strategies.spec import StrategySpec
    from universes.loader import Registry

MAX_VARIANTS = 100_000
CHUNK = 2048  # variants simulated per kernel call (bounds the equity buffer)
METRICS = (
    "total_return", "cagr", "volatility", "sharpe", "sortino", "max_drawdown", "turnover",
    "fees", "taxes", "trades",
)  # fmt: skip
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@dataclass
class SweepResult:
    table: pd.DataFrame  # one row per variant: its keys, then metrics
    variants: int
    seconds: float  # targets + kernel + metrics
    start: str
    end: str
    base_currency: str
    keys: list[str] = field(default_factory=list)
    strategy: str = ""
    notes: list[str] = field(default_factory=list)


def _num(key: str, text: str) -> float:
    t = text.strip()
    if not _NUMBER.match(t):
        raise InputError(f"--grid {key}: {text!r} is not a number", hint="e.g. 0.4:0.9:0.1")
    return float(t)


def parse_grid(items: list[str]) -> dict[str, list[Any]]:
    """``KEY=a:b:step`` / ``KEY=v1,v2`` items → key → values; refuses a grid of more than
    :data:`MAX_VARIANTS` variants before building it."""
    grid: dict[str, list[Any]] = {}
    sizes: list[int] = []
    for item in items:
        name, sep, spec = (x.strip() for x in item.partition("="))
        if not sep or not name or not spec:
            raise InputError(f"bad --grid {item!r}", hint="write KEY=a:b:step or KEY=v1,v2")
        if name in grid:
            raise InputError(f"--grid {name} is given twice")
        if spec.count(":") == 2:
            lo, hi, step = (_num(name, x) for x in spec.split(":"))
            if step <= 0 or hi < lo:
                raise InputError(
                    f"bad range in --grid {item!r}", hint="use low:high:step, step > 0"
                )
            n = math.floor((hi - lo) / step + 1e-9) + 1
            sizes.append(n)
            _check_size(sizes)
            values: list[Any] = [round(lo + i * step, 10) for i in range(n)]
        else:
            values = [v.strip() for v in spec.split(",") if v.strip()]
            if not values:
                raise InputError(f"bad --grid {item!r}", hint="give at least one value")
            if all(_NUMBER.match(v) for v in values):
                values = [float(v) for v in values]
            sizes.append(len(values))
            _check_size(sizes)
        grid[name] = values
    return grid


def _check_size(sizes: list[int]) -> None:
    total = math.prod(sizes)
    if total > MAX_VARIANTS:
        raise InputError(
            f"the grid has {total:,} variants, more than {MAX_VARIANTS:,}",
            hint="use fewer values or coarser steps",
        )


def _text(value: Any) -> str:
    """A grid value as ``--set`` would be given it."""
    return repr(value) if isinstance(value, float) else str(value)


@spinner("sweep")
def run_sweep(
    spec: StrategySpec,
    reader: Reader,
    reg: Registry,
    grid: dict[str, list[Any]],
    start: dt.date,
    end: dt.date,
    allow_partial: bool = False,
    ignore_membership: bool = False,
    progress: Callable[[int, int], None] | None = None,
    history: Any = None,
) -> SweepResult:
    """Every variant of ``grid`` over [start, end]; ``progress(done, total)`` after each chunk
    of variants (a spinner on a terminal names each step too)."""
    import numpy as np
    import pandas as pd

    from naion.progress import step
    from strategies import kernel as K
    from strategies.engine import (
        asset_members,
        context_of,
        current_in,
        execution,
        market_of,
        outside_note,
        schedule,
    )
    from strategies.engine import membership_dates as dates_of
    from strategies.metrics import metrics_columns, periods_per_year
    from strategies.panel import load_panel
    from strategies.spec import is_execution_key, with_params

    keys = list(grid)
    _check_size([len(v) for v in grid.values()])
    tkeys = [k for k in keys if not is_execution_key(k)]
    ekeys = [k for k in keys if is_execution_key(k)]
    members = asset_members(spec, reg, reader)

    def variant(params: dict[str, Any]) -> StrategySpec:
        s = with_params(spec, {k: _text(v) for k, v in params.items()})
        if s.base_currency != spec.base_currency:
            raise InputError("a sweep cannot change the base currency")
        return s

    t_specs = [variant(dict(zip(tkeys, c, strict=True)))
               for c in itertools.product(*(grid[k] for k in tkeys))]  # fmt: skip
    for s in t_specs:
        if asset_members(s, reg, reader) != members:
            raise InputError("a sweep key may not change the strategy's members",
                             hint="run the other member sets as separate sweeps")  # fmt: skip
    e_specs = [variant(dict(zip(ekeys, c, strict=True)))
               for c in itertools.product(*(grid[k] for k in ekeys))]  # fmt: skip
    dates = dates_of(spec, reg, ignore_membership)
    members, outside = current_in(members, dates, start, end)
    if not members:
        raise InputError(
            f"no member of {spec.universe_name()} is current between {start} and {end}",
            hint="pick a window after its members joined, or add --ignore-membership-dates",
        )
    panel = load_panel(reader, reg, members, start, end, spec.base_currency, spec.benchmark,
                       allow_partial, any(s.lots for s in e_specs), history=history,
                       membership=dates)  # fmt: skip
    notes = list(panel.notes)
    if outside:
        notes.append(outside_note(outside, start, end))
    t0 = time.perf_counter()
    ctx = context_of(panel, reader, reg, notes, ignore_membership)
    T = len(panel.dates)
    row_of = np.full((len(t_specs), T), -1, dtype=np.int64)
    rows = []
    offset = 0
    for g, s in enumerate(t_specs):
        step(f"{s.type} targets of {len(panel.codes):,} names: schedule {g + 1:,} of "
             f"{len(t_specs):,}")  # fmt: skip
        days, tgt = schedule(s, ctx)
        row_of[g, days] = offset + np.arange(len(days))
        rows.append(tgt)
        offset += len(days)
    tgt_all = np.vstack(rows) if rows else np.zeros((0, len(panel.codes)))
    # variant v = the product over keys in grid order → its target and execution combos
    shape = [len(grid[k]) for k in keys]
    V = math.prod(shape)
    idx = np.indices(shape).reshape(len(keys), -1) if keys else np.zeros((0, 1), dtype=int)
    pos = {k: i for i, k in enumerate(keys)}

    def ravel(ks: list[str]) -> np.ndarray:
        if not ks:
            return np.zeros(V, dtype=np.int64)
        return np.ravel_multi_index(tuple(idx[pos[k]] for k in ks), [len(grid[k]) for k in ks])

    t_of, e_of = ravel(tkeys), ravel(ekeys)
    ex = execution(e_specs, [0] * len(e_specs))
    mk = market_of(panel)
    capital = ex["capital"][e_of]
    P = periods_per_year(pd.DatetimeIndex(panel.dates.astype("datetime64[ns]")))
    parts = []
    for lo in range(0, V, CHUNK):
        sl = slice(lo, min(V, lo + CHUNK))
        step(f"simulating variants {lo + 1:,}–{sl.stop:,} of {V:,} ({len(panel.codes):,} names)")
        e = e_of[sl]
        var = K.Variants(
            row_of=row_of, tgt=tgt_all, group=t_of[sl].astype(np.int64), band=ex["band"][e],
            capital=capital[sl], lots=ex["lots"][e], bps=ex["bps"][e], minc=ex["minc"][e],
            stamp=ex["stamp"][e],
        )  # fmt: skip
        books = K.run(mk, var, jit=K.use_jit(V * T * len(panel.codes)))
        st = books.stats
        m = metrics_columns(
            books.equity.T, capital[sl], P, traded=st[:, K.S_TRADED],
            commission=st[:, K.S_COMMISSION], taxes=st[:, K.S_TAXES], trades=st[:, K.S_TRADES],
        )  # fmt: skip
        m["waited_orders"] = st[:, K.S_WAITED]
        m["rebalances"] = st[:, K.S_REBALANCES]
        parts.append(m)
        if progress is not None:
            progress(sl.stop, V)
    seconds = time.perf_counter() - t0
    table = pd.DataFrame({k: [grid[k][i] for i in idx[pos[k]]] for k in keys})
    for name in (*METRICS, "commission", "waited_orders", "rebalances"):
        table[name] = np.concatenate([p[name] for p in parts])
    table["trades"] = table["trades"].astype(int)
    table["rebalances"] = table["rebalances"].astype(int)
    table["waited_orders"] = table["waited_orders"].astype(int)
    return SweepResult(
        table, V, seconds, str(panel.dates[0]), str(panel.dates[-1]), spec.base_currency,
        keys, spec.name, list(dict.fromkeys(notes)),
    )  # fmt: skip
