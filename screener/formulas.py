"""Valuation formulas shared by every screen source (store snapshots and the seed table).

    pe        = close / eps                  unavailable unless eps > 0 and close > 0
    eps_cagr  = (eps_last / eps_fy0) ** (1 / years) - 1
                                             unavailable unless both EPS are > 0
    peg       = pe_fy1 / (eps_cagr * 100)    unavailable unless both are > 0

An EPS of exactly 0 is a rounded small value in vendor tables: the PE it would give is not
meaningful, so it is unavailable too (never inf).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


def pe(close: np.ndarray, eps: np.ndarray) -> np.ndarray:
    import numpy as np

    close = np.asarray(close, dtype="float64")
    eps = np.asarray(eps, dtype="float64")
    ok = (eps > 0) & (close > 0)
    out = np.full(close.shape, np.nan)
    out[ok] = close[ok] / eps[ok]
    return out


def cagr(first: np.ndarray, last: np.ndarray, years: np.ndarray) -> np.ndarray:
    import numpy as np

    first = np.asarray(first, dtype="float64")
    last = np.asarray(last, dtype="float64")
    years = np.asarray(years, dtype="float64")
    ok = (first > 0) & (last > 0) & (years > 0)
    out = np.full(first.shape, np.nan)
    out[ok] = (last[ok] / first[ok]) ** (1.0 / years[ok]) - 1.0
    return out


def peg(pe1: np.ndarray, growth: np.ndarray) -> np.ndarray:
    import numpy as np

    pe1 = np.asarray(pe1, dtype="float64")
    growth = np.asarray(growth, dtype="float64")
    ok = (pe1 > 0) & (growth > 0)
    out = np.full(pe1.shape, np.nan)
    out[ok] = pe1[ok] / (growth[ok] * 100.0)
    return out


def eps_fields(frame: pd.DataFrame) -> pd.DataFrame:
    """Add pe_fy0..pe_fy3, eps_cagr and peg to a frame with close and eps_fy0..eps_fy3.

    eps_cagr runs from fy0 to the furthest estimate year that has a value (fy3, else fy2,
    else fy1), over that many years.
    """
    import numpy as np

    out = frame.copy()
    close = out["close"].to_numpy(dtype="float64", na_value=np.nan)
    for k in range(4):
        col = f"eps_fy{k}"
        if col not in out.columns:
            out[col] = np.nan
        out[f"pe_fy{k}"] = pe(close, out[col].to_numpy(dtype="float64", na_value=np.nan))
    last = np.full(len(out), np.nan)
    years = np.full(len(out), np.nan)
    for k in (1, 2, 3):
        v = out[f"eps_fy{k}"].to_numpy(dtype="float64", na_value=np.nan)
        has = ~np.isnan(v)
        last[has] = v[has]
        years[has] = k
    out["eps_cagr"] = cagr(out["eps_fy0"].to_numpy(dtype="float64", na_value=np.nan), last, years)
    out["peg"] = peg(out["pe_fy1"].to_numpy(), out["eps_cagr"].to_numpy())
    return out
