"""The thesis as screen fields: ``li2co3``, ``li2co3_ret_3m`` and ``naion_cost_advantage``.

One value per as-of date, the same for every row, from the thesis signal's own rules
(:mod:`screener.thesis.signal`): the composite lithium carbonate price known on the date, never
carried more than the model's ``max_stale_days`` SSE trading days; older, the three fields are
unavailable (NaN) and the screen's notes say why. The model is the default one
(``na-ion-vs-lfp``, or the user's file of that name under NAION_HOME/models).

``li2co3_ret_3m`` compares the price as of the date with the price as of the SSE trading day 63
trading days before the last trading day on or before it; each price is the one known on its
own day, so nothing after the as-of date is read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from screener.fields import Scalars

if TYPE_CHECKING:
    from naion.store import Reader

RET_WINDOW = 63  # SSE trading days, as ret_3m of a listing
FIELDS = ("li2co3", "li2co3_ret_3m", "naion_cost_advantage")


def _date(x: Any) -> dt.date:
    if isinstance(x, dt.datetime):
        return x.date()
    if isinstance(x, dt.date):
        return x
    return x.date() if hasattr(x, "date") else dt.date.fromisoformat(str(x)[:10])


def _unavailable(dates: list[dt.date], why: str) -> Scalars:
    nan = float("nan")
    return Scalars(
        {f: dict.fromkeys(dates, nan) for f in FIELDS},
        {d: [f"li2co3, li2co3_ret_3m and naion_cost_advantage are unavailable: {why}"]
         for d in dates},
    )  # fmt: skip


def thesis_scalars(reader: Reader, dates: Sequence[Any]) -> Scalars:
    """The three thesis fields on each of ``dates`` (see the module docstring)."""
    import numpy as np

    from naion.errors import NotInStoreError
    from screener.thesis.days import trading_days
    from screener.thesis.model import get_model
    from screener.thesis.signal import signal

    days = sorted({_date(d) for d in dates})
    if not days:
        return Scalars({f: {} for f in FIELDS}, {})
    model = get_model()
    sse = trading_days(reader, days[0] - dt.timedelta(days=RET_WINDOW * 2 + 30), days[-1])
    cal = np.asarray(sse.days, dtype="datetime64[D]")
    anchors: dict[dt.date, dt.date | None] = {}
    for d in days:
        i = int(np.searchsorted(cal, np.datetime64(d, "D"), side="right")) - 1
        anchors[d] = cal[i - RET_WINDOW].astype(dt.date) if i - RET_WINDOW >= 0 else None
    wanted = sorted(set(days) | {a for a in anchors.values() if a is not None})
    try:
        sig = signal(reader, model, wanted)
    except NotInStoreError as exc:
        return _unavailable(days, exc.message)
    rows = {r.date.date(): r for r in sig.frame.itertuples(index=False)}
    values: dict[str, dict[Any, float]] = {f: {} for f in FIELDS}
    notes: dict[Any, list[str]] = {}
    for d in days:
        r = rows[d]
        price = float(r.li2co3_cny_per_t) if r.available else float("nan")
        values["li2co3"][d] = price
        values["naion_cost_advantage"][d] = (
            float(r.advantage_cny_per_wh) if r.available else float("nan")
        )
        said = []
        if r.available:
            said.append(
                f"li2co3 as of {d}: {price:,.0f} CNY/t ({r.series}, price of"
                f" {r.price_date.date()}); naion_cost_advantage {r.advantage_cny_per_wh:.4f}"
                f" CNY/Wh on model {model.name} (parity {model.parity:,.0f} CNY/t)"
            )
        else:
            said.append(
                f"li2co3 and naion_cost_advantage are unavailable as of {d}:"
                f" {r.note.removeprefix('unavailable: ')}"
                " (never carried further)"
            )
        a = anchors[d]
        ra = rows.get(a) if a is not None else None
        ret = float("nan")
        if ra is not None and ra.available and r.available:
            ret = price / float(ra.li2co3_cny_per_t) - 1.0
            if ra.series != r.series:
                said.append(
                    f"li2co3_ret_3m as of {d} compares {r.series} with {ra.series} (as of {a}):"
                    " it spans a splice of the composite series (joined, not rescaled)"
                )
        elif r.available:
            why = (
                f"no price within the limit as of {a}, 63 trading days before"
                if a is not None
                else "fewer than 63 SSE trading days known before it"
            )
            said.append(f"li2co3_ret_3m is unavailable as of {d}: {why}")
        values["li2co3_ret_3m"][d] = ret
        notes[d] = said
    return Scalars(values, notes)
