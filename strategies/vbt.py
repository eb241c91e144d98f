"""vectorbt where it helps: replay a run's orders for its statistics, plots and trade records.

A backtest never imports vectorbt (it costs seconds). :func:`replay` feeds the kernel's orders
to ``vbt.Portfolio.from_orders`` — share amounts (units of the run's price series), the
execution price of each order in the base currency, the commission and stamp duty of each
order as fixed fees, one shared cash pool, sells before buys — so vectorbt keeps its own books
of the same trades. :func:`verify` (``naion backtest --verify``) checks they equal the kernel's.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from strategies.engine import Run

TOLERANCE = 1e-9  # relative, on every day's portfolio value


class VerifyError(RuntimeError):
    """vectorbt's books differ from the kernel's: an internal error (exit 1), never input."""


def _vectorbt() -> Any:
    import logging
    import warnings

    from naion.progress import step

    if "vectorbt" not in sys.modules:
        step("importing vectorbt (a few seconds)")

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import vectorbt as vbt
    return vbt


def replay(run: Run) -> Any:
    """A ``vectorbt.Portfolio`` that replays ``run``'s orders and costs."""
    import numpy as np
    import pandas as pd

    from naion.progress import step

    r = run.replay
    if r is None:
        raise ValueError("this run holds no orders to replay (runs read back from disk do not)")
    vbt = _vectorbt()
    step(f"replaying {int(np.count_nonzero(r['size'])):,} orders in vectorbt")
    close = np.where(r["close"] > 0, r["close"], 1.0)  # no position is held where no price
    size = np.where(r["size"] != 0, r["size"], np.nan)
    # one order per cell; sells first (they release the cash the buys spend)
    key = np.where(np.isfinite(size), size * r["price"], 0.0)
    seq = np.argsort(key, axis=1, kind="stable")  # position k: the column called k-th
    cols = pd.Index(r["codes"])

    def frame(a: Any) -> pd.DataFrame:
        return pd.DataFrame(a, index=r["dates"], columns=cols)

    with np.errstate(all="ignore"):
        return vbt.Portfolio.from_orders(
            close=frame(close),
            size=frame(size),
            size_type="amount",
            direction="longonly",
            price=frame(np.where(r["price"] > 0, r["price"], close)),
            fees=0.0,
            fixed_fees=frame(r["fees"]),
            init_cash=r["capital"],
            cash_sharing=True,
            group_by=True,
            call_seq=seq.astype(np.int64),
            freq="1D",
        )


def verify(run: Run) -> Any:
    """Replay ``run`` in vectorbt; raise :class:`VerifyError` if its value differs anywhere."""
    import numpy as np

    from naion.progress import spinner, step

    with spinner("verify"):
        pf = replay(run)
        step("comparing vectorbt's books with the kernel's")
        return _compare(run, pf, np)


def _compare(run: Run, pf: Any, np: Any) -> Any:
    assert run.replay is not None
    value = np.asarray(pf.value()).reshape(-1)
    mine = run.replay["equity"]
    bad = np.abs(value - mine) > TOLERANCE * np.maximum(np.abs(mine), 1.0)
    if bad.any():
        t = int(np.flatnonzero(bad)[0])
        raise VerifyError(
            f"vectorbt values the portfolio at {value[t]:.6f} on "
            f"{run.replay['dates'][t].date()}, the kernel at {mine[t]:.6f}"
        )
    return pf
