"""`naion data import` speed on the real data, with references timed in the same run.

Run: .venv/bin/python bench/importer.py [PATH-TO-shared/data/real] [--runs N]

Each figure is the best of N runs (default 3) of a fresh process, as a user would run it:
  import    `naion data import PATH` into an empty NAION_HOME (5,071-code market panel incl.)
  reimport  the same command again: nothing changed, so no file is read
  force     `naion data import PATH --force`: every file read, checked, found unchanged
References (same machine, same moment, so the ratios hold when the machine is busy):
  duckdb    DuckDB's own read_csv of every CSV of the folder into a fresh database file,
            no checks, no keys — the floor for "parse and store"
  pandas    pandas.read_csv of every CSV of the folder, nothing stored
  startup   `python -c "import duckdb, pandas"` — what any naion command pays first
Goals: import <= 5 s, reimport <= 1 s.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NAION = [sys.executable, "-c", "import sys; from naion.cli import main; sys.exit(main())"]

DUCKDB_REF = """
import sys, duckdb
from pathlib import Path
root, db = Path(sys.argv[1]), sys.argv[2]
con = duckdb.connect(db)
files = sorted(p for p in root.rglob("*") if p.name.endswith((".csv", ".csv.gz")))
for i, p in enumerate(files):
    con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_csv('{p}')")
con.close()
"""

PANDAS_REF = """
import sys
from pathlib import Path
import pandas as pd
root = Path(sys.argv[1])
files = sorted(p for p in root.rglob("*") if p.name.endswith((".csv", ".csv.gz")))
rows = sum(len(pd.read_csv(p)) for p in files)
"""


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr}")
    return seconds


def best(make: object, runs: int) -> float:
    return min(make() for _ in range(runs))  # type: ignore[operator]


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    runs = 3
    if "--runs" in sys.argv:
        runs = int(sys.argv[sys.argv.index("--runs") + 1])
        args = [a for a in args if a != str(runs)]
    real = Path(args[0]) if args else REPO.parent / "shared" / "data" / "real"
    if not (real / "securities.csv").exists():
        sys.exit(f"real data not found at {real}")
    import duckdb
    import pandas as pd

    print(
        f"# machine: {os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}, duckdb {duckdb.__version__}, pandas {pd.__version__}; "
        f"load average {os.getloadavg()[0]:.1f}; best of {runs}"
    )
    work = Path(tempfile.mkdtemp(prefix="naion-bench-import-"))
    try:

        def fresh_import() -> float:
            home = work / "home"
            shutil.rmtree(home, ignore_errors=True)
            env = {**os.environ, "NAION_HOME": str(home)}
            return timed([*NAION, "data", "import", str(real), "--format", "csv"], env)

        t_import = best(fresh_import, runs)
        env = {**os.environ, "NAION_HOME": str(work / "home")}
        cmd = [*NAION, "data", "import", str(real), "--format", "csv"]
        t_re = best(lambda: timed(cmd, env), runs)
        t_force = best(lambda: timed([*cmd, "--force"], env), runs)

        def duck() -> float:
            db = work / "ref.duckdb"
            db.unlink(missing_ok=True)
            return timed([sys.executable, "-c", DUCKDB_REF, str(real), str(db)])

        t_duck = best(duck, runs)
        t_pandas = best(lambda: timed([sys.executable, "-c", PANDAS_REF, str(real)]), runs)
        t_start = best(lambda: timed([sys.executable, "-c", "import duckdb, pandas"]), runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"import   seconds={t_import:.2f}  goal<=5  vs duckdb read_csv {t_import / t_duck:.2f}x"
        f"  vs pandas read_csv {t_import / t_pandas:.2f}x"
    )
    print(f"reimport seconds={t_re:.2f}  goal<=1  vs startup {t_re / t_start:.2f}x")
    print(f"force    seconds={t_force:.2f}  vs duckdb read_csv {t_force / t_duck:.2f}x")
    print(f"ref      duckdb={t_duck:.2f} pandas={t_pandas:.2f} startup={t_start:.2f}")


if __name__ == "__main__":
    main()
