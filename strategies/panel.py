"""The price panel of a run: dense ``[day, asset]`` arrays from ONE store query.

Conventions (every run repeats them in its notes where they bite):

* **Price basis.** Returns use the forward-adjusted (qfq) series. Before it starts, an earlier
  unadjusted stretch joins it only through the factor qfq/raw of the join day (both held that
  day); after it ends, a later unadjusted stretch joins the same way. Without a factor known
  on the join day the name starts (or stops) where the adjusted series does. A name the store
  holds only unadjusted uses those closes throughout (dividends and bonus issues show as price
  moves). Two bases are never chained silently: each join is a note.
* **Real shares.** Lots apply to real shares = units x (adjusted / unadjusted close of the
  day). Where the day's unadjusted close is not held (nor derivable through a join factor),
  the name trades in fractional units without lot rules, and the notes name it and the days.
* **Calendar.** The union of the trading days of the markets the run holds. A market's days are
  the exchange calendar when the store holds it (A: SSE), else the days with a bar of any of its
  listings or its calendar index. On a day its market is closed, or it has no bar (suspended),
  a listing keeps its last close for valuation and cannot trade.
* **FX at the close**: base value = local close x that day's FX close (or the last before it).
* **Successions**: a predecessor's missing history before the succession date is its
  successor's x the exchange ratio (noted).
* **Coverage, the same rule for every strategy type**: a member is needed from the later of
  the run's start, its listing and its membership ``since``, up to the earlier of the run's end
  (or its market's last open day before it), its delisting, its succession and ``until``. A
  listing date in its universe entry tells a late listing (it joins then) from missing data (an
  error naming the gap, unless ``--allow-partial`` shrinks the window); without one the first
  price held counts as the listing. Names of ``all-a`` whose prices end early count as delisted
  on their last close.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from naion.errors import ConfigError, InputError, NotInStoreError
from strategies.rules import CALENDAR_SOURCES, MARKET_INDEX, carry_forward

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from naion.store import Reader
    from universes.loader import Registry
    from universes.model import Member

Dates = tuple["dt.date | None", "dt.date | None"]  # (since, until) of a universe membership
TOLERANCE_DAYS = 7  # a series may end this many calendar days before the end it is needed
LOOKBACK_DAYS = 20  # rows loaded before the start: the close carried into day 0


@dataclass
class Panel:
    """Arrays of one run, rows = trading days, columns = assets (members, then successors)."""

    dates: np.ndarray  # [T] datetime64[D]
    codes: list[str]
    n_members: int
    members: list[Member | None]
    markets: list[str]  # A, HK, US
    currencies: list[str]
    px: np.ndarray  # [T, N] adjusted close, listing currency, carried (NaN: not listed / gone)
    k: np.ndarray  # [T, N] real shares per unit of px on bar days (NaN: not known)
    raw: np.ndarray  # [T, N] unadjusted close on the days held (NaN elsewhere)
    bar: np.ndarray  # [T, N] bool: a bar of the series used that day
    open: np.ndarray  # [T, N] bool: the listing's market trades that day
    live: np.ndarray  # [T, N] bool: priced and listed that day
    fx: np.ndarray  # [T, N] base currency per unit of listing currency
    lim_up: np.ndarray  # [T, N] bool: closed at its upper price limit
    lim_dn: np.ndarray  # [T, N] bool: closed at its lower price limit
    lot: np.ndarray  # [N] real shares per lot (0: fractional)
    min_order: np.ndarray  # [N] smallest order, real shares
    basis: list[str]  # per asset: which series it uses
    first: list[dt.date | None]
    last: list[dt.date | None]
    fractional: dict[str, tuple[dt.date, dt.date, int]]  # lots not applied: first, last, days
    bench: dict[str, tuple[str, np.ndarray]]  # benchmark code → (adjust, [T] base close)
    base_currency: str = "CNY"
    notes: list[str] = field(default_factory=list)
    spans: dict[str, tuple[dt.date, dt.date]] = field(default_factory=dict)  # whole store

    @property
    def tradable(self) -> np.ndarray:
        return self.bar & self.open & self.live

    @property
    def market_index(self) -> np.ndarray:
        import numpy as np

        return np.array([MARKET_INDEX[m] for m in self.markets], dtype=np.int64)


def member_info(code: str, reg: Registry) -> tuple[Member | None, str, str]:
    """(registry entry or None, market, currency) of a code."""
    from universes.codes import currency_of, market_of

    m = reg.members.get(code)
    if m is not None:
        return m, str(m.market or "A"), str(m.currency or "CNY")
    return None, market_of(code), currency_of(code)


def with_successors(codes: Sequence[str], reg: Registry) -> list[str]:
    """``codes`` then, transitively, the successors their shares turn into."""
    out = list(dict.fromkeys(codes))
    seen = set(out)
    i = 0
    while i < len(out):
        m = reg.members.get(out[i])
        if m is not None and m.successor is not None and m.successor.code in reg.members:
            s = m.successor.code
            if s not in seen:
                seen.add(s)
                out.append(s)
        i += 1
    return out


FULL_HISTORY_CODES = 200  # up to this many codes, one query loads their whole history


@dataclass
class History:
    """What the store holds for a run's codes: first/last dates (unadjusted or adjusted) and,
    for a few codes, every close (one query serves the default window, the coverage checks
    and the panel)."""

    spans: dict[str, tuple[dt.date, dt.date]]
    matrix: Any = None  # BarMatrix of none/qfq/tr closes over all dates held, or None


def query_codes(members: Sequence[str], reg: Registry, benchmark: Mapping[str, float]) -> list[str]:
    """Members, their successors, the benchmark and the markets' calendar indexes."""
    codes = with_successors(members, reg)
    markets = {member_info(c, reg)[1] for c in codes}
    cal = [c for m in sorted(markets) for c in CALENDAR_SOURCES.get(m, ()) if c in reg.members]
    return list(dict.fromkeys([*codes, *(reg.canonical(c) for c in benchmark), *cal]))


def load_history(
    reader: Reader, reg: Registry, members: Sequence[str], benchmark: Mapping[str, float]
) -> History:
    from naion.progress import spinner

    codes = query_codes(members, reg, benchmark)
    with spinner(f"reading what the store holds for {len(codes):,} codes"):
        if len(codes) > FULL_HISTORY_CODES:
            return History(spans_of(reader, codes))
        return _full_history(reader, codes)


def _full_history(reader: Reader, codes: list[str]) -> History:
    import numpy as np

    mx = reader.matrix(codes, ("none", "qfq", "tr"), ("close",))
    held = np.isfinite(mx.get("none")) | np.isfinite(mx.get("qfq"))
    spans = {}
    for j, c in enumerate(mx.codes):
        rows = np.flatnonzero(held[:, j])
        if len(rows):
            spans[c] = (mx.dates[rows[0]].astype(object), mx.dates[rows[-1]].astype(object))
    return History(spans, mx)


def spans_of(reader: Reader, codes: Sequence[str]) -> dict[str, tuple[dt.date, dt.date]]:
    """code → (first, last) date with an unadjusted or adjusted close held (one GROUP BY)."""
    df = reader.spans(list(codes), ("none", "qfq"))
    out: dict[str, tuple[dt.date, dt.date]] = {}
    for code, first, last in zip(df["code"], df["first_date"], df["last_date"], strict=True):
        f, la = _date(first), _date(last)
        if code in out:
            f, la = min(f, out[code][0]), max(la, out[code][1])
        out[code] = (f, la)
    return out


def _date(x: Any) -> dt.date:
    if isinstance(x, dt.datetime):
        return x.date()
    if isinstance(x, dt.date):
        return x
    return x.date() if hasattr(x, "date") else dt.date.fromisoformat(str(x)[:10])


def _d64(x: dt.date) -> Any:
    import numpy as np

    return np.datetime64(x, "D")


def load_panel(
    reader: Reader,
    reg: Registry,
    members: Sequence[str],
    start: dt.date,
    end: dt.date,
    base: str,
    benchmark: Mapping[str, float] | None = None,
    allow_partial: bool = False,
    lots: bool = True,
    spans: dict[str, tuple[dt.date, dt.date]] | None = None,
    history: History | None = None,
    membership: Mapping[str, Dates] | None = None,
) -> Panel:
    """The panel of ``members`` (and their successors) over [start, end] in ``base``;
    ``membership``: code → (since, until) in the run's universe (none given: no dates)."""
    import numpy as np

    from naion.fx import rate_on, rate_series
    from naion.progress import step
    from strategies import rules

    step(f"loading the price panel of {len(members):,} names, {start} → {end}")

    notes: list[str] = []
    codes = with_successors(members, reg)
    n_members = len(dict.fromkeys(members))
    info = [member_info(c, reg) for c in codes]
    mems = [i[0] for i in info]
    markets = [i[1] for i in info]
    currencies = [i[2] for i in info]
    bench_codes = [reg.canonical(c) for c in (benchmark or {})]
    query = query_codes(members, reg, benchmark or {})
    if history is not None and spans is None:
        spans = history.spans
    if spans is None:
        spans = spans_of(reader, codes)
    lookback = start - dt.timedelta(days=LOOKBACK_DAYS)
    mx = history.matrix if history is not None else None
    if mx is not None and set(query) <= set(mx.codes):
        mx = _window(mx, query, lookback, end)
    else:
        mx = reader.matrix(query, ("none", "qfq", "tr"), ("close",), lookback, end)
    col = {c: i for i, c in enumerate(mx.codes)}
    grid = np.asarray(mx.dates, dtype="datetime64[D]")
    # -- market days --------------------------------------------------------------------
    open_days: dict[str, np.ndarray] = {}
    any_bar = np.isfinite(mx.get("none")) | np.isfinite(mx.get("qfq")) | np.isfinite(mx.get("tr"))
    for m in sorted(set(markets)):
        cols = [col[c] for c, mk in zip(query, _markets_of(query, reg), strict=True) if mk == m]
        days = grid[any_bar[:, cols].any(axis=1)] if cols else grid[:0]
        if m == "A":
            held = reader.calendar("SSE", lookback, end)
            if held and (held[0] - start).days <= 7 and (end - held[-1]).days <= 7:
                days = np.asarray(held, dtype="datetime64[D]")
        open_days[m] = days
    if allow_partial:
        end = _fx_end(reader, reg, currencies, bench_codes, base, end, notes)
    # -- coverage: the same rule for every type; may shrink the window ---------------------
    start, end = _check_coverage(
        codes[:n_members], mems[:n_members], markets[:n_members], spans, open_days, start, end,
        allow_partial, notes, membership or {},
    )  # fmt: skip
    lo, hi = _d64(start), _d64(end)
    days = np.unique(np.concatenate([d[(d >= lo) & (d <= hi)] for d in open_days.values()]))
    if len(days) == 0:
        raise NotInStoreError(
            f"the store holds no trading days between {start} and {end}",
            hint="pick dates inside the range 'naion data status' shows",
        )
    # the grid: every row the store holds up to the end (lookback included), plus the days
    g = np.union1d(grid, days)
    rows = np.searchsorted(g, grid)
    day_rows = np.searchsorted(g, days)
    G, N = len(g), len(codes)

    def widen(a: np.ndarray) -> np.ndarray:
        out = np.full((G, a.shape[1]), np.nan)
        out[rows] = a
        return out

    idx = np.array([col[c] for c in codes], dtype=np.int64)
    Q = widen(mx.get("qfq")[:, idx])
    R = widen(mx.get("none")[:, idx])
    P, K, basis = _basis(codes, Q, R, g, lo, hi, notes)
    _join_successions(codes, mems, P, K, g, notes)
    bar = np.isfinite(P)
    Pc = carry_forward(P)
    # -- life: listing to delisting (names of all-a whose prices end early: delisted) -------
    end_life = np.full(N, np.datetime64("NaT"), dtype="datetime64[D]")
    ended_early = []
    for j, m in enumerate(mems):
        if m is not None and m.delisted is not None:
            end_life[j] = _d64(m.delisted)
        elif m is None and codes[j] in spans and spans[codes[j]][1] < end - dt.timedelta(
            days=TOLERANCE_DAYS
        ):
            end_life[j] = _d64(spans[codes[j]][1])
            ended_early.append(codes[j])
    if ended_early:
        notes.append(
            f"{len(ended_early)} names' prices end inside the window; each counts as delisted "
            f"on its last close ({', '.join(ended_early[:5])}{'…' if len(ended_early) > 5 else ''})"
        )
    gone = np.zeros((G, N), dtype=np.bool_)
    has_end = ~np.isnat(end_life)
    gone[:, has_end] = g[:, None] > end_life[None, has_end]
    Pc[gone] = np.nan
    bar &= ~gone
    # -- take the run's days ----------------------------------------------------------------
    px = Pc[day_rows]
    k = np.where(bar, K, np.nan)[day_rows]
    raw_days = R[day_rows]
    bar_days = bar[day_rows]
    live = np.isfinite(px)
    mk = np.array([MARKET_INDEX[m] for m in markets], dtype=np.int64)
    open_m = np.zeros((len(days), len(rules.MARKETS)), dtype=np.bool_)
    for m, d in open_days.items():
        open_m[:, MARKET_INDEX[m]] = np.isin(days, d)
    open_ = open_m[:, mk]
    # -- FX at the close ----------------------------------------------------------------------
    fx = np.ones((len(days), N))
    rates: dict[str, np.ndarray] = {}
    for cur in sorted(set(currencies) | {_currency_of(c, reg) for c in bench_codes}):
        if cur == base:
            continue
        s = rate_series(reader, cur, base, end=end)
        _check_fx(s, cur, base, days)
        rate = rates[cur] = rate_on(s, days).to_numpy()
        for j, c in enumerate(currencies):
            if c == cur:
                fx[:, j] = rate
    # -- lots, price limits --------------------------------------------------------------------
    lot = np.zeros(N)
    min_order = np.zeros(N)
    for j, (c, m, market) in enumerate(zip(codes, mems, markets, strict=True)):
        lot[j], min_order[j] = rules.lot_rule(c, market, m.lot if m is not None else None)
        if lots and lot[j] == 0 and j < n_members:
            notes.append(f"{c}: no board lot known; it trades in fractional shares")
    lim_up = np.zeros((len(days), N), dtype=np.bool_)
    lim_dn = np.zeros((len(days), N), dtype=np.bool_)
    a_cols = np.array([j for j, m in enumerate(markets) if m == "A"], dtype=np.int64)
    if len(a_cols):
        a_codes = [codes[j] for j in a_cols]
        lim = rules.limit_matrix(
            a_codes, g, _listing_rows(a_codes, mems, a_cols, spans, g, P), _st(reader, a_codes, g)
        )
        up, dn = rules.limit_flags(R[:, a_cols], Pc[:, a_cols], bar[:, a_cols], lim)
        lim_up[:, a_cols] = up[day_rows]
        lim_dn[:, a_cols] = dn[day_rows]
    # -- names trading without lots: the unadjusted close of the day is not known --------
    fractional: dict[str, tuple[dt.date, dt.date, int]] = {}
    if lots:
        blind = bar_days & ~np.isfinite(k) & (lot > 0)[None, :]
        for j in np.flatnonzero(blind.any(axis=0)):
            r = np.flatnonzero(blind[:, j])
            f0, f1 = days[r[0]].astype(object), days[r[-1]].astype(object)
            fractional[codes[j]] = (f0, f1, len(r))
        if fractional:
            shown = [f"{c} {a} → {b} ({n} days)" for c, (a, b, n) in list(fractional.items())[:8]]
            notes.append(
                "no unadjusted close held, so these trade in fractional units without lot "
                f"rules: {'; '.join(shown)}" + ("…" if len(fractional) > 8 else "")
            )
    # -- benchmark -------------------------------------------------------------------------
    bench: dict[str, tuple[str, np.ndarray]] = {}
    for c in bench_codes:
        j = col[c]
        for adjust in ("tr", "qfq", "none"):
            s = widen(mx.get(adjust)[:, [j]])[:, 0]
            ok = np.flatnonzero(np.isfinite(s))
            if len(ok) and g[ok[0]] <= lo + np.timedelta64(7, "D"):
                level = carry_forward(s)[day_rows]
                cur = _currency_of(c, reg)
                if cur != base:
                    level = level * rates[cur]
                bench[c] = (adjust, level)
                break
    first = [days[np.argmax(bar_days[:, j])].astype(object) if bar_days[:, j].any() else None
             for j in range(N)]  # fmt: skip
    last = [
        days[len(days) - 1 - np.argmax(bar_days[::-1, j])].astype(object)
        if bar_days[:, j].any()
        else None
        for j in range(N)
    ]
    return Panel(
        dates=days, codes=codes, n_members=n_members, members=mems, markets=markets,
        currencies=currencies, px=px, k=k, raw=raw_days, bar=bar_days, open=open_, live=live,
        fx=fx, lim_up=lim_up, lim_dn=lim_dn, lot=lot, min_order=min_order, basis=basis,
        first=first, last=last, fractional=fractional, bench=bench, base_currency=base,
        notes=notes, spans=spans,
    )  # fmt: skip


def _window(mx: Any, codes: list[str], start: dt.date, end: dt.date) -> Any:
    """A history matrix cut to [start, end] and ``codes`` (rows without a bar dropped, as a
    query of that window would return)."""
    import numpy as np

    from naion.store import BarMatrix

    rows = (mx.dates >= _d64(start)) & (mx.dates <= _d64(end))
    pos = {c: j for j, c in enumerate(mx.codes)}
    cols = np.array([pos[c] for c in codes], dtype=np.int64)
    values = {k: v[rows][:, cols] for k, v in mx.values.items()}
    held = np.zeros(int(rows.sum()), dtype=np.bool_)
    for v in values.values():
        held |= np.isfinite(v).any(axis=1)
    return BarMatrix(mx.dates[rows][held], list(codes), {k: v[held] for k, v in values.items()})


def _markets_of(codes: Sequence[str], reg: Registry) -> list[str]:
    """The market whose calendar a code's bars speak for (an index: its exchange's)."""
    from universes.codes import market_of

    out = []
    for c in codes:
        m = reg.members.get(c)
        if m is not None and m.market == "INDEX":
            out.append("A" if m.currency == "CNY" else "US" if m.currency == "USD" else "HK")
        else:
            out.append(str(m.market) if m is not None else market_of(c))
    return out


def _currency_of(code: str, reg: Registry) -> str:
    return member_info(code, reg)[2]


def _basis(
    codes: list[str], Q: np.ndarray, R: np.ndarray, g: np.ndarray, lo: Any, hi: Any,
    notes: list[str],
) -> tuple[np.ndarray, np.ndarray, list[str]]:  # fmt: skip
    """(prices, real shares per unit, basis label per column); see the module docstring."""
    import numpy as np

    G, N = Q.shape
    qok, rok = np.isfinite(Q), np.isfinite(R)
    has_q = qok.any(axis=0)
    cols = np.arange(N)
    qfirst = np.where(has_q, np.argmax(qok, axis=0), G)
    qlast = np.where(has_q, G - 1 - np.argmax(qok[::-1], axis=0), -1)
    at_first = np.where(has_q, R[np.minimum(qfirst, G - 1), cols], np.nan)
    at_last = np.where(has_q, R[np.maximum(qlast, 0), cols], np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        f_before = np.where(np.isfinite(at_first), Q[np.minimum(qfirst, G - 1), cols] / at_first,
                            np.nan)  # fmt: skip
        f_after = np.where(np.isfinite(at_last), Q[np.maximum(qlast, 0), cols] / at_last, np.nan)
    r = np.arange(G)[:, None]
    before = r < qfirst[None, :]
    after = r > qlast[None, :]
    P = np.where(has_q[None, :], Q, R)
    K = np.where(has_q[None, :], np.nan, np.where(rok, 1.0, np.nan))
    with np.errstate(invalid="ignore", divide="ignore"):
        K = np.where(has_q[None, :] & qok & rok, Q / R, K)
    jb = before & has_q[None, :] & np.isfinite(f_before)[None, :] & rok
    ja = after & has_q[None, :] & np.isfinite(f_after)[None, :] & rok
    P = np.where(jb, R * f_before[None, :], P)
    K = np.where(jb, f_before[None, :], K)
    P = np.where(ja, R * f_after[None, :], P)
    K = np.where(ja, f_after[None, :], K)
    inside = ((g >= lo) & (g <= hi))[:, None]
    basis = []
    raw_only = []
    for j, c in enumerate(codes):
        if not has_q[j]:
            basis.append("unadjusted")
            if (rok[:, j] & inside[:, 0]).any():
                raw_only.append(c)
            continue
        parts = ["adjusted"]
        if (jb[:, j] & inside[:, 0]).any():
            d = g[qfirst[j]].astype(object)
            notes.append(
                f"{c}: before {d} its unadjusted closes x {f_before[j]:.6g} (the adjusted/"
                f"unadjusted factor of {d}) join its adjusted series: dividends before {d} are "
                "not in its returns"
            )
            parts.insert(0, "unadjusted")
        elif (before[:, j] & rok[:, j] & inside[:, 0]).any():
            d = g[qfirst[j]].astype(object)
            notes.append(
                f"{c}: its adjusted series starts {d} and no factor joins the unadjusted closes "
                f"held before it, so it enters the run on {d}"
            )
        if (ja[:, j] & inside[:, 0]).any():
            d = g[qlast[j]].astype(object)
            notes.append(
                f"{c}: after {d} its unadjusted closes x {f_after[j]:.6g} (the factor of {d}) "
                f"continue its adjusted series: dividends after {d} are not in its returns"
            )
            parts.append("unadjusted")
        elif (after[:, j] & rok[:, j] & inside[:, 0]).any():
            d = g[qlast[j]].astype(object)
            notes.append(
                f"{c}: its adjusted series ends {d} and no factor joins the unadjusted closes "
                "held after it, so the run values it at its last adjusted close from then on"
            )
        basis.append(" → ".join(parts))
    if raw_only:
        shown = ", ".join(raw_only[:6]) + ("…" if len(raw_only) > 6 else "")
        notes.append(
            f"{len(raw_only)} name{'s' if len(raw_only) > 1 else ''} held only as unadjusted "
            f"closes ({shown}): dividends and bonus issues show as price moves in their returns"
        )
    return P, K, basis


def _join_successions(
    codes: list[str], mems: list[Member | None], P: np.ndarray, K: np.ndarray, g: np.ndarray,
    notes: list[str],
) -> None:  # fmt: skip
    """Fill a predecessor's missing history from its successor x the exchange ratio."""
    import numpy as np

    pos = {c: j for j, c in enumerate(codes)}
    for j, m in enumerate(mems):
        succ = m.successor if m is not None else None
        if succ is None or succ.code not in pos:
            continue
        s = pos[succ.code]
        fill = (g < _d64(succ.date)) & ~np.isfinite(P[:, j]) & np.isfinite(P[:, s])
        if fill.any():
            P[fill, j] = P[fill, s] * succ.ratio
            K[fill, j] = K[fill, s]
            notes.append(
                f"{codes[j]}: {int(fill.sum())} closes before {succ.date} taken from {succ.code}"
                f" x {succ.ratio:g} (the succession's exchange ratio)"
            )


def _listing_rows(
    codes: list[str], mems: list[Member | None], cols: np.ndarray,
    spans: dict[str, tuple[dt.date, dt.date]], g: np.ndarray, P: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Row of each listing's first trading day (-1: before the rows, or not known).

    The first price held counts as the listing unless it is also where the store's data of
    these names begins (then the history simply starts there)."""
    import numpy as np

    out = np.full(len(codes), -1, dtype=np.int64)
    firsts = [spans[c][0] for c in codes if c in spans]
    store_start = min(firsts) if firsts else None
    for i, (c, j) in enumerate(zip(codes, cols, strict=True)):
        m = mems[j]
        day = m.listed if m is not None and m.listed else None
        if day is None and c in spans and spans[c][0] != store_start:
            day = spans[c][0]
        if day is not None and g[0] <= _d64(day) <= g[-1]:
            out[i] = int(np.searchsorted(g, _d64(day)))
    return out


def _st(reader: Reader, codes: list[str], g: np.ndarray) -> np.ndarray:
    import numpy as np

    st = np.zeros((len(g), len(codes)), dtype=np.bool_)
    df = reader.st_periods(codes)
    if len(df) == 0:
        return st
    pos = {c: i for i, c in enumerate(codes)}
    for c, a, b in zip(df["code"], df["first_date"], df["last_date"], strict=True):
        lo = _d64(_date(a))
        hi = _d64(_date(b)) if b is not None and b == b else g[-1]
        st[(g >= lo) & (g <= hi), pos[c]] = True
    return st


def _check_coverage(
    codes: list[str], mems: list[Member | None], markets: list[str],
    spans: dict[str, tuple[dt.date, dt.date]], open_days: dict[str, np.ndarray],
    start: dt.date, end: dt.date, allow_partial: bool, notes: list[str],
    membership: Mapping[str, Dates],
) -> tuple[dt.date, dt.date]:  # fmt: skip
    tol = dt.timedelta(days=TOLERANCE_DAYS)
    new_start, new_end = start, end
    problems: list[tuple[str, str]] = []
    absent, late = [], []
    for c, m, market in zip(codes, mems, markets, strict=True):
        if c not in spans:
            if m is not None and m.listed is not None and m.listed <= end:
                problems.append((c, f"{c}: the store holds no prices for it (it listed on "
                                    f"{m.listed})"))  # fmt: skip
            else:
                absent.append(c)  # not listed yet, as far as the store and its universe know
            continue
        first, last = spans[c]
        succ = m.successor if m is not None else None
        if succ is not None and succ.code in spans:  # its history joins up with the successor's
            first = min(first, spans[succ.code][0])
            last = max(last, min(spans[succ.code][1], succ.date - dt.timedelta(days=1)))
        since, until = membership.get(c, (None, None))
        need_from = max(start, since or start)
        listed = m.listed if m is not None else None
        if listed is not None and first > max(need_from, listed) + tol:
            line = (
                f"{c}: the store holds its prices from {first}, but it listed on {listed}; "
                f"the run needs them from {max(need_from, listed)}"
            )
            problems.append((c, line))
            new_start = max(new_start, first)
        elif first > need_from + tol and first <= end:
            late.append(f"{c} {first}")
        need_to = end
        if m is not None:
            for cut in (m.delisted, until):
                if cut is not None:
                    need_to = min(need_to, cut)
            if m.successor is not None:
                need_to = min(need_to, m.successor.date - dt.timedelta(days=1))
        if last >= need_to or last >= need_to - tol or m is None:
            continue
        d = open_days.get(market)
        open_before = d[d <= _d64(need_to)] if d is not None else d
        if open_before is not None and len(open_before) and last >= open_before[-1].astype(object):
            continue  # the end falls on a holiday of its market: its last open day is held
        line = f"{c}: the store holds its prices up to {last}; the run needs them up to {need_to}"
        problems.append((c, line))
        new_end = min(new_end, last)
    if absent:
        notes.append(
            f"no prices held for {len(absent)} member{'s' if len(absent) > 1 else ''}, left "
            f"out as not listed yet ({', '.join(absent[:6])}{'…' if len(absent) > 6 else ''})"
        )
    if late:
        notes.append(
            "listed (first price held) inside the window, so they join then: "
            + ", ".join(late[:8])
            + ("…" if len(late) > 8 else "")
        )
    if problems and not allow_partial:
        code, line = problems[0]
        raise NotInStoreError(
            line,
            hint=f"run 'naion data sync {code}' (or 'naion data import PATH'), pick dates inside "
            "that range, or add --allow-partial",
        )
    if problems:
        if new_start >= new_end:
            raise NotInStoreError(
                "the members have no common dates in the window", hint="choose other dates"
            )
        notes.append(
            f"--allow-partial: the window shrank from {start} → {end} to {new_start} → "
            f"{new_end} ({'; '.join(p for _, p in problems)})"
        )
    return new_start, new_end


def _fx_end(
    reader: Reader, reg: Registry, currencies: Sequence[str], bench_codes: Sequence[str],
    base: str, end: dt.date, notes: list[str],
) -> dt.date:  # fmt: skip
    """--allow-partial: the run's end cut to the last FX rate held (said in the notes)."""
    from naion.fx import rate_series

    new_end = end
    for cur in sorted(set(currencies) | {_currency_of(c, reg) for c in bench_codes}):
        if cur == base:
            continue
        s = rate_series(reader, cur, base, end=end)
        if s.empty:
            continue
        last = s.index.max().date()
        if last < end - dt.timedelta(days=TOLERANCE_DAYS) and last < new_end:
            new_end = last
            notes.append(
                f"--allow-partial: the window ends {last}, the last {cur}→{base} rate held "
                f"(instead of {end})"
            )
    return new_end


def _check_fx(rates: pd.Series, cur: str, base: str, days: np.ndarray) -> None:
    import pandas as pd

    first_day = pd.Timestamp(days[0])
    last_day = pd.Timestamp(days[-1])
    tol = pd.Timedelta(days=TOLERANCE_DAYS)
    if rates.empty or rates.index.min() > first_day + tol:
        first = rates.index.min().date() if not rates.empty else None
        raise NotInStoreError(
            f"FX {cur}→{base}: the store holds rates from {first}, the run starts "
            f"{first_day.date()}",
            hint="run 'naion data sync' or import fx/<PAIR>.csv",
        )
    if rates.index.max() < last_day - tol:
        raise NotInStoreError(
            f"FX {cur}→{base}: the store holds rates up to {rates.index.max().date()}, the run "
            f"ends {last_day.date()}",
            hint="run 'naion data sync', import fx/<PAIR>.csv, or end the run earlier",
        )


def check_benchmark(spec_benchmark: Mapping[str, float], reg: Registry, name: str) -> None:
    """Every benchmark code must be a known listing or index."""
    for code in spec_benchmark:
        try:
            reg.resolve(code)
        except InputError:
            raise ConfigError(
                f"strategy {name}: unknown benchmark code {code!r}",
                hint="use a code of a universe, e.g. 000300.SH or SPY ('naion universe show "
                "benchmarks')",
            ) from None
