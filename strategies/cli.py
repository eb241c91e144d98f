"""``naion backtest``, ``naion sweep`` and ``naion rebalance``."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from naion.options import FormatOpt, OutputOpt, WideOpt
from strategies.metrics import PERCENT_KINDS

# metric columns in tables: short headers, and what each holds (the legend under a table)
METRIC_HEADERS = {
    "total_return": "return",
    "cagr": "CAGR",
    "volatility": "vol",
    "sharpe": "Sharpe",
    "sortino": "Sortino",
    "max_drawdown": "max DD",
    "turnover": "turn/yr",
    "commission": "comm.",
}
METRIC_LEGEND = {
    "total_return": "total return",
    "volatility": "volatility (annualised)",
    "max_drawdown": "maximum drawdown",
    "turnover": "one-way turnover per year",
    "commission": "commission",
    "costs": "commission + taxes",
}
# what the metric columns are called, in order, in every table, CSV and JSON (``fees`` is
# kept in CSV and JSON for scripts written before ``costs``: the same number)
METRIC_COLUMNS = (
    "total_return", "cagr", "volatility", "sharpe", "sortino", "max_drawdown", "turnover",
    "commission", "taxes", "costs",
)  # fmt: skip


def with_costs(frame: Any) -> Any:
    """``frame`` with ``commission`` and ``costs`` (= commission + taxes) beside ``taxes``.

    Saved runs and sweeps hold ``fees`` (commission + taxes) and ``taxes``; older runs may
    lack ``commission``."""
    out = frame.copy()
    if "fees" not in out.columns or "taxes" not in out.columns:
        return out
    if "commission" not in out.columns:
        out["commission"] = out["fees"] - out["taxes"]
    out["costs"] = out["fees"]
    order: list[str] = []
    for col in out.columns:  # commission, taxes, costs side by side where taxes stood
        if col == "taxes":
            order += ["commission", "taxes", "costs"]
        elif col not in ("commission", "costs"):
            order.append(col)
    return out[order]


def costs_of(m: dict[str, Any]) -> dict[str, Any]:
    """A run's metrics with ``commission`` and ``costs`` (= commission + taxes) filled in."""
    out = dict(m)
    fees, taxes = out.get("fees"), out.get("taxes")
    if out.get("commission") is None and fees is not None and taxes is not None:
        out["commission"] = float(fees) - float(taxes)
    if fees is not None:
        out["costs"] = float(fees)
    elif out.get("commission") is not None and taxes is not None:
        out["costs"] = float(out["commission"]) + float(taxes)
    return out


StartOpt = Annotated[str | None, typer.Option("--start", help="First day, YYYY-MM-DD.")]
EndOpt = Annotated[str | None, typer.Option("--end", help="Last day, YYYY-MM-DD.")]
BaseOpt = Annotated[
    str | None, typer.Option("--base-currency", help="CNY, USD or HKD (default: the strategy's).")
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", "-s", help="KEY=VALUE: a parameter, the keys of --grid (repeatable)."),
]
UniverseOpt = Annotated[
    str | None,
    typer.Option("--universe", help="Run a universe strategy over another universe (or all-a)."),
]
MembershipOpt = Annotated[
    bool,
    typer.Option(
        "--ignore-membership-dates",
        help="Hold universe members outside their since/until dates too.",
    ),
]
OfflineOpt = Annotated[bool, typer.Option("--offline", help="Never fetch missing data.")]
PartialOpt = Annotated[
    bool, typer.Option("--allow-partial", help="Shrink the window to the dates all members have.")
]


def parse_sets(items: list[str] | None) -> dict[str, str]:
    """``KEY=VALUE`` items → an ordered mapping (one InputError line for a malformed one)."""
    from naion.errors import InputError

    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InputError(f"bad --set {item!r}", hint="write KEY=VALUE, e.g. core_weight=0.6")
        out[key.strip()] = value.strip()
    return out


def backtest_cmd(
    strategy: Annotated[
        str, typer.Argument(help="Strategy name (see --list) or a YAML file.")
    ] = "",
    start: StartOpt = None,
    end: EndOpt = None,
    base_currency: BaseOpt = None,
    capital: Annotated[float | None, typer.Option("--capital", help="Starting cash.")] = None,
    fees: Annotated[
        float | None,
        typer.Option("--fees", help="Commission in bps for every market; 0 = frictionless."),
    ] = None,
    no_lots: Annotated[bool, typer.Option("--no-lots", help="Fractional shares.")] = False,
    rebalance: Annotated[
        str | None, typer.Option("--rebalance", help="Calendar: D, W, M, Q, A or none.")
    ] = None,
    band: Annotated[float | None, typer.Option("--band", help="Drift band (0.05 = 5 pp).")] = None,
    sets: SetOpt = None,
    universe: UniverseOpt = None,
    ignore_membership_dates: MembershipOpt = False,
    allow_partial: PartialOpt = False,
    offline: OfflineOpt = False,
    verify: Annotated[
        bool, typer.Option("--verify", help="Replay the orders in vectorbt and compare the books.")
    ] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="Also write the tear sheet to this HTML file.")
    ] = None,
    no_save: Annotated[bool, typer.Option("--no-save", help="Do not keep the run.")] = False,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    wide: WideOpt = False,
    list_: Annotated[bool, typer.Option("--list", help="List the strategies and exit.")] = False,
) -> None:
    """Backtest a strategy on the store's prices; save the run for `naion report`."""
    from naion.dates import check_window, parse_date
    from naion.errors import InputError
    from naion.output import check_format, console, emit

    fmt = check_format(fmt)
    if list_:
        emit(strategies_frame(), fmt, output, title="Strategies", drop=("origin", "title"),
             wide=wide)  # fmt: skip
        return
    if not strategy:
        raise InputError("name a strategy", hint="see 'naion backtest --list'")
    from naion.settings import paths
    from strategies.spec import get_spec

    spec = get_spec(strategy, paths().strategies)
    first, last = parse_date(start, "--start"), parse_date(end, "--end")
    check_window(first, last)
    from strategies.engine import Backtest

    params = parse_sets(sets)
    bt = Backtest(
        spec, first, last, base_currency, capital, fees, False if no_lots else None, rebalance,
        band, allow_partial, params, universe, ignore_membership_dates,
    )  # fmt: skip
    bt.resolved_spec()  # bad options fail before any data is read
    run = _run_with_data(bt, offline)
    run.params = {
        k: v
        for k, v in {
            "start": start,
            "end": end,
            "base_currency": base_currency,
            "capital": capital,
            "fees": fees,
            "no_lots": no_lots or None,
            "rebalance": rebalance,
            "band": band,
            "set": params or None,
            "universe": universe,
            "ignore_membership_dates": ignore_membership_dates or None,
            "allow_partial": allow_partial or None,
        }.items()
        if v is not None
    }
    if verify:
        from strategies.vbt import verify as check

        check(run)
    err = console(stderr=True)
    saved = None
    if not no_save:
        from strategies.runs import save_run

        saved = save_run(run)
    m = costs_of(run.metrics)
    if fmt == "json":
        from naion.output import to_json, write_text
        from strategies.metrics import REPORTED

        out = {k: m.get(k) for k in (*REPORTED, "costs")}
        out.update(
            {
                "trades": m.get("trades"),
                "start": run.start.isoformat(),
                "end": run.end.isoformat(),
                "base_currency": run.base_currency,
                "run_id": run.run_id or None,
                "strategy": run.spec.name,
                "benchmark": run.benchmark_name or None,
            }
        )
        out.update({k: v for k, v in m.items() if k not in out})  # e.g. tilt_fallback_share
        out["notes"] = list(run.notes)
        write_text(to_json(out) + "\n", output)
    elif fmt == "csv":
        emit(metrics_frame(run), fmt, output)
    else:
        bench = f" · benchmark = {run.benchmark_name}" if run.benchmark is not None else ""
        emit(
            metrics_rows(run),
            fmt,
            output,
            title=f"{run.spec.title}",
            caption=f"{run.start} → {run.end} · {run.base_currency} · capital "
            f"{run.spec.capital:,.0f}{bench}",
            legend={"turnover / yr": "one-way, annualised", "costs": "commission + taxes, "
                    f"{run.base_currency}"},
            wide=wide,
        )  # fmt: skip
    for note in run.notes:
        err.print(f"note: {note}", highlight=False)
    if verify:
        err.print("verified: vectorbt's replay of the orders keeps the same books (1e-9)")
    if saved is not None:
        err.print(f"saved run {run.run_id} (naion report {run.run_id} --output FILE)")
    if report is not None:
        if saved is None:
            raise InputError("--report needs a saved run", hint="drop --no-save")
        from reports.tearsheet import write_tearsheet

        write_tearsheet(saved, report)
        err.print(f"wrote {report}")


def _needed(bt: Any, reg: Any, reader: Any) -> tuple[Any, list[str], list[str], set[str]]:
    """(resolved spec, members, codes to hold data for, their currencies)."""
    from strategies.engine import asset_members, current_in, membership_dates
    from strategies.panel import member_info, with_successors

    spec = bt.resolved_spec()
    codes = asset_members(spec, reg, reader)
    if bt.start is not None and bt.end is not None:  # names never current need no data
        dates = membership_dates(spec, reg, bt.ignore_membership_dates)
        codes = current_in(codes, dates, bt.start, bt.end)[0] or codes
    bench = [reg.canonical(c) for c in spec.benchmark]
    # the store's own all-a universe is what it holds: only the benchmark may need fetching
    held = bench if spec.universe_name() == "all-a" else with_successors(codes, reg) + bench
    needed = list(dict.fromkeys(c for c in held if c in reg.members))
    currencies = {member_info(c, reg)[2] for c in with_successors(codes, reg) + bench}
    return spec, codes, needed, currencies


@contextmanager
def store_with_data(bt: Any, offline: bool, need_end: Any = None) -> Iterator[Any]:
    """A read-only store holding what the run needs: fetched first unless offline (the write
    lock is held only while fetching). Yields (store, registry, notes, history or None).

    Without an end the run ends where the data held ends, so only codes (and FX pairs) never
    held count as missing."""
    import datetime as dt

    from naion.errors import NotInStoreError
    from naion.settings import paths
    from naion.store import Store, open_store
    from strategies import ondemand
    from strategies.panel import load_history
    from universes.loader import registry_for_home

    reg = registry_for_home()
    end = need_end or bt.end
    if bt.resolved_spec().universe_name() != "all-a":
        _needed(bt, reg, None)  # a bad strategy file fails before the store is looked at
    exists = paths().store.exists()
    if offline and not exists:
        raise NotInStoreError(
            f"no data store at {paths().store}",
            hint="fill it with 'naion data import PATH' or 'naion data sync', or drop --offline",
        )
    notes: list[str] = []
    if exists:
        st = Store.open(read_only=True)
        try:
            spec, codes, needed, currencies = _needed(bt, reg, st)
            history = load_history(st, reg, codes, spec.benchmark)
            missing = ondemand.missing(
                st, reg, needed, currencies, spec.base_currency, end or dt.date(1900, 1, 1),
                history.spans,
            )  # fmt: skip
            if not (missing[0] or missing[1]) or (offline and bt.allow_partial):
                # --allow-partial: the engine cuts the window to the data held, with a note
                yield st, reg, notes, history
                return
        finally:
            st.close()
    else:
        spec, _, needed, currencies = _needed(bt, reg, None)
        missing = (needed, [])
    start = bt.start or dt.date(2018, 1, 1)
    end = end or dt.date.today()
    if offline:
        what = missing[0] + missing[1]
        raise NotInStoreError(
            f"the store lacks data this run needs up to {end}: {', '.join(what[:8])}"
            + ("…" if len(what) > 8 else ""),
            hint=f"run 'naion data sync {' '.join(missing[0][:8]) or 'sodium-ion'} --start "
            f"{start} --end {end}' or 'naion data import PATH', or drop --offline",
        )
    with open_store() as store:
        notes = ondemand.ensure(
            store, reg, needed, currencies, spec.base_currency, start, end, False
        )
    with Store.open(read_only=True) as st:
        yield st, reg, notes, None


def _run_with_data(bt: Any, offline: bool) -> Any:
    with store_with_data(bt, offline) as (store, reg, notes, history):
        run = bt.run(store, reg, history=history)
    run.notes[:0] = notes
    return run


def _series_metrics(run: Any) -> dict[str, dict[str, Any]]:
    """The run's metrics and its benchmark's (no trading: no turnover or costs)."""
    from strategies.metrics import run_metrics

    rows = {"strategy": costs_of(run.metrics)}
    if run.benchmark is not None:
        import pandas as pd

        empty = pd.DataFrame(columns=["date", "value", "commission", "stamp_duty"])
        bench = run_metrics(run.benchmark, 1.0, empty)
        trading = ("turnover", "fees", "commission", "taxes", "costs", "trades")
        rows[f"benchmark: {run.benchmark_name}"] = {
            k: (None if k in trading else v) for k, v in bench.items()
        }
    return rows


def metrics_frame(run: Any) -> Any:
    """One row per series (strategy, benchmark): every metric column, ``fees`` kept last."""
    import pandas as pd

    keys = (*METRIC_COLUMNS, "trades", "fees")
    rows = _series_metrics(run)
    frame = pd.DataFrame(
        [{"series": name, **{k: r.get(k) for k in keys}} for name, r in rows.items()]
    )
    return frame.astype({k: "Int64" if k == "trades" else "float64" for k in keys})


METRIC_ROWS = (
    ("total_return", "total return", "pct"),
    ("cagr", "CAGR", "pct"),
    ("volatility", "volatility", "pct"),
    ("sharpe", "Sharpe", None),
    ("sortino", "Sortino", None),
    ("max_drawdown", "max drawdown", "pct"),
    ("turnover", "turnover / yr", "pct"),
    ("commission", "commission", None),
    ("taxes", "taxes", None),
    ("costs", "costs", None),
    ("trades", "trades", "int"),
)


def metrics_rows(run: Any) -> Any:
    """The terminal's view of a backtest: one row per metric, one column per series."""
    import pandas as pd

    from naion.output import fmt_cell

    series = _series_metrics(run)
    table: dict[str, list[str]] = {"metric": [label for _, label, _ in METRIC_ROWS]}
    for name, m in series.items():
        head = "strategy" if name == "strategy" else "benchmark"
        table[head] = [fmt_cell(m.get(k), 2, kind) for k, _, kind in METRIC_ROWS]
    return pd.DataFrame(table)


def strategies_frame() -> Any:
    import pandas as pd

    from naion.settings import paths
    from strategies.spec import load_specs

    return pd.DataFrame(
        [
            {
                "strategy": s.name,
                "type": s.type,
                "base": s.base_currency,
                "rebalance": f"{s.rebalance.calendar}"
                + (f", band {s.rebalance.band:g}" if s.rebalance.band else ""),
                "title": s.title,
                "origin": s.origin,
            }
            for s in load_specs(paths().strategies).values()
        ]
    )


def sweep_cmd(
    strategy: Annotated[str, typer.Argument(help="Strategy name or YAML file.")],
    grid: Annotated[
        list[str] | None,
        typer.Option("--grid", "-g", help="KEY=a:b:step or KEY=v1,v2 (repeatable)."),
    ] = None,
    start: StartOpt = None,
    end: EndOpt = None,
    base_currency: BaseOpt = None,
    sets: SetOpt = None,
    universe: UniverseOpt = None,
    ignore_membership_dates: MembershipOpt = False,
    allow_partial: PartialOpt = False,
    offline: OfflineOpt = False,
    rank_by: Annotated[str, typer.Option("--rank-by", help="Metric to rank by.")] = "sharpe",
    top: Annotated[int, typer.Option("--top", help="Rows to show.")] = 20,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Also write an HTML page: a heat map and the top rows."),
    ] = None,
    heat: Annotated[
        str | None,
        typer.Option("--heat", help="X,Y: the two grid keys of the heat map (default: the first)."),
    ] = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    wide: WideOpt = False,
) -> None:
    """Sweep strategy parameters: every grid variant under the full rules, in one kernel call.

    Each row is what 'naion backtest STRATEGY --set KEY=VALUE ...' gives with its keys."""
    from naion.dates import check_window, parse_date
    from naion.errors import InputError
    from naion.output import check_format, console, emit
    from naion.settings import paths
    from strategies.engine import Backtest
    from strategies.spec import get_spec
    from strategies.sweep import METRICS, parse_grid, run_sweep

    fmt = check_format(fmt)
    spec = get_spec(strategy, paths().strategies)
    grid_values = parse_grid(grid or [])
    rankable = (*METRICS, "commission", "costs")
    if rank_by not in rankable:
        raise InputError(f"unknown metric {rank_by!r}", hint=f"use one of: {', '.join(rankable)}")
    if top < 1:
        raise InputError("--top must be at least 1")
    first, last = parse_date(start, "--start"), parse_date(end, "--end")
    check_window(first, last)
    bt = Backtest(
        spec, first, last, base_currency, allow_partial=allow_partial, params=parse_sets(sets),
        universe=universe, ignore_membership_dates=ignore_membership_dates,
    )  # fmt: skip
    base = bt.resolved_spec()
    err = console(stderr=True)
    with store_with_data(bt, offline) as (store, reg, notes, history):
        from strategies.engine import asset_members

        members = asset_members(base, reg, store)
        s, e = bt.window(store, reg, members, base, history.spans if history else None)
        res = run_sweep(
            base, store, reg, grid_values, s, e, allow_partial=allow_partial,
            ignore_membership=ignore_membership_dates, history=history,
        )  # fmt: skip
    ascending = rank_by in ("volatility", "turnover", "fees", "commission", "taxes", "costs",
                            "trades")  # fmt: skip
    table = with_costs(res.table)
    table = table.sort_values(rank_by, ascending=ascending, kind="stable", na_position="last")
    table.insert(0, "rank", range(1, len(table) + 1))
    shown = table
    drop: tuple[str, ...] = ()
    if fmt == "table" and output is None:
        narrow = ["rank", *res.keys, "total_return", "cagr", "volatility", "sharpe",
                  "max_drawdown", "turnover", "costs", "trades"]  # fmt: skip
        shown = table.head(top)[narrow]
        drop = ("trades", "volatility", "cagr", "costs", "turnover")
    emit(
        shown,
        fmt,
        output,
        title=f"Sweep of {base.name}: {res.variants} variants",
        kinds=PERCENT_KINDS,
        caption=f"{res.start} → {res.end} · {res.base_currency} · ranked by {rank_by} · "
        f"simulated in {res.seconds:.3f} s",
        headers={**METRIC_HEADERS, "rank": "#"},
        legend={**METRIC_LEGEND, "costs": f"commission + taxes, {res.base_currency}"},
        drop=drop,
        wide=wide,
    )
    for note in notes + res.notes:
        err.print(f"note: {note}", highlight=False)
    err.print(
        f"{res.variants} variants simulated in {res.seconds:.3f} s under the full market rules; "
        f"any row: naion backtest {strategy} --set KEY=VALUE …",
        highlight=False,
    )
    if report is not None:
        from reports.sweep_page import write_sweep_page

        keys = heat.split(",") if heat else None
        write_sweep_page(res, table, report, metric=rank_by, keys=keys)
        err.print(f"wrote {report}")


def rebalance_cmd(
    strategy: Annotated[str, typer.Argument(help="Strategy name or YAML file.")],
    holdings: Annotated[
        Path | None,
        typer.Option("--holdings", help="CSV of what you hold: code,shares (real shares)."),
    ] = None,
    cash: Annotated[
        float | None, typer.Option("--cash", help="Cash to invest too (base currency).")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Targets and prices as of this day (default: latest)."),
    ] = None,
    base_currency: BaseOpt = None,
    sets: SetOpt = None,
    universe: UniverseOpt = None,
    ignore_membership_dates: MembershipOpt = False,
    offline: OfflineOpt = False,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    wide: WideOpt = False,
) -> None:
    """Today's trade list: the orders that bring your holdings to the strategy's targets."""
    import datetime as dt

    from naion.dates import parse_date
    from naion.errors import InputError
    from naion.output import check_format, console, emit
    from naion.settings import paths
    from strategies.engine import Backtest
    from strategies.rebalance import read_holdings, trade_list
    from strategies.spec import get_spec

    fmt = check_format(fmt)
    spec = get_spec(strategy, paths().strategies)
    if holdings is None and cash is None:
        raise InputError("give --holdings FILE and/or --cash AMOUNT")
    held = read_holdings(holdings) if holdings is not None else {}
    day = parse_date(as_of, "--as-of")
    bt = Backtest(
        spec, None, day, base_currency, params=parse_sets(sets), universe=universe,
        ignore_membership_dates=ignore_membership_dates,
    )  # fmt: skip
    base = bt.resolved_spec()
    need_end = day or (None if offline else dt.date.today())  # online: sync to today first
    with store_with_data(bt, offline, need_end=need_end) as (store, reg, notes, _):
        res = trade_list(
            base, store, reg, held, cash or 0.0, day, ignore_membership=ignore_membership_dates
        )
    emit(
        res.table,
        fmt,
        output,
        title=f"Rebalance {base.name} as of {res.as_of}",
        kinds={"weight_before": "pct", "weight_after": "pct", "target": "pct"},
        headers={
            "weight_before": "w before",
            "weight_after": "w after",
            "stamp_duty": "stamp",
            "shares_after": "shares after",
            "commission": "comm.",
            "currency": "ccy",
        },
        legend={
            "weight_before": "weight before",
            "weight_after": "weight after",
            "costs": "commission + stamp duty",
            "stamp_duty": "stamp duty",
        },
        drop=(
            "shares_after",
            "commission",
            "stamp_duty",
            "weight_before",
            "currency",
            "name",
            "price",
            "costs",
        ),
        wide=wide,
        caption=f"{res.base_currency} · value {res.value:,.2f} · residual cash "
        f"{res.cash_after:,.2f} · costs {res.costs:,.2f}",
    )
    err = console(stderr=True)
    for note in notes + res.notes:
        err.print(f"note: {note}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("backtest")(backtest_cmd)
    app.command("sweep")(sweep_cmd)
    app.command("rebalance")(rebalance_cmd)
