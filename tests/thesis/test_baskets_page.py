"""Equal-weight basket levels against a plain loop, and the thesis page: offline, escaped."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from naion.store import Batch, Store
from screener.thesis.baskets import equal_weight
from tests.helpers import run_cli, write
from tests.thesis.helpers import plant_calendar, plant_series
from tests.thesis.test_series import FUT, SPOT, sse
from tests.thesis.test_signal_cli import FUT_ID, SPOT_ID
from universes.loader import registry_for_home

D = [dt.date(2024, 1, d) for d in (2, 3, 4, 5, 8, 9)]
# qfq closes (CNY), unadjusted-only closes (USD), USDCNY; None = no bar that day
CATL = [10.0, 11.0, 12.1, 11.0, None, 11.55]
HUAYANG = [20.0, 20.0, 22.0, 22.0, 23.1, 23.1]  # a member only from 2024-01-04
TSLA = [250.0, 240.0, None, 252.0, 260.0, 247.0]  # US: no qfq held, no bar on 01-04
USDCNY = [7.10, 7.12, 7.11, 7.15, 7.14, 7.16]

UNIVERSE = """
name: test-chain
title: "Chain <b>bold</b> & co"
segments:
  cells: {title: Cells}
members:
  - {code: 300750.SZ, segment: cells}
  - {code: 600348.SH, segment: cells, since: 2024-01-04}
  - {code: TSLA, segment: cells, exchange: NASDAQ}
"""


def bars(code: str, adjust: str, closes: list[float | None]) -> pd.DataFrame:
    rows = [(d, c) for d, c in zip(D, closes, strict=True) if c is not None]
    f = pd.DataFrame(rows, columns=["date", "close"])
    f["date"] = pd.to_datetime(f["date"]).astype("datetime64[us]")
    return f.assign(code=code, adjust=adjust, source="test")


@pytest.fixture
def chain_home(naion_home: Path) -> Path:
    write(naion_home / "universes" / "test-chain.yaml", UNIVERSE)
    b = Batch()
    b.add("bars", bars("300750.SZ", "qfq", CATL))
    b.add("bars", bars("300750.SZ", "none", [c and c * 3 for c in CATL]))  # not used: qfq held
    b.add("bars", bars("600348.SH", "qfq", HUAYANG))
    b.add("bars", bars("TSLA", "none", TSLA))
    fx = pd.DataFrame({"date": pd.to_datetime(D).astype("datetime64[us]"), "rate": USDCNY})
    b.add("fx", fx.assign(source="test"), pair="USDCNY")
    with Store(naion_home / "store.duckdb") as st:
        st.write(b)
    return naion_home


def oracle() -> list[float]:
    """The basket level by a plain loop: CNY values, carried closes, mean of returns."""
    members = {"CATL": (CATL, 1), "HUAYANG": (HUAYANG, 1), "TSLA": (TSLA, 0)}
    last_local: dict[str, float] = {}
    prev_value: dict[str, float] = {}
    level, out = None, []
    for t, day in enumerate(D):
        rets, priced = [], 0
        for name, (closes, cny) in members.items():
            if closes[t] is not None:
                last_local[name] = closes[t]
            if name == "HUAYANG" and day < dt.date(2024, 1, 4):
                continue  # not yet a member
            if name not in last_local:
                continue
            value = last_local[name] * (1.0 if cny else USDCNY[t])
            priced += 1
            if name in prev_value:
                rets.append(value / prev_value[name] - 1.0)
            prev_value[name] = value
        if priced and level is None:
            level = 100.0
        elif rets:
            level *= 1.0 + sum(rets) / len(rets)
        out.append(level)
    return out


def test_equal_weight_level_matches_a_plain_loop(chain_home: Path) -> None:
    uni = registry_for_home().universe("test-chain")
    with Store(chain_home / "store.duckdb", read_only=True) as st:
        b = equal_weight(st, uni, D[0], D[-1], "CNY")
    assert [d.date() for d in b.level.index] == D
    want = oracle()
    assert b.level.tolist() == pytest.approx(want, rel=1e-12)
    # members with a return: 01-02 none; HUAYANG first counts on 01-05 (joined 01-04)
    assert b.members.tolist() == [0, 2, 2, 3, 3, 3]
    assert any("TSLA: no adjusted close held, unadjusted closes used" in n for n in b.notes)


def test_the_level_in_another_base_currency_converts_every_close(chain_home: Path) -> None:
    uni = registry_for_home().universe("test-chain")
    with Store(chain_home / "store.duckdb", read_only=True) as st:
        usd = equal_weight(st, uni, D[0], D[-1], "USD")
    # CATL alone on 01-03: its CNY return converted at the USD rates of both days
    want = 100.0 * ((11.0 / 7.12) / (10.0 / 7.10) + (240.0 / 250.0)) / 2
    assert usd.level.iloc[1] == pytest.approx(want, rel=1e-12)


def test_a_day_without_any_member_priced_is_a_gap(chain_home: Path) -> None:
    later = write(
        chain_home / "universes" / "late.yaml",
        UNIVERSE.replace("test-chain", "late").replace("since: 2024-01-04", "since: 2024-01-08"),
    )
    assert later.exists()
    uni = registry_for_home().universe("late")
    uni = uni.model_copy(update={"members": [uni.members[1]]})  # only HUAYANG, from 01-08
    with Store(chain_home / "store.duckdb", read_only=True) as st:
        b = equal_weight(st, uni, D[0], D[-1], "CNY")
    assert all(math.isnan(x) for x in b.level.iloc[:4])
    assert b.level.iloc[4] == 100.0 and b.level.iloc[5] == pytest.approx(100.0)


# ------------------------------------------------------------------ the page

HOSTILE_MODEL = """
name: na-ion-vs-lfp
title: "<script>alert('title')</script>"
source: "<img src=x onerror=alert(1)> report"
caveats: ["<iframe src=//evil.example></iframe>"]
points:
  - {li2co3_cny_per_t: 560000, advantage_cny_per_wh: 0.25}
  - {li2co3_cny_per_t: 250000, advantage_cny_per_wh: 0.09}
price:
  series: [li2co3_spot_100ppi, li2co3_gfex_main]
"""


@pytest.fixture
def page_home(chain_home: Path) -> Path:
    plant_series(chain_home, SPOT_ID, {d.isoformat(): v for d, v in SPOT.items()})
    plant_series(chain_home, FUT_ID, {d.isoformat(): v for d, v in FUT.items()})
    plant_calendar(chain_home, [d.isoformat() for d in sse("2023-12-01", "2024-06-28")])
    write(chain_home / "models" / "hostile.yaml", HOSTILE_MODEL)
    return chain_home


def build(home: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    page = home.parent / "thesis.html"
    args = ["thesis", "--from", "2024-01-02", "--to", "2024-03-29", "--html", str(page)]
    code, _, err = run_cli(
        [*args, "--chain", "test-chain", "--incumbents", "test-chain", *extra], capsys
    )
    assert code == 0, err
    assert f"wrote {page}" in err
    return page.read_text(encoding="utf-8")


def test_page_escapes_every_user_string(page_home: Path, capsys) -> None:
    text = build(page_home, capsys)
    for raw in ("<script>alert", "<img src=x", "<iframe", "<b>bold</b>"):
        assert raw not in text, raw
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "Chain &lt;b&gt;bold&lt;/b&gt; &amp; co" in text


def test_page_is_self_contained(page_home: Path, capsys) -> None:
    text = build(page_home, capsys).replace("//evil.example", "")  # the escaped caveat text
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", text, re.I)
    assert "http://" not in text and "https://" not in text
    assert text.count("<svg") == 3
    assert "a chart, not a backtest" in text
    assert "signal unavailable 2024-03-04 to 2024-03-08" in text
    assert "takes over from li2co3_spot_100ppi on 2024-01-22" in text


def test_page_for_one_date_charts_from_the_first_price(page_home: Path, capsys) -> None:
    page = page_home.parent / "one.html"
    args = ["thesis", "--as-of", "2024-01-15", "--html", str(page), "--chain", "test-chain"]
    code, _, err = run_cli([*args, "--incumbents", "test-chain", "-f", "json"], capsys)
    assert code == 0, err
    text = page.read_text(encoding="utf-8")
    assert "2024-01-02 to 2024-01-15" in text  # the first trading day with a price on
