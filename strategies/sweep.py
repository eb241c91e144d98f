"""Parameter sweeps: every grid variant simulated at once by :mod:`strategies.sweep_kernel`.

Grid syntax (one ``--grid`` per parameter, the variants are their cartesian product)::

    core_weight=0.4:0.9:0.05     a range, ends included
    rebalance=M,Q                a list
    band=0,0.05,0.1

Parameters: ``<sleeve>_weight`` (sleeves strategies: that sleeve's weight; the other
sleeves share the rest in their original proportions), ``rebalance`` (D, W, M, Q, A, none),
``band`` (drift band, fraction), ``fees_bps`` (proportional cost).

What a sweep simplifies, so it can run a thousand variants in a second: fixed target weights
(sleeves, segment-equal; members listed over the whole window), fractional shares, a flat
proportional cost on traded value (default: the strategy's A-share commission plus half of
the A-share sell stamp duty), no per-order minimum, trading on every calendar day. Run the
chosen variant with ``naion backtest`` for the full market rules.
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from naion.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from naion.store import Reader
    from strategies.spec import StrategySpec
    from universes.loader import Registry

_RANGE = re.compile(r"^\s*(-?[\d.]+)\s*:\s*(-?[\d.]+)\s*:\s*([\d.]+)\s*$")
METRICS = ("total_return", "cagr", "volatility", "sharpe", "sortino", "max_drawdown")


@dataclass
class SweepResult:
    table: pd.DataFrame  # one row per variant: parameters + metrics
    variants: int
    seconds: float  # kernel + metrics
    start: str
    end: str
    base_currency: str


def parse_grid(items: list[str]) -> dict[str, list[Any]]:
    grid: dict[str, list[Any]] = {}
    for item in items:
        if "=" not in item:
            raise InputError(f"bad --grid {item!r}", hint="write NAME=a:b:step or NAME=v1,v2")
        name, spec = (x.strip() for x in item.split("=", 1))
        if not name or not spec:
            raise InputError(f"bad --grid {item!r}", hint="write NAME=a:b:step or NAME=v1,v2")
        m = _RANGE.match(spec)
        if m:
            lo, hi, step = (float(x) for x in m.groups())
            if step <= 0 or hi < lo:
                raise InputError(
                    f"bad range in --grid {item!r}", hint="use low:high:step, step > 0"
                )
            n = round((hi - lo) / step) + 1
            values: list[Any] = [round(lo + i * step, 10) for i in range(n)]
        else:
            values = [v.strip() for v in spec.split(",") if v.strip()]
            if name != "rebalance":
                try:
                    values = [float(v) for v in values]
                except ValueError:
                    raise InputError(f"--grid {name}: values must be numbers ({spec})") from None
        grid[name] = values
    return grid


def check_sweepable(spec: StrategySpec, grid: dict[str, list[Any]]) -> None:
    """Refuse strategies and parameters a sweep cannot vary (before any data is read)."""
    if spec.type not in ("sleeves", "segment-equal"):
        raise InputError(
            f"sweeps need fixed target weights; {spec.name} is {spec.type}",
            hint="sweep a sleeves or segment-equal strategy",
        )
    allowed = {"rebalance", "band", "fees_bps"} | {f"{s}_weight" for s in spec.sleeves or {}}
    for name in grid:
        if name not in allowed:
            raise InputError(
                f"unknown sweep parameter {name!r}",
                hint=f"parameters of {spec.name}: {', '.join(sorted(allowed))}",
            )


def run_sweep(
    spec: StrategySpec,
    reader: Reader,
    reg: Registry,
    grid: dict[str, list[Any]],
    start: Any,
    end: Any,
) -> SweepResult:
    import numpy as np
    import pandas as pd

    from strategies import sweep_kernel as K
    from strategies.engine import _assets, asset_members
    from strategies.prices import build_panel
    from strategies.weights import check_days, segment_equal, sleeves

    if spec.type not in ("sleeves", "segment-equal"):
        raise InputError(
            f"sweeps need fixed target weights; {spec.name} is {spec.type}",
            hint="sweep a sleeves or segment-equal strategy",
        )
    sleeve_names = list(spec.sleeves or {})
    allowed = {"rebalance", "band", "fees_bps"} | {f"{s}_weight" for s in sleeve_names}
    for name in grid:
        if name not in allowed:
            raise InputError(
                f"unknown sweep parameter {name!r}",
                hint=f"parameters of {spec.name}: {', '.join(sorted(allowed))}",
            )
    codes = asset_members(spec, reg)
    panel = build_panel(
        reader, _assets(codes, reg), start, end, spec.base_currency, set(codes), allow_partial=False
    )
    prices = panel.base[:, : len(codes)]
    if not np.isfinite(prices).all():
        first_ok = int(np.argmax(np.isfinite(prices).all(axis=1)))
        raise InputError(
            "a sweep needs every member priced on every day of the window",
            hint=f"start on or after {panel.dates[first_ok].date()}",
        )
    calendars = [
        str(c).upper() if str(c).lower() != "none" else "none"
        for c in grid.get("rebalance", [spec.rebalance.calendar])
    ]
    for c in calendars:
        if c not in ("D", "W", "M", "Q", "A", "none"):
            raise InputError(f"unknown rebalance calendar {c!r}", hint="use D, W, M, Q, A or none")
    masks = np.zeros((len(calendars), len(panel.dates)), dtype=np.bool_)
    pos = {d: i for i, d in enumerate(panel.dates)}
    for k, cal in enumerate(calendars):
        for d in check_days(panel.dates, cal, []):
            masks[k, pos[d]] = True
    default_fee = (spec.costs.commission_bps.get("A", 0.0) + 5.0) / 1e4
    names = list(grid)
    values = [grid[n] for n in names]
    combos = list(itertools.product(*values)) if names else [()]
    rows, weights, cal_of, bands, fees = [], [], [], [], []
    first_day = [panel.dates[0]]
    for combo in combos:
        params = dict(zip(names, combo, strict=True))
        s = _variant_spec(spec, params, sleeve_names)
        if spec.type == "sleeves":
            w = sleeves(s, panel, first_day, reg).to_numpy()[0, : len(codes)]
        else:
            w = segment_equal(s, panel, first_day, reg).to_numpy()[0, : len(codes)]
        weights.append(w)
        cal = str(params.get("rebalance", spec.rebalance.calendar))
        cal_of.append(calendars.index(cal.upper() if cal.lower() != "none" else "none"))
        bands.append(float(params.get("band", spec.rebalance.band)))
        fees.append(float(params["fees_bps"]) / 1e4 if "fees_bps" in params else default_fee)
        rows.append(params)
    P = _periods(panel.dates)
    warm = K.simulate_sweep(
        prices[:5],
        np.asarray(weights[:1]),
        masks[:, :5],
        np.asarray(cal_of[:1]),
        np.asarray(bands[:1]),
        np.asarray(fees[:1]),
        spec.capital,
    )
    del warm  # numba compilation is not part of the measured time
    t0 = time.perf_counter()
    res = K.simulate_sweep(
        np.ascontiguousarray(prices),
        np.asarray(weights, dtype=np.float64),
        masks,
        np.asarray(cal_of, dtype=np.int64),
        np.asarray(bands, dtype=np.float64),
        np.asarray(fees, dtype=np.float64),
        spec.capital,
    )
    curve = np.vstack([np.full((1, len(combos)), spec.capital), res.equity])
    metrics = K.variant_metrics(curve, P)
    seconds = time.perf_counter() - t0
    table = pd.DataFrame(rows)
    for k in METRICS:
        table[k] = metrics[k]
    years = len(panel.dates) / P
    table["turnover"] = res.turnover / 2.0 / years  # one-way, per year, as in backtests
    table["fees"] = res.fees
    table["rebalances"] = res.rebalances
    return SweepResult(
        table,
        len(combos),
        seconds,
        str(panel.dates[0].date()),
        str(panel.dates[-1].date()),
        spec.base_currency,
    )


def _periods(dates: pd.DatetimeIndex) -> float:
    from strategies.metrics import periods_per_year

    return periods_per_year(dates)


def _variant_spec(spec: StrategySpec, params: dict[str, Any], sleeve_names: list[str]) -> Any:
    s = spec.model_copy(deep=True)
    for name, value in params.items():
        if not name.endswith("_weight"):
            continue
        sleeve = name[: -len("_weight")]
        if not 0 <= float(value) <= 1:
            raise InputError(f"{name}={value}: a sleeve weight must be between 0 and 1")
        assert s.sleeves is not None
        total = sum(x.weight for x in s.sleeves.values())
        others = [n for n in sleeve_names if n != sleeve]
        rest = sum(s.sleeves[n].weight for n in others)
        s.sleeves[sleeve].weight = float(value)
        for n in others:
            share = s.sleeves[n].weight / rest if rest > 0 else 1.0 / len(others)
            s.sleeves[n].weight = max(total - float(value), 0.0) * share
    return s
