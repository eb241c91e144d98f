"""Data on demand: find what a run needs that the store lacks, and fetch it (unless offline).

A code is missing when the store has never held its prices, or holds them only up to a date
more than a week before the end of the run (or before its delisting). FX pairs are missing
on the same terms. Offline, the missing list becomes one error line with the commands that
would fill it.

Online but with the network down (the provider's circuit breaker found no name resolution or
no route) and a store that has never held some name (or FX pair) the run needs, the store is
seeded from the snapshot bundled in the package (:mod:`naion.snapshot`, rows already held are
kept) and the run goes on: one note says so, and a later ``naion data sync`` fetches only the
days after the snapshot's (its coverage is recorded). A store holding every name, only not up
to the run's end, is left as it is: the error names the gap and the snapshot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from naion.errors import NotInStoreError, ProviderError

if TYPE_CHECKING:
    from naion.store import Reader, Store
    from universes.loader import Registry

TOLERANCE = dt.timedelta(days=7)


def missing(
    reader: Reader,
    reg: Registry,
    codes: Sequence[str],
    currencies: set[str],
    base: str,
    end: dt.date,
    spans: dict[str, tuple[dt.date, dt.date]] | None = None,
) -> tuple[list[str], list[str]]:
    """(codes, FX pairs) whose prices the store does not hold up to ``end`` (``spans``: the
    first/last dates already read for these codes, else one GROUP BY)."""
    from strategies.panel import _date, member_info, spans_of
    from strategies.rules import fx_pairs

    held = spans if spans is not None else spans_of(reader, list(codes))
    last_open = _last_open_days(reader, reg, codes, end)
    out_codes = []
    for c in codes:
        m = reg.members.get(c)
        need_to = min(end, m.delisted) if m is not None and m.delisted else end
        if c not in held:
            out_codes.append(c)
            continue
        last = held[c][1]
        market = member_info(c, reg)[1]
        if last < need_to - TOLERANCE and not (
            need_to == end and last >= last_open.get(market, end)
        ):
            out_codes.append(c)
    pairs = fx_pairs(set(currencies), base)
    fx = reader.fx_spans(pairs) if pairs else None
    last = (
        {p: _date(d) for p, d in zip(fx["pair"], fx["last_date"], strict=True)}
        if fx is not None
        else {}
    )
    out_pairs = [p for p in pairs if p not in last or last[p] < end - TOLERANCE]
    return out_codes, out_pairs


def _last_open_days(
    reader: Reader, reg: Registry, codes: Sequence[str], end: dt.date
) -> dict[str, dt.date]:
    """Market → its last trading day on or before ``end`` by its calendar index (an end on a
    holiday of one market is not missing data)."""
    import numpy as np

    from strategies.panel import member_info
    from strategies.rules import CALENDAR_SOURCES

    markets = {member_info(c, reg)[1] for c in codes}
    sources = [s for m in markets for s in CALENDAR_SOURCES.get(m, ()) if s in reg.members]
    if not sources or end.year < 1990:
        return {}
    mx = reader.matrix(sources, ("none", "tr"), ("close",), end - dt.timedelta(days=31), end)
    out: dict[str, dt.date] = {}
    for m in markets:
        cols = [i for i, s in enumerate(mx.codes) if s in CALENDAR_SOURCES.get(m, ())]
        if not cols:
            continue
        has = np.isfinite(mx.get("none")[:, cols]).any(axis=1)
        has |= np.isfinite(mx.get("tr")[:, cols]).any(axis=1)
        if has.any():
            out[m] = mx.dates[np.flatnonzero(has)[-1]].astype(object)
    return out


def ensure(
    store: Store | None,
    reg: Registry,
    codes: Sequence[str],
    currencies: set[str],
    base: str,
    start: dt.date,
    end: dt.date,
    offline: bool,
) -> list[str]:
    """Fetch what is missing for [start, end]; returns a note per fetch. Offline: raise."""
    codes_missing, pairs_missing = (
        missing(store, reg, codes, currencies, base, end)
        if store is not None
        else (list(codes), [])
    )
    if not codes_missing and not pairs_missing:
        return []
    what = ", ".join(codes_missing + pairs_missing)
    if offline:
        sync = " ".join(codes_missing) or "sodium-ion"
        raise NotInStoreError(
            f"the store lacks data this run needs up to {end}: {what}",
            hint=f"run 'naion data sync {sync} --start {start} --end {end}' "
            "or 'naion data import PATH', or drop --offline",
        )
    from naion.data_cli import sync_into, to_ref
    from naion.providers.akshare_provider import AkshareProvider
    from naion.store import Store as StoreCls

    own = store is None
    st = store or StoreCls.open()
    try:
        refs = [to_ref(reg.members[c]) for c in codes_missing]
        if not refs and pairs_missing:
            refs = [to_ref(reg.members[c]) for c in codes]
        try:
            sync_into(
                st,
                AkshareProvider(),
                reg,
                refs,
                start - dt.timedelta(days=10),
                end,
                valuation=False,
                eps=False,
            )
        except ProviderError as exc:
            from naion import snapshot

            if not snapshot.available():
                raise
            if network_down() and never_held(st, codes_missing, pairs_missing):
                return [seed_from_snapshot(st)]
            # the vendor failed, or the store holds every name (only not recently enough for
            # the run: the snapshot would not make it whole, and a failed command leaves the
            # store as it was): say where the offline data is
            raise ProviderError(
                exc.message,
                hint=f"{exc.hint or 'try again later'}, or load the data bundled with naion: "
                "'naion data import --snapshot'",
            ) from exc
    finally:
        if own:
            st.close()
    return [f"fetched from akshare: {what}"]


def network_down() -> bool:
    """Did the provider just find the machine offline (its circuit breaker is open)?"""
    from naion.providers import akshare_provider

    return akshare_provider._Network.is_down()


def never_held(reader: Reader, codes: Sequence[str], pairs: Sequence[str]) -> bool:
    """Does the store lack any of ``codes`` (prices) or ``pairs`` (FX) altogether?"""
    from strategies.panel import spans_of

    if codes and set(codes) - set(spans_of(reader, codes)):
        return True
    return bool(pairs) and bool(set(pairs) - set(reader.fx_spans(pairs)["pair"]))


def seed_from_snapshot(store: Store) -> str:
    """Load the bundled snapshot into ``store`` (keeping every row it holds); the note that
    says so."""
    from naion import snapshot

    meta = snapshot.info()
    snapshot.load(store)
    return f"using the bundled snapshot as of {meta.as_of}; run 'naion data sync' when online"
