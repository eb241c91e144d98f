"""``naion screen``: filter a universe (or every A-share held) by valuation as of a date."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from naion.options import FormatOpt, OutputOpt, WideOpt

ESTIMATE_MAX_AGE_DAYS = 120  # screener.valuation's default (not imported: keeps --help light)


def screen_cmd(
    universe: Annotated[
        str,
        typer.Option("--universe", "-u", help="Universe name, or all-a for every A-share held."),
    ] = "sodium-ion",
    where: Annotated[
        str | None, typer.Option("--where", "-w", help='Condition, e.g. "pe_fy1 < 22 and peg < 1".')
    ] = None,
    preset: Annotated[
        str | None, typer.Option("--preset", "-p", help="A named screen (see --presets).")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="YYYY-MM-DD (default: latest date held).")
    ] = None,
    segment: Annotated[
        str | None, typer.Option("--segment", "-s", help="Only these segments (comma-separated).")
    ] = None,
    rank_by: Annotated[str | None, typer.Option("--rank-by", help="Field to rank by.")] = None,
    ascending: Annotated[bool, typer.Option("--ascending", help="Rank lowest first.")] = False,
    descending: Annotated[bool, typer.Option("--descending", help="Rank highest first.")] = False,
    top: Annotated[
        int | None, typer.Option("--top", help="Keep the first N after ranking.")
    ] = None,
    source: Annotated[
        str, typer.Option("--source", help="store, or seed-2022 (embedded table).")
    ] = "store",
    base_currency: Annotated[
        str, typer.Option("--base-currency", help="CNY or USD for market_cap_base.")
    ] = "CNY",
    columns: Annotated[
        str | None, typer.Option("--columns", help="Fields to show (comma-separated).")
    ] = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    wide: WideOpt = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write an HTML screen report.")
    ] = None,
    ignore_membership_dates: Annotated[
        bool,
        typer.Option(
            "--ignore-membership-dates",
            help="Screen every member as if it always belonged (hindsight; for comparison).",
        ),
    ] = False,
    max_estimate_age: Annotated[
        int,
        typer.Option(
            "--max-estimate-age",
            help="Days after which a consensus snapshot's estimates are stale (unavailable).",
        ),
    ] = ESTIMATE_MAX_AGE_DAYS,
    fields: Annotated[bool, typer.Option("--fields", help="List every field and exit.")] = False,
    presets: Annotated[bool, typer.Option("--presets", help="List the presets and exit.")] = False,
) -> None:
    """Screen a universe by valuation and market fields, point-in-time as of a date."""
    from naion.dates import parse_date
    from naion.errors import InputError
    from naion.output import check_format, console, emit

    fmt = check_format(fmt)
    if fields:
        emit(fields_frame(), fmt, output, title="Screen fields", wide=wide,
             drop=("window", "source", "ranks"))  # fmt: skip
        return
    if presets:
        emit(presets_frame(), fmt, output, title="Screen presets", wide=wide,
             drop=("origin", "title"))  # fmt: skip
        return
    if ascending and descending:
        raise InputError("--ascending and --descending exclude each other")
    if base_currency.upper() not in ("CNY", "USD", "HKD"):
        raise InputError(f"unknown base currency {base_currency!r}", hint="use CNY, USD or HKD")
    from screener.engine import Screen

    scr = Screen(
        universe=universe,
        where=where,
        as_of=parse_date(as_of, "--as-of"),
        segments=[s.strip() for s in segment.split(",")] if segment else None,
        rank_by=rank_by,
        descending=True if descending else False if ascending else None,
        top=top,
        preset=preset,
        source=source,
        base_currency=base_currency.upper(),
        columns=[c.strip() for c in columns.split(",")] if columns else None,
        ignore_membership_dates=ignore_membership_dates,
        estimate_max_age=max_estimate_age,
    )
    scr.validate()  # syntax, field, source errors before any data is read
    if not scr.needs_store():
        result = scr.run(None)
    else:
        from naion.store import open_store

        with open_store(read_only=True) as store:
            result = scr.run(store)
    err = console(stderr=True)
    if fmt == "table" and output is None:
        caption = (
            f"as of {result.as_of} · {result.source} · {result.passed} of "
            f"{result.universe_size} pass" + (f" · ranked by {result.rank}" if result.rank else "")
        )
        if result.empty:
            console().print(
                f"No name passes: {result.condition} (as of {result.as_of}, "
                f"{result.universe_size} names screened)."
                if result.condition
                else f"No name to screen as of {result.as_of}."
            )
        else:
            from screener.fields import KINDS

            emit(
                result.rows,
                title=f"Screen: {result.condition or 'all names'}",
                caption=caption,
                kinds=KINDS,
                headers=SCREEN_HEADERS,
                drop=("segment",),
                wide=wide,
            )
    else:
        emit(result.rows, fmt, output)
        if result.empty:
            err.print(
                f"no name passes: {result.condition}"
                if result.condition
                else f"no name to screen as of {result.as_of}"
            )
    for note in result.notes:
        err.print(f"note: {note}")
    if html is not None:
        from naion.output import write_text
        from screener.html import screen_page

        write_text(screen_page(result, base_currency.upper()), html)


# short table headers of the longest field names (the legend under the table spells them out)
SCREEN_HEADERS = {"market_cap_base": "mcap base", "market_cap": "mcap"}


def fields_frame() -> object:
    import pandas as pd

    from screener.fields import FIELDS

    return pd.DataFrame(
        [
            {
                "field": f.name,
                "unit": f.unit,
                "source": f.source,
                "formula": f.formula,
                "ranks": {"low": "lowest first", "high": "highest first"}.get(f.better, ""),
                "window": f"{f.window + 1} days" if f.group == "price" else "",
            }
            for f in FIELDS.values()
        ]
    )


def presets_frame() -> object:
    import pandas as pd

    from naion.settings import paths
    from screener.presets import load_presets

    return pd.DataFrame(
        [
            {
                "preset": p.name,
                "title": p.title,
                "where": p.where,
                "rank_by": p.rank_by or "",
                "origin": p.origin,
            }
            for p in load_presets(paths().presets).values()
        ]
    )


def register(app: typer.Typer) -> None:
    app.command("screen")(screen_cmd)
