"""``naion backtest`` and ``naion sweep``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from strategies.metrics import PERCENT_KINDS

FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")]
StartOpt = Annotated[str | None, typer.Option("--start", help="First day, YYYY-MM-DD.")]
EndOpt = Annotated[str | None, typer.Option("--end", help="Last day, YYYY-MM-DD.")]
BaseOpt = Annotated[
    str | None, typer.Option("--base-currency", help="CNY, USD or HKD (default: the strategy's).")
]


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
    allow_partial: Annotated[
        bool,
        typer.Option("--allow-partial", help="Shrink the window to the dates all members have."),
    ] = False,
    offline: Annotated[bool, typer.Option("--offline", help="Never fetch missing data.")] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="Also write the tear sheet to this HTML file.")
    ] = None,
    no_save: Annotated[bool, typer.Option("--no-save", help="Do not keep the run.")] = False,
    fmt: FormatOpt = "table",
    list_: Annotated[bool, typer.Option("--list", help="List the strategies and exit.")] = False,
) -> None:
    """Backtest a strategy on the store's prices; save the run for `naion report`."""
    from naion.dates import check_window, parse_date
    from naion.errors import InputError
    from naion.output import check_format, console, emit

    fmt = check_format(fmt)
    if list_:
        emit(strategies_frame(), fmt, title="Strategies")
        return
    if not strategy:
        raise InputError("name a strategy", hint="see 'naion backtest --list'")
    from naion.settings import paths
    from strategies.spec import get_spec

    spec = get_spec(strategy, paths().strategies)
    first, last = parse_date(start, "--start"), parse_date(end, "--end")
    check_window(first, last)
    if base_currency and base_currency.upper() not in ("CNY", "USD", "HKD"):
        raise InputError(f"unknown base currency {base_currency!r}", hint="use CNY, USD or HKD")
    if rebalance and rebalance.upper() not in ("D", "W", "M", "Q", "A", "Y", "NONE"):
        raise InputError(
            f"unknown rebalance calendar {rebalance!r}", hint="use D, W, M, Q, A or none"
        )
    from strategies.engine import Backtest

    bt = Backtest(
        spec,
        first,
        last,
        base_currency,
        capital,
        fees,
        False if no_lots else None,
        rebalance,
        band,
        allow_partial,
    )
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
            "allow_partial": allow_partial or None,
        }.items()
        if v is not None
    }
    err = console(stderr=True)
    saved = None
    if not no_save:
        from strategies.runs import save_run

        saved = save_run(run)
    m = run.metrics
    if fmt == "json":
        from naion.output import to_json, write_text
        from strategies.metrics import REPORTED

        out = {k: m[k] for k in REPORTED}
        out.update(
            {
                "start": run.start.isoformat(),
                "end": run.end.isoformat(),
                "base_currency": run.base_currency,
                "run_id": run.run_id or None,
                "strategy": run.spec.name,
                "benchmark": run.benchmark_name or None,
            }
        )
        write_text(to_json(out) + "\n", None)
    else:
        emit(
            metrics_frame(run),
            fmt,
            title=f"{run.spec.title}",
            kinds=PERCENT_KINDS,
            caption=f"{run.start} → {run.end} · {run.base_currency} · capital "
            f"{run.spec.capital:,.0f}",
        )
    for note in run.notes:
        err.print(f"note: {note}")
    if saved is not None:
        err.print(f"saved run {run.run_id} (naion report {run.run_id} --output FILE)")
    if report is not None:
        if saved is None:
            raise InputError("--report needs a saved run", hint="drop --no-save")
        from reports.tearsheet import write_tearsheet

        write_tearsheet(saved, report)
        err.print(f"wrote {report}")


def _run_with_data(bt: object, offline: bool) -> object:
    from naion.errors import NotInStoreError
    from naion.settings import paths
    from naion.store import Store
    from strategies import ondemand
    from strategies.engine import asset_members
    from universes.loader import registry_for_home

    reg = registry_for_home()
    spec = bt.resolved_spec()  # type: ignore[attr-defined]
    codes = asset_members(spec, reg)
    bench = [reg.canonical(c) for c in spec.benchmark]
    currencies = {reg.members[c].currency or "CNY" for c in codes + bench if c in reg.members}
    exists = paths().store.exists()
    if offline and not exists:
        raise NotInStoreError(
            f"no data store at {paths().store}",
            hint="fill it with 'naion data import PATH' or 'naion data sync', or drop --offline",
        )
    import datetime as dt

    from strategies.engine import common_window, fx_pairs

    needed = [c for c in codes + bench if c in reg.members]
    start, end = bt.start, bt.end  # type: ignore[attr-defined]
    if (start is None or end is None) and exists:
        try:
            with Store.open(read_only=True) as store:
                lo, hi = common_window(store, codes, fx_pairs(store, codes, spec.base_currency))
            start, end = start or lo, end or hi
        except NotInStoreError:
            pass
    end = end or dt.date.today()
    start = start or dt.date(2018, 1, 1)
    if offline:
        with Store.open(read_only=True) as store:
            ondemand.ensure(store, reg, needed, currencies, spec.base_currency, start, end, True)
            return bt.run(store, reg)  # type: ignore[attr-defined]
    from naion.store import open_store

    with open_store() as store:
        notes = ondemand.ensure(
            store, reg, needed, currencies, spec.base_currency, start, end, False
        )
        run = bt.run(store, reg)  # type: ignore[attr-defined]
    run.notes[:0] = notes
    return run


def metrics_frame(run: object) -> object:
    import pandas as pd

    from strategies.metrics import TABLE_KEYS, run_metrics

    m = run.metrics  # type: ignore[attr-defined]
    rows = {"strategy": m}
    bench = run.benchmark  # type: ignore[attr-defined]
    if bench is not None:
        empty = pd.DataFrame(columns=["date", "value", "commission", "stamp_duty"])
        rows[f"benchmark: {run.benchmark_name}"] = run_metrics(bench, 1.0, empty)  # type: ignore[attr-defined]
    keys = TABLE_KEYS
    frame = pd.DataFrame({name: [r.get(k) for k in keys] for name, r in rows.items()}, index=keys).T
    frame.insert(0, "series", frame.index)
    frame.loc[frame.index != "strategy", ["turnover", "fees", "taxes"]] = float("nan")
    return frame.reset_index(drop=True)


def strategies_frame() -> object:
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
        typer.Option("--grid", "-g", help="NAME=a:b:step or NAME=v1,v2 (repeatable)."),
    ] = None,
    start: StartOpt = None,
    end: EndOpt = None,
    base_currency: BaseOpt = None,
    rank_by: Annotated[str, typer.Option("--rank-by", help="Metric to rank by.")] = "sharpe",
    top: Annotated[int, typer.Option("--top", help="Rows to show.")] = 20,
    fmt: FormatOpt = "table",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file.")
    ] = None,
) -> None:
    """Sweep strategy parameters: every grid variant in one vectorized simulation."""
    from naion.dates import check_window, parse_date
    from naion.errors import InputError
    from naion.output import check_format, console, emit
    from naion.settings import paths
    from naion.store import open_store
    from strategies.engine import Backtest
    from strategies.spec import get_spec
    from strategies.sweep import METRICS, check_sweepable, parse_grid, run_sweep
    from universes.loader import registry_for_home

    fmt = check_format(fmt)
    spec = get_spec(strategy, paths().strategies)
    grid_values = parse_grid(grid or [])
    check_sweepable(spec, grid_values)
    if rank_by not in (*METRICS, "turnover", "fees"):
        raise InputError(f"unknown metric {rank_by!r}", hint=f"use one of: {', '.join(METRICS)}")
    first, last = parse_date(start, "--start"), parse_date(end, "--end")
    check_window(first, last)
    bt = Backtest(spec, first, last, base_currency)
    reg = registry_for_home()
    spec = bt.resolved_spec()
    with open_store(read_only=True) as store:
        from strategies.engine import asset_members

        s, e = bt._window(store, asset_members(spec, reg))
        res = run_sweep(spec, store, reg, grid_values, s, e)
    ascending = rank_by in ("volatility", "turnover", "fees")
    table = res.table.sort_values(rank_by, ascending=ascending, kind="stable")
    table.insert(0, "rank", range(1, len(table) + 1))
    shown = table.head(top) if fmt == "table" and output is None else table
    emit(
        shown,
        fmt,
        output,
        title=f"Sweep of {spec.name}: {res.variants} variants",
        kinds=PERCENT_KINDS,
        caption=f"{res.start} → {res.end} · {res.base_currency} · ranked by {rank_by} · "
        f"simulated in {res.seconds:.3f} s",
    )
    console(stderr=True).print(
        f"{res.variants} variants simulated in {res.seconds:.3f} s (fractional shares, flat "
        "proportional costs; run the chosen one with 'naion backtest' for the full rules)"
    )


def register(app: typer.Typer) -> None:
    app.command("backtest")(backtest_cmd)
    app.command("sweep")(sweep_cmd)
