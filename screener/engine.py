"""The screen engine: ``Screen(...).run(store)`` and ``run_many(store, dates)``.

A screen = a universe (a curated/user universe, or ``all-a`` for every A-share held), an
as-of date, a condition (``--where`` and/or a preset), optional segment filter, ranking and
top-N. Fields come from the store as of the date (see :mod:`screener.fields`) or from the
embedded seed table (``source="seed-2022"``). Point-in-time: nothing dated after the as-of
date is read; where a field has no history before the date, the result says so in
``notes`` instead of borrowing a later value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from naion.errors import InputError, NotInStoreError
from screener import expr
from screener.fields import DEFAULT_COLUMNS, FIELDS, SEED_COLUMNS, numeric_fields
from screener.fields import field as get_field

if TYPE_CHECKING:
    import pandas as pd

    from naion.store import Reader
    from universes.loader import Registry

ALL_A = "all-a"
SOURCES = ("store", "seed-2022")
NAION_UNIVERSE = "sodium-ion"
IDENTITY = ("code", "name", "segment")


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
    _resolved_preset: Any = field(default=None, init=False, repr=False, compare=False)

    # -- public API ----------------------------------------------------------------------
    def run(self, reader: Reader | None, registry: Registry | None = None) -> ScreenResult:
        """Evaluate the screen as of ``self.as_of`` (default: the latest date held)."""
        reg = registry or _registry()
        if self.source == "seed-2022":
            return self._finish(self._seed_rows(reg), reg, _seed_date(self.as_of), [])
        if reader is None:
            raise NotInStoreError("this screen needs the store", hint="run 'naion data import'")
        codes, info = self._universe_rows(reader, reg)
        as_of = self.as_of or _latest_date(reader, codes)
        frames, notes = compute_fields(
            reader,
            codes,
            [as_of],
            info,
            self.base_currency,
            _curated_listing(reg),
            all_a=self.universe == ALL_A,
            needed=self.needed_fields(),
        )
        return self._finish(frames[as_of], reg, as_of, notes[as_of])

    def run_many(
        self, reader: Reader, dates: Sequence[dt.date], registry: Registry | None = None
    ) -> dict[dt.date, ScreenResult]:
        """The same screen at each date, loading prices once (for rebalancing backtests)."""
        reg = registry or _registry()
        if self.source != "store":
            raise InputError("run_many works on the store source only")
        codes, info = self._universe_rows(reader, reg)
        frames, notes = compute_fields(
            reader,
            codes,
            list(dates),
            info,
            self.base_currency,
            _curated_listing(reg),
            all_a=self.universe == ALL_A,
            needed=self.needed_fields(),
        )
        return {d: self._finish(frames[d], reg, d, notes[d]) for d in dates}

    # -- steps ---------------------------------------------------------------------------
    def validate(self) -> None:
        """Check the definition (source, condition, ranking, columns) without reading data."""
        if self.source not in SOURCES:
            raise InputError(
                f"unknown source {self.source!r}", hint=f"use one of: {', '.join(SOURCES)}"
            )
        self.needed_fields()

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

    def _universe_rows(self, reader: Reader, reg: Registry) -> tuple[list[str], pd.DataFrame]:
        """Codes to screen and their identity columns (name, segment, market, currency)."""
        import pandas as pd

        if self.source not in SOURCES:
            raise InputError(
                f"unknown source {self.source!r}", hint=f"use one of: {', '.join(SOURCES)}"
            )
        naion = reg.universes.get(NAION_UNIVERSE)
        seg_of = {m.code: m.segment for m in naion.members} if naion else {}
        if self.universe == ALL_A:
            if self.segments:
                raise InputError("--segment needs a universe with segments, not all-a")
            secs = reader.securities()
            secs = secs[
                (secs["market"] == "A") & ~secs["code"].str.match(r"^(900\d{3}\.SH|200\d{3}\.SZ)$")
            ]
            info = pd.DataFrame(
                {
                    "code": secs["code"].tolist(),
                    "name": [
                        _name(reg, c, n)
                        for c, n in zip(secs["code"].tolist(), secs["name"].tolist(), strict=True)
                    ],
                    "segment": [seg_of.get(c) for c in secs["code"].tolist()],
                    "market": "A",
                    "currency": "CNY",
                }
            )
            info["in_naion"] = info["segment"].notna()
        else:
            members = reg.segment_members(self.universe, self.segments)
            info = pd.DataFrame(
                {
                    "code": [m.code for m in members],
                    "name": [m.name_zh or m.name_en for m in members],
                    "segment": [m.segment for m in members],
                    "market": [m.market for m in members],
                    "currency": [m.currency for m in members],
                }
            )
            info["in_naion"] = info["code"].isin(seg_of.keys())
        return info["code"].tolist(), info

    def _seed_rows(self, reg: Registry) -> pd.DataFrame:
        from screener.seed import seed_frame

        frame = seed_frame(reg.canonical)
        if self.universe == ALL_A:
            raise InputError(
                "the seed-2022 source covers the sodium-ion names only",
                hint="use --universe sodium-ion",
            )
        members = reg.segment_members(self.universe, self.segments)
        keep = {m.code: m.segment for m in members}
        frame = frame[frame["code"].isin(keep.keys())].copy()
        frame["segment"] = frame["code"].map(keep)
        frame["in_naion"] = True
        return frame.reset_index(drop=True)

    def _finish(
        self, frame: pd.DataFrame, reg: Registry, as_of: dt.date, notes: list[str]
    ) -> ScreenResult:
        cond = self.condition()
        rank_by, descending = self.ranking()
        _, _, top = self._preset_defaults()
        notes = list(notes)
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
        ident = list(IDENTITY)
        if self.universe == ALL_A:
            ident = ["code", "name", "segment"]
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
) -> tuple[dict[dt.date, pd.DataFrame], dict[dt.date, list[str]]]:
    """Every field of every code at every date, plus point-in-time notes per date.

    ``info`` holds code, name, segment, market and currency per code; ``listing`` the
    curated listing dates (else the first price held counts as the listing date).
    ``needed`` (default: all) skips the costlier field groups nobody asked for.
    """
    import numpy as np
    import pandas as pd

    from screener.formulas import eps_fields
    from screener.market import load_matrix, lookback_days, market_fields
    from screener.valuation import eps_at, valuation_at

    dates = sorted(set(dates))
    # fields nobody asked for may come out unavailable: their window is not loaded
    first = dates[0] - dt.timedelta(days=lookback_days(needed))
    last = dates[-1]
    currencies = dict(zip(info["code"].tolist(), info["currency"].tolist(), strict=True))
    per_market: dict[dt.date, list[pd.DataFrame]] = {d: [] for d in dates}
    market_of = dict(zip(info["code"].tolist(), info["market"].tolist(), strict=True))
    groups: dict[str, list[str]] = {}
    for c in codes:
        groups.setdefault(market_of[c], []).append(c)
    whole_market = all_a and set(groups) == {"A"}
    for market, group in groups.items():
        m = load_matrix(reader, market, None if whole_market else group, first, last)
        for d, frame in market_fields(m, dates).items():
            per_market[d].append(frame)
    vals = valuation_at(reader, list(codes), dates, currencies, base_currency.upper())
    eps, used = eps_at(reader, list(codes), dates)
    want_listed = needed is None or "listed_days" in needed
    listed = _listed_dates(reader, codes, listing or {}) if want_listed else {}
    snapshots = reader.at(None).eps_snapshot_dates() if codes else []
    out: dict[dt.date, pd.DataFrame] = {}
    notes: dict[dt.date, list[str]] = {}
    for d in dates:
        frame = info.copy()
        mk = pd.concat(per_market[d], ignore_index=True) if per_market[d] else None
        if mk is not None:
            frame = frame.merge(mk, on="code", how="left")
        frame = frame.merge(vals[d], on="code", how="left").merge(eps[d], on="code", how="left")
        frame = eps_fields(frame)
        if want_listed:
            ld = pd.to_datetime(frame["code"].map(listed))
            frame["listed_days"] = (pd.Timestamp(d) - ld).dt.days.astype("float64")
            frame.loc[frame["listed_days"] < 0, "listed_days"] = np.nan
        for f in numeric_fields():
            if f not in frame.columns:
                frame[f] = np.nan
        out[d] = frame
        notes[d] = _notes(d, used[d], snapshots, frame)
    return out, notes


def _notes(
    d: dt.date, used: dt.date | None, snapshots: list[dt.date], frame: pd.DataFrame
) -> list[str]:
    notes = []
    if used is None:
        later = [s for s in snapshots if s > d]
        if later:
            notes.append(
                f"consensus EPS is held only as snapshots taken on {', '.join(map(str, later[:3]))}"
                f"{'…' if len(later) > 3 else ''}; none was taken on or before {d}, so pe_fy*, "
                "eps_cagr and peg are unavailable (a later estimate is never used for an "
                "earlier date)"
            )
        else:
            notes.append(
                "no consensus EPS snapshot held: pe_fy*, eps_cagr and peg are unavailable "
                "('naion data sync' takes one; the seed table: --source seed-2022)"
            )
    elif (d - used).days > 90:
        notes.append(f"consensus EPS from the snapshot of {used}, {(d - used).days} days before")
    else:
        notes.append(f"consensus EPS from the snapshot of {used}")
    if len(frame) and frame["pe_ttm"].isna().all() and frame["market_cap"].isna().all():
        notes.append(
            f"no valuation history held within 31 days before {d}: pe_ttm, pb, ps_ttm "
            "and market_cap are unavailable"
        )
    n_close = int(frame["close"].notna().sum()) if len(frame) else 0
    if len(frame) and n_close < len(frame):
        notes.append(
            f"{len(frame) - n_close} of {len(frame)} names have no unadjusted close "
            f"within 31 days before {d}"
        )
    return notes


def _curated_listing(reg: Registry) -> dict[str, dt.date]:
    return {c: m.listed for c, m in reg.members.items() if m.listed}


def _listed_dates(
    reader: Reader, codes: Sequence[str], reg_listed: dict[str, dt.date]
) -> dict[str, object]:
    import pandas as pd

    if not codes:
        return {}
    con = reader._con
    first = con.execute(
        "SELECT code, min(date) AS d FROM bars WHERE code IN ("
        + ", ".join("?" * len(codes))
        + ") GROUP BY code",
        list(codes),
    ).df()
    out: dict[str, object] = dict(zip(first["code"], pd.to_datetime(first["d"]), strict=True))
    for c, d in reg_listed.items():
        if c in out or c in codes:
            cur = out.get(c)
            out[c] = min(pd.Timestamp(d), cur) if cur is not None else pd.Timestamp(d)  # type: ignore[type-var]
    return out


def _latest_date(reader: Reader, codes: Sequence[str]) -> dt.date:
    if not codes:
        raise InputError("the universe has no members to screen")
    row = reader._con.execute(
        "SELECT max(date) FROM bars WHERE adjust = 'none' AND code IN ("
        + ", ".join("?" * len(codes))
        + ")"
        + ("" if reader.as_of is None else " AND date <= ?"),
        [*codes, *([] if reader.as_of is None else [reader.as_of])],
    ).fetchall()
    row = row[0] if row else None
    if not row or row[0] is None:
        raise NotInStoreError(
            "the store holds no prices for this universe",
            hint="run 'naion data sync UNIVERSE' or 'naion data import PATH'",
        )
    return row[0] if isinstance(row[0], dt.date) else row[0].date()


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
