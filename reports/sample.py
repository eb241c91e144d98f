"""Sample saved runs for tests, the report bench and demos — made by the real engine.

:func:`write_sample_store` fills NAION_HOME's store (through :class:`naion.store.Batch`)
with seeded random-walk prices: A-share, HK and US listings from the curated universes, the
CSI 300 total-return index, SPY and the USD/CNY and HKD/CNY rates (every business day from
2014 to 2025). :func:`write_sample_run` writes a ``sleeves`` strategy file, runs it with the
public engine API — ``Backtest(spec, start, end).run(reader, registry)`` — and saves it with
:func:`strategies.runs.save_run`. A sample run is therefore a real run: the engine's money
rules, notes and conventions; nothing here simulates trading.

The prices are synthetic (not market data); every sample run's strategy title says so
unless a title is given, and the store's ``source`` column reads ``sample``.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from strategies.runs import SavedRun

SOURCE = "sample"
FIRST, LAST = "2014-01-01", "2025-12-31"


@dataclass(frozen=True)
class SampleSeries:
    code: str
    start: float  # first close, local currency
    drift: float  # annual
    vol: float  # annual
    adjusts: tuple[str, ...] = ("none", "qfq")
    listed: str = FIRST


SERIES = (
    SampleSeries("300750.SZ", 80.0, 0.14, 0.40, listed="2018-06-11"),
    SampleSeries("600348.SH", 8.0, 0.06, 0.38),
    SampleSeries("002407.SZ", 15.0, 0.08, 0.45),
    SampleSeries("300073.SZ", 25.0, 0.09, 0.42),
    SampleSeries("600884.SH", 12.0, 0.03, 0.36, adjusts=("none",)),  # no adjusted series held
    SampleSeries("1211.HK", 60.0, 0.15, 0.40),
    SampleSeries("ALB", 60.0, 0.02, 0.50),
    SampleSeries("000300.SH", 3500.0, 0.06, 0.22, adjusts=("none", "tr")),
    SampleSeries("SPY", 180.0, 0.09, 0.17),
)
FX = {"USDCNY": (6.5, 0.04), "HKDCNY": (0.84, 0.04)}
EQUAL_CODES = ("300750.SZ", "600348.SH", "002407.SZ", "300073.SZ", "600884.SH")


def _rng(key: str) -> np.random.Generator:
    import numpy as np

    return np.random.default_rng([7, zlib.crc32(key.encode())])


def _walk(key: str, n: int, start: float, drift: float, vol: float) -> np.ndarray:
    import numpy as np

    steps = _rng(key).normal(drift / 252 - vol**2 / 504, vol / np.sqrt(252), n)
    steps[0] = 0.0
    return start * np.exp(np.cumsum(steps))


def write_sample_store(home: Path | str | None = None) -> Path:
    """Write the sample prices into the store of ``home`` (NAION_HOME); returns its path.

    Idempotent: a store that already holds the sample is left as it is.
    """
    import numpy as np
    import pandas as pd

    from naion.store import Batch, Store

    store = Store.open(home)
    try:
        if store.covered("bars:none", "SPY") is not None:
            return store.path
        days = pd.bdate_range(FIRST, LAST)
        batch = Batch()
        for s in SERIES:
            d = days[days >= pd.Timestamp(s.listed)]
            close = np.round(_walk(s.code, len(d), s.start, s.drift, s.vol), 2)
            frame = pd.DataFrame(
                {
                    "date": d,
                    "open": close,
                    "high": close,
                    "low": close,
                    "close": close,
                    "volume": 1e7,
                    "amount": close * 1e7,
                }
            )
            for adjust in s.adjusts:
                batch.add("bars", frame.assign(source=SOURCE), code=s.code, adjust=adjust)
                batch.cover(f"bars:{adjust}", s.code, d[0].date(), d[-1].date(), SOURCE)
        for pair, (level, vol) in FX.items():
            rate = np.round(_walk(pair, len(days), level, 0.0, vol), 6)
            batch.add("fx", pd.DataFrame({"date": days, "rate": rate, "source": SOURCE}), pair=pair)
            batch.cover("fx", pair, days[0].date(), days[-1].date(), SOURCE)
        batch.add("securities", _securities())
        store.write(batch)
        return store.path
    finally:
        store.close()


def _securities() -> pd.DataFrame:
    import pandas as pd

    from universes.loader import load_registry

    reg = load_registry(None)
    rows = []
    for s in SERIES:
        m = reg.members[s.code]
        rows.append(
            {
                "code": s.code,
                "name": m.name_zh or m.name_en,
                "name_en": m.name_en,
                "market": "INDEX" if m.kind == "index" else m.market,
                "exchange": m.exchange,
                "currency": m.currency,
                "source": SOURCE,
            }
        )
    return pd.DataFrame(rows)


def sample_spec(
    name: str,
    title: str,
    sleeves: Mapping[str, Sequence[str]],
    invested: float,
    base_currency: str,
    capital: float,
    benchmark: str,
    rebalance: str = "M",
) -> str:
    """A ``sleeves`` strategy file: equal sleeves, equal members, ``invested`` in total."""
    import json

    per = invested / len(sleeves)
    lines = [
        f"name: {name}",
        f"title: {json.dumps(title, ensure_ascii=False)}",
        "type: sleeves",
        f"base_currency: {base_currency}",
        f"capital: {capital}",
        f"rebalance: {{calendar: {rebalance}}}",
        "sleeves:",
    ]
    for sleeve, codes in sleeves.items():
        members = ", ".join(f"{json.dumps(c)}: 1" for c in codes)
        lines.append(f"  {sleeve}: {{weight: {per:.6f}, members: {{{members}}}}}")
    lines.append(f"benchmark: {{{json.dumps(benchmark)}: 1}}")
    return "\n".join(lines) + "\n"


def write_sample_run(
    run_id: str = "sample",
    codes: Sequence[str] = EQUAL_CODES,
    years: float = 5.0,
    start: str = "2019-01-02",
    base_currency: str = "CNY",
    capital: float = 1_000_000.0,
    benchmark: str | None = "000300.SH",
    cash_weight: float = 0.02,
    title: str | None = None,
    sleeves: Mapping[str, Sequence[str]] | None = None,
    rebalance: str = "M",
) -> SavedRun:
    """Run a sample strategy through the engine and save it as ``run_id`` (replacing a
    saved run of that id). ``benchmark=None`` names SPX, which the sample store does not
    hold: the run then has no benchmark series (and a note that says why)."""
    import shutil

    import pandas as pd

    from naion.settings import paths
    from naion.store import Store
    from strategies.engine import Backtest
    from strategies.runs import load_run, runs_dir, save_run
    from strategies.spec import get_spec
    from universes.loader import registry_for_home

    write_sample_store()
    name = run_id.lower()
    text = sample_spec(
        name,
        title or f"Sample {run_id} (synthetic prices)",
        sleeves or {"core": list(codes)},
        1.0 - cash_weight,
        base_currency,
        capital,
        benchmark or "SPX",
        rebalance,
    )
    folder = paths().home / "sample-strategies"
    folder.mkdir(parents=True, exist_ok=True)
    spec_path = folder / f"{name}.yaml"
    spec_path.write_text(text, encoding="utf-8")
    spec = get_spec(str(spec_path))
    first = pd.Timestamp(start)
    last = first + pd.DateOffset(days=round(years * 365.25) - 1)
    with Store.open(read_only=True) as store:
        run = Backtest(spec, _date(first), _date(last)).run(store, registry_for_home())
    run.run_id = run_id
    shutil.rmtree(runs_dir() / run_id, ignore_errors=True)
    save_run(run)
    return load_run(run_id)


def _date(ts: pd.Timestamp) -> dt.date:
    return ts.date()
