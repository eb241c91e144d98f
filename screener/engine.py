"""The screen engine: ``Screen(...).run(store)`` and ``run_many(store, dates)``.

A screen = a universe (a curated/user universe, or ``all-a`` for every A-share held), an
as-of date, a condition (``--where`` and/or a preset), optional segment filter, ranking and
top-N. Fields come from the store as of the date (see :mod:`screener.fields`) or from the
embedded seed table (``source="seed-2022"``).

Point-in-time: nothing dated after the as-of date is read; a universe shows only the members
current on the date (their ``since``/``until``; ``ignore_membership_dates`` lists them all,
for comparison); a date's result does not depend on the other dates screened with it; where
a field has no history before the date, or falls back to another basis, the result says so
in ``notes`` instead of borrowing a later value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from naion.errors import InputError, NotInStoreError
from screener import expr
from screener.fields import DEFAULT_COLUMNS, FIELDS, SEED_COLUMNS, STALE_DAYS, numeric_fields
from screener.fields import field as get_field
from screener.valuation import ESTIMATE_MAX_AGE_DAYS
from universes.loader import PSEUDO_UNIVERSES

if TYPE_CHECKING:
    import pandas as pd

    from naion.store import Reader
    from screener.valuation import ConsensusUse
    from universes.loader import Registry
    from universes.model import Member

ALL_A = "all-a"
assert ALL_A in PSEUDO_UNIVERSES
SOURCES = ("store", "seed-2022")
NAION_UNIVERSE = "sodium-ion"
IDENTITY = ("code", "name", "segment")
ALL_A_IDENTITY = ("code", "name", "industry", "segment")
FIRST_HELD = "_first_held"  # all-a: the code's first bar or valuation date (None: none held)
# the seed table's fields (see screener.seed)
SEED_FIELDS = frozenset(
    {"code", "name", "segment", "market", "currency", "close", "market_cap", "market_cap_base"}
    | {f"eps_fy{k}" for k in range(4)}
    | {f"pe_fy{k}" for k in range(4)}
    | {"fy0", "eps_cagr", "peg"}
)


@dataclass
class ScreenResult:
    """Rows that passed (ranked, cut to top-N) and what the screen was."""

    rows: pd.DataFrame
    as_of: dt.date
    universe: str
    source: str
    condition: str | None
    rank: str | None
    universe_size: int
    passed: int
    columns: list[str]
    notes: list[str] = field(default_factory=list)
    all_rows: pd.DataFrame | None = None  # every name with every field (before filtering)

    @property
    def empty(self) -> bool:
        return len(self.rows) == 0


@dataclass
class DateContext:
    """What one date's fields were made from, for its notes."""

    consensus: ConsensusUse
    fallback: dict[str, list[str]]  # price field -> codes computed on unadjusted closes
    snapshots: list[dt.date]  # every EPS snapshot held (to say when none was usable)
    needed: set[str] | None
    scalar_notes: list[str] = field(default_factory=list)  # market-wide fields (thesis)


@dataclass
class Screen:
    """A screen definition; ``run`` evaluates it against a store."""

    universe: str = NAION_UNIVERSE
    where: str | None = None
    as_of: dt.date | None = None
    segments: Sequence[str] | None = None
    rank_by: str | None = None
    descending: bool | None = None
    top: int | None = None
    preset: str | None = None
    source: str = "store"
    base_currency: str = "CNY"
    columns: Sequence[str] | None = None
    ignore_membership_dates: bool = False
    estimate_max_age: int = ESTIMATE_MAX_AGE_DAYS  # days; older snapshots' estimates unused
    _resolved_preset: Any = field(default=None, init=False, repr=False, compare=False)

    # -- public API ----------------------------------------------------------------------
    def run(self, reader: Reader | None, registry: Registry | None = None) -> ScreenResult:
        """Evaluate the screen as of ``self.as_of`` (default: the latest date held)."""
        reg = registry or _registry()
        if self.source == "seed-2022":
            self._check_seed_fields()
            day = _seed_date(self.as_of)
            frame = self._seed_rows(reg)
            scalar_notes = self._seed_scalars(reader, frame, day)
            result = self._finish(frame, reg, day, None)
            result.notes += scalar_notes
            return result
        if reader is None:
            raise NotInStoreError("this screen needs the store", hint="run 'naion data import'")
        info = self._universe_rows(reader, reg)
        as_of = self.as_of or _latest_date(reader, info["code"].tolist())
        frames, contexts = self._compute(reader, reg, info, [as_of])
        return self._finish(frames[as_of], reg, as_of, contexts[as_of])

    def run_many(
        self, reader: Reader, dates: Sequence[dt.date], registry: Registry | None = None
    ) -> dict[dt.date, ScreenResult]:
        """The same screen at each date, loading prices once (for rebalancing backtests).

        Each date's result is what :meth:`run` gives for that date alone.
        """
        reg = registry or _registry()
        if self.source != "store":
            raise InputError("run_many works on the store source only")
        info = self._universe_rows(reader, reg)
        frames, contexts = self._compute(reader, reg, info, list(dates))
        return {d: self._finish(frames[d], reg, d, contexts[d]) for d in dates}

    # -- steps ---------------------------------------------------------------------------
    def validate(self) -> None:
        """Check the definition (source, condition, ranking, columns) without reading data."""
        if self.source not in SOURCES:
            raise InputError(
                f"unknown source {self.source!r}", hint=f"use one of: {', '.join(SOURCES)}"
            )
        if self.estimate_max_age < 0:
            raise InputError(
                f"the estimate age limit must be 0 days or more, not {self.estimate_max_age}"
            )
        self.needed_fields()
        if self.source == "seed-2022":
            self._check_seed_fields()

    def needed_fields(self) -> set[str]:
        """Fields the condition, the ranking and the shown columns use."""
        cond = self.condition()
        rank_by, _ = self.ranking()
        return set(self._columns(cond, rank_by)) | set(cond.fields() if cond else [])

    def condition(self) -> expr.Condition | None:
        names = set(FIELDS)
        parts = []
        if self.preset:
            p = self._preset()
            parts.append(expr.parse(p.where, names))
        if self.where:
            parts.append(expr.parse(self.where, names))
        return expr.combine(*parts)

    def ranking(self) -> tuple[str | None, bool]:
        rank_by, descending, _ = self._preset_defaults()
        if rank_by is None:
            return None, False
        f = get_field(rank_by)
        if f.kind != "number":
            raise InputError(
                f"cannot rank by text field {rank_by!r}", hint="rank by a number field"
            )
        if descending is None:
            descending = f.better == "high"
        return rank_by, descending

    def needs_store(self) -> bool:
        """True when running needs the store (the seed table alone holds no scalar field)."""
        return self.source != "seed-2022" or bool(self._scalar_fields())

    def _scalar_fields(self) -> set[str]:
        return {f for f in self.needed_fields() if f in FIELDS and FIELDS[f].group == "scalar"}

    def _seed_scalars(self, reader: Reader | None, frame: pd.DataFrame, day: dt.date) -> list[str]:
        """Scalar fields (one value per date, from the store) added to the seed rows."""
        from screener.fields import scalar_values

        wanted = self._scalar_fields()
        if not wanted:
            return []
        if reader is None:
            raise NotInStoreError(
                f"{', '.join(sorted(wanted))} come from the store, not the seed table",
                hint="run it with the store open (naion screen does), or drop those fields",
            )
        values, notes = scalar_values(reader.at(day), [day], wanted)
        for name, value in values[day].items():
            frame[name] = value
        return notes[day]

    def _check_seed_fields(self) -> None:
        """The seed table holds a few fields only: any other is a one-line error."""
        names = set(FIELDS)
        uses: list[tuple[str, list[str]]] = []
        if self.where:
            uses.append(("--where", expr.parse(self.where, names).fields()))
        if self.preset:
            p = self._preset()
            uses.append((f"preset {p.name!r}", expr.parse(p.where, names).fields()))
            if p.rank_by:
                uses.append((f"preset {p.name!r}", [p.rank_by]))
        if self.rank_by:
            uses.append(("--rank-by", [self.rank_by]))
        uses.append(("--columns", list(self.columns or [])))
        for where, fields in uses:
            missing = [
                f
                for f in fields
                if f not in SEED_FIELDS and not (f in FIELDS and FIELDS[f].group == "scalar")
            ]
            if missing:
                raise InputError(
                    f"{where} uses {missing[0]}, which the seed-2022 table does not hold",
                    hint=f"the seed holds {', '.join(sorted(SEED_FIELDS - {'code', 'name'}))};"
                    f" use the store source (drop --source) for {missing[0]}",
                )

    def _preset(self) -> Any:
        """The named preset, read once per screen (its file may be the user's)."""
        if self._resolved_preset is None or self._resolved_preset.name != self.preset:
            from naion.settings import paths
            from screener.presets import get_preset

            self._resolved_preset = get_preset(str(self.preset), paths().presets)
        return self._resolved_preset

    def _preset_defaults(self) -> tuple[str | None, bool | None, int | None]:
        rank_by, descending, top = self.rank_by, self.descending, self.top
        if self.preset:
            p = self._preset()
            rank_by = rank_by or p.rank_by
            descending = descending if descending is not None else p.descending
            top = top or p.top
        return rank_by, descending, top

    def _universe_rows(self, reader: Reader, reg: Registry) -> pd.DataFrame:
        """Every code the screen may show on some date, with its identity columns.

        Columns: code, name, industry, segment, market, currency, in_naion and ``_member``
        (the universe member behind the row, which says on which days it belongs).
        """
        import pandas as pd

        if self.source not in SOURCES:
            raise InputError(
                f"unknown source {self.source!r}", hint=f"use one of: {', '.join(SOURCES)}"
            )
        naion = reg.universes.get(NAION_UNIVERSE)
        naion_of = {m.code: m for m in naion.members} if naion else {}
        if self.universe == ALL_A:
            if self.segments:
                raise InputError("--segment needs a universe with segments, not all-a")
            secs = reader.securities()
            secs = secs[
                (secs["market"] == "A") & ~secs["code"].str.match(r"^(900\d{3}\.SH|200\d{3}\.SZ)$")
            ]
            codes = secs["code"].tolist()
            info = pd.DataFrame(
                {
                    "code": codes,
                    "name": [
                        _name(reg, c, n) for c, n in zip(codes, secs["name"].tolist(), strict=True)
                    ],
                    "industry": _texts(secs["industry"]),
                    "segment": [naion_of[c].segment if c in naion_of else None for c in codes],
                    "market": "A",
                    "currency": "CNY",
                }
            )
            info["_member"] = [naion_of.get(c) for c in codes]
            # the store's securities table has no dates: a code first held after an as-of
            # date (a later listing) is left out of that date's all-a (see _current)
            first = reader.at(None).memo(("screener.first_held",), reader.at(None).first_held)
            info[FIRST_HELD] = [first.get(c) for c in codes]
        else:
            members = reg.segment_members(self.universe, self.segments)
            codes = [m.code for m in members]
            secs = reader.securities(codes).set_index("code")
            industry = secs["industry"].reindex(codes) if len(secs) else [None] * len(codes)
            info = pd.DataFrame(
                {
                    "code": codes,
                    "name": [m.name_zh or m.name_en for m in members],
                    "industry": _texts(pd.Series(list(industry))),
                    "segment": [m.segment for m in members],
                    "market": [m.market for m in members],
                    "currency": [m.currency for m in members],
                }
            )
            info["_member"] = members
        info["in_naion"] = info["code"].isin(naion_of.keys())
        return info

    def _compute(
        self, reader: Reader, reg: Registry, info: pd.DataFrame, dates: list[dt.date]
    ) -> tuple[dict[dt.date, pd.DataFrame], dict[dt.date, DateContext]]:
        return compute_fields(
            reader,
            info["code"].tolist(),
            dates,
            info.drop(columns=["_member"]),
            self.base_currency,
            _curated_listing(reg),
            all_a=self.universe == ALL_A,
            needed=self.needed_fields(),
            estimate_max_age=self.estimate_max_age,
            members=dict(zip(info["code"].tolist(), info["_member"].tolist(), strict=True)),
        )

    def _seed_rows(self, reg: Registry) -> pd.DataFrame:
        from screener.seed import seed_frame

        frame = seed_frame(reg.canonical)
        if self.universe == ALL_A:
            raise InputError(
                "the seed-2022 source covers the sodium-ion names only",
                hint="use --universe sodium-ion",
            )
        members = reg.segment_members(self.universe, self.segments)
        keep = {m.code: m for m in members}
        frame = frame[frame["code"].isin(keep.keys())].copy()
        frame["segment"] = frame["code"].map(lambda c: keep[c].segment)
        frame["industry"] = None
        frame["in_naion"] = True
        frame["_member"] = frame["code"].map(keep)
        return frame.reset_index(drop=True)

    def _current(self, frame: pd.DataFrame, as_of: dt.date) -> tuple[pd.DataFrame, list[str]]:
        """The rows of members current on ``as_of`` (all-a: segments only while current)."""
        import numpy as np

        notes: list[str] = []
        if FIRST_HELD in frame.columns:
            held = frame[FIRST_HELD].map(lambda d: d is not None and d == d and d <= as_of)
            later = int((~held).sum())
            frame = frame[held.to_numpy(dtype=bool)].drop(columns=[FIRST_HELD])
            frame = frame.reset_index(drop=True)
            if later:
                notes.append(
                    f"all-a as of {as_of}: {later:,} A-shares held with no price or valuation row"
                    " on or before that date (listed later) are left out"
                )
        if "_member" not in frame.columns:
            return frame, notes
        members = frame["_member"].tolist()
        current = np.array(
            [
                m is not None and (self.ignore_membership_dates or m.current_on(as_of))
                for m in members
            ],
            dtype=bool,
        )
        frame = frame.drop(columns=["_member"])
        if self.ignore_membership_dates:
            notes.append(
                "membership dates ignored: every member is screened as if it always belonged "
                "(hindsight; for comparison only)"
            )
            return frame, notes
        left_out = [m for m, cur in zip(members, current, strict=True) if m is not None and not cur]
        if self.universe == ALL_A:
            frame = frame.copy()
            frame.loc[~current, "segment"] = None
            frame["in_naion"] = current
            if left_out:
                notes.append(
                    f"{len(left_out)} Na-ion names are not flagged with a segment: not yet (or "
                    f"no longer) members on {as_of} ({_member_dates(left_out)})"
                )
            return frame, notes
        frame = frame[current].reset_index(drop=True)
        if left_out:
            first = min((m.since for m in left_out if m.since and m.since > as_of), default=None)
            notes.append(
                f"{len(left_out)} members of {self.universe} are left out: not members on "
                f"{as_of} ({_member_dates(left_out)})"
                + ("" if len(frame) else f"; it has no member before {first}" if first else "")
                + "; --ignore-membership-dates screens them anyway (hindsight)"
            )
        return frame, notes

    def _finish(
        self,
        frame: pd.DataFrame,
        reg: Registry,
        as_of: dt.date,
        ctx: DateContext | None,
    ) -> ScreenResult:
        cond = self.condition()
        rank_by, descending = self.ranking()
        _, _, top = self._preset_defaults()
        frame, notes = self._current(frame, as_of)
        if ctx is not None:
            notes += _notes(as_of, frame, ctx)
        if cond is not None:
            for name in cond.fields():
                if name in frame.columns and frame[name].isna().all() and len(frame):
                    notes.append(f"{name} is unavailable for every name as of {as_of}")
            passed = frame[cond.mask(frame).to_numpy()]
        else:
            passed = frame
        if rank_by:
            passed = passed.sort_values(
                rank_by, ascending=not descending, na_position="last", kind="stable"
            )
        n_passed = len(passed)
        if top is not None:
            if top < 1:
                raise InputError("--top must be at least 1")
            passed = passed.head(top)
        columns = self._columns(cond, rank_by)
        shown = passed[[c for c in columns if c in passed.columns]].reset_index(drop=True)
        rank_text = None
        if rank_by:
            rank_text = f"{rank_by} ({'highest' if descending else 'lowest'} first)"
        return ScreenResult(
            rows=shown,
            as_of=as_of,
            universe=self.universe,
            source=self.source,
            condition=cond.text if cond else None,
            rank=rank_text,
            universe_size=len(frame),
            passed=n_passed,
            columns=list(shown.columns),
            notes=notes,
            all_rows=frame,
        )

    def _columns(self, cond: expr.Condition | None, rank_by: str | None) -> list[str]:
        if self.columns:
            cols = list(self.columns)
            for c in cols:
                get_field(c)
        else:
            base = SEED_COLUMNS if self.source == "seed-2022" else DEFAULT_COLUMNS
            cols = list(base)
            for c in (cond.fields() if cond else []) + ([rank_by] if rank_by else []):
                if c not in cols:
                    cols.append(c)
        ident = list(ALL_A_IDENTITY if self.universe == ALL_A else IDENTITY)
        return ident + [c for c in cols if c not in ident]


def compute_fields(
    reader: Reader,
    codes: Sequence[str],
    dates: Sequence[dt.date],
    info: pd.DataFrame,
    base_currency: str = "CNY",
    listing: dict[str, dt.date] | None = None,
    all_a: bool = False,
    needed: set[str] | None = None,
    estimate_max_age: int = ESTIMATE_MAX_AGE_DAYS,
    members: dict[str, Member | None] | None = None,
) -> tuple[dict[dt.date, pd.DataFrame], dict[dt.date, DateContext]]:
    """Every field of every code at every date, plus what each date's fields came from.

    ``info`` holds code, name, segment, market and currency per code; ``listing`` the
    curated listing dates (else the first price held counts as the listing date).
    ``needed`` (default: all) are the fields computed; price fields nobody asked for stay
    unavailable. ``members`` (code → universe member) rides along as ``_member``.
    """
    import numpy as np
    import pandas as pd

    from screener.fields import lookback_days, scalar_values, with_inputs
    from screener.formulas import eps_fields
    from screener.market import load_prices, price_values
    from screener.valuation import eps_at, valuation_at

    dates = sorted(set(dates))
    needed = with_inputs(needed)
    first = dates[0] - dt.timedelta(days=lookback_days(needed))
    last = dates[-1]
    currencies = dict(zip(info["code"].tolist(), info["currency"].tolist(), strict=True))
    per_market: dict[dt.date, list[pd.DataFrame]] = {d: [] for d in dates}
    fallback: dict[dt.date, dict[str, list[str]]] = {d: {} for d in dates}
    market_of = dict(zip(info["code"].tolist(), info["market"].tolist(), strict=True))
    groups: dict[str, list[str]] = {}
    for c in codes:
        groups.setdefault(market_of[c], []).append(c)
    whole_market = all_a and set(groups) == {"A"}
    for market, group in groups.items():
        prices = load_prices(reader, market, None if whole_market else group, first, last)
        for d, got in price_values(prices, dates, needed).items():
            per_market[d].append(got.frame)
            for name, which in got.fallback.items():
                fallback[d].setdefault(name, []).extend(which)
    vals = valuation_at(reader, list(codes), dates, currencies, base_currency.upper())
    eps, used = eps_at(reader, list(codes), dates, estimate_max_age)
    want_listed = needed is None or "listed_days" in needed
    listed = _listed_dates(reader, codes, listing or {}) if want_listed else {}
    snapshots = reader.at(None).eps_snapshot_dates() if codes else []
    scalars, scalar_notes = scalar_values(reader, dates, needed)
    out: dict[dt.date, pd.DataFrame] = {}
    contexts: dict[dt.date, DateContext] = {}
    for d in dates:
        frame = info.copy()
        if per_market[d]:
            mk = pd.concat(per_market[d], ignore_index=True)
            frame = frame.merge(mk, on="code", how="left")
        frame = frame.merge(vals[d], on="code", how="left").merge(eps[d], on="code", how="left")
        if "close" not in frame.columns:
            frame["close"] = np.nan
        frame = eps_fields(frame)
        for name, value in scalars[d].items():
            frame[name] = value  # one value per date, the same for every row
        if want_listed:
            ld = pd.to_datetime(frame["code"].map(listed))
            frame["listed_days"] = (pd.Timestamp(d) - ld).dt.days.astype("float64")
            frame.loc[frame["listed_days"] < 0, "listed_days"] = np.nan
        for f in numeric_fields():
            if f not in frame.columns:
                frame[f] = np.nan
        if members is not None:
            frame["_member"] = frame["code"].map(members)
        out[d] = frame
        contexts[d] = DateContext(used[d], fallback[d], snapshots, needed, scalar_notes[d])
    return out, contexts


def _wants(ctx: DateContext, group: str) -> bool:
    if ctx.needed is None:
        return True
    return any(FIELDS[f].group == group for f in ctx.needed if f in FIELDS)


def _notes(d: dt.date, frame: pd.DataFrame, ctx: DateContext) -> list[str]:
    """Where one date's fields came from and what is unavailable, for the rows shown."""
    notes: list[str] = []
    codes = set(frame["code"].tolist())
    notes += ctx.scalar_notes
    if _wants(ctx, "consensus"):
        notes += _consensus_notes(d, codes, ctx)
    if _wants(ctx, "valuation") and len(frame):
        if frame["pe_ttm"].isna().all() and frame["market_cap"].isna().all():
            notes.append(
                f"no valuation row held within {STALE_DAYS} days before {d}: pe_ttm, pb, "
                "ps_ttm and market_cap are unavailable"
            )
    for fields, which in _group_fallbacks(ctx.fallback, codes).items():
        shown = ", ".join(sorted(which)[:3]) + ("…" if len(which) > 3 else "")
        notes.append(
            f"{fields}: {len(which):,} of {len(frame):,} names on unadjusted closes (no "
            "forward-adjusted series covers the window; dividends and splits inside it are "
            f"not adjusted): {shown}"
        )
    if (ctx.needed is None or "close" in ctx.needed or _wants(ctx, "consensus")) and len(frame):
        n_close = int(frame["close"].notna().sum())
        if n_close < len(frame):
            notes.append(
                f"{len(frame) - n_close:,} of {len(frame):,} names have no current unadjusted "
                f"close on {d} (none within {STALE_DAYS} days, or a later bar of another kind "
                "held)"
            )
    return notes


def _group_fallbacks(fallback: dict[str, list[str]], codes: set[str]) -> dict[str, set[str]]:
    """Fields falling back for the same codes are said together."""
    out: dict[tuple[str, ...], set[str]] = {}
    seen: dict[frozenset[str], list[str]] = {}
    for name, which in fallback.items():
        mine = frozenset(c for c in which if c in codes)
        if mine:
            seen.setdefault(mine, []).append(name)
    for which, names in seen.items():
        out[tuple(names)] = set(which)
    return {", ".join(k): v for k, v in out.items()}


def _consensus_notes(d: dt.date, codes: set[str], ctx: DateContext) -> list[str]:
    use = ctx.consensus
    snap = {c: s for c, s in use.snapshot.items() if c in codes}
    if not snap:
        later = [s for s in ctx.snapshots if s > d]
        if later:
            return [
                f"consensus EPS is held only as snapshots taken on {', '.join(map(str, later[:3]))}"
                f"{'…' if len(later) > 3 else ''}; none was taken on or before {d}, so eps_fy*, "
                "pe_fy*, eps_cagr and peg are unavailable (a later estimate is never used for "
                "an earlier date)"
            ]
        return [
            "no consensus EPS snapshot held: eps_fy*, pe_fy*, eps_cagr and peg are unavailable "
            "('naion data sync' takes one; the seed table: --source seed-2022)"
        ]
    notes = []
    by_snap: dict[dt.date, list[str]] = {}
    for c, s in snap.items():
        by_snap.setdefault(s, []).append(c)
    parts = [
        f"{s} ({(d - s).days} days before, {len(cs)} names)" for s, cs in sorted(by_snap.items())
    ]
    notes.append(
        f"consensus EPS from the snapshot of {'; '.join(parts)}; fiscal years counted from {d}: "
        f"fy0 = {use.fy0} (the last year whose annual results are published by then)"
    )
    for s, cs in sorted(by_snap.items()):
        stale = [c for c in cs if c in use.stale]
        if stale:
            notes.append(
                f"the consensus snapshot of {s} is {(d - s).days} days old, over the "
                f"{use.max_age}-day limit (--max-estimate-age): its estimates are not used, so "
                f"eps_fy1..3, pe_fy1..3, eps_cagr and peg are unavailable for {len(stale)} names"
            )
        lacking = [c for c in cs if c in use.no_actual]
        if lacking:
            notes.append(
                f"the snapshot of {s} reports no actual EPS for fy0 = {use.fy0}: eps_fy0 and "
                f"pe_fy0 are unavailable for {len(lacking)} names"
            )
    return notes


def _member_dates(members: list[Member]) -> str:
    """``2 since 2026-02-06, 1 until 2023-06-30``: when the left-out members belong."""
    spans: dict[str, int] = {}
    for m in members:
        if m.since is not None and m.until is not None:
            key = f"member {m.since} to {m.until}"
        elif m.since is not None:
            key = f"since {m.since}"
        else:
            key = f"until {m.until}"
        spans[key] = spans.get(key, 0) + 1
    return ", ".join(f"{n} {k}" for k, n in sorted(spans.items()))


def _texts(values: pd.Series) -> list[str | None]:
    return [v if isinstance(v, str) and v.strip() else None for v in values.tolist()]


def _curated_listing(reg: Registry) -> dict[str, dt.date]:
    return {c: m.listed for c, m in reg.members.items() if m.listed}


def _listed_dates(
    reader: Reader, codes: Sequence[str], reg_listed: dict[str, dt.date]
) -> dict[str, object]:
    import pandas as pd

    if not codes:
        return {}
    spans = reader.at(None).spans(codes, ("none", "qfq"))
    first = spans.groupby("code")["first_date"].min()
    out: dict[str, object] = dict(zip(first.index, pd.to_datetime(first.to_numpy()), strict=True))
    for c, d in reg_listed.items():
        if c in out or c in codes:
            cur = out.get(c)
            out[c] = min(pd.Timestamp(d), cur) if cur is not None else pd.Timestamp(d)  # type: ignore[type-var]
    return out


def _latest_date(reader: Reader, codes: Sequence[str]) -> dt.date:
    if not codes:
        raise InputError("the universe has no members to screen")
    spans = reader.spans(codes, ("none",))
    if not len(spans):
        raise NotInStoreError(
            "the store holds no prices for this universe",
            hint="run 'naion data sync UNIVERSE' or 'naion data import PATH'",
        )
    last = spans["last_date"].max()
    return last if isinstance(last, dt.date) and not isinstance(last, dt.datetime) else last.date()


def _seed_date(as_of: dt.date | None) -> dt.date:
    from screener.seed import SEED_DATE

    if as_of is not None and as_of != SEED_DATE:
        raise InputError(
            f"the seed-2022 source is a snapshot of {SEED_DATE}; it has no data as of {as_of}",
            hint="drop --as-of or use the store source",
        )
    return SEED_DATE


def _name(reg: Registry, code: str, stored: object) -> str | None:
    m = reg.members.get(code)
    if m is not None:
        return m.name_zh or m.name_en
    return stored if isinstance(stored, str) else None


def _registry() -> Registry:
    from universes.loader import registry_for_home

    return registry_for_home()
