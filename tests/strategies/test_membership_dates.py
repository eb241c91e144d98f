"""Membership dates belong to a universe: a code in two universes with different ``since``
dates follows the dates of the universe the strategy runs over (the registry's merged record
of the code keeps the first universe's dates, which must not leak into another's run)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.helpers import write

MINE = """
name: mine
title: Mine
segments: {a: {title: A}}
members:
  - {code: 300750.SZ, segment: a, since: 2021-03-01}
  - {code: 002594.SZ, segment: a}
"""


def test_dates_come_from_the_run_universe(naion_home: Path) -> None:
    from strategies.engine import membership_dates
    from strategies.spec import get_spec, parse_spec
    from universes.loader import registry_for_home

    write(naion_home / "universes" / "mine.yaml", MINE)
    reg = registry_for_home()
    curated = {m.code: m for m in reg.universe("sodium-ion").members}
    assert curated["002594.SZ"].since is not None  # dated in the curated universe ...
    spec = parse_spec({"name": "m", "title": "M", "type": "segment-equal", "universe": "mine"},
                      "test")  # fmt: skip
    dates = membership_dates(spec, reg)
    assert dates == {"300750.SZ": (dt.date(2021, 3, 1), None), "002594.SZ": (None, None)}
    assert membership_dates(spec, reg, ignore=True) == {}
    assert membership_dates(get_spec("core-satellite"), reg) == {}  # named members: no dates
    sodium = membership_dates(get_spec("segment-equal"), reg)
    assert sodium["002594.SZ"] == (curated["002594.SZ"].since, curated["002594.SZ"].until)
