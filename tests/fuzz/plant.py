"""The fuzz corpus's small planted world: a synthetic import folder (every curated member,
one year of seeded random-walk prices, FX, valuations, an EPS snapshot, a market panel) and
a NAION_HOME made from it through ``naion data import`` plus two saved runs."""

from __future__ import annotations

import zlib
from pathlib import Path

START, DAYS = "2023-01-02", 260
FX = {"USDCNY": 7.0, "HKDCNY": 0.9, "USDHKD": 7.8}


def _rng(key: str) -> object:
    import numpy as np

    return np.random.default_rng(zlib.crc32(key.encode()))


def _walk(key: str, n: int, start: float = 20.0, vol: float = 0.02) -> object:
    import numpy as np

    steps = _rng(key).normal(0.0, vol, n)  # type: ignore[attr-defined]
    steps[0] = 0.0
    return start * np.exp(np.cumsum(steps))


def write_import_folder(folder: Path) -> Path:
    """Write the synthetic CSV folder (the README's import layout) and return it."""
    import pandas as pd

    from universes.loader import registry_for_home

    reg = registry_for_home()
    days = pd.bdate_range(START, periods=DAYS)
    iso = days.strftime("%Y-%m-%d")
    (folder / "prices").mkdir(parents=True, exist_ok=True)
    for sub in ("indexes", "fx", "valuation", "eps", "market"):
        (folder / sub).mkdir(exist_ok=True)
    rows = []
    for code, m in sorted(reg.members.items()):
        close = _walk(code, DAYS)
        bars = pd.DataFrame(
            {
                "date": iso,
                "open": close * 0.99,
                "high": close * 1.01,
                "low": close * 0.98,
                "close": close,
                "volume": 1e6,
                "amount": close * 1e6,
                "adj_close": close * 0.9,
            }
        ).round(4)
        sub = "indexes" if m.market == "INDEX" else "prices"
        bars.to_csv(folder / sub / f"{code}.csv", index=False)
        rows.append(
            {
                "code": code,
                "name": m.name_zh or m.name_en or code,
                "market": m.market,
                "exchange": m.exchange or "",
                "currency": m.currency,
            }
        )
        if m.market == "A":
            pd.DataFrame(
                {
                    "date": iso,
                    "pe_ttm": (_walk(code + "pe", DAYS, 25.0)).round(2),
                    "pb": 3.0,
                    "ps_ttm": 2.0,
                    "total_mv": (close * 1e9).round(0),
                }
            ).to_csv(folder / "valuation" / f"{code}.csv", index=False)
    pd.DataFrame(rows).to_csv(folder / "securities.csv", index=False)
    for pair, level in FX.items():
        rate = _walk(pair, DAYS, level, 0.002).round(5)
        pd.DataFrame({"date": iso, "rate": rate}).to_csv(folder / "fx" / f"{pair}.csv", index=False)
    eps = [
        {"code": r["code"], "fiscal_year": y, "kind": k, "eps": e}
        for r in rows
        if r["market"] == "A"
        for y, k, e in ((2022, "actual", 1.0), (2023, "estimate", 1.3), (2024, "estimate", 1.6))
    ]
    pd.DataFrame(eps).to_csv(folder / "eps" / "2023-06-30.csv", index=False)
    panel = [
        {
            "date": iso[-1],
            "code": f"{600000 + i:06d}.SH",
            "open": 10.0,
            "high": 10.5,
            "low": 9.5,
            "close": 10.0 + i % 7,
            "volume": 1e5,
            "amount": 1e6 * (i + 1),
        }
        for i in range(30)
    ]
    pd.DataFrame(panel).to_csv(folder / "market" / "panel.csv", index=False)
    return folder


def make_home(root: Path) -> tuple[Path, Path]:
    """(home, import folder): the planted NAION_HOME and the folder it was imported from."""
    import os

    from naion.cli import main

    data = write_import_folder(root / "import")
    home = root / "home"
    old = os.environ.get("NAION_HOME")
    os.environ["NAION_HOME"] = str(home)
    try:
        code = main(["data", "import", str(data), "--format", "json"])
        assert code == 0, "the planted import failed"
        from reports.sample import write_sample_run

        write_sample_run("sample-a", years=0.5, start="2023-01-02")
        write_sample_run("sample-b", years=0.5, start="2023-01-02", base_currency="USD")
    finally:
        if old is None:
            os.environ.pop("NAION_HOME", None)
        else:
            os.environ["NAION_HOME"] = old
    return home, data
