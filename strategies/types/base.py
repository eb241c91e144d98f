"""What strategy types share: the context their targets read, universe members, weighting steps.

Weighting steps in the manner of bt's algo stack — *select* (listed, priced, a current member
of the universe, passing a screen), *weigh* (fixed sleeves, equal per segment, 1/field, screen
score), *cap* (no name above a cap, the excess spread over the others). Every step sees only
data dated on or before the day it weighs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from naion.errors import InputError
from strategies.spec import StrategySpec

if TYPE_CHECKING:
    import numpy as np

    from naion.store import Reader
    from universes.loader import Registry
    from universes.model import Member

ALL_A = "all-a"  # the screener's pseudo-universe: every A-share the store holds


@dataclass
class Context:
    """What a type's ``targets`` may read. Rows are the panel's trading days."""

    codes: list[str]  # panel columns: the strategy's members first, then successors
    n_members: int  # how many of ``codes`` are the strategy's members
    dates: np.ndarray  # [T] datetime64[D]
    live: np.ndarray  # [T, N] bool: priced that day (listed, not delisted)
    reader: Reader
    registry: Registry
    notes: list[str]
    ignore_membership: bool = False
    previous: np.ndarray | None = None  # weights held before the first row (naion rebalance)
    cache: dict[Any, Any] = field(default_factory=dict)  # shared by a sweep's variants
    stats: dict[str, float] = field(default_factory=dict)  # a type's own figures for the run
    _index: dict[str, int] | None = None

    @property
    def index(self) -> dict[str, int]:
        if self._index is None:
            self._index = {c: i for i, c in enumerate(self.codes)}
        return self._index

    def day(self, t: int) -> dt.date:
        return self.dates[t].astype(object)


def store_a_shares(reader: Reader | None) -> list[str]:
    """Every A-share code the store holds (B shares excluded): the ``all-a`` universe."""
    if reader is None:
        raise InputError("the all-a universe needs the store", hint="run 'naion data import'")
    secs = reader.securities()
    codes = secs.loc[secs["market"] == "A", "code"].tolist()
    from universes.codes import is_b_share

    return [c for c in codes if not is_b_share(c)]


class UniverseSpec(StrategySpec):
    """A strategy over a universe (its members current on each day), optionally some segments."""

    universe: str
    segments: list[str] | None = None

    def universe_name(self) -> str | None:
        return self.universe

    def members(self, reg: Registry, reader: Reader | None = None) -> list[str]:
        if self.universe == ALL_A:
            if self.segments:
                raise InputError("segments need a universe with segments, not all-a")
            return store_a_shares(reader)
        return [m.code for m in reg.segment_members(self.universe, self.segments)]

    def universe_members(self, ctx: Context) -> tuple[np.ndarray, list[str], np.ndarray]:
        """(panel columns, segment per column, ``[T, k]`` membership-current mask)."""
        import numpy as np

        key = ("universe", self.universe, tuple(self.segments or ()), ctx.ignore_membership)
        if key in ctx.cache:
            return ctx.cache[key]
        T = len(ctx.dates)
        if self.universe == ALL_A:
            naion = ctx.registry.universes.get("sodium-ion")
            seg_of = {m.code: m.segment for m in naion.members} if naion else {}
            codes = ctx.codes[: ctx.n_members]
            cols = np.arange(ctx.n_members, dtype=np.int64)
            segs = [seg_of.get(c, "other") for c in codes]
            current = np.ones((T, len(codes)), dtype=np.bool_)
        else:
            members: list[Member] = [
                m
                for m in ctx.registry.segment_members(self.universe, self.segments)
                if m.code in ctx.index
            ]
            cols = np.array([ctx.index[m.code] for m in members], dtype=np.int64)
            segs = [m.segment for m in members]
            current = np.ones((T, len(members)), dtype=np.bool_)
            if not ctx.ignore_membership:
                d = ctx.dates.astype("datetime64[D]")
                for j, m in enumerate(members):
                    if m.since is not None:
                        current[:, j] &= d >= np.datetime64(m.since, "D")
                    if m.until is not None:
                        current[:, j] &= d <= np.datetime64(m.until, "D")
        out = (cols, segs, current)
        ctx.cache[key] = out
        return out


def segment_equal_weights(spec: UniverseSpec, ctx: Context, days: np.ndarray) -> np.ndarray:
    """Equal weight per segment with a live current member, equal inside the segment."""
    import numpy as np

    cols, segs, current = spec.universe_members(ctx)
    alive = ctx.live[days][:, cols] & current[days]
    w = np.zeros((len(days), len(ctx.codes)))
    names = sorted(set(segs))
    seg_idx = np.array([names.index(s) for s in segs], dtype=np.int64)
    counts = np.zeros((len(days), len(names)))
    for k in range(len(names)):
        counts[:, k] = alive[:, seg_idx == k].sum(axis=1)
    n_segs = (counts > 0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        per = np.where(alive, 1.0 / n_segs[:, None] / counts[:, seg_idx], 0.0)
    w[:, cols] = np.nan_to_num(per)
    return w


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


def score(value: object, inverse: bool) -> float:
    """1/value (or value) for a positive finite number, else 0 (no weight)."""
    import math

    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0.0
    v = float(value)
    if not math.isfinite(v) or v <= 0:
        return 0.0
    return 1.0 / v if inverse else v
