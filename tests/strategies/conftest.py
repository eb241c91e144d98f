"""Synthetic market data imported through `naion data import`, for strategy tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tests.helpers import run_cli, write

A_CODES = ("300750.SZ", "688005.SH", "002594.SZ")


def gbm(rng: np.random.Generator, n: int, start: float, vol: float = 0.02) -> np.ndarray:
    return start * np.exp(np.cumsum(rng.normal(0.0003, vol, n)))


def export(
    root: Path, days: pd.DatetimeIndex, closed: dict[str, list[str]] | None = None, seed: int = 3
) -> dict[str, pd.Series]:
    """Write prices for three A-shares, 1211.HK, TSLA, the CSI 300 and FX; return closes.

    ``closed`` maps a market (A/HK/US) to dates on which it has no bars.
    """
    rng = np.random.default_rng(seed)
    closed = closed or {}
    levels = {
        "300750.SZ": 200.0,
        "688005.SH": 60.0,
        "002594.SZ": 250.0,
        "1211.HK": 280.0,
        "TSLA": 200.0,
        "000300.SH": 4000.0,
    }
    market = {
        "300750.SZ": "A",
        "688005.SH": "A",
        "002594.SZ": "A",
        "1211.HK": "HK",
        "TSLA": "US",
        "000300.SH": "A",
    }
    out = {}
    for code, level in levels.items():
        shut = pd.DatetimeIndex(pd.to_datetime(closed.get(market[code], [])))
        d = days[~days.isin(shut)]
        close = np.round(gbm(rng, len(d), level), 2)
        df = pd.DataFrame(
            {
                "date": d.strftime("%Y-%m-%d"),
                "open": close,
                "high": close,
                "low": close,
                "close": close,
                "volume": 1e6,
                "amount": close * 1e6,
            }
        )
        folder = "indexes" if code == "000300.SH" else "prices"
        (root / folder).mkdir(parents=True, exist_ok=True)
        df.to_csv(root / folder / f"{code}.csv", index=False)
        out[code] = pd.Series(close, index=d)
    write(
        root / "securities.csv",
        "code,name,market,exchange,currency\n000300.SH,CSI 300,INDEX,SSE,CNY\n",
    )
    (root / "fx").mkdir(exist_ok=True)
    fx_days = days
    usd = np.round(6.9 + np.cumsum(rng.normal(0, 0.01, len(fx_days))), 4)
    hkd = np.round(usd / 7.8, 6)
    pd.DataFrame({"date": fx_days.strftime("%Y-%m-%d"), "rate": usd}).to_csv(
        root / "fx" / "USDCNY.csv", index=False
    )
    pd.DataFrame({"date": fx_days.strftime("%Y-%m-%d"), "rate": hkd}).to_csv(
        root / "fx" / "HKDCNY.csv", index=False
    )
    out["USDCNY"] = pd.Series(usd, index=fx_days)
    out["HKDCNY"] = pd.Series(hkd, index=fx_days)
    return out


def import_export(root: Path, capsys: object) -> None:
    code, _, err = run_cli(["data", "import", str(root)], capsys)
    assert code == 0, err


def user_strategy(home: Path, name: str, body: str) -> Path:
    return write(home / "strategies" / f"{name}.yaml", body)


def put_bars(home: Path, series: dict[tuple[str, str], pd.Series]) -> None:
    """Write closes straight into the store: (code, adjust) → close by date."""
    from naion.store import Batch, Store

    batch = Batch()
    for (code, adjust), s in series.items():
        frame = pd.DataFrame(
            {
                "date": [d.date() for d in s.index],
                "open": s.to_numpy(),
                "high": s.to_numpy(),
                "low": s.to_numpy(),
                "close": s.to_numpy(),
                "volume": 1e6,
                "amount": s.to_numpy() * 1e6,
                "source": "test",
            }
        )
        batch.add("bars", frame, code=code, adjust=adjust)
    with Store(home / "store.duckdb") as st:
        st.write(batch)
