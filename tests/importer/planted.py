"""Small planted import folders and helpers shared by the importer tests."""

from __future__ import annotations

import json
from pathlib import Path

from naion.importer import ImportResult, import_path
from naion.store import Store
from tests.helpers import run_cli, write
from universes.loader import load_registry

REG = load_registry()
NAMES_EN = {c: m.name_en for c, m in REG.members.items() if m.name_en}

SECURITIES = """
code,name,market,exchange,currency
300750.SZ,宁德时代,A,SZSE,CNY
TSLA,Tesla,US,NASDAQ,USD
000300.SH,沪深300,INDEX,SSE,CNY
"""

CATL = """
date,open,high,low,close,volume,amount,adj_close
2022-11-21,384.0,390.0,380.0,383.0,100,38300,199.0
2022-11-22,380.0,382.87,373.0,375.0,9836241,3701483129.43,195.0
"""


def folder(root: Path, files: dict[str, str] | None = None) -> Path:
    """A folder with securities.csv and one CATL price file, plus ``files`` (path → text)."""
    write(root / "securities.csv", SECURITIES)
    write(root / "prices" / "300750.SZ.csv", CATL)
    for rel, text in (files or {}).items():
        write(root / rel, text)
    return root


def fingerprint(home: Path) -> str | None:
    path = home / "store.duckdb"
    if not path.exists():
        return None
    with Store(path, read_only=True) as st:
        return st.fingerprint()


def do_import(store: Store, root: Path, force: bool = False) -> ImportResult:
    return import_path(store, root, REG.canonical, NAMES_EN, force=force)


def cli_import(root: Path, capsys: object, *more: str) -> tuple[int, list[dict], str]:
    code, out, err = run_cli(["data", "import", str(root), "--format", "json", *more], capsys)
    return code, (json.loads(out) if code == 0 else []), err
