"""What the store holds, per security and series, for ``naion data status``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from naion.store import Reader
    from universes.loader import Registry

STALE_AFTER_DAYS = 7
_PANEL = "import:market/"


def security_status(
    reader: Reader,
    reg: Registry,
    codes: Sequence[str] | None = None,
    all_codes: bool = False,
    today: dt.date | None = None,
) -> tuple[pd.DataFrame, str | None]:
    """One row per (security, series) held, plus universe members not held at all.

    Without ``codes`` or ``all_codes``, codes held only through a whole-market panel are
    summarised in the returned note instead of listed.
    """
    import pandas as pd

    today = today or dt.date.today()
    bars = reader.bar_summary()
    secs = reader.securities().set_index("code")
    panel_only = bars.groupby("code")["source"].agg(
        lambda s: all(str(x).startswith(_PANEL) for x in s)
    )
    note = None
    if codes is not None:
        wanted = list(codes)
        bars = bars[bars["code"].isin(wanted)]
    else:
        wanted = list(reg.members)
        if not all_codes:
            hidden = panel_only[panel_only].index.difference(wanted)
            if len(hidden):
                sub = bars[bars["code"].isin(hidden)]
                note = (
                    f"+ {len(hidden):,} codes held only through a market panel "
                    f"({int(sub['rows'].sum()):,} rows, {sub['first_date'].min():%Y-%m-%d} → "
                    f"{sub['last_date'].max():%Y-%m-%d}); --all lists them"
                )
                bars = bars[~bars["code"].isin(hidden)]
    rows = []
    for b in bars.itertuples(index=False):
        rows.append(
            _row(b.code, b.adjust, b.rows, b.first_date, b.last_date, b.source, secs, reg, today)
        )
    held = set(bars["code"])
    for code in wanted:
        if code not in held:
            rows.append(_row(code, None, 0, None, None, None, secs, reg, today))
    cols = [
        "code",
        "name",
        "market",
        "currency",
        "series",
        "rows",
        "first",
        "last",
        "age_days",
        "note",
        "source",
    ]
    df = pd.DataFrame(rows, columns=cols)
    df["rows"] = df["rows"].astype("int64")
    df["age_days"] = df["age_days"].astype("Int64")
    return df, note


def _row(
    code: str,
    adjust: str | None,
    rows: int,
    first: object,
    last: object,
    source: str | None,
    secs: pd.DataFrame,
    reg: Registry,
    today: dt.date,
) -> dict[str, object]:
    member = reg.members.get(code)
    name = market = currency = None
    if member is not None:  # curated names first, then what the imported files said
        name, market, currency = member.name_zh or member.name_en, member.market, member.currency
    if code in secs.index:
        s = secs.loc[code]
        stored = s["name"] if isinstance(s["name"], str) else s["name_en"]
        name = name or (stored if isinstance(stored, str) else None)
        market, currency = market or s["market"], currency or s["currency"]
    notes = []
    if member is not None and member.aliases:
        notes.append("alias " + ", ".join(member.aliases))
    last_d = last.date() if hasattr(last, "date") else last
    age = (today - last_d).days if last_d else None
    if member is not None and member.delisted:
        notes.append(f"delisted {member.delisted}")
    elif rows == 0:
        notes.append("not held")
    elif age is not None and age > STALE_AFTER_DAYS:
        notes.append("stale")
    return {
        "code": code,
        "name": name,
        "market": market,
        "currency": currency,
        "series": adjust or "—",
        "rows": rows,
        "first": first.date() if hasattr(first, "date") else first,
        "last": last_d,
        "age_days": age,
        "note": "; ".join(notes),
        "source": str(source).replace("import:", "") if source else None,
    }


def other_datasets(reader: Reader) -> pd.DataFrame:
    """FX pairs, valuation, EPS snapshots, board snapshots, calendars and commodities held."""
    return reader.datasets()
