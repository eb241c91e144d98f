"""Load universe files (curated ones in the package, the user's under NAION_HOME/universes).

A user file with the same ``name`` as a curated one replaces it. Every problem in a file is
reported as one line naming the file, the key and what is wrong.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from naion.errors import ConfigError, InputError
from naion.yamlfiles import load_named, read_yaml, validation_message
from universes.codes import normalize
from universes.model import Member, Universe

BUILTIN_DIR = Path(__file__).parent / "data"
# names that mean something other than a universe file wherever a universe is named
PSEUDO_UNIVERSES = {"all-a": "every A-share held in the store"}


def parse_universe(data: Any, origin: str, source: str) -> Universe:
    from pydantic import ValidationError

    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: expected a mapping with name, title, segments, members")
    try:
        uni = Universe.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise ConfigError(f"{origin}: {validation_message(exc)}") from None
    except InputError as exc:  # a bad code inside the file
        raise ConfigError(f"{origin}: {exc.one_line()}") from None
    if uni.name in PSEUDO_UNIVERSES:
        raise ConfigError(
            f"{origin}: name: {uni.name!r} is reserved for the built-in universe of "
            f"{PSEUDO_UNIVERSES[uni.name]}",
            hint="give the universe another name",
        )
    return uni


def load_file(path: Path, source: str = "user") -> Universe:
    return parse_universe(read_yaml(path), str(path), source)


@dataclass
class Registry:
    """Every universe known (curated + user), and every security they name."""

    universes: dict[str, Universe]
    members: dict[str, Member] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_aliases(self.universes.values())
        for uni in self.universes.values():
            for m in uni.members:
                for a in m.aliases:
                    self.aliases[a] = m.code
        # a user universe naming a listing by an old code (a curated alias) means the listing
        # under its current code
        for uni in self.universes.values():
            for i, m in enumerate(uni.members):
                if m.code in self.aliases:
                    uni.members[i] = m.model_copy(update={"code": self.aliases[m.code]})
            for m in uni.members:
                self.members.setdefault(m.code, m)

    def names(self) -> list[str]:
        return list(self.universes)

    def universe(self, name: str) -> Universe:
        try:
            return self.universes[name]
        except KeyError:
            raise InputError(
                f"unknown universe {name!r}",
                hint=f"choose one of: {', '.join(self.universes)} (see 'naion universe list')",
            ) from None

    def canonical(self, code: str) -> str:
        """Canonical code of ``code``, following renumbering aliases (no check it is known)."""
        c = normalize(code)
        return self.aliases.get(c, c)

    def resolve(self, code: str) -> str:
        """Canonical code of a security some universe names; unknown codes are an error."""
        c = self.canonical(code)
        if c not in self.members:
            raise InputError(
                f"unknown ticker {code!r}: no universe lists it",
                hint="add it to a universe file under NAION_HOME/universes "
                "(see 'naion universe list')",
            )
        return c

    def member(self, code: str) -> Member:
        return self.members[self.resolve(code)]

    def segment_members(self, universe: str, segments: Iterable[str] | None) -> list[Member]:
        uni = self.universe(universe)
        if segments is None:
            return list(uni.members)
        wanted = list(segments)
        unknown = [s for s in wanted if s not in uni.segments]
        if unknown:
            raise InputError(
                f"unknown segment {unknown[0]!r} in universe {universe}",
                hint=f"choose from: {', '.join(uni.segments)}",
            )
        return [m for m in uni.members if m.segment in wanted]

    def members_on(
        self,
        universe: str,
        day: dt.date,
        segments: Iterable[str] | None = None,
        ignore_dates: bool = False,
    ) -> list[Member]:
        """Members of ``universe`` (those segments) current on ``day`` (see ``since``/``until``)."""
        chosen = {m.code for m in self.segment_members(universe, segments)}
        return [
            m
            for m in self.universe(universe).members_on(day, ignore_dates=ignore_dates)
            if m.code in chosen
        ]

    def first_member_date(
        self, universe: str, segments: Iterable[str] | None = None
    ) -> dt.date | None:
        """The first day ``universe`` (those segments) has a member; None: no start limit."""
        wanted = None if segments is None else list(segments)
        if wanted is not None:
            self.segment_members(universe, wanted)  # unknown segments are an error
        return self.universe(universe).first_member_date(wanted)


def _label(uni: Universe, m: Member) -> str:
    where = (
        "curated" if uni.source == "curated" else "user file " + uni.source.removeprefix("user:")
    )
    return f"{m.code} of universe {uni.name} ({where})"


def _check_aliases(universes: Iterable[Universe]) -> None:
    """An alias names one listing only: never another member's code or another's alias.

    The one exception: a user universe may list a member by an old code that a curated
    universe declares as an alias (it then means the listing under its current code).
    """
    codes: dict[str, tuple[Universe, Member]] = {}
    owners: dict[str, tuple[str, str]] = {}  # alias -> (code it means, who says so)
    unis = list(universes)
    for uni in unis:
        for m in uni.members:
            codes.setdefault(m.code, (uni, m))
    for uni in unis:
        for m in uni.members:
            for a in m.aliases:
                who = _label(uni, m)
                if a in codes:
                    other_uni, other = codes[a]
                    old_code_mention = uni.source == "curated" and other_uni.source != "curated"
                    if not old_code_mention:
                        raise ConfigError(
                            f"alias {a} of {who} is the code of {_label(other_uni, other)}: "
                            "one code cannot name two listings",
                            hint="drop the alias (an alias is an earlier code of the same listing)",
                        )
                prev = owners.get(a)
                if prev is not None and prev[0] != m.code:
                    raise ConfigError(
                        f"alias {a} of {who} is also an alias of {prev[1]}: one code cannot "
                        "name two listings",
                        hint="drop one of the aliases",
                    )
                owners.setdefault(a, (m.code, who))


def load_registry(user_dir: Path | None = None) -> Registry:
    """Curated universes, then the user's files (a user file may replace a curated one)."""
    return Registry(
        load_named(
            BUILTIN_DIR,
            user_dir,
            lambda p, user: load_file(p, f"user:{p.name}" if user else "curated"),
        )
    )


def registry_for_home(home: Path | str | None = None) -> Registry:
    from naion.settings import paths

    return load_registry(paths(home).universes)


def normalize_codes(codes: Iterable[str]) -> list[str]:
    return [normalize(c) for c in codes]
