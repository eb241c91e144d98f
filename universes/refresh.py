"""Live membership: compare a universe with its Eastmoney concept board.

``refresh`` takes the board's current members (from a provider), places the names the
curated file lacks into segments with :mod:`universes.classify`, and returns the diff.
``user_universe`` turns curated members + classified newcomers into a user universe file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from naion.errors import InputError
from universes.classify import UNCLASSIFIED, Rule, classify
from universes.model import Universe

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class Newcomer:
    code: str
    name: str
    industry: str | None
    segment: str
    reason: str


@dataclass
class RefreshDiff:
    universe: str
    board: str
    board_size: int
    kept: list[str] = field(default_factory=list)  # curated and on the board
    new: list[Newcomer] = field(default_factory=list)  # on the board, not curated
    curated_only: list[str] = field(default_factory=list)  # curated, not on the board

    def table(self, uni: Universe) -> pd.DataFrame:
        import pandas as pd

        rows = []
        for n in self.new:
            rows.append(
                {
                    "change": "+ new",
                    "code": n.code,
                    "name": n.name,
                    "segment": n.segment,
                    "why": n.reason,
                }
            )
        for code in self.curated_only:
            m = uni.member(code)
            rows.append(
                {
                    "change": "- not on board",
                    "code": code,
                    "name": (m.name_zh or m.name) if m else "",
                    "segment": m.segment if m else "",
                    "why": "curated member the board does not list",
                }
            )
        for code in self.kept:
            m = uni.member(code)
            rows.append(
                {
                    "change": "= kept",
                    "code": code,
                    "name": (m.name_zh or m.name) if m else "",
                    "segment": m.segment if m else "",
                    "why": "on the board and curated",
                }
            )
        return pd.DataFrame(rows, columns=["change", "code", "name", "segment", "why"])


def refresh(
    uni: Universe,
    members: pd.DataFrame,
    industry_of: Callable[[str], str | None] | None,
    rules: list[Rule],
    canonical: Callable[[str], str],
) -> RefreshDiff:
    """Diff ``uni`` against board ``members`` (code, name), classifying the newcomers."""
    if not uni.board:
        raise InputError(
            f"universe {uni.name} names no concept board",
            hint="add 'board: <Eastmoney concept board name>' to its file",
        )
    board_codes = {
        canonical(str(c)): str(n) for c, n in zip(members["code"], members["name"], strict=True)
    }
    curated = set(uni.codes())
    diff = RefreshDiff(uni.name, uni.board, len(board_codes))
    for code, name in board_codes.items():
        if code in curated:
            diff.kept.append(code)
            continue
        industry = industry_of(code) if industry_of else None
        segment, reason = classify(name, industry, rules)
        if segment != UNCLASSIFIED and segment not in uni.segments:
            segment, reason = UNCLASSIFIED, f"rule gave {segment!r}, not a segment of {uni.name}"
        diff.new.append(Newcomer(code, name, industry, segment, reason))
    diff.curated_only = [c for c in uni.codes() if c not in board_codes]
    return diff


def user_universe(uni: Universe, diff: RefreshDiff, name: str, snapshot: str) -> dict[str, Any]:
    """A universe file: the curated members plus every classified newcomer."""
    data = uni.model_dump(mode="json", exclude_none=True, exclude={"source"})
    data["name"] = name
    data["title"] = f"{uni.title} (live board {diff.board}, {snapshot})"
    for member in data["members"]:
        for key in ("aliases", "vendor_codes"):
            if not member.get(key):
                member.pop(key, None)
        if member.get("kind") == "stock":
            member.pop("kind")
    for n in diff.new:
        if n.segment == UNCLASSIFIED:
            continue
        data["members"].append(
            {
                "code": n.code,
                "name_zh": n.name,
                "segment": n.segment,
                "role": f"from concept board {diff.board} on {snapshot} ({n.reason})",
            }
        )
    return data
