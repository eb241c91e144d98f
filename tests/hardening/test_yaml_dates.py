"""YAML data files and dates: limits and bad values are one line, never a hang or crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hardening.conftest import one_error_line
from tests.helpers import run_cli


def _bomb(levels: int = 9) -> str:
    """A billion-laughs file: 10**levels values once expanded, a few hundred bytes on disk."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


CASES = {
    "alias bomb": (_bomb(), "aliases expand to more than 50,000 values"),
    "alias flood": ("a: &a 1\nb: [" + ", ".join(["*a"] * 120_000) + "]\n", "more than 50,000"),
    "deep flow": ("[" * 5000 + "]" * 5000, "nested deeper than 50 levels"),
    "deep block": ("".join("  " * i + f"k{i}:\n" for i in range(120)), "nested deeper than 50"),
    "alias chain": (
        "a0: &a0 [1]\n" + "".join(f"a{i + 1}: &a{i + 1} [*a{i}]\n" for i in range(500)),
        "aliases nest deeper than 50 levels",
    ),
    "self alias": ("a: &a [1, *a]\n", "an alias refers to itself"),
    "invalid date": ("name: x\nsince: 2023-02-30\n", "invalid date '2023-02-30'"),
    "year 1": ("name: x\nsince: 0001-01-01\n", "outside 1900-2199"),
    "too large": ("# " + "x" * (1 << 20) + "\n", "file too large"),
}


@pytest.mark.parametrize("case", CASES)
def test_hostile_yaml_is_one_config_error(tmp_path: Path, case: str) -> None:
    from naion.errors import ConfigError
    from naion.yamlfiles import read_yaml

    text, message = CASES[case]
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        read_yaml(path)
    line = info.value.one_line()
    assert message in line and str(path) in line and "\n" not in line


def test_non_utf8_yaml(tmp_path: Path) -> None:
    from naion.errors import ConfigError
    from naion.yamlfiles import read_yaml

    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\u00e9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"not UTF-8 text \(byte 0xe9 at offset 9\)"):
        read_yaml(path)
    bom = tmp_path / "bom.yaml"
    bom.write_bytes(b"\xef\xbb\xbfname: x\n")
    assert read_yaml(bom) == {"name": "x"}


def test_ordinary_yaml_still_reads(tmp_path: Path) -> None:
    import datetime as dt

    from naion.yamlfiles import read_yaml

    path = tmp_path / "ok.yaml"
    path.write_text("base: &b {x: 1}\nuse: *b\nsince: 2023-02-28\nl: [[[1]]]\n", encoding="utf-8")
    assert read_yaml(path) == {
        "base": {"x": 1},
        "use": {"x": 1},
        "since": dt.date(2023, 2, 28),
        "l": [[[1]]],
    }


@pytest.mark.parametrize("kind", ["universes", "strategies", "presets"])
@pytest.mark.parametrize("case", ["alias bomb", "deep flow", "invalid date"])
def test_every_yaml_kind_refuses_through_the_cli(
    naion_home: Path, kind: str, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = naion_home / kind / "bad.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(CASES[case][0], encoding="utf-8")
    command = {
        "universes": ["universe", "list"],
        "strategies": ["backtest", "--list"],
        "presets": ["screen", "--presets"],
    }[kind]
    code, out, err = run_cli(command, capsys)
    line = one_error_line(code, out, err)
    assert str(path) in line and CASES[case][1] in line


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01"])
@pytest.mark.parametrize(
    "args",
    [
        ["backtest", "core-satellite", "--offline", "--start"],
        ["backtest", "core-satellite", "--offline", "--end"],
        ["screen", "--source", "seed-2022", "--as-of"],
        ["data", "sync", "sodium-ion", "--start"],
        ["sweep", "core-satellite", "--end"],
    ],
)
def test_dates_far_out_are_one_line(
    args: list[str], day: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli([*args, day], capsys)
    assert f"date {day} for --" in one_error_line(code, out, err)


def test_parse_date_keeps_the_ordinary_range() -> None:
    import datetime as dt

    from naion.dates import parse_date

    assert parse_date("1900-01-01", "--start") == dt.date(1900, 1, 1)
    assert parse_date("2199-12-31", "--end") == dt.date(2199, 12, 31)
