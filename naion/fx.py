"""Currency conversion from the FX closes held in the store.

Pairs are stored as ``BASEQUOTE`` = units of QUOTE per 1 BASE at the close (``USDCNY`` =
CNY per USD). :func:`rate_series` gives "units of ``to`` per 1 ``frm``" for every date,
directly, inverted, or crossed through CNY; dates without a quote carry the last one
forward (FX at the close of the day, or the last close before it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from naion.errors import NotInStoreError

if TYPE_CHECKING:
    import pandas as pd

    from naion.store import Reader

PAIRS = ("USDCNY", "HKDCNY", "USDHKD")


def _pair(reader: Reader, pair: str, start: Any, end: Any) -> pd.Series | None:
    s = reader.fx(pair, None, end)
    if s.empty:
        return None
    s.index = s.index.astype("datetime64[us]")
    return s


def rate_series(reader: Reader, frm: str, to: str, start: Any = None, end: Any = None) -> pd.Series:
    """Units of ``to`` per 1 ``frm`` by date (all dates with a quote, up to ``end``)."""
    import pandas as pd

    frm, to = frm.upper(), to.upper()
    if frm == to:
        return pd.Series(dtype="float64", name=f"{frm}{to}")
    direct = _pair(reader, f"{frm}{to}", start, end)
    if direct is not None:
        return direct.rename(f"{frm}{to}")
    inverse = _pair(reader, f"{to}{frm}", start, end)
    if inverse is not None:
        return (1.0 / inverse).rename(f"{frm}{to}")
    legs = []
    for a, b in ((frm, "CNY"), ("CNY", to)):
        if a == b:
            continue
        leg = rate_series_or_none(reader, a, b, end)
        if leg is None:
            break
        legs.append(leg)
    else:
        if len(legs) == 2:
            both = pd.concat(legs, axis=1).sort_index().ffill().dropna()
            return (both.iloc[:, 0] * both.iloc[:, 1]).rename(f"{frm}{to}")
    raise NotInStoreError(
        f"no FX rates {frm}→{to} in the store",
        hint="run 'naion data sync' (it fetches USDCNY and HKDCNY) or import fx/<PAIR>.csv",
    )


def rate_series_or_none(reader: Reader, frm: str, to: str, end: Any) -> pd.Series | None:
    direct = _pair(reader, f"{frm}{to}", None, end)
    if direct is not None:
        return direct
    inverse = _pair(reader, f"{to}{frm}", None, end)
    return None if inverse is None else 1.0 / inverse


def rate_on(series: pd.Series, dates: Any) -> pd.Series:
    """The rate of each date (the last quote on or before it; NaN before the first quote)."""
    import pandas as pd

    idx = pd.DatetimeIndex(pd.to_datetime(dates)).astype("datetime64[us]")
    if series.empty:
        return pd.Series(1.0, index=idx)
    return series.sort_index().reindex(series.index.union(idx)).ffill().reindex(idx)
