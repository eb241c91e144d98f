"""Report speed: "a cached backtest plus its tear sheet".

Run: .venv/bin/python bench/report.py

A synthetic 5-year daily run (reports.sample: 5 assets, monthly rebalancing, benchmark) is
written to a temporary NAION_HOME; nothing is downloaded. Measures (machine: see the header):
  in-process  load_run(RUN) + write_tearsheet(run, FILE), best of 3 after a warm-up
  reference   quantstats' own qs.reports.html on the same returns and benchmark alone,
              best of 3 after a warm-up (the ratio shows naion's own overhead)
  fresh       `naion report RUN --output FILE` in a new Python process (imports included),
              best of 3
Goal: fresh <= 5 s.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

GOAL = 5.0


def best(fn: Callable[[], object], n: int = 3) -> tuple[float, list[float]]:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), times


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="naion-bench-report-"))
    os.environ["NAION_HOME"] = str(home)
    out = home / "out"
    out.mkdir()

    import pandas as pd

    from reports.fonts import configure, quiet
    from reports.sample import write_sample_run
    from reports.stats import qs_periods
    from reports.tearsheet import write_tearsheet
    from strategies.runs import load_run

    run = write_sample_run("bench-5y", years=5.0)
    print(
        f"# machine: {os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}, pandas {pd.__version__}"
    )
    print(
        f"# run: {len(run.equity)} days ({run.info['start']} → {run.info['end']}), "
        f"{len(run.assets)} assets, {len(run.trades)} trades, benchmark "
        f"{run.info['benchmark']!r}; NAION_HOME={home}"
    )

    def ours() -> None:
        write_tearsheet(load_run("bench-5y"), out / "tearsheet.html")

    configure()
    import quantstats as qs

    returns = run.returns().rename(run.run_id)
    bench = run.benchmark_returns().rename("benchmark")
    periods = qs_periods(run.metrics["periods_per_year"])

    def reference() -> None:
        with quiet():
            qs.reports.html(
                returns,
                benchmark=bench,
                output=str(out / "qs.html"),
                periods_per_year=periods,
                match_dates=False,
                title="reference",
            )

    t0 = time.perf_counter()
    ours()  # warm-up: first-call imports and caches
    warm = time.perf_counter() - t0
    reference()
    t_ours, all_ours = best(ours)
    t_ref, all_ref = best(reference)
    size = (out / "tearsheet.html").stat().st_size

    def fresh() -> None:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "naion.cli",
                "report",
                "bench-5y",
                "-o",
                str(out / "fresh.html"),
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
            env={**os.environ},
            check=False,
        )
        if proc.returncode != 0:
            sys.exit(f"naion report failed: {proc.stderr}")

    t_fresh, all_fresh = best(fresh)

    def fmt(ts: list[float]) -> str:
        return ", ".join(f"{t:.2f}" for t in ts)

    print(
        f"in-process  load + tear sheet   best {t_ours:6.2f} s  ({fmt(all_ours)}; "
        f"first call {warm:.2f} s; {size / 1e6:.2f} MB)"
    )
    print(f"reference   qs.reports.html     best {t_ref:6.2f} s  ({fmt(all_ref)})")
    print(
        f"            naion / quantstats  {t_ours / t_ref:6.2f} x  "
        f"(naion's overhead {t_ours - t_ref:+.2f} s)"
    )
    ok = "OK" if t_fresh <= GOAL else "MISSED"
    print(
        f"fresh       naion report --output  best {t_fresh:6.2f} s  ({fmt(all_fresh)})  "
        f"goal <= {GOAL:.0f} s: {ok}"
    )
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
