"""Membership dates: a screen as of D sees only the members current on D."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from naion.store import Batch, Store
from screener.engine import Screen
from screener.seed import SEED_FILE
from tests.helpers import run_cli, write
from tests.screener.plant import bar_frame, securities
from tests.screener.plant import write as write_batch
from universes.loader import load_registry

TABLE21_DAY = dt.date(2022, 11, 22)
BLOG_DAY = dt.date(2026, 2, 6)
CODES = ["300750.SZ", "002594.SZ", "002324.SZ", "1211.HK"]


def plant(home: Path) -> Store:
    days = pd.bdate_range("2022-06-01", "2026-03-31")
    b = Batch()
    b.add(
        "securities",
        securities([(c, c, "HK" if c.endswith(".HK") else "A", None) for c in CODES]),
    )
    for c in CODES:
        close = np.linspace(10, 20, len(days))
        b.add("bars", bar_frame(days, close, np.full(len(days), 1e8)), code=c, adjust="none")
    write_batch(home, b)
    return Store(home / "store.duckdb", read_only=True)


def test_curated_dates_follow_the_record(real_data: Path) -> None:
    reg = load_registry()
    uni = reg.universe("sodium-ion")
    table21 = {
        reg.canonical(c)
        for c in pd.read_csv(real_data / "eps" / "2022-11-22.csv", dtype={"code": str})["code"]
    }
    assert len(table21) == 14
    for m in uni.members:
        assert m.since == (TABLE21_DAY if m.code in table21 else BLOG_DAY), m.code
        assert m.until is None


def test_curated_dates_match_the_seed_table() -> None:
    reg = load_registry()
    seed = {reg.canonical(c) for c in pd.read_csv(SEED_FILE, dtype={"code": str})["code"]}
    since = {m.code: m.since for m in reg.universe("sodium-ion").members}
    assert {c for c, d in since.items() if d == TABLE21_DAY} == seed
    assert reg.first_member_date("sodium-ion") == TABLE21_DAY
    assert reg.first_member_date("sodium-ion", ["integrators"]) == BLOG_DAY
    assert reg.first_member_date("us-cleantech-core") is None  # no dates: no limit
    assert len(reg.members_on("sodium-ion", dt.date(2022, 11, 21))) == 0
    assert len(reg.members_on("sodium-ion", TABLE21_DAY)) == 14
    assert len(reg.members_on("sodium-ion", BLOG_DAY)) == 20
    assert len(reg.members_on("sodium-ion", dt.date(2020, 1, 2), ignore_dates=True)) == 20
    assert [m.code for m in reg.members_on("sodium-ion", BLOG_DAY, ["integrators"])] == [
        "000625.SZ",
        "002594.SZ",
        "1211.HK",
    ]


def test_screens_see_only_current_members(naion_home: Path) -> None:
    store = plant(naion_home)
    reg = load_registry()
    scr = Screen(universe="sodium-ion", columns=["close"])
    days = [dt.date(2022, 11, 21), TABLE21_DAY, dt.date(2026, 3, 2)]
    many = scr.run_many(store, days, reg)
    for d in days:  # the same as each date alone
        alone = Screen(universe="sodium-ion", columns=["close"], as_of=d).run(store, reg)
        assert alone.rows["code"].tolist() == many[d].rows["code"].tolist()
        assert alone.notes == many[d].notes
    assert many[days[0]].rows.empty and many[days[0]].universe_size == 0
    assert any("it has no member before 2022-11-22" in n for n in many[days[0]].notes)
    on_22 = many[TABLE21_DAY]
    assert "300750.SZ" in on_22.rows["code"].tolist()
    assert not {"002594.SZ", "002324.SZ", "1211.HK"} & set(on_22.rows["code"])
    assert on_22.universe_size == 14
    assert any("6 members of sodium-ion are left out" in n for n in on_22.notes)
    assert {"002594.SZ", "1211.HK"} <= set(many[days[2]].rows["code"])
    # the switch gives today's (hindsight) behaviour, and says so
    hind = Screen(
        universe="sodium-ion", columns=["close"], as_of=TABLE21_DAY, ignore_membership_dates=True
    ).run(store, reg)
    assert hind.universe_size == 20 and "002594.SZ" in hind.rows["code"].tolist()
    assert any("hindsight" in n for n in hind.notes)
    # all-a flags a Na-ion segment only while the name is a member
    allA = Screen(universe="all-a", columns=["close"]).run_many(
        store, [TABLE21_DAY, dt.date(2026, 3, 2)], reg
    )
    seg = {d: r.all_rows.set_index("code")["segment"] for d, r in allA.items()}
    assert seg[TABLE21_DAY]["300750.SZ"] == "cells" and pd.isna(seg[TABLE21_DAY]["002594.SZ"])
    assert seg[dt.date(2026, 3, 2)]["002594.SZ"] == "integrators"
    store.close()


def test_until_ends_a_membership(naion_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plant(naion_home).close()
    write(
        naion_home / "universes" / "mine.yaml",
        """
name: mine
title: Mine
segments: {x: {}}
members:
  - {code: 300750.SZ, segment: x, since: 2022-07-01, until: 2023-06-30}
  - {code: 002594.SZ, segment: x}
""",
    )
    args = ["screen", "-u", "mine", "--columns", "close", "-f", "json"]
    for day, codes in (
        ("2022-06-30", ["002594.SZ"]),
        ("2023-06-30", ["300750.SZ", "002594.SZ"]),
        ("2023-07-03", ["002594.SZ"]),
    ):
        code, out, err = run_cli([*args, "--as-of", day], capsys)
        assert code == 0, err
        assert [r["code"] for r in json.loads(out)] == codes, day
    code, out, _ = run_cli([*args, "--as-of", "2023-07-03", "--ignore-membership-dates"], capsys)
    assert [r["code"] for r in json.loads(out)] == ["300750.SZ", "002594.SZ"]
    assert load_registry(naion_home / "universes").first_member_date("mine") is None
