"""Security codes: parse what users type into one canonical form, and the rules a code implies.

Canonical forms::

    A-share    300750.SZ  600348.SH  920185.BJ     6 digits + exchange suffix
    HK         1211.HK    0700.HK                   4 digits (zero-padded) + .HK
    US         TSLA       BRK.B                     the ticker, upper case
    index      000300.SH  SPX                       as listed in a universe file

Board rules (lot sizes, Stock Connect) follow the exchange and the code prefix:

    SH main board  600/601/603/605   lot 100 shares
    SH STAR        688/689           first order ≥ 200 shares, then any whole share
    SZ main board  000/001/002/003   lot 100 shares
    SZ ChiNext     300/301           lot 100 shares
    BJ (BSE)       4xx/8xx/920       first order ≥ 100 shares, then any whole share
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from naion.errors import InputError

_A_SUFFIX = {"SH", "SZ", "BJ"}
_PREFIX_SUFFIX = re.compile(r"^(SH|SZ|BJ)(\d{6})$")
_SUFFIXED = re.compile(r"^(\d{6})\.(SH|SZ|BJ|SS)$")
_SIX = re.compile(r"^\d{6}$")
_HK = re.compile(r"^(\d{1,5})\.HK$")
_HK_EM = re.compile(r"^(\d{5})$")
_US = re.compile(r"^[A-Z][A-Z0-9]{0,5}([.-][A-Z])?$")

MARKET_CURRENCY = {"A": "CNY", "HK": "HKD", "US": "USD"}


def exchange_of_six(code: str) -> str:
    """The exchange of a bare 6-digit A-share code, by its prefix."""
    if code.startswith(("60", "68", "90")):
        return "SH"
    if code.startswith(("00", "30", "20")):
        return "SZ"
    if code.startswith(("4", "8", "92")):
        return "BJ"
    raise InputError(f"cannot tell the exchange of code {code}", hint="write it as CODE.SH/.SZ/.BJ")


def normalize(text: str) -> str:
    """Canonical form of a code as a user may type it (``sz300750``, ``300750``, ``tsla``)."""
    raw = text.strip().upper()
    if not raw:
        raise InputError("empty security code")
    if m := _SUFFIXED.match(raw):
        suffix = "SH" if m.group(2) == "SS" else m.group(2)
        return f"{m.group(1)}.{suffix}"
    if m := _PREFIX_SUFFIX.match(raw):
        return f"{m.group(2)}.{m.group(1)}"
    if _SIX.match(raw):
        return f"{raw}.{exchange_of_six(raw)}"
    if m := _HK.match(raw):
        return f"{int(m.group(1)):04d}.HK"
    if m := _HK_EM.match(raw):
        return f"{int(m.group(1)):04d}.HK"
    if raw.startswith(("105.", "106.", "107.")):  # Eastmoney US form
        raw = raw.split(".", 1)[1]
    if _US.match(raw):
        return raw
    raise InputError(
        f"{text!r} is not a security code",
        hint="use e.g. 300750.SZ, 688005.SH, 920185.BJ, 1211.HK or TSLA",
    )


def market_of(code: str) -> str:
    """``A``, ``HK`` or ``US`` for a canonical code."""
    if code.endswith(tuple(f".{s}" for s in _A_SUFFIX)):
        return "A"
    if code.endswith(".HK"):
        return "HK"
    return "US"


@dataclass(frozen=True)
class Board:
    """Trading rules of the board a listing trades on."""

    name: str
    lot: int  # shares per lot; orders are whole lots
    min_order: int  # smallest first buy, shares
    connect_rule: str


def board_of(code: str, exchange: str | None = None) -> Board:
    """The board of a canonical code, with its lot rules and Stock Connect rule."""
    market = market_of(code)
    if market == "HK":
        return Board("HKEX main board", 0, 0, "Southbound: Hang Seng Composite constituents")
    if market == "US":
        return Board(exchange or "US", 1, 1, "not in Stock Connect")
    digits, suffix = code.split(".")
    if suffix == "BJ":
        return Board("BSE", 1, 100, "not in Stock Connect (Beijing Stock Exchange)")
    if suffix == "SH" and digits.startswith(("688", "689")):
        return Board("STAR", 1, 200, "Northbound: SSE 180/380 constituents (since 2021-02)")
    if suffix == "SZ" and digits.startswith(("300", "301")):
        return Board(
            "ChiNext", 100, 100, "Northbound: SZSE Component / SME Innovation ≥ RMB 6bn mcap"
        )
    if suffix == "SH":
        return Board("SSE main board", 100, 100, "Northbound: SSE 180/380 constituents")
    return Board("SZSE main board", 100, 100, "Northbound: SZSE Component / SME Innovation")


def is_b_share(code: str) -> bool:
    """B shares (900xxx.SH in USD, 200xxx.SZ in HKD) trade in foreign currency."""
    return (code.endswith(".SH") and code.startswith("900")) or (
        code.endswith(".SZ") and code.startswith("200")
    )


def currency_of(code: str) -> str:
    """Listing currency implied by a canonical code (A-share B shares: USD/HKD)."""
    if is_b_share(code):
        return "USD" if code.endswith(".SH") else "HKD"
    market = market_of(code)
    return MARKET_CURRENCY[market]
