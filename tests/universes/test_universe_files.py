"""Universe files that contradict themselves or each other are one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from naion.store import Store
from tests.helpers import run_cli, write


def universe(home: Path, file: str, members: str, name: str = "mine") -> Path:
    return write(
        home / "universes" / file,
        f"name: {name}\ntitle: T\nsegments: {{x: {{}}}}\nmembers:\n{members}",
    )


def one_line_error(capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    code, _, err = run_cli(["universe", "list"], capsys)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    for n in needles:
        assert n in err, err
    return err


@pytest.mark.parametrize(
    ("member", "needles"),
    [
        ("{code: TSLA, market: A, segment: x}", ["market A does not match the code TSLA"]),
        ("{code: 300750.SZ, market: US, segment: x}", ["market US does not match"]),
        ("{code: 300750.SZ, currency: USD, segment: x}", ["currency USD", "trades in CNY"]),
        ("{code: 1211.HK, currency: CNY, segment: x}", ["trades in HKD"]),
        ("{code: 300750.SZ, exchange: NASDAQ, segment: x}", ["listed on SZSE"]),
        ("{code: TSLA, kind: index, market: US, segment: x}", ["index member's market"]),
        ("{code: TSLA, aliases: [300750.SZ], segment: x}", ["alias 300750.SZ", "TSLA"]),
        ("{code: 002594.SZ, aliases: [002594.SZ], segment: x}", ["its own code"]),
    ],
)
def test_a_member_must_agree_with_its_code(
    naion_home: Path, capsys: pytest.CaptureFixture[str], member: str, needles: list[str]
) -> None:
    path = universe(naion_home, "mine.yaml", f"  - {member}\n")
    one_line_error(capsys, str(path), *needles)


def test_an_alias_may_not_name_another_listing(
    naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a curated member's code claimed as the old code of another listing
    universe(naion_home, "mine.yaml", "  - {code: 002594.SZ, aliases: [300750.SZ], segment: x}\n")
    one_line_error(
        capsys,
        "alias 300750.SZ of 002594.SZ of universe mine (user file mine.yaml)",
        "300750.SZ of universe sodium-ion (curated)",
    )
    # an alias already meaning another listing
    universe(naion_home, "mine.yaml", "  - {code: 002594.SZ, aliases: [835185.BJ], segment: x}\n")
    one_line_error(capsys, "alias 835185.BJ of 002594.SZ", "920185.BJ of universe sodium-ion")
    # between two user files
    universe(naion_home, "mine.yaml", "  - {code: 002594.SZ, aliases: [000001.SZ], segment: x}\n")
    universe(naion_home, "other.yaml", "  - {code: 000001.SZ, segment: x}\n", name="other")
    one_line_error(capsys, "mine.yaml", "other.yaml", "000001.SZ")


def test_an_old_code_of_a_curated_listing_still_means_that_listing(
    naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    universe(naion_home, "mine.yaml", "  - {code: 835185.BJ, segment: x}\n")
    code, out, err = run_cli(["universe", "show", "mine", "-f", "csv"], capsys)
    assert code == 0, err
    assert "920185.BJ" in out and "835185.BJ" not in out.split("\n", 1)[1].split(",")[1]


def test_a_colliding_alias_stops_an_import_before_it_writes(
    naion_home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    universe(naion_home, "mine.yaml", "  - {code: 002594.SZ, aliases: [300750.SZ], segment: x}\n")
    export = tmp_path / "export"
    pd.DataFrame(
        {"date": ["2024-01-02"], "open": [1.0], "high": [1.0], "low": [1.0], "close": [1.0]}
    ).assign(volume=100.0).to_csv(write(export / "prices" / "300750.SZ.csv", ""), index=False)
    code, _, err = run_cli(["data", "import", str(export)], capsys)
    assert code == 2 and "alias 300750.SZ" in err
    store = naion_home / "store.duckdb"
    if store.exists():
        with Store(store, read_only=True) as s:
            assert s.bars(["002594.SZ", "300750.SZ"]).empty


def test_a_pseudo_universe_name_is_refused(
    naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = universe(naion_home, "a.yaml", "  - {code: 300750.SZ, segment: x}\n", name="all-a")
    one_line_error(capsys, str(path), "'all-a' is reserved")


def test_membership_dates_are_checked(naion_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    universe(
        naion_home,
        "mine.yaml",
        "  - {code: 300750.SZ, segment: x, since: 2024-01-02, until: 2023-01-02}\n",
    )
    one_line_error(capsys, "until 2023-01-02 is before since 2024-01-02")
