"""Market fields against an independent pandas computation on a synthetic store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from naion.store import Store
from screener.engine import Screen
from tests.helpers import run_cli

AS_OF = dt.date(2023, 6, 30)


def build(root: Path) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(11)
    days = pd.bdate_range("2022-01-03", "2023-07-14")
    frames = {}
    (root / "prices").mkdir(parents=True)
    (root / "prices_qfq").mkdir()
    for code, start in (("300750.SZ", 0), ("600348.SH", 0), ("688707.SH", 200)):
        d = days[start:]
        close = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, len(d))))
        amount = rng.uniform(1e7, 1e9, len(d))
        df = pd.DataFrame({"date": d, "close": close, "amount": amount})
        if code == "600348.SH":  # suspended 15 days: no rows at all
            df = df[(df["date"] < "2023-03-01") | (df["date"] > "2023-03-21")]
        out = df.assign(open=df["close"], high=df["close"], low=df["close"], volume=100.0)
        out["date"] = out["date"].dt.strftime("%Y-%m-%d")
        out[["date", "open", "high", "low", "close", "volume", "amount"]].to_csv(
            root / "prices" / f"{code}.csv", index=False
        )
        frames[code] = df.set_index("date")
    # 300750 also has a qfq series (a dividend halves nothing but scales history by 0.9)
    q = frames["300750.SZ"][["close"]].copy()
    q.loc[q.index < "2023-05-15", "close"] *= 0.9
    qo = q.assign(open=q["close"], high=q["close"], low=q["close"], volume=100.0).reset_index()
    qo["date"] = qo["date"].dt.strftime("%Y-%m-%d")
    qo[["date", "open", "high", "low", "close", "volume"]].to_csv(
        root / "prices_qfq" / "300750.SZ.csv", index=False
    )
    frames["300750.SZ:qfq"] = q
    return frames


def independent(frames: dict[str, pd.DataFrame], code: str) -> dict[str, float]:
    """Plain pandas: market calendar = union of dates; ffill; shift/rolling windows."""
    cal = sorted(set().union(*[f.index for k, f in frames.items() if ":" not in k]))
    cal = pd.DatetimeIndex([d for d in cal if d <= pd.Timestamp(AS_OF)])
    raw = frames[code]["close"].reindex(cal)
    amount = frames[code]["amount"].reindex(cal).fillna(0.0)
    adj_src = frames.get(f"{code}:qfq", frames[code])["close"].reindex(cal)
    adj = adj_src.ffill()
    out = {"close": raw.ffill().iloc[-1], "adv_20d": amount.iloc[-20:].sum() / 20}
    for name, k in (("ret_1m", 21), ("ret_3m", 63), ("ret_12m", 252)):
        base = adj.iloc[-1 - k] if len(adj) > k else np.nan
        out[name] = adj.iloc[-1] / base - 1
    win = adj.iloc[-61:]
    out["vol_60d"] = (
        win.pct_change().dropna().std(ddof=1) * np.sqrt(252) if win.notna().all() else np.nan
    )
    year = adj.iloc[-252:]
    out["drawdown_1y"] = adj.iloc[-1] / year.max() - 1 if year.notna().all() else np.nan
    return out


def test_market_fields_match_pandas(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], naion_home: Path
) -> None:
    frames = build(tmp_path / "export")
    assert run_cli(["data", "import", str(tmp_path / "export")], capsys)[0] == 0
    store = Store(naion_home / "store.duckdb", read_only=True)
    fields = ["close", "adv_20d", "ret_1m", "ret_3m", "ret_12m", "vol_60d", "drawdown_1y"]
    res = Screen(
        universe="sodium-ion", segments=["cells", "cathode"], as_of=AS_OF, columns=fields
    ).run(store)
    got = res.rows.set_index("code")
    for code in ("300750.SZ", "600348.SH", "688707.SH"):
        exp = independent(frames, code)
        for f in fields:
            e, g = exp[f], got.loc[code, f]
            if pd.isna(e):
                assert pd.isna(g), (code, f, g)
            else:
                assert g == pytest.approx(e, rel=1e-10), (code, f)
    # the late listing has too little history for a 12-month return or drawdown
    assert pd.isna(got.loc["688707.SH", "ret_12m"])
    store.close()
