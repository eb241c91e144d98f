"""``naion thesis``: the lithium price, the Na-ion cost advantage and the parity price, as of a
date or over a range, as a table, CSV, JSON or (with ``--html``) a self-contained page.

The page is rendered by a higher layer (``reports``); the command gets the renderer's module
from whoever mounts it (``naion/cli.py``), so this package never imports ``reports``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from naion.options import FormatOpt, OutputOpt, WideOpt

if TYPE_CHECKING:
    import datetime as dt

    import pandas as pd

    from naion.store import Reader
    from screener.thesis.model import ThesisModel
    from screener.thesis.signal import Signal

FREQS = ("day", "week", "month")
# table view: the columns that fit 100 columns; CSV and JSON carry every column
_TABLE = {
    "date": "date",
    "li2co3_cny_per_t": "Li2CO3 CNY/t",
    "series": "series",
    "price_date": "price date",
    "age_days": "age",
    "advantage_cny_per_wh": "adv CNY/Wh",
    "distance_pct": "vs parity",
    "available": "ok",
}


def register(app: typer.Typer, page: str | None = None) -> None:
    """Add ``naion thesis`` to ``app``; ``page`` names the module with ``write_page``."""

    @app.command("thesis")
    def thesis_cmd(
        as_of: Annotated[
            str | None,
            typer.Option("--as-of", help="YYYY-MM-DD (default: the latest lithium price held)."),
        ] = None,
        date_from: Annotated[
            str | None,
            typer.Option("--from", help="Range start, YYYY-MM-DD (default: first price held)."),
        ] = None,
        date_to: Annotated[
            str | None,
            typer.Option("--to", help="Range end, YYYY-MM-DD (default: latest price held)."),
        ] = None,
        freq: Annotated[
            str, typer.Option("--freq", help="Rows of a range: day, week or month (last day).")
        ] = "day",
        model_name: Annotated[
            str | None,
            typer.Option("--model", "-m", help="Cost model name (default: na-ion-vs-lfp)."),
        ] = None,
        fmt: FormatOpt = "table",
        output: OutputOpt = None,
        wide: WideOpt = False,
        html: Annotated[
            Path | None, typer.Option("--html", help="Also write a self-contained HTML page.")
        ] = None,
        base: Annotated[
            str, typer.Option("--base", help="Currency of the page's baskets: CNY, USD or HKD.")
        ] = "CNY",
        chain: Annotated[
            str, typer.Option("--chain", help="Universe of the Na-ion basket on the page.")
        ] = "sodium-ion",
        incumbents: Annotated[
            str,
            typer.Option("--incumbents", help="Universe of the lithium basket on the page."),
        ] = "lithium-incumbents",
    ) -> None:
        """The Na-ion thesis signal: lithium carbonate price used, the Na-ion cell's cost
        advantage over LFP (CNY/Wh), the parity price and the distance to it."""
        from naion.dates import parse_date
        from naion.errors import InputError
        from naion.output import check_format
        from naion.store import open_store
        from screener.thesis.model import get_model

        fmt = check_format(fmt)
        if freq not in FREQS:
            raise InputError(f"unknown --freq {freq!r}", hint=f"use one of: {', '.join(FREQS)}")
        day = parse_date(as_of, "--as-of")
        start = parse_date(date_from, "--from")
        end = parse_date(date_to, "--to")
        if day is not None and (start is not None or end is not None):
            raise InputError(
                "--as-of and --from/--to do not go together",
                hint="give --as-of for one date, or --from/--to for a range",
            )
        if base.upper() not in ("CNY", "USD", "HKD"):
            raise InputError(f"unknown --base {base!r}", hint="use CNY, USD or HKD")
        model = get_model(model_name)
        if html is not None:  # a bad basket universe fails before any output
            from universes.loader import registry_for_home

            reg = registry_for_home()
            for name in (chain, incumbents):
                reg.universe(name)
        with open_store(read_only=True) as store:
            ranged = start is not None or end is not None
            sig = _range(store, model, start, end) if ranged else _as_of(store, model, day)
            rows = _every(sig.frame, freq) if ranged else sig.frame
            _print(rows, sig, fmt, output, wide)
            if html is not None:
                from naion.output import console

                with console(stderr=True).status("building the thesis page"):
                    page_sig = (
                        sig if ranged else _range(store, model, None, sig.last["date"].date())
                    )
                    parts = (page_sig, *_baskets(store, page_sig, base, chain, incumbents))
                    _write_page(page, html, parts)
                _say(f"wrote {html}")


def _as_of(store: Reader, model: ThesisModel, day: dt.date | None) -> Signal:
    from naion.errors import NotInStoreError
    from screener.thesis.signal import latest_price_date, signal_on

    if day is None:
        day = latest_price_date(store, model)
        if day is None:
            raise NotInStoreError(
                f"the store holds no lithium carbonate prices ({', '.join(model.price.series)})",
                hint="import the commodities/ folder with 'naion data import PATH' or run"
                " 'naion data sync'",
            )
    return signal_on(store, model, day)


def _range(store: Reader, model: ThesisModel, start: dt.date | None, end: dt.date | None) -> Signal:
    from naion.errors import NotInStoreError
    from screener.thesis.signal import first_price_date, latest_price_date, signal_range

    start = start or first_price_date(store, model)
    end = end or latest_price_date(store, model)
    if start is None or end is None:
        raise NotInStoreError(
            f"the store holds no lithium carbonate prices ({', '.join(model.price.series)})",
            hint="import the commodities/ folder with 'naion data import PATH' or run"
            " 'naion data sync', or give both --from and --to",
        )
    return signal_range(store, model, start, end)


def _every(frame: pd.DataFrame, freq: str) -> pd.DataFrame:
    """The last row of each week or month (``day``: every row)."""
    if freq == "day":
        return frame
    period = frame["date"].dt.to_period("W" if freq == "week" else "M")
    return frame.groupby(period, sort=True).tail(1).reset_index(drop=True)


def _say(line: str) -> None:
    """One plain line on stderr (no markup: series names and notes print as typed)."""
    import sys

    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _print(
    rows: pd.DataFrame, sig: Signal, fmt: str, output: Path | None, wide: bool = False
) -> None:
    from naion.output import emit

    if fmt == "table" and output is None:
        view = rows[list(_TABLE)].rename(columns=_TABLE).copy()
        view["date"] = view["date"].dt.date
        view["price date"] = view["price date"].dt.date
        m = sig.model
        emit(
            view,
            title=f"Na-ion thesis signal · model {m.name}",
            caption=m.describe_line(),
            digits={"adv CNY/Wh": 4, "Li2CO3 CNY/t": 0},
            kinds={"vs parity": "pct"},
            legend={
                "age": "days between the date and the price used",
                "adv CNY/Wh": "Na-ion cell cost advantage over LFP",
                "vs parity": "distance of the lithium price to the parity price",
                "ok": "signal available",
            },
            drop=("series", "price date", "age"),
            wide=wide,
        )
    else:
        out = rows.copy()
        for col in ("date", "price_date"):
            out[col] = out[col].dt.date
        emit(out, fmt, output)
    for note in sig.notes:
        _say(f"note: {note}")


def _baskets(
    store: Reader, sig: Signal, base: str, chain: str, incumbents: str
) -> tuple[list[Any], list[str], str]:
    """Both baskets over the page's dates, as the store stood on its last date."""
    from screener.thesis.baskets import CONVENTIONS, equal_weight
    from universes.loader import registry_for_home

    reg = registry_for_home()
    first, last = sig.frame["date"].iloc[0].date(), sig.frame["date"].iloc[-1].date()
    reader = store.at(last)
    baskets, notes = [], []
    for name in (chain, incumbents):
        b = equal_weight(reader, reg.universe(name), first, last, base)
        baskets.append(b)
        notes += [f"{name}: {n}" if not n.startswith(f"{name}:") else n for n in b.notes]
    return baskets, notes, CONVENTIONS


def _write_page(page: str | None, path: Path, parts: tuple[Any, ...]) -> None:
    import importlib

    from naion.errors import InputError

    if page is None:
        raise InputError("--html is not available here", hint="run it through the naion command")
    sig, baskets, notes, conventions = parts
    importlib.import_module(page).write_page(sig, baskets, path, notes, conventions)
