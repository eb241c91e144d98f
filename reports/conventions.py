"""What every report states about a run: money conventions, prices, FX, costs, benchmark.

The statements come from the saved run (``run.json`` conventions and notes, ``assets.csv``
adjustments, the metrics' fees and taxes), never from current settings, so a report of an
old run describes that run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from strategies.runs import SavedRun

ADJUSTMENTS = {
    "qfq": "forward-adjusted (dividends and splits)",
    "adjusted": "forward-adjusted (dividends and splits)",
    "hfq": "backward-adjusted (dividends and splits)",
    "tr": "total-return index (dividends reinvested)",
    "none": "unadjusted (price only; dividends not counted)",
    "unadjusted": "unadjusted (price only; dividends not counted)",
}


def adjustment_text(label: str) -> str:
    """What a saved price-basis label means; a joined basis ("unadjusted → adjusted") says
    each stretch in order (the join and its factor are in the run's notes)."""
    parts = [p.strip() for p in label.split("→")]
    said = [ADJUSTMENTS.get(p, "as stored") for p in parts]
    if len(parts) == 1:
        return f"{label}: {said[0]}"
    return f"{label}: " + ", then ".join(said) + " (joined through the factor; see the notes)"


def conventions(run: SavedRun) -> list[str]:
    """The run's money conventions, as saved with it (or naion's defaults)."""
    from strategies.engine import CONVENTIONS

    saved = [str(c) for c in run.info.get("conventions") or []]
    out = saved or list(CONVENTIONS)
    if not any("FX at the close" in c for c in out):
        out.append(
            "FX at the close: prices in other currencies are converted to "
            f"{run.base_currency} with that day's FX close."
        )
    return out


def money(value: float | None, currency: str) -> str:
    if value is None or value != value:
        return "—"
    return f"{currency} {value:,.2f}"


def facts(run: SavedRun) -> dict[str, str]:
    """Key/value facts for a run's header: window, money, costs, benchmark, freshness."""
    m = run.metrics
    base = run.base_currency
    capital = run.capital
    fees = m.get("fees")
    taxes = m.get("taxes")
    commission = m.get("commission")
    if commission is None and fees is not None and taxes is not None:
        commission = float(fees) - float(taxes)
    share = f" ({float(fees) / capital:.2%} of capital)" if fees is not None and capital else ""
    p = m.get("periods_per_year")
    return {
        "Run": run.run_id,
        "Strategy": f"{run.info.get('strategy')} — {run.title}",
        "Period": f"{run.info.get('start')} → {run.info.get('end')} ({len(run.equity)} days)",
        "Base currency": f"{base}: every amount, return and chart is in {base}",
        "Starting capital": money(capital, base),
        "Final equity": money(float(run.equity.iloc[-1]), base),
        "Fees and taxes paid": f"{money(fees, base)}{share}: commission "
        f"{money(commission, base)}, taxes (stamp duty) {money(taxes, base)}",
        "Trades": f"{m.get('trades', len(run.trades))}",
        "Benchmark": benchmark_name(run),
        "Annualisation": f"{p:g} periods per year (rows per calendar year of the run)"
        if p
        else "252 periods per year",
        "Risk-free rate": "0",
        "Data as of": data_note(run),
    }


def data_note(run: SavedRun) -> str:
    """The last close the run used, and how far the store reached when it ran."""
    last = run.equity.index[-1].date().isoformat() if len(run.equity) else "unknown"
    held = run.info.get("data_as_of")
    if held and str(held) > last:
        return f"{last} (the run's last close; the store held prices to {held})"
    return f"{last} (the run's last close)"


def benchmark_name(run: SavedRun) -> str:
    name = run.info.get("benchmark") or ""
    if run.benchmark is None:
        return "none (no benchmark series in this run)"
    return f"{name or 'benchmark'} (level in {run.base_currency}, same days as the run)"


def adjustments(run: SavedRun) -> pd.DataFrame:
    """One row per asset: code, name, segment, market, currency, prices used."""
    import pandas as pd

    a = run.assets
    cols = [c for c in ("code", "name", "name_en", "segment", "market", "currency") if c in a]
    out = a[cols].copy() if len(a) else pd.DataFrame(columns=cols)
    adj = a["adjustment"] if "adjustment" in a else pd.Series(["?"] * len(a))
    out["prices"] = [adjustment_text(x) for x in adj.astype(str).tolist()]
    for c in ("first", "last"):
        if c in a:
            out[c] = a[c]
    return out.reset_index(drop=True)


def run_notes(run: SavedRun) -> list[str]:
    return [str(n) for n in run.info.get("notes") or []]


def params(run: SavedRun) -> dict[str, Any]:
    return dict(run.info.get("params") or {})
