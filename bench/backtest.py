"""Backtest speed on the real data, each figure with its reference measured in the same run.

Run: .venv/bin/python bench/backtest.py [PATH-TO-shared/data/real] [--fresh]
(``--fresh``: only the fresh-process figure.)
(bt is a bench-only dependency: ``pip install .[bench]``). NAION_HOME may point at a store
that already holds the real data; otherwise the folder is imported into a temporary one.

  fresh     `naion backtest core-satellite --offline` in a new process (table output, run
            saved) against `python -c "import pandas"`; 11 runs each, interleaved, the
            median of each (the machine is shared: min and max are noise); wall and CPU
            (user + sys) time; also `naion backtest --list` (the CLI, the presets and a
            table, no backtest) to show what the scaffold costs. Python keeps its compiled
            bytecode, as after an install.                                 Goal: <= 2x.
  bt        core-satellite from 2021, frictionless and fractional (what bt models), USD:
            naion's engine against bt (RunOnDate on naion's rebalance days, WeighSpecified,
            Rebalance, fractional positions) on the same base-currency closes; every day's
            equity compared. Timed warm, best of 5: naion from the loaded panel (targets,
            kernel, metrics, the Run) with the compiled kernel and the interpreted one, and
            the whole Backtest.run (store reads included); bt from its price frame in memory
            (Backtest + run).                                              Goal: >= 5x.
  2,000     equal weight over 2,000 A-shares of the market panel, monthly, 2022-04-06 ->
            2023-04-03, default fees and lots; first call (numba's cache load) and warm.
                                                                           Goal: <= 2 s.
  all-a     screen-driven over all-a (adv_20d > 5e8, monthly, 2022-05-05 -> 2023-04-03):
            first call and warm.                                           Goal: <= 3 s.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")
os.environ.setdefault("TQDM_DISABLE", "1")
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def best(fn, n: int = 5) -> tuple[float, object]:
    times, out = [], None
    for _ in range(n):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def home_with_real_data(real: Path) -> Path:
    env = os.environ.get("NAION_HOME")
    if env and (Path(env) / "store.duckdb").exists():
        return Path(env)
    home = Path(tempfile.mkdtemp(prefix="naion-bench-"))
    os.environ["NAION_HOME"] = str(home)
    from naion.cli import main as cli

    assert cli(["data", "import", str(real), "--format", "csv"]) == 0
    return home


def fresh_process(home: Path) -> None:
    # as installed: Python keeps compiled bytecode (this sandbox sets PYTHONDONTWRITEBYTECODE,
    # which would recompile naion's own modules in every process)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["NAION_HOME"] = str(home)
    py = sys.executable
    naion = str(Path(py).with_name("naion"))

    def run(cmd: list[str]) -> tuple[float, float]:
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True)  # fmt: skip
        wall = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)

    run([naion, "backtest", "core-satellite", "--offline", "--no-save"])  # .pyc, page cache
    ref, ours, scaffold = [], [], []
    for _ in range(11):
        ref.append(run([py, "-c", "import pandas"]))
        ours.append(run([naion, "backtest", "core-satellite", "--offline"]))
        scaffold.append(run([naion, "backtest", "--list"]))

    def med(xs: list[tuple[float, float]], i: int) -> float:
        return statistics.median(x[i] for x in xs)

    rw, rc = med(ref, 0), med(ref, 1)
    ow, oc = med(ours, 0), med(ours, 1)
    lw, lc = med(scaffold, 0), med(scaffold, 1)
    print(
        f"fresh (medians of 11) backtest_wall={ow:.3f} pandas_wall={rw:.3f} "
        f"ratio_wall={ow / rw:.2f} backtest_cpu={oc:.3f} pandas_cpu={rc:.3f} "
        f"ratio_cpu={oc / rc:.2f} (`naion backtest --list`, no backtest: wall {lw:.3f} "
        f"cpu {lc:.3f}, ratio_wall {lw / rw:.2f}, ratio_cpu {lc / rc:.2f}); "
        f"load average {os.getloadavg()[0]:.1f}"
    )


def against_bt() -> None:
    import bt
    import numpy as np
    import pandas as pd

    from naion.store import Store
    from strategies.engine import Backtest, build_run, context_of, execution, market_of, schedule
    from strategies.kernel import Variants, run
    from strategies.panel import load_panel
    from strategies.spec import get_spec
    from universes.loader import registry_for_home

    reg = registry_for_home()
    spec = get_spec("core-satellite")
    st = Store.open(read_only=True)
    # from 2021: before it a STAR price limit makes naion wait a day bt cannot model
    backtest = Backtest(spec, dt.date(2021, 1, 4), None, fees=0, lots=False)
    full, res = best(lambda: backtest.run(st, reg))
    s = backtest.resolved_spec()
    members = list(dict.fromkeys(reg.canonical(c) for sl in s.sleeves.values()
                                 for c in sl.members))  # fmt: skip
    panel = load_panel(st, reg, members, res.start, res.end, s.base_currency, s.benchmark,
                       lots=False)  # fmt: skip

    def ours() -> object:
        notes: list[str] = []
        ctx = context_of(panel, st, reg, notes, False)
        days, tgt = schedule(s, ctx)
        row_of = np.full((1, len(panel.dates)), -1, dtype=np.int64)
        row_of[0, days] = np.arange(len(days))
        mk = market_of(panel)
        books = run(mk, Variants(row_of=row_of, tgt=tgt, **execution([s], [0])), record=True)
        return build_run(s, st, reg, panel, mk, books, days, tgt, notes)

    os.environ["NAION_JIT"] = "1"
    mine = ours()  # (and numba's cache load)
    os.environ.pop("NAION_JIT")
    index = pd.DatetimeIndex(panel.dates.astype("datetime64[ns]"))
    with np.errstate(invalid="ignore"):
        base = pd.DataFrame(panel.px * panel.fx, index=index, columns=panel.codes).ffill()
    traded = sorted({d for d in mine.trades["date"]})
    weights = s.sleeve_weights()

    def with_bt() -> object:
        strategy = bt.Strategy(
            "cs",
            [bt.algos.RunOnDate(*traded), bt.algos.WeighSpecified(**weights),
             bt.algos.Rebalance()],
        )  # fmt: skip
        test = bt.Backtest(strategy, base, initial_capital=s.capital, integer_positions=False,
                           progress_bar=False)  # fmt: skip
        bt.run(test)
        return test

    bt_time, test = best(with_bt)
    os.environ["NAION_JIT"] = "0"
    interpreted, _ = best(ours)
    os.environ["NAION_JIT"] = "1"
    compiled, _ = best(ours)
    os.environ.pop("NAION_JIT")
    values = test.strategy.values.reindex(index)
    diff = float(np.max(np.abs(values.to_numpy() - mine.equity.to_numpy()) / values.to_numpy()))
    st.close()
    print(
        f"bt days={len(index)} assets={len(panel.codes)} rebalances={len(traded)} "
        f"bt_ms={bt_time * 1e3:.1f} naion_compiled_ms={compiled * 1e3:.1f} "
        f"naion_interpreted_ms={interpreted * 1e3:.1f} naion_full_run_ms={full * 1e3:.1f} "
        f"ratio_compiled={bt_time / compiled:.1f} ratio_interpreted={bt_time / interpreted:.1f} "
        f"ratio_full_run={bt_time / full:.1f} max_rel_diff_equity={diff:.1e}"
    )


def big_runs() -> None:
    import pandas as pd

    from naion.store import Store
    from strategies.engine import Backtest
    from strategies.spec import get_spec, parse_spec
    from universes.loader import Registry, registry_for_home
    from universes.model import Universe

    t0 = time.perf_counter()
    base = registry_for_home()
    st = Store.open(read_only=True)
    spans = st.spans(None, ("none",))
    whole_year = spans[
        (pd.to_datetime(spans["first_date"]) <= "2022-04-01")
        & (pd.to_datetime(spans["last_date"]) >= "2023-04-03")
        & spans["code"].str.match(r"^\d{6}\.(SH|SZ|BJ)$")
    ]
    codes = [c for c in sorted(whole_year["code"])
             if c not in base.members or base.members[c].market != "INDEX"][:2000]  # fmt: skip
    uni = Universe(name="bench-2000", title="2,000 A-shares", segments={"all": {"title": "All"}},
                   members=[{"code": c, "segment": "all"} for c in codes])  # fmt: skip
    reg = Registry({**base.universes, "bench-2000": uni})
    spec = parse_spec(
        {"name": "eq2000", "title": "EQ", "type": "segment-equal", "universe": "bench-2000",
         "rebalance": {"calendar": "M"}}, "bench",
    )  # fmt: skip
    setup = time.perf_counter() - t0
    bt = Backtest(spec, dt.date(2022, 4, 6), dt.date(2023, 4, 3))
    t0 = time.perf_counter()
    run = bt.run(st, reg)
    first = time.perf_counter() - t0
    warm, run = best(lambda: bt.run(st, reg), 3)
    print(
        f"eq2000 assets={len(codes)} days={len(run.equity)} trades={run.metrics['trades']} "
        f"seconds={warm:.3f} first_call={first:.3f} (registry+universe setup {setup:.3f})"
    )
    sd = Backtest(get_spec("screen-driven"), dt.date(2022, 5, 5), dt.date(2023, 4, 3),
                  universe="all-a", params={"screen.where": "adv_20d > 5e8"})  # fmt: skip
    t0 = time.perf_counter()
    run = sd.run(st, base)
    first = time.perf_counter() - t0
    warm, run = best(lambda: sd.run(st, base), 3)
    held = int((run.weights.drop(columns="cash") > 0).sum(axis=1).max())
    print(
        f"all-a codes={len(run.weights.columns) - 1} days={len(run.equity)} max_held={held} "
        f"trades={run.metrics['trades']} seconds={warm:.3f} first_call={first:.3f}"
    )
    st.close()


def main() -> None:
    from importlib.metadata import version

    import pandas as pd

    args = [a for a in sys.argv[1:] if a != "--fresh"]
    real = Path(args[0]) if args else REPO.parent / "shared" / "data" / "real"
    if not (real / "securities.csv").exists():
        sys.exit(f"real data not found at {real}")
    home = home_with_real_data(real)
    print(
        f"# machine: {os.cpu_count()} cores (shared), {platform.machine()}, Python "
        f"{platform.python_version()}, pandas {pd.__version__}, numba {version('numba')}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    fresh_process(home)
    if "--fresh" in sys.argv:
        return
    against_bt()
    big_runs()


if __name__ == "__main__":
    main()
