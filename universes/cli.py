"""``naion universe list | show | refresh``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from naion.options import FormatOpt, OutputOpt, WideOpt

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)


@app.command("list")
def list_cmd(fmt: FormatOpt = "table", output: OutputOpt = None, wide: WideOpt = False) -> None:
    """Every universe: curated ones and those in NAION_HOME/universes."""
    import pandas as pd

    from naion.output import emit
    from universes.loader import registry_for_home

    reg = registry_for_home()
    rows = [
        {
            "universe": u.name,
            "title": u.title,
            "segments": ", ".join(u.segments),
            "members": len(u.members),
            "source": u.source,
        }
        for u in reg.universes.values()
    ]
    emit(pd.DataFrame(rows), fmt, output, title="Universes", drop=("source", "title"), wide=wide)


@app.command("show")
def show_cmd(
    name: Annotated[str, typer.Argument(help="Universe name (see 'naion universe list').")],
    segment: Annotated[
        str | None, typer.Option("--segment", "-s", help="Only these segments (comma-separated).")
    ] = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    wide: WideOpt = False,
) -> None:
    """Members of a universe by supply-chain segment (and since when they are members)."""
    import pandas as pd

    from naion.output import check_format, emit
    from universes.loader import registry_for_home
    from universes.view import members_frame

    fmt = check_format(fmt)
    reg = registry_for_home()
    uni = reg.universe(name)
    segments = [s.strip() for s in segment.split(",")] if segment else None
    members = reg.segment_members(name, segments)
    frame = members_frame(members)
    if fmt != "table" or output is not None:
        emit(frame, fmt, output)
        return
    frame["name"] = [
        " ".join(x for x in (zh, en) if isinstance(x, str))
        for zh, en in zip(frame["name_zh"], frame["name_en"], strict=True)
    ]
    frame["connect"] = frame["connect"].str.split(" ").str[0]
    frame["member"] = [
        ("since " + str(a) if pd.notna(a) else "") + (f" until {b}" if pd.notna(b) else "")
        for a, b in zip(frame["since"], frame["until"], strict=True)
    ]
    shown = ["code", "name", "currency", "board", "connect", "member", "role", "events"]
    for seg, title in uni.segments.items():
        part = frame[frame["segment"] == seg]
        if part.empty:
            continue
        label = title.title or seg
        emit(part[shown], title=f"{uni.title} — {label} ({seg})", wide=wide,
             headers={"currency": "ccy"}, legend={"currency": "listing currency"},
             drop=("events", "connect", "board", "role", "currency"))  # fmt: skip
    from naion.output import print_lines

    print_lines(
        f"{len(frame)} members in {frame['segment'].nunique()} segments. connect = Stock Connect"
        " eligibility (unverified: check before relying on it); --format csv shows the board rules."
    )


@app.command("refresh")
def refresh_cmd(
    name: Annotated[
        str, typer.Argument(help="Universe whose concept board to pull.")
    ] = "sodium-ion",
    write: Annotated[
        Path | None,
        typer.Option("--write", help="Save curated + classified members as a user universe file."),
    ] = None,
    no_industry: Annotated[
        bool,
        typer.Option(
            "--no-industry", help="Classify by name only (one request instead of one per newcomer)."
        ),
    ] = False,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    wide: WideOpt = False,
) -> None:
    """Pull the live concept board, classify newcomers into segments, print the diff."""
    import datetime as dt

    from naion.output import console, emit
    from naion.providers.akshare_provider import AkshareProvider
    from naion.store import Batch, open_store
    from universes.classify import load_rules
    from universes.loader import registry_for_home
    from universes.refresh import refresh, user_universe

    reg = registry_for_home()
    uni = reg.universe(name)
    if not uni.board:
        from naion.errors import InputError

        raise InputError(
            f"universe {name} names no concept board", hint="add 'board: NAME' to its file"
        )
    provider = AkshareProvider()
    members = provider.board_members(uni.board)
    industry_of = None if no_industry else provider.industry
    diff = refresh(uni, members, industry_of, load_rules(), reg.canonical)
    today = dt.date.today()
    batch = Batch()
    batch.add("members", members.assign(source=provider.name), board=uni.board, snapshot_date=today)
    with open_store() as store:
        store.write(batch)
    emit(
        diff.table(uni),
        fmt,
        output,
        wide=wide,
        title=f"{uni.name} vs concept board {uni.board}: {diff.board_size} members on {today}",
    )
    if write is not None:
        import yaml

        out_name = write.stem.lower().replace("_", "-")
        data = user_universe(uni, diff, out_name, today.isoformat())
        from naion.output import save_text

        save_text(write, yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "--write")
        console(stderr=True).print(
            f"wrote {write} (universe {out_name!r}); copy it into NAION_HOME/universes to use it"
        )
