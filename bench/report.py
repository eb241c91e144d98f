"""Report speed: `naion report RUN --output FILE` in a fresh process against `import quantstats`.

Run: .venv/bin/python bench/report.py

A sample 5-year daily run (reports.sample: a synthetic store, the real engine, 5 A-shares,
monthly rebalancing, a benchmark) is written to a temporary NAION_HOME; nothing is
downloaded. Each measurement is the best of 5, taken in this same run so that the ratio
holds on a busy machine:

  reference   `python -c "import quantstats"` in a new process (what a quantstats tear
              sheet pays before drawing anything)
  fresh       `naion report RUN --output FILE` in a new process (imports included)
  compare     `naion report RUN -c RUN2 -c RUN3 --output FILE` in a new process
  in-process  load_run(RUN) + tearsheet_html(run) (what a warm process pays)
  heavy       whether the fresh process imported matplotlib or quantstats at all (font
              set-up included: the report draws SVG itself, so it should import neither)

Goal: fresh <= 1.3 x reference.
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

GOAL = 1.3
N = 5


def best(fn: Callable[[], object], n: int = N) -> tuple[float, list[float]]:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), times


def process(*args: str) -> Callable[[], None]:
    def run() -> None:
        proc = subprocess.run(
            [sys.executable, *args], capture_output=True, text=True, cwd=REPO, check=False
        )
        if proc.returncode != 0:
            sys.exit(f"{' '.join(args)} failed: {proc.stderr[-2000:]}")

    return run


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="naion-bench-report-"))
    os.environ["NAION_HOME"] = str(home)
    out = home / "out"
    out.mkdir()

    import pandas as pd

    from reports.sample import write_sample_run
    from reports.tearsheet import tearsheet_html
    from strategies.runs import load_run

    t0 = time.perf_counter()
    run = write_sample_run("bench-5y", years=5.0)
    write_sample_run("bench-cells", codes=("300750.SZ", "600348.SH", "1211.HK"))
    write_sample_run("bench-usd", codes=("300750.SZ", "ALB"), base_currency="USD", benchmark="SPY")
    made = time.perf_counter() - t0
    print(
        f"# machine: {os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}, pandas {pd.__version__}; load average "
        f"{os.getloadavg()[0]:.1f} (shared machine: compare the ratio, not the seconds)"
    )
    print(
        f"# run: {len(run.equity)} days ({run.info['start']} → {run.info['end']}), "
        f"{len(run.assets)} assets, {len(run.trades)} trades, benchmark "
        f"{run.info['benchmark']!r}; 3 sample runs made by the engine in {made:.1f} s"
    )

    reference = process("-c", "import quantstats")
    fresh = process("-m", "naion.cli", "report", "bench-5y", "-o", str(out / "fresh.html"))
    compare = process(
        "-m",
        "naion.cli",
        "report",
        "bench-5y",
        "-c",
        "bench-cells",
        "-c",
        "bench-usd",
        "-o",
        str(out / "compare.html"),
    )

    def in_process() -> None:
        tearsheet_html(load_run("bench-5y"))

    reference()  # warm the file cache for both
    fresh()
    t_ref, all_ref = best(reference)
    t_fresh, all_fresh = best(fresh)
    t_cmp, all_cmp = best(compare)
    in_process()
    t_in, all_in = best(in_process)
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from naion.cli import main; "
            f"main(['report', 'bench-5y', '-o', {str(out / 'probe.html')!r}]); "
            "print(','.join(m for m in ('matplotlib', 'quantstats', 'seaborn', 'scipy') "
            "if m in sys.modules) or 'none')",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    loaded = probe.stdout.strip().splitlines()[-1] if probe.stdout.strip() else probe.stderr
    size = (out / "fresh.html").stat().st_size

    def fmt(ts: list[float]) -> str:
        return ", ".join(f"{t:.2f}" for t in ts)

    ratio = t_fresh / t_ref
    print(f"reference   python -c 'import quantstats'   best {t_ref:5.2f} s  ({fmt(all_ref)})")
    print(
        f"fresh       naion report RUN -o FILE        best {t_fresh:5.2f} s  ({fmt(all_fresh)}; "
        f"{size / 1e3:.0f} kB)"
    )
    print(f"compare     naion report 3 runs -o FILE     best {t_cmp:5.2f} s  ({fmt(all_cmp)})")
    print(f"in-process  load_run + tearsheet_html      best {t_in:5.2f} s  ({fmt(all_in)})")
    print(f"heavy       heavy modules the report imported: {loaded}")
    ok = "OK" if ratio <= GOAL else "MISSED"
    print(f"ratio       fresh / reference = {ratio:.2f} x   goal <= {GOAL} x: {ok}")
    print(f"            compare / reference = {t_cmp / t_ref:.2f} x")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
