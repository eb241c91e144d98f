"""Screen speed on the real data, imported through `naion data import` like a user would.

Run: .venv/bin/python bench/screen.py [PATH-TO-shared/data/real]

Measures, in one process (machine: see the header line):
  import   `naion data import` of the whole folder (incl. the ~5,000-code market panel)
  single   one whole-market as-of screen (all-a, 2022-11-22), reading the store each time
  months   the same screen at every month-end of the panel's range via Screen.run_many
  loop     the reference: Screen.run called once per month-end (what run_many replaces)
  read     the reference for single: one DuckDB query fetching the bars the screen needs
           (both bases, close and amount, the whole market over its 150-day window) into
           numpy, i.e. the floor any implementation pays; ratios against it stay meaningful
           on a busy machine
  valuation  a whole-market valuation screen as of 2019-04-29 (when valuation rows are held)
Goals: single <= 0.1 s, months <= 2 s (on an idle machine; see the ratios when it is busy).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def best(fn, n: int = 5) -> tuple[float, object]:
    times, out = [], None
    for _ in range(n):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    real = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "data" / "real"
    if not (real / "securities.csv").exists():
        sys.exit(f"real data not found at {real}")
    home = Path(tempfile.mkdtemp(prefix="naion-bench-"))
    os.environ["NAION_HOME"] = str(home)
    from naion.cli import main as cli
    from naion.store import Store
    from screener.engine import Screen
    from universes.loader import registry_for_home

    print(
        f"# machine: {os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}, pandas {pd.__version__}"
    )
    t0 = time.perf_counter()
    assert cli(["data", "import", str(real), "--format", "csv"]) == 0
    t_import = time.perf_counter() - t0
    reg = registry_for_home()
    store = Store(home / "store.duckdb", read_only=True)
    scr = Screen(universe="all-a", where="adv_20d > 1e9", rank_by="ret_3m", top=20)
    day = pd.Timestamp("2022-11-22").date()
    single_first_t0 = time.perf_counter()
    res = Screen(universe="all-a", where="adv_20d > 1e9", rank_by="ret_3m", top=20, as_of=day).run(
        store, reg
    )
    single_first = time.perf_counter() - single_first_t0
    single, res = best(
        lambda: Screen(
            universe="all-a", where="adv_20d > 1e9", rank_by="ret_3m", top=20, as_of=day
        ).run(store, reg)
    )
    months = [d.date() for d in pd.date_range("2022-04-01", "2023-04-04", freq="ME")]
    many, _out = best(lambda: scr.run_many(store, months, reg), 3)
    loop, _ = best(
        lambda: [
            Screen(universe="all-a", where="adv_20d > 1e9", rank_by="ret_3m", top=20, as_of=d).run(
                store, reg
            )
            for d in months
        ],
        3,
    )
    start = day - dt.timedelta(days=150)
    read, _ = best(
        lambda: store.con.execute(
            "SELECT code, (date - DATE '1970-01-01')::INTEGER, adjust, close, amount FROM bars"
            " WHERE adjust IN ('none', 'qfq') AND date BETWEEN ? AND ?",
            [start, day],
        ).fetchnumpy()
    )
    val_day = dt.date(2019, 4, 29)
    val = Screen(universe="all-a", where="pe_ttm between 0 and 15 and pb < 1.5", as_of=val_day)
    t_val, val_res = best(lambda: val.run(store, reg), 3)
    print(f"import seconds={t_import:.2f} (whole folder, incl. market panel)")
    print(f"read seconds={read:.3f} (reference: one query of the bars a single screen needs)")
    print(
        f"single codes={res.universe_size} seconds={single:.3f} first_call={single_first:.3f} "
        f"passed={res.passed} ratio_read={single / read:.1f} first_ratio_read="
        f"{single_first / read:.1f}"
    )
    print(
        f"months dates={len(months)} codes={res.universe_size} seconds={many:.3f} "
        f"loop_seconds={loop:.3f} ratio_loop={loop / many:.1f} ratio_read={many / read:.1f}"
    )
    print(
        f"valuation as_of={val_day} codes={val_res.universe_size} seconds={t_val:.3f} "
        f"passed={val_res.passed} ratio_read={t_val / read:.1f}"
    )
    store.close()


if __name__ == "__main__":
    main()
