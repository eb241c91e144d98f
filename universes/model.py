"""What a universe file holds: members grouped into supply-chain segments.

A universe YAML file (curated ones ship in ``universes/data``; users add theirs under
``NAION_HOME/universes``)::

    name: sodium-ion
    title: Sodium-ion battery supply chain
    board: 钠离子电池              # Eastmoney concept board behind `universe refresh`
    segments:
      cells: {title: Cells, description: Na-ion cell makers}
    members:
      - code: 300750.SZ
        name_zh: 宁德时代
        name_en: CATL
        segment: cells
        role: Na-ion cell leader
        connect: true              # Stock Connect eligible (null: not verified)
        aliases: [...]             # old codes that now mean this listing
        listed: 2018-06-11         # optional
        since: 2022-11-22          # optional: the date it became a member of this theme
        until: 2025-06-30          # optional: the last date it was one
        delisted: 2024-01-03       # optional; last trading day
        successor: {code: ALTM, ratio: 2.406, date: 2024-01-04}   # optional
        lot: 500                   # optional board lot (HK listings need it)

Market, exchange and currency follow from the code; a member may override them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from universes.codes import board_of, currency_of, market_of, normalize

Kind = Literal["stock", "etf", "index"]
_EXCHANGES = {".SH": "SSE", ".SZ": "SZSE", ".BJ": "BSE", ".HK": "HKEX"}


def _text_code(v: object) -> object:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        raise ValueError(
            f"write the code as text with its exchange, e.g. '{v}.SZ' or '{v}.BJ' "
            "(YAML reads bare digits as a number and drops leading zeros)"
        )
    return v


def _text_date(v: object) -> object:
    # pydantic reads a number as a Unix timestamp: `since: 20230101` became 1970-08-23 (an
    # error about "zero time") and `since: 0` silently 1970-01-01
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        raise ValueError(f"write the date as YYYY-MM-DD, not the number {v}")
    return v


Day = Annotated[dt.date, BeforeValidator(_text_date)]


class Successor(BaseModel):
    """Where a delisted member's holding went: ``ratio`` new shares per old share."""

    model_config = ConfigDict(extra="forbid")

    code: str
    ratio: float = Field(gt=0, allow_inf_nan=False)
    date: Day
    note: str | None = None

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        return normalize(v)


class CashOut(BaseModel):
    """A delisting for cash: ``price`` per share in the listing currency, paid on ``date``."""

    model_config = ConfigDict(extra="forbid")

    price: float = Field(gt=0, allow_inf_nan=False)
    date: Day
    note: str | None = None


class Member(BaseModel):
    """One listing in a universe."""

    model_config = ConfigDict(extra="forbid")

    code: str
    name_zh: str | None = None
    name_en: str | None = None
    segment: str
    role: str | None = None
    kind: Kind = "stock"
    exchange: str | None = None
    market: Literal["A", "HK", "US", "INDEX"] | None = None
    currency: str | None = None
    connect: bool | None = None
    aliases: list[str] = Field(default_factory=list)
    listed: Day | None = None
    delisted: Day | None = None
    successor: Successor | None = None
    cash_out: CashOut | None = None
    lot: int | None = Field(default=None, gt=0)
    since: Day | None = None
    until: Day | None = None
    vendor_codes: dict[str, str] = Field(default_factory=dict)

    @field_validator("code", mode="before")
    @classmethod
    def _code_text(cls, v: object) -> object:
        return _text_code(v)

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        return normalize(v)

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, v: list[str]) -> list[str]:
        return [normalize(a) for a in v]

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str | None) -> str | None:
        return v.strip().upper() if isinstance(v, str) else v

    @model_validator(mode="after")
    def _fill(self) -> Member:
        if self.kind == "index":
            if self.market not in (None, "INDEX"):
                raise ValueError(f"market {self.market}: an index member's market is INDEX")
            self.market = "INDEX"
            if self.currency is None:
                raise ValueError("an index member needs a currency")
        else:
            self._agree_with_code()
        if self.successor and not self.delisted:
            raise ValueError("a member with a successor needs its delisted date")
        if self.cash_out and not self.delisted:
            raise ValueError("a member with a cash_out needs its delisted date")
        if self.since and self.until and self.until < self.since:
            raise ValueError(f"until {self.until} is before since {self.since}")
        return self

    def _agree_with_code(self) -> None:
        """Market, currency and exchange follow from the code's form; overrides must agree."""
        natural = market_of(self.code)
        if self.market is not None and self.market != natural:
            raise ValueError(
                f"market {self.market} does not match the code {self.code}, a {natural} code "
                "by its form (A: 6 digits + .SH/.SZ/.BJ, HK: digits + .HK, US: a ticker); "
                "drop 'market:' or fix the code"
            )
        self.market = natural  # type: ignore[assignment]
        implied = currency_of(self.code)
        if self.currency is not None and self.currency != implied:
            raise ValueError(
                f"currency {self.currency} does not match the code {self.code}, which trades in "
                f"{implied}; drop 'currency:' or fix the code"
            )
        self.currency = implied
        for a in self.aliases:
            if a == self.code:
                raise ValueError(f"aliases: lists its own code {a}")
            if market_of(a) != natural or currency_of(a) != implied:
                raise ValueError(
                    f"alias {a} is not an earlier code of {self.code}: it is a {market_of(a)} "
                    f"code in {currency_of(a)}, {self.code} a {natural} code in {implied}"
                )
        expected = _EXCHANGES.get(self.code[-3:]) if natural in ("A", "HK") else None
        if expected is not None:
            if self.exchange is not None and self.exchange.upper() != expected:
                raise ValueError(
                    f"exchange {self.exchange} does not match the code {self.code}, listed on "
                    f"{expected}; drop 'exchange:' or fix the code"
                )
            self.exchange = expected

    def current_on(self, day: dt.date) -> bool:
        """A member of its universe on ``day`` (``since`` / ``until`` inclusive; None: open)."""
        return (self.since is None or self.since <= day) and (
            self.until is None or day <= self.until
        )

    @property
    def name(self) -> str:
        return self.name_en or self.name_zh or self.code

    @property
    def display_name(self) -> str:
        if self.name_zh and self.name_en:
            return f"{self.name_zh} {self.name_en}"
        return self.name

    def board(self) -> str:
        if self.market == "INDEX":
            return "index"
        return board_of(self.code, self.exchange).name

    def lot_rules(self) -> tuple[int, int]:
        """(lot, minimum first order) in shares; HK uses the member's ``lot``."""
        if self.market == "HK":
            return (self.lot or 0, self.lot or 0)
        b = board_of(self.code, self.exchange)
        return (self.lot or b.lot, self.lot or b.min_order)


class Segment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    description: str | None = None


class Universe(BaseModel):
    """A named set of members, each in one of the universe's segments."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    description: str | None = None
    board: str | None = None
    segments: dict[str, Segment]
    members: list[Member] = Field(min_length=1)
    source: str = "curated"

    @model_validator(mode="after")
    def _check(self) -> Universe:
        seen: dict[str, int] = {}
        for i, m in enumerate(self.members):
            if m.segment not in self.segments:
                raise ValueError(
                    f"members[{i}] ({m.code}): segment {m.segment!r} is not one of "
                    f"{', '.join(self.segments)}"
                )
            if m.code in seen:
                raise ValueError(f"members[{i}]: {m.code} is listed twice")
            seen[m.code] = i
        return self

    def codes(self, segments: list[str] | None = None) -> list[str]:
        return [m.code for m in self.members if segments is None or m.segment in segments]

    def members_on(
        self, day: dt.date, segments: Sequence[str] | None = None, ignore_dates: bool = False
    ) -> list[Member]:
        """Members current on ``day`` (their ``since``/``until``), in file order.

        ``ignore_dates`` lists every member as if it always belonged (hindsight: for
        comparison only).
        """
        return [
            m
            for m in self.members
            if (segments is None or m.segment in segments) and (ignore_dates or m.current_on(day))
        ]

    def first_member_date(self, segments: Sequence[str] | None = None) -> dt.date | None:
        """The first day the universe (those segments) has a member; None: from the start."""
        members = [m for m in self.members if segments is None or m.segment in segments]
        if not members or any(m.since is None for m in members):
            return None
        return min(m.since for m in members if m.since is not None)

    def member(self, code: str) -> Member | None:
        return next((m for m in self.members if m.code == code), None)
