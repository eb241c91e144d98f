"""Build the real-data snapshot shipped in ``naion/snapshot/`` from ``../shared/data/real``.

    .venv/bin/python scripts/build_snapshot.py [--data ../shared/data/real]

The folder goes through ``naion data import`` into a scratch store (so the snapshot holds
exactly what an import would), then every table is copied to Parquet, restricted to the
members of the curated universes (their aliases included), the benchmarks and the preset
strategies' names. The whole-market
panels stay out (they are tens of MB); commodity series, FX and the A-share calendar go in
whole. ``manifest.json`` records the as-of date (the newest price day held), row counts and
codes; ``PROVENANCE.md`` is the data folder's provenance file, prefixed with a summary.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "real")
    parser.add_argument("--out", type=Path, default=REPO / "naion" / "snapshot")
    args = parser.parse_args()
    if not (args.data / "securities.csv").is_file():
        print(f"build_snapshot: no import folder at {args.data}", file=sys.stderr)
        return 2

    from naion.cli import main as naion
    from naion.snapshot import TABLES
    from naion.store import Store
    from strategies.spec import load_specs
    from universes.loader import load_registry

    reg = load_registry()
    wanted = {c for u in reg.universes.values() for m in u.members for c in (m.code, *m.aliases)}
    for spec in load_specs(None).values():  # the presets' names and benchmarks, in any universe
        wanted |= set(spec.benchmark)
        if getattr(spec, "universe", None) != "all-a":  # all-a: the market panel, left out
            wanted |= set(spec.members(reg, None))
    codes = sorted(wanted | {reg.canonical(c) for c in wanted})
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["NAION_HOME"] = scratch
        if naion(["data", "import", str(args.data), "--format", "json"]) != 0:
            return 2
        staging = Path(scratch) / "snapshot"
        staging.mkdir()
        rows = {}
        with Store(Path(scratch) / "store.duckdb", read_only=True) as store:
            for table in TABLES:
                rows[table] = store.export_parquet(table, staging / f"{table}.parquet", codes)
            spans = store.spans(codes)
        held = sorted(set(spans["code"]))
        as_of = max(spans["last_date"]).isoformat()[:10]
        manifest = {
            "as_of": as_of,
            "built": dt.date.today().isoformat(),
            "source": "../shared/data/real (see PROVENANCE.md)",
            "rows": rows,
            "codes": held,
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        summary = (
            "# naion's bundled snapshot\n\n"
            f"Built {manifest['built']} by scripts/build_snapshot.py from ../shared/data/real\n"
            f"through `naion data import`; newest price day {as_of}. Rows per table: "
            + ", ".join(f"{t} {n:,}" for t, n in rows.items())
            + f". Securities: {', '.join(held)}.\n\n"
            "What follows is the data folder's own provenance file, unchanged.\n\n---\n\n"
        )
        provenance = (args.data / "PROVENANCE.md").read_text(encoding="utf-8")
        (staging / "PROVENANCE.md").write_text(summary + provenance, encoding="utf-8")
        if args.out.exists():
            shutil.rmtree(args.out)
        shutil.copytree(staging, args.out)
    size = sum(p.stat().st_size for p in args.out.iterdir())
    print(f"build_snapshot: wrote {args.out} ({size / 1e6:.1f} MB, as of {as_of})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
