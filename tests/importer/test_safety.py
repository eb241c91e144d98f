"""Data safety of `naion data import` (issue 11): what an import may and may not touch."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from naion.store import Batch, Store
from tests.helpers import run_cli, write
from tests.importer.planted import cli_import, fingerprint, folder


def securities(home: Path) -> pd.DataFrame:
    with Store(home / "store.duckdb", read_only=True) as st:
        return st.securities().set_index("code")


def test_reimporting_one_price_file_keeps_name_and_exchange(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], naion_home: Path
) -> None:
    root = folder(tmp_path / "exports")
    assert cli_import(root, capsys)[0] == 0
    write(root / "prices" / "300750.SZ.csv", "date,close\n2022-11-23,378.5\n")
    code, _rows, err = cli_import(root / "prices" / "300750.SZ.csv", capsys)
    assert code == 0, err
    sec = securities(naion_home).loc["300750.SZ"]
    assert (sec["name"], sec["exchange"], sec["market"]) == ("宁德时代", "SZSE", "A")
    with Store(naion_home / "store.duckdb", read_only=True) as st:
        assert st.bars(["300750.SZ"], "none")["close"].tolist() == [383.0, 375.0, 378.5]


def test_a_panel_and_a_per_code_file_never_blank_each_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], naion_home: Path
) -> None:
    panel = (
        "code,name,industry,pe_ttm,pb,ps_ttm,total_mv\n"
        "300750.SZ,,电池,35.5,6.1,3.4,915942946500\n"
        "000001.SZ,平安银行,银行,9.6,1.1,2.0,237981901533\n"
    )
    root = folder(tmp_path / "exports", {"valuation_market/valuation_2022-11-22.csv": panel})
    assert cli_import(root, capsys)[0] == 0
    secs = securities(naion_home)
    # the panel's empty name does not blank securities.csv's; its industry fills the gap
    assert secs.loc["300750.SZ", "name"] == "宁德时代"
    assert secs.loc["300750.SZ", "industry"] == "电池"
    assert (secs.loc["000001.SZ", "name"], secs.loc["000001.SZ", "industry"]) == (
        "平安银行",
        "银行",
    )
    assert (secs.loc["000001.SZ", "market"], secs.loc["000001.SZ", "currency"]) == ("A", "CNY")
    # securities.csv read again (changed) has no industry column: the industry stays
    write(
        root / "securities.csv", "code,name,market,exchange,currency\n300750.SZ,CATL,A,SZSE,CNY\n"
    )
    assert cli_import(root, capsys)[0] == 0
    secs = securities(naion_home)
    assert (secs.loc["300750.SZ", "name"], secs.loc["300750.SZ", "industry"]) == ("CATL", "电池")


def test_links_out_of_the_folder_are_not_followed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], naion_home: Path
) -> None:
    secret = write(tmp_path / "outside" / "shadow", "root:TOPSECRET:19000:0:99999:7:::\n")
    write(tmp_path / "outside" / "fx" / "USDCNY.csv", "date,rate\n2022-11-21,7.1\n")
    root = folder(tmp_path / "exports")
    (root / "prices" / "TSLA.csv").symlink_to(secret)
    (root / "fx").symlink_to(tmp_path / "outside" / "fx", target_is_directory=True)
    (root / "prices" / "1211.HK.csv").symlink_to(root / "prices" / "300750.SZ.csv")  # inside
    code, _, err = cli_import(root, capsys)
    assert code == 0, err
    assert "TOPSECRET" not in err
    assert f"skipped {root}/prices/TSLA.csv: a link to outside the import folder" in err
    assert f"skipped {root}/fx: a link to outside the import folder" in err
    with Store(naion_home / "store.duckdb", read_only=True) as st:
        assert st.bars(["TSLA"], "none").empty
        assert st.fx("USDCNY").empty
        assert st.bars(["1211.HK"], "none")["close"].tolist() == [383.0, 375.0]


def test_fifo_in_the_folder_is_skipped_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = folder(tmp_path / "exports")
    os.mkfifo(root / "prices" / "TSLA.csv")  # reading it would block forever
    code, _, err = cli_import(root, capsys)
    assert code == 0, err
    assert f"skipped {root}/prices/TSLA.csv: not a regular file" in err


@pytest.mark.parametrize(
    "error", [KeyboardInterrupt(), RuntimeError("Query interrupted")], ids=["python", "duckdb"]
)
def test_ctrl_c_while_writing_says_interrupted_and_writes_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    naion_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    error: BaseException,
) -> None:
    root = folder(tmp_path / "exports")
    assert cli_import(root, capsys)[0] == 0
    before = fingerprint(naion_home)
    write(root / "fx" / "USDCNY.csv", "date,rate\n2022-11-21,7.1\n")
    write(root / "prices" / "TSLA.csv", "date,close\n2022-11-21,167.87\n")
    orig = Store._write_part
    calls = []

    def interrupted(con, part, name, report, now):  # type: ignore[no-untyped-def]
        orig(con, part, name, report, now)
        calls.append(part.table)
        if len(calls) == 2:  # after some rows went in
            raise error

    monkeypatch.setattr(Store, "_write_part", staticmethod(interrupted))
    code, out, err = run_cli(["data", "import", str(root)], capsys)
    assert (code, out, err) == (130, "", "naion: error: interrupted\n")
    assert fingerprint(naion_home) == before


def test_ctrl_c_while_reading_says_interrupted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from naion import csvscan

    root = folder(tmp_path / "exports")

    def stop(self, query, params=()):  # type: ignore[no-untyped-def]
        raise csvscan._interrupt_or(RuntimeError("Query interrupted"))

    monkeypatch.setattr(csvscan.Scanner, "sql", stop)
    code, _out, err = run_cli(["data", "import", str(root)], capsys)
    assert (code, err) == (130, "naion: error: interrupted\n")


def big_panel(path: Path, codes: int = 400, days: int = 600) -> None:
    """A whole-market panel big enough to take a while to write (and a few MB)."""
    rng = np.random.default_rng(1)
    dates = pd.bdate_range("2020-01-01", periods=days).strftime("%Y-%m-%d")
    code = [f"{600000 + i:06d}.SH" for i in range(codes)]
    df = pd.DataFrame(
        {
            "date": np.repeat(dates, codes),
            "code": np.tile(code, days),
            "close": np.round(rng.uniform(1, 100, codes * days), 2),
            "amount": np.round(rng.uniform(1e5, 1e9, codes * days), 2),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        df.to_csv(fh, index=False)


def run_naion(args: list[str], home: Path, prelude: str = "") -> subprocess.CompletedProcess:
    script = textwrap.dedent(prelude) + textwrap.dedent(
        f"""
        import sys
        from naion.cli import main
        sys.exit(main({args!r}))
        """
    )
    env = {**os.environ, "NAION_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300
    )


def test_real_sigint_during_the_write_leaves_the_store_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], naion_home: Path
) -> None:
    root = folder(tmp_path / "exports")
    assert cli_import(root, capsys)[0] == 0
    before = fingerprint(naion_home)
    big_panel(root / "market" / "panel.csv.gz")
    # SIGINT arrives 20 ms into writing the panel, while DuckDB runs the write
    prelude = """
        import os, signal, threading
        from naion.store import Batch, Store
        orig = Store._write_part
        def write_part(con, part, name, report, now):
            if len(part.frame) > 100_000:
                threading.Timer(0.02, os.kill, (os.getpid(), signal.SIGINT)).start()
            orig(con, part, name, report, now)
        Store._write_part = staticmethod(write_part)
    """
    proc = run_naion(["data", "import", str(root)], naion_home, prelude)
    assert (proc.returncode, proc.stderr) == (130, "naion: error: interrupted\n"), proc.stderr
    assert fingerprint(naion_home) == before


def test_full_disk_is_one_line_rolls_back_and_gives_the_space_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], naion_home: Path
) -> None:
    """A real write failure: the process may not grow any file past a limit (RLIMIT_FSIZE,
    with SIGXFSZ ignored, so DuckDB's write fails with EFBIG "File too large" — the same
    path as ENOSPC on a full disk, without needing a small filesystem)."""
    root = folder(tmp_path / "exports")
    assert cli_import(root, capsys)[0] == 0
    store = naion_home / "store.duckdb"
    before, size = fingerprint(naion_home), store.stat().st_size
    big_panel(root / "market" / "panel.csv.gz")
    limit = size + 1_500_000
    prelude = f"""
        import resource, signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, resource.RLIM_INFINITY))
    """
    proc = run_naion(["data", "import", str(root)], naion_home, prelude)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"naion: error: out of disk space writing {store}"), proc.stderr
    assert "nothing was written, the space it took was given back" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert fingerprint(naion_home) == before
    assert store.stat().st_size < limit - 500_000  # not left grown to the limit
    # with room again, the same import goes through
    code, rows, err = cli_import(root, capsys)
    assert code == 0, err
    assert {r["dataset"]: r["new"] for r in rows}["market panel"] == 400 * 600


def test_no_space_error_from_duckdb_is_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    naion_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import duckdb

    root = folder(tmp_path / "exports")
    assert cli_import(root, capsys)[0] == 0
    before = fingerprint(naion_home)
    write(root / "fx" / "USDCNY.csv", "date,rate\n2022-11-21,7.1\n")

    def full(con, part, name, report, now):  # type: ignore[no-untyped-def]
        raise duckdb.IOException('IO Error: Could not write file "x": No space left on device')

    monkeypatch.setattr(Store, "_write_part", staticmethod(full))
    code, _, err = run_cli(["data", "import", str(root)], capsys)
    assert code == 2
    assert "out of disk space writing" in err and "(no space left on device)" in err
    assert len(err.strip().splitlines()) == 1
    monkeypatch.undo()
    assert fingerprint(naion_home) == before
    assert cli_import(root, capsys)[0] == 0  # the store still takes writes


def test_commit_failure_is_not_hidden_by_a_failed_rollback(tmp_path: Path) -> None:
    """A COMMIT that fails (here: its WAL cannot grow) ends the transaction; the ROLLBACK
    after it must not replace the real error with DuckDB's 'no transaction is active'."""
    path = tmp_path / "s.duckdb"
    Store(path).close()
    limit = path.stat().st_size + 20_000
    script = textwrap.dedent(
        f"""
        import resource, signal
        import pandas as pd
        from naion.errors import StoreError
        from naion.store import Batch, Store
        store = Store({str(path)!r})
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, resource.RLIM_INFINITY))
        dates = pd.bdate_range("2000-01-03", periods=5000)
        batch = Batch()
        for pair in ("USDCNY", "HKDCNY", "USDHKD", "EURCNY", "GBPCNY", "JPYCNY"):
            batch.add("fx", pd.DataFrame({{"date": dates, "rate": 7.0}}), pair=pair,
                      source="x" * 200)
        try:
            store.write(batch)
        except StoreError as exc:
            print(exc.one_line())
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"out of disk space writing {path} (file size limit reached)")
    with Store(path) as store:  # nothing written, and the store takes writes again
        assert store.table_counts()["fx"] == 0
        batch = Batch()
        batch.add("fx", pd.DataFrame({"date": ["2022-11-21"], "rate": [7.1]}), pair="USDCNY")
        store.write(batch)
        assert store.fx("USDCNY").tolist() == [7.1]


def test_sigint_is_not_left_ignored_after_a_write(tmp_path: Path) -> None:
    root = folder(tmp_path / "exports")
    from tests.importer.planted import do_import

    store = Store(tmp_path / "s.duckdb")
    do_import(store, root)
    store.close()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
