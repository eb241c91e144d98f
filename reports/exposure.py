"""Where a run's money was: weights grouped by supply-chain segment, market or currency.

Weights are the run's daily weights at the close after trading (``weights.csv``: one column
per asset code plus ``cash``; they sum to 1). A group's exposure on a day is the sum of its
assets' weights; the *average* is the mean over every day of the run, *latest* is the last
day. Cash is its own group, ``cash``, always listed last; assets with no segment count as
``unclassified``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from strategies.runs import SavedRun

CASH = "cash"


def asset_groups(run: SavedRun, by: str) -> dict[str, str]:
    """Asset code → its group (``segment``, ``market``, ``currency`` or ``market_currency``)."""
    a = run.assets
    out: dict[str, str] = {}
    for row in a.to_dict("records"):
        code = str(row["code"])
        if by == "market_currency":
            market, cur = row.get("market"), row.get("currency")
            out[code] = f"{_text(market, '?')} · {_text(cur, '?')}"
        else:
            out[code] = _text(row.get(by), "unclassified")
    return out


def _text(v: object, default: str) -> str:
    if v is None or v != v or str(v).strip() == "":
        return default
    return str(v)


def grouped_weights(run: SavedRun, by: str) -> pd.DataFrame:
    """Daily weights summed per group (columns), cash last."""
    w = run.weights.fillna(0.0)
    groups = asset_groups(run, by)
    cols = [c for c in w.columns if c != CASH]
    keys = [groups.get(str(c), "unclassified") for c in cols]
    out = w[cols].T.groupby(keys, sort=True).sum().T if cols else w[[]]
    if CASH in w.columns:
        out[CASH] = w[CASH]
    return out


def exposure(run: SavedRun, by: str) -> pd.DataFrame:
    """One row per group: ``average`` and ``latest`` weight (fractions)."""
    import pandas as pd

    g = grouped_weights(run, by)
    frame = pd.DataFrame({"average": g.mean(), "latest": g.iloc[-1]})
    frame.index.name = "group"
    invested = [i for i in frame.index if i != CASH]
    order = frame.loc[invested].sort_values("average", ascending=False).index.tolist()
    return frame.loc[order + ([CASH] if CASH in frame.index else [])]


def exposure_table(runs: list[SavedRun], by: str, labels: list[str]) -> pd.DataFrame:
    """Groups × runs: ``<label> avg`` and ``<label> latest`` columns; cash last."""
    import pandas as pd

    parts = []
    for run, lab in zip(runs, labels, strict=True):
        e = exposure(run, by)
        e.columns = [f"{lab} avg", f"{lab} latest"]
        parts.append(e)
    table = pd.concat(parts, axis=1).fillna(0.0)
    rest = [i for i in table.index if i != CASH]
    first = table.loc[rest, parts[0].columns[0]].sort_values(ascending=False).index.tolist()
    table = table.loc[first + ([CASH] if CASH in table.index else [])]
    table.index.name = by.replace("_", " / ")
    return table.reset_index()
