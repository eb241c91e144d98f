"""``naion data import | sync | status``: fill the local store and see what it holds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from naion.options import FormatOpt, OutputOpt, WideOpt

if TYPE_CHECKING:
    import datetime as dt

    import pandas as pd
    from rich.console import Console

    from naion.importer import ImportResult
    from naion.providers.base import Provider, SecurityRef
    from naion.store import Store
    from universes.loader import Registry

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)


def registry() -> Registry:
    from universes.loader import registry_for_home

    return registry_for_home()


@app.command("import")
def import_cmd(
    path: Annotated[
        Path | None, typer.Argument(help="Folder of CSV exports (see README: import layout).")
    ] = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    wide: WideOpt = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Read every file again, even those imported unchanged."),
    ] = False,
    snapshot: Annotated[
        bool,
        typer.Option(
            "--snapshot",
            help="Load the real-data snapshot bundled with naion (no PATH; rows held are kept).",
        ),
    ] = False,
) -> None:
    """Load CSV exports (securities.csv, prices/, prices_qfq/, indexes/, fx/, valuation/,
    valuation_market/, eps/, market/, commodities/) into the store in one transaction.
    Files imported before and unchanged since are not read again; re-importing changes
    nothing."""
    from naion.importer import import_path
    from naion.output import check_format, console, emit
    from naion.store import open_store

    fmt = check_format(fmt)
    if snapshot or path is None:
        from naion.snapshot import import_bundled

        frame, title = import_bundled(path, snapshot)
        emit(frame, fmt, title=title)
        return
    reg = registry()
    names_en = {c: m.name_en for c, m in reg.members.items() if m.name_en}
    err = console(stderr=True)
    with _interrupted(), _import_progress(err) as progress, open_store() as store:
        result = import_path(store, path, reg.canonical, names_en, force, progress)
    emit(
        _import_summary(result),
        fmt,
        output,
        title=f"Imported {path} in {result.seconds:.1f} s",
        headers=_COUNT_HEADERS,
        legend=_COUNT_LEGEND,
        wide=wide,
    )
    for note in result.skipped:
        err.print(f"skipped {note.path}: {note.note}", markup=False)
    for note in result.warnings:
        err.print(f"warning: {note.path}: {note.note}", markup=False)


@contextmanager
def _interrupted() -> Iterator[None]:
    """Ctrl-C → typer's Abort, which naion.cli reports as one line "interrupted", exit 130
    (typer itself turns a bare KeyboardInterrupt into a silent exit 130)."""
    from typer.exceptions import Abort

    try:
        yield
    except KeyboardInterrupt:
        raise Abort() from None


@contextmanager
def _import_progress(err: Console) -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress bar per dataset on stderr, only when stderr is a terminal."""
    if not err.is_terminal:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
    )

    bars = Progress(
        TextColumn("[bold]import[/] {task.description:<18}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def step(label: str, done: int, total: int) -> None:
        if label not in tasks:
            tasks[label] = bars.add_task(label, total=total)
        bars.update(tasks[label], completed=done, total=total)

    with bars:
        yield step


# the count columns of import and sync: short headers and what they count
_COUNT_HEADERS = {"unchanged files": "files same", "rows read": "read", "unchanged": "same"}
_COUNT_LEGEND = {
    "unchanged files": "files imported before and unchanged since (not read)",
    "rows read": "rows read from the files",
    "new": "rows added to the store",
    "changed": "rows whose values changed",
    "unchanged": "rows the store already held as read",
}


def _import_summary(result: ImportResult) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for label in result.labels():
        counts = result.written.tables.get(label)
        rows.append(
            {
                "dataset": label,
                "files": result.files.get(label),
                "unchanged files": result.unchanged_files.get(label),
                "rows read": result.rows.get(label, 0),
                "new": counts.new if counts else 0,
                "changed": counts.changed if counts else 0,
                "unchanged": counts.unchanged if counts else 0,
            }
        )
    return pd.DataFrame(rows).astype({"files": "Int64", "unchanged files": "Int64"})


@app.command("status")
def status_cmd(
    universe: Annotated[
        str | None, typer.Option("--universe", "-u", help="Only members of this universe.")
    ] = None,
    all_codes: Annotated[
        bool, typer.Option("--all", help="List every code, including market-panel-only ones.")
    ] = False,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    wide: WideOpt = False,
) -> None:
    """What the store holds: per security and series, rows, first/last date, age."""
    from naion.output import check_format, console, emit
    from naion.status import other_datasets, security_status
    from naion.store import open_store

    fmt = check_format(fmt)
    reg = registry()
    codes = reg.universe(universe).codes() if universe else None
    with open_store(read_only=True) as store:
        table, panel_note = security_status(store, reg, codes, all_codes)
        others = other_datasets(store)
    if fmt != "table" or output is not None:
        emit(table, fmt, output)
        return
    emit(
        table,
        title=f"Store: {_store_path()}",
        caption=panel_note,
        headers={"currency": "ccy", "age_days": "age"},
        legend={"age_days": "days since the last row", "currency": "currency"},
        drop=("source", "market", "currency", "first", "note", "age_days"),
        wide=wide,
    )
    if len(others):
        emit(others, title="Other datasets", wide=wide)
    if table.empty:
        console(stderr=True).print("the store holds no prices yet: run 'naion data import PATH'")


def _store_path() -> Path:
    from naion.settings import paths

    return paths().store


@app.command("sync")
def sync_cmd(
    targets: Annotated[
        list[str] | None,
        typer.Argument(
            help="Universe names, codes and/or commodity series such as li2co3_gfex_main"
            " (default: every curated universe and commodity series)."
        ),
    ] = None,
    start: Annotated[
        str | None, typer.Option(help="First date, YYYY-MM-DD (default 2018-01-01).")
    ] = None,
    end: Annotated[str | None, typer.Option(help="Last date, YYYY-MM-DD (default today).")] = None,
    segment: Annotated[
        str | None, typer.Option("--segment", "-s", help="Only these segments (comma-separated).")
    ] = None,
    keep_going: Annotated[
        bool,
        typer.Option("--keep-going", help="Write what succeeded even if some requests fail."),
    ] = False,
    no_valuation: Annotated[
        bool, typer.Option("--no-valuation", help="Skip valuation history.")
    ] = False,
    no_eps: Annotated[
        bool, typer.Option("--no-eps", help="Skip the consensus EPS snapshot.")
    ] = False,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    wide: WideOpt = False,
) -> None:
    """Fetch missing prices, valuations, FX, consensus EPS and lithium carbonate prices from
    akshare into the store.

    Incremental: dates already held are not requested again. Nothing is written unless
    every request succeeded (or --keep-going). A --keep-going sync with failures lists them
    in its table and exits 2."""
    import datetime as dt

    from naion.dates import check_window, parse_date
    from naion.output import check_format, console, emit
    from naion.providers.akshare_provider import AkshareProvider
    from naion.store import open_store
    from naion.sync import DEFAULT_START

    fmt = check_format(fmt)
    reg = registry()
    first = parse_date(start, "--start") or DEFAULT_START
    last = parse_date(end, "--end") or dt.date.today()
    check_window(first, last)
    from naion.providers.base import COMMODITIES
    from naion.sync import commodity_targets

    series, rest = commodity_targets(targets or [])
    if not targets and not segment:
        series = list(COMMODITIES)
    secs = resolve_targets(reg, rest, segment) if rest or not targets else []
    err = console(stderr=True)
    with _interrupted(), open_store() as store:
        result = sync_into(
            store,
            AkshareProvider(),
            reg,
            secs,
            first,
            last,
            keep_going,
            valuation=not no_valuation,
            eps=not no_eps,
            commodities=series,
        )
    summary = (
        f"{result.requests} requests, {result.rows} rows fetched, "
        f"{len(result.skipped)} series already up to date"
    )
    emit(
        sync_summary(result),
        fmt,
        output,
        title="Sync",
        caption=summary,
        headers={"unchanged": "same"},
        legend=_COUNT_LEGEND,
        wide=wide,
        wrote_to_stderr=not result.failed,
    )
    if result.failed:  # the table holds the details; stderr gets the one error line
        from naion.errors import ProviderError
        from naion.output import print_lines

        for note in result.notes:
            print_lines(f"note: {note}")
        raise ProviderError(
            f"{len(result.failed)} sync requests failed (listed "
            f"{'above' if output is None else f'in {output}'}); what succeeded was written",
            hint="check the network and run 'naion data sync' again, or work offline with "
            "'naion data import PATH'",
        )
    for note in result.notes:
        err.print(f"note: {note}", markup=False)


def sync_summary(result: object) -> pd.DataFrame:
    """One row per store table written (rows new, changed, unchanged), then one per request
    that failed and per forward-adjusted history the vendor rebased."""
    import pandas as pd

    r = result
    rows: list[dict[str, object]] = [
        {"item": table, "status": "written", "new": c.new, "changed": c.changed,
         "unchanged": c.unchanged, "detail": ""}
        for table, c in r.written.tables.items()  # type: ignore[attr-defined]
    ]  # fmt: skip
    for line in r.failed:  # type: ignore[attr-defined]
        what, _, why = str(line).partition(": ")
        why = why.split("; check the network")[0]  # the error line's hint says it once
        rows.append({"item": what, "status": "failed", "detail": why})
    for code in r.rebased:  # type: ignore[attr-defined]
        rows.append(
            {"item": code, "status": "rebased",
             "detail": "the vendor rebased its forward-adjusted prices; history replaced"}
        )  # fmt: skip
    cols = ["item", "status", "new", "changed", "unchanged", "detail"]
    frame = pd.DataFrame(rows, columns=cols)
    return frame.astype({c: "Int64" for c in ("new", "changed", "unchanged")})


def resolve_targets(reg: Registry, targets: list[str], segment: str | None) -> list[SecurityRef]:
    """Universe names and codes → the SecurityRefs to sync (in universe order, no repeats)."""
    from naion.errors import InputError

    segments = [s.strip() for s in segment.split(",")] if segment else None
    names = targets or [n for n, u in reg.universes.items() if u.source == "curated"]
    seen: dict[str, SecurityRef] = {}
    for t in names:
        if t in reg.universes:
            for m in reg.segment_members(t, segments):
                seen.setdefault(m.code, to_ref(m))
        else:
            if segments:
                raise InputError("--segment applies to universes, not to codes", hint=f"drop {t}")
            try:
                m = reg.member(t)
            except InputError:
                raise InputError(
                    f"{t!r} is neither a universe nor a ticker any universe lists",
                    hint=f"universes: {', '.join(reg.universes)}",
                ) from None
            seen.setdefault(m.code, to_ref(m))
    return list(seen.values())


def to_ref(member: object) -> SecurityRef:
    from naion.providers.base import SecurityRef

    m = member
    return SecurityRef(
        code=m.code,  # type: ignore[attr-defined]
        market=m.market,  # type: ignore[attr-defined]
        exchange=m.exchange,  # type: ignore[attr-defined]
        currency=m.currency,  # type: ignore[attr-defined]
        vendor_codes=dict(m.vendor_codes),  # type: ignore[attr-defined]
    )


def sync_into(
    store: Store,
    provider: Provider,
    reg: Registry,
    secs: list[SecurityRef],
    start: dt.date,
    end: dt.date,
    keep_going: bool = False,
    valuation: bool = True,
    eps: bool = True,
    quiet: bool = False,
    commodities: list[str] | None = None,
) -> object:
    """Plan, fetch (with a progress bar) and write a sync; returns the SyncResult."""
    from naion import sync
    from naion.output import console

    notes: list[str] = []
    tasks, held = sync.plan(
        store,
        secs,
        start,
        end,
        valuation=valuation,
        eps=eps,
        fx=bool(secs),
        notes=notes,
        commodities=commodities or (),
    )
    names = {c: (m.name_zh, m.name_en) for c, m in reg.members.items()}
    if not tasks:
        result = sync.SyncResult(skipped=held, notes=notes)
        return result
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    err = console(stderr=True)
    progress = Progress(
        TextColumn("[bold]sync[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
        disable=quiet or not err.is_terminal,  # piped: no bar, no blank line
    )
    with progress:
        bar = progress.add_task("", total=len(tasks))

        def on_step(i: int, task: sync.Task) -> None:
            progress.update(bar, completed=i, description=task.label)

        batch, result = sync.run(
            store, provider, tasks, secs, on_step=on_step, keep_going=keep_going
        )
        progress.update(bar, completed=len(tasks))
    batch.add("securities", sync.security_rows(secs, names))
    result.written = store.write(batch)
    result.skipped = held
    result.notes = notes
    return result
