"""Universe members as a table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from universes.model import Member

if TYPE_CHECKING:
    import pandas as pd


def members_frame(members: Sequence[Member]) -> pd.DataFrame:
    """One row per member: identity, listing, board rules, Stock Connect, role, events."""
    import pandas as pd

    from universes.codes import board_of

    rows = []
    for m in members:
        lot, min_order = m.lot_rules()
        events = []
        if m.aliases:
            events.append("formerly " + ", ".join(m.aliases))
        if m.listed:
            events.append(f"listed {m.listed}")
        if m.delisted:
            events.append(f"delisted {m.delisted}")
        if m.successor:
            events.append(f"→ {m.successor.code} ×{m.successor.ratio:g} on {m.successor.date}")
        if m.cash_out:
            events.append(f"cash {m.cash_out.price:g} {m.currency} on {m.cash_out.date}")
        if m.market in ("A", "HK"):
            rule = board_of(m.code, m.exchange).connect_rule
            connect = {True: "yes", False: "no", None: "unverified"}[m.connect]
            connect = f"{connect} ({rule})"
        else:
            connect = "n/a"
        rows.append(
            {
                "segment": m.segment,
                "code": m.code,
                "name_zh": m.name_zh,
                "name_en": m.name_en,
                "market": m.market,
                "exchange": m.exchange,
                "currency": m.currency,
                "board": m.board(),
                "lot": lot,
                "min_order": min_order,
                "connect": connect,
                "role": m.role,
                "since": m.since,
                "until": m.until,
                "events": "; ".join(events) or None,
            }
        )
    return pd.DataFrame(rows)
