"""Target weights at each rebalance day: small steps in the manner of bt's algo stack.

    select  which names may be held on the day (listed, not delisted, passing a screen)
    weigh   how much each gets (fixed sleeves, equal per segment, 1/field, screen score)
    cap     no name above a cap, the excess spread over the others

Every step sees only data dated on or before the day it weighs: prices held up to that
day decide who is listed, and valuation or screen fields come from the screener as of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from naion.store import Reader
    from strategies.prices import PricePanel
    from strategies.spec import StrategySpec
    from universes.loader import Registry


def check_days(dates: pd.DatetimeIndex, calendar: str, explicit: Sequence[dt.date]) -> list:
    """Rebalance days: day 0, the first trading day of each calendar period, and the first
    trading day on or after each explicit date."""
    import pandas as pd

    if len(dates) == 0:
        return []
    days = {dates[0]}
    if calendar == "D":
        days.update(dates)
    elif calendar != "none":
        freq = {"W": "W", "M": "M", "Q": "Q", "A": "Y"}[calendar]
        periods = dates.to_period(freq)
        first = np.r_[True, periods[1:] != periods[:-1]]
        days.update(dates[first])
    for d in explicit:
        k = int(np.searchsorted(dates, pd.Timestamp(d)))
        if k < len(dates):
            days.add(dates[k])
    return sorted(days)


def listed_mask(panel: PricePanel, t: int) -> np.ndarray:
    """Names holding a price on day t (listed, not delisted)."""
    return np.isfinite(panel.local[t])


def cap_weights(w: np.ndarray, cap: float) -> np.ndarray:
    """Clip weights at ``cap`` and spread the excess over uncapped names, pro rata."""
    w = w.astype(float).copy()
    for _ in range(len(w)):
        over = w > cap + 1e-12
        if not over.any():
            break
        excess = (w[over] - cap).sum()
        w[over] = cap
        free = (w < cap - 1e-12) & (w > 0)
        if not free.any():
            break  # everyone at the cap: the excess stays in cash
        w[free] += excess * w[free] / w[free].sum()
    return w


def sleeves(spec: StrategySpec, panel: PricePanel, days: list, reg: Registry) -> pd.DataFrame:
    """Fixed weights; a name not yet listed (or gone) on a day passes its weight to the rest
    of its sleeve."""
    import pandas as pd

    idx = {c: i for i, c in enumerate(panel.codes)}
    pos = {d: i for i, d in enumerate(panel.dates)}
    rows = []
    for d in days:
        t = pos[d]
        live = listed_mask(panel, t)
        w = np.zeros(len(panel.codes))
        for sleeve in (spec.sleeves or {}).values():
            members = {reg.canonical(c): r for c, r in sleeve.members.items()}
            alive = {c: r for c, r in members.items() if live[idx[c]]}
            total = sum(alive.values())
            for c, r in alive.items():
                w[idx[c]] += sleeve.weight * r / total
        rows.append(w)
    return pd.DataFrame(rows, index=days, columns=panel.codes)


def segment_equal(spec: StrategySpec, panel: PricePanel, days: list, reg: Registry) -> pd.DataFrame:
    """Equal weight per segment with a listed member, equal inside the segment."""
    import pandas as pd

    members = reg.segment_members(spec.universe or "", spec.segments)
    seg = {m.code: m.segment for m in members}
    pos = {d: i for i, d in enumerate(panel.dates)}
    rows = []
    for d in days:
        live = listed_mask(panel, pos[d])
        alive = [c for c in panel.codes if c in seg and live[panel.codes.index(c)]]
        segments = sorted({seg[c] for c in alive})
        w = np.zeros(len(panel.codes))
        for s in segments:
            names = [c for c in alive if seg[c] == s]
            for c in names:
                w[panel.codes.index(c)] = 1.0 / len(segments) / len(names)
        rows.append(w)
    return pd.DataFrame(rows, index=days, columns=panel.codes)


def valuation_tilt(
    spec: StrategySpec,
    panel: PricePanel,
    days: list,
    reg: Registry,
    reader: Reader,
    notes: list[str],
) -> pd.DataFrame:
    """Per segment equal; inside it, weights ∝ 1/field (or ∝ field) as of each day, capped.

    A name without a positive field value on the day gets no weight; a segment where no
    name has one is held in equal weight (and the day is noted).
    """
    import pandas as pd

    from screener.engine import Screen

    tilt = spec.tilt
    assert tilt is not None
    scr = Screen(universe=spec.universe or "", segments=spec.segments, columns=[tilt.field])
    results = scr.run_many(reader, [d.date() for d in days], reg)
    base = segment_equal(spec, panel, days, reg)
    rows = []
    fallback_days = 0
    for d in days:
        frame = results[d.date()].all_rows
        assert frame is not None
        val = dict(zip(frame["code"].tolist(), frame[tilt.field].tolist(), strict=True))
        seg = dict(zip(frame["code"].tolist(), frame["segment"].tolist(), strict=True))
        b = base.loc[d].to_numpy()
        w = np.zeros(len(panel.codes))
        for s in sorted({seg[c] for c in panel.codes if c in seg}):
            cols = [i for i, c in enumerate(panel.codes) if seg.get(c) == s and b[i] > 0]
            if not cols:
                continue
            budget = b[cols].sum()
            scores = np.array([_score(val.get(panel.codes[i]), tilt.inverse) for i in cols])
            if scores.sum() > 0:
                w[cols] = budget * scores / scores.sum()
            else:
                w[cols] = b[cols]
                fallback_days += 1
        rows.append(cap_weights(w, tilt.cap))
    if fallback_days:
        notes.append(
            f"valuation-tilt: {fallback_days} segment-days had no {tilt.field} and "
            "were held in equal weight"
        )
    return pd.DataFrame(rows, index=days, columns=panel.codes)


def _score(value: object, inverse: bool) -> float:
    if value is None or not isinstance(value, (int, float)) or not np.isfinite(value) or value <= 0:
        return 0.0
    return 1.0 / float(value) if inverse else float(value)


def screen_driven(
    spec: StrategySpec,
    panel: PricePanel,
    days: list,
    reg: Registry,
    reader: Reader,
    notes: list[str],
) -> pd.DataFrame:
    """Hold the names a screen passes as of each day (equal or score-weighted)."""
    import pandas as pd

    from screener.engine import Screen
    from screener.fields import field as get_field

    rule = spec.screen
    assert rule is not None
    scr = Screen(
        universe=spec.universe or "",
        segments=spec.segments,
        where=rule.where,
        preset=rule.preset,
        rank_by=rule.score,
        top=rule.top,
    )
    results = scr.run_many(reader, [d.date() for d in days], reg)
    pos = {d: i for i, d in enumerate(panel.dates)}
    rows = []
    prev = np.zeros(len(panel.codes))
    short = 0
    for d in days:
        res = results[d.date()]
        live = listed_mask(panel, pos[d])
        names = [
            c for c in res.rows["code"].tolist() if c in panel.codes and live[panel.codes.index(c)]
        ]
        w = np.zeros(len(panel.codes))
        if len(names) >= rule.min_count:
            if rule.weighting == "score" and rule.score:
                better_low = get_field(rule.score).better == "low"
                vals = res.rows.set_index("code")[rule.score]
                sc = np.array([_score(vals.get(c), better_low) for c in names])
                sc = sc if sc.sum() > 0 else np.ones(len(names))
            else:
                sc = np.ones(len(names))
            for c, x in zip(names, sc / sc.sum(), strict=True):
                w[panel.codes.index(c)] = x
        else:
            short += 1
            if rule.fallback == "previous":
                w = np.where(live, prev, 0.0)
                if w.sum() > 0:
                    w = w * prev.sum() / w.sum()
            elif rule.fallback == "universe":
                w = np.where(live, 1.0, 0.0)
                w = w / w.sum() if w.sum() > 0 else w
        rows.append(w)
        prev = w
    if short:
        notes.append(
            f"screen-driven: on {short} of {len(days)} rebalance days fewer than "
            f"{rule.min_count} names passed; fallback: {rule.fallback}"
        )
    return pd.DataFrame(rows, index=days, columns=panel.codes)
