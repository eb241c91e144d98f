"""The provider interface: where live market data comes from.

A provider returns frames already checked against the schemas in :mod:`naion.frames`
(English column names, dates as ``datetime64``, prices in the listing currency, volume in
shares, traded value in the listing currency). Anything else it may raise is a
:class:`~naion.errors.ProviderError` whose one-line message names the security, the vendor
function and what went wrong.

Retries and fallbacks are the provider's business: :func:`with_retry` retries transient
failures with exponential backoff; :func:`first_of` tries vendor functions in order and
raises only when every one of them failed.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeVar

from naion.errors import ProviderError
from naion.frames import Column, FrameSchema

if TYPE_CHECKING:
    import pandas as pd

T = TypeVar("T")


@dataclass(frozen=True)
class SecurityRef:
    """What a provider needs to know to fetch one listing."""

    code: str  # canonical naion code: 300750.SZ, 1211.HK, TSLA, 000300.SH, SPX
    market: str  # A, HK, US or INDEX
    exchange: str | None = None  # SSE/SZSE/BSE, HKEX, NASDAQ/NYSE/NYSE Arca/AMEX
    currency: str = "CNY"
    vendor_codes: dict[str, str] = field(default_factory=dict)  # per-vendor overrides


@dataclass(frozen=True)
class CommoditySpec:
    """A commodity series a provider can fetch, as the store's commodity_series row."""

    series: str  # the store's series id
    name: str
    unit: str  # e.g. CNY/t
    kind: str  # spot or futures
    exchange: str | None = None


# every commodity series a sync may fetch (the thesis cost model reads them from the store)
COMMODITIES = {
    "li2co3_gfex_main": CommoditySpec(
        "li2co3_gfex_main",
        "Lithium carbonate futures, GFEX main (dominant) contract, daily",
        "CNY/t",
        "futures",
        "GFEX",
    ),
    "li2co3_spot_basis": CommoditySpec(
        "li2co3_spot_basis",
        "Lithium carbonate spot quote set against the GFEX contract in vendor futures-spot"
        " tables (100ppi 生意社, else 99qh)",
        "CNY/t",
        "spot",
    ),
}

# daily commodity prices: close required; open/high/low/volume (lots) and contract optional;
# ``vendor`` names the function that answered (the sync records it as the rows' source)
COMMODITY = FrameSchema(
    "commodity prices",
    (
        Column("date", "date", nullable=False),
        Column("open", "float", required=False, positive=True),
        Column("high", "float", required=False, positive=True),
        Column("low", "float", required=False, positive=True),
        Column("close", "float", nullable=False, positive=True),
        Column("volume", "float", required=False),
        Column("contract", "str", required=False),
        Column("vendor", "str", required=False),
    ),
    key=("date",),
    sort_by=("date",),
)


class Provider(Protocol):
    """Live data source. Every method returns a validated frame or raises ProviderError."""

    name: str

    def bars(self, sec: SecurityRef, adjust: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        """Daily bars in :data:`naion.frames.BARS` form, dated ``start``..``end`` inclusive.

        ``adjust``: ``none`` (unadjusted) or ``qfq`` (forward-adjusted); for an index
        ``none`` is the price index. An empty frame means the vendor holds no bars there.
        """
        ...

    def fx(self, pair: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        """Daily closes of ``pair`` (USDCNY, HKDCNY: CNY per 1 unit) in FX form."""
        ...

    def valuation(self, sec: SecurityRef, start: dt.date, end: dt.date) -> pd.DataFrame:
        """Daily valuation history (pe_ttm, pb, ps_ttm, total_mv, ...) in VALUATION form."""
        ...

    def consensus_eps(self, codes: Sequence[SecurityRef]) -> pd.DataFrame:
        """Today's consensus EPS per fiscal year for ``codes``, in EPS form (a snapshot)."""
        ...

    def board_members(self, board: str) -> pd.DataFrame:
        """Current members of a concept board (MEMBERS form: code, name)."""
        ...

    def industry(self, code: str) -> str | None:
        """The vendor's industry name for an A-share, or None when it has none."""
        ...

    def trading_calendar(self) -> pd.DataFrame:
        """A-share trading days (CALENDAR form)."""
        ...

    def commodity(self, series: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        """Daily prices of a :data:`COMMODITIES` series in COMMODITY form, ``start``..``end``."""
        ...


def is_transient(exc: BaseException) -> bool:
    """Network hiccups and 5xx answers are worth a retry; anything else is not."""
    import requests

    if isinstance(exc, requests.exceptions.HTTPError):
        resp = exc.response
        return (resp is not None and resp.status_code >= 500) or (
            resp is not None and resp.status_code == 429
        )
    if isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout)):
        return True
    name = type(exc).__name__
    return name in {"NetworkError", "RateLimitError", "APIError", "RemoteDisconnected"}


@dataclass
class RetryPolicy:
    attempts: int = 3
    base_delay: float = 1.0  # seconds; delay n = base * 2**n + jitter
    max_delay: float = 8.0
    sleep: Callable[[float], None] | None = None  # None: time.sleep, looked up at call time

    def delay(self, n: int) -> float:
        return min(self.max_delay, self.base_delay * 2**n) + random.uniform(0, self.base_delay / 2)


def with_retry(fn: Callable[[], T], policy: RetryPolicy) -> T:
    """Call ``fn``; on a transient failure wait and try again, up to ``policy.attempts``."""
    for n in range(policy.attempts):
        try:
            return fn()
        except Exception as exc:
            if not is_transient(exc) or n == policy.attempts - 1:
                raise
            (policy.sleep or time.sleep)(policy.delay(n))
    raise AssertionError("unreachable")


def describe(exc: BaseException) -> str:
    """A short one-line description of a vendor failure."""
    import requests

    if isinstance(exc, requests.exceptions.HTTPError) and exc.response is not None:
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, requests.exceptions.Timeout):
        return "timed out"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "network unreachable"
    text = " ".join(str(exc).split())
    if len(text) > 120:
        text = text[:117] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def first_of(what: str, attempts: Sequence[tuple[str, Callable[[], T]]]) -> tuple[str, T]:
    """Try each (vendor function name, call) in order; return the first that succeeds.

    Raises :class:`ProviderError` naming ``what`` and every function's failure when all fail.
    """
    failures = []
    for name, call in attempts:
        try:
            return name, call()
        except ProviderError as exc:
            failures.append(f"{name}: {exc.message}")
        except Exception as exc:
            failures.append(f"{name}: {describe(exc)}")
    raise ProviderError(
        f"{what}: every source failed ({'; '.join(failures)})",
        hint="check the network, or work offline from the store with 'naion data import'",
    )
