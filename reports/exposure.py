"""Where a run's money was: weights grouped by sleeve, supply-chain segment, market or currency.

Weights are the run's daily weights at the close after trading (``weights.csv``: one column
per asset code plus ``cash``; they sum to 1). A group's exposure on a day is the sum of its
assets' weights; the *average* is the mean over every day of the run, *latest* is the last
day. Cash is its own group, ``cash``, always listed last; assets with no segment count as
``unclassified``. Sleeves come from the run's saved spec (``sleeves: {name: {members}}``); a
holding outside every sleeve (e.g. a successor listing the run converted into) counts as
``outside the sleeves``; a strategy without sleeves has none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from strategies.runs import SavedRun

CASH = "cash"
OUTSIDE = "outside the sleeves"
GROUPINGS = {
    "sleeve": "sleeve",
    "segment": "supply-chain segment",
    "market_currency": "market and currency",
}


def sleeves_of(run: SavedRun) -> dict[str, str]:
    """Member code (canonical) → its sleeve, from the run's spec; empty without sleeves."""
    from naion.errors import InputError
    from universes.codes import normalize

    spec = run.info.get("spec") or {}
    sleeves = spec.get("sleeves") if isinstance(spec, dict) else None
    out: dict[str, str] = {}
    for name, sleeve in (sleeves or {}).items():
        for code in (sleeve or {}).get("members") or {}:
            try:
                key = normalize(str(code))
            except InputError:
                key = str(code)
            out.setdefault(key, str(name))
    return out


def asset_groups(run: SavedRun, by: str) -> dict[str, str]:
    """Asset code → its group (``sleeve``, ``segment``, ``market``, ``currency`` or
    ``market_currency``)."""
    a = run.assets
    out: dict[str, str] = {}
    sleeves = sleeves_of(run) if by == "sleeve" else {}
    for row in a.to_dict("records"):
        code = str(row["code"])
        if by == "sleeve":
            out[code] = sleeves.get(code, OUTSIDE)
        elif by == "market_currency":
            market, cur = row.get("market"), row.get("currency")
            out[code] = f"{_text(market, '?')} · {_text(cur, '?')}"
        else:
            out[code] = _text(row.get(by), "unclassified")
    return out


def _text(v: object, default: str) -> str:
    if v is None or v != v or str(v).strip() == "":
        return default
    return str(v)


def weekly_weights(weights: pd.DataFrame) -> pd.DataFrame:
    """Weights on the run's first day, then at each week's last close (the last week ending on
    the run's last day): what the weights-over-time charts draw."""
    import pandas as pd

    if weights.empty:
        return weights
    weekly = weights.resample("W-FRI").last().dropna(how="all")
    weekly.index = pd.DatetimeIndex([min(d, weights.index[-1]) for d in weekly.index])
    return pd.concat([weights.iloc[:1], weekly])


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


def exposure_by_run(
    runs: list[SavedRun], by: str, labels: list[str], column: str = "average"
) -> pd.DataFrame:
    """Groups (rows) × runs (columns, in the order given): each run's ``average`` or
    ``latest`` weight per group; a group a run never held is 0; cash last."""
    import pandas as pd

    parts = [exposure(run, by)[column].rename(lab) for run, lab in zip(runs, labels, strict=True)]
    table = pd.concat(parts, axis=1).fillna(0.0)
    rest = [i for i in table.index if i != CASH]
    order = table.loc[rest].mean(axis=1).sort_values(ascending=False, kind="stable").index
    table = table.loc[[*order, *([CASH] if CASH in table.index else [])]]
    table.index.name = GROUPINGS.get(by, by.replace("_", " / "))
    return table
