"""Run the fuzz corpus: every case must keep the contract.

The contract, per case (README.md): exit 0, or exit 2 with exactly one line on stderr
(``naion: error: ...``) and no traceback; the store's fingerprint unchanged (unless the
command writes the store and exited 0); no file changed except the case's named outputs
(and the runs folder after a saved backtest); done within the time limit (10 s).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.fuzz.conftest import Clock, World
from tests.fuzz.gen import CLASSES, CORPUS, command_options, expand
from tests.helpers import damage_store

LIMIT = float(os.environ.get("NAION_FUZZ_LIMIT", "10"))  # seconds per case
XFAIL: dict[str, str] = json.loads((Path(__file__).with_name("xfail.json")).read_text("utf-8"))


def load_corpus() -> list[dict[str, Any]]:
    cases = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        with open(path, encoding="utf-8") as fh:
            cases.extend(json.loads(line) for line in fh if line.strip())
    return cases


CASES = load_corpus()


def _params() -> Iterator[Any]:
    for c in CASES:
        marks = []
        if c["id"] in XFAIL:
            marks.append(pytest.mark.xfail(strict=True, reason=XFAIL[c["id"]]))
        yield pytest.param(c, id=c["id"], marks=marks)


class CaseTimeout(BaseException):  # not an Exception: main() must not catch it
    """The case ran past the limit."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: object) -> None:
        raise CaseTimeout(f"over {seconds:g} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _is_store(path: Path, home: Path) -> bool:
    return path.parent == home and path.name.startswith("store.duckdb")


def snapshot(root: Path, home: Path) -> dict[str, str]:
    """Every file under ``root`` (the store excepted) → a digest of its bytes."""
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            p = Path(dirpath) / name
            if _is_store(p, home):
                continue
            try:
                data = p.read_bytes() if not p.is_symlink() else os.readlink(p).encode()
            except OSError:
                data = b"<unreadable>"
            out[str(p.relative_to(root))] = hashlib.sha1(data).hexdigest()
    return out


def _bytes_digest(path: Path) -> str | None:
    if not path.exists():
        return None
    if not path.is_file():
        return "a folder: " + ",".join(sorted(p.name for p in path.iterdir()))
    return hashlib.sha1(path.read_bytes()).hexdigest()


_FINGERPRINTS: dict[str | None, str | None] = {}  # bytes digest → fingerprint (memo)


def store_fingerprint(path: Path) -> str | None:
    """The store's content fingerprint (its bytes' digest when it cannot be opened).

    Memoised by the file's bytes: the planted store is fingerprinted once, not per case.
    """
    digest = _bytes_digest(path)
    if digest in _FINGERPRINTS:
        return _FINGERPRINTS[digest]
    if digest is None or digest.startswith("a folder"):
        return digest
    from naion.store import Store

    try:
        with Store(path, read_only=True) as store:
            value: str | None = store.fingerprint()
    except BaseException:  # a damaged store: its bytes
        value = digest
    _FINGERPRINTS[digest] = value
    return value


def prepare(c: dict[str, Any], world: World, tmp: Path) -> tuple[Path, Path, Path]:
    home, work = tmp / "home", tmp / "work"
    ignore = shutil.ignore_patterns("store.duckdb*") if c.get("store") == "none" else None
    shutil.copytree(world.home, home, ignore=ignore)
    work.mkdir()
    data = work / "data"
    if c.get("data") == "planted":
        shutil.copytree(world.data, data)
    elif c.get("data") == "empty":
        data.mkdir()
    roots = {"home": home, "work": work, "data": data}
    for rel, spec in (c.get("files") or {}).items():
        base, _, sub = rel.partition("/")
        path = roots[base] / sub
        if spec is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if "b64" in spec:
            path.write_bytes(base64.b64decode(spec["b64"]))
        else:
            path.write_bytes(expand(spec["text"]).encode("utf-8"))
    if c.get("damage_store"):
        damage_store(home / "store.duckdb", c["damage_store"])
    return home, work, data


def _allowed(rel: str, c: dict[str, Any], code: int) -> bool:
    if code != 0:
        return False
    parts = Path(rel).parts
    if parts[:2] == ("xdg", "matplotlib"):
        return True  # the font cache vectorbt's matplotlib builds on a successful --verify
    if parts[0] == "work" and len(parts) > 1 and parts[1] in (c.get("outputs") or []):
        return True
    if "{home}/universes" in (c.get("outputs") or []) and parts[:2] == ("home", "universes"):
        return True
    return "runs" in (c.get("writes") or []) and parts[:2] == ("home", "runs")


@pytest.mark.parametrize("c", list(_params()))
def test_case(
    c: dict[str, Any],
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from naion.cli import main

    home, work, data = prepare(c, world, tmp_path)
    subs = {"{home}": str(home), "{work}": str(work), "{data}": str(data)}
    argv = []
    for a in c["argv"]:
        a = expand(a)
        for k, v in subs.items():
            a = a.replace(k, v)
        argv.append(a)
    monkeypatch.setenv("NAION_HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(work)
    files_before = snapshot(tmp_path, home)
    store_before = store_fingerprint(home / "store.duckdb")
    capsys.readouterr()
    t0, slept = time.perf_counter(), Clock.slept
    with time_limit(LIMIT):
        code = main(argv)
    seconds = time.perf_counter() - t0 + (Clock.slept - slept)  # back-offs count too
    out, err = capsys.readouterr()
    shown = f"exit {code}; stderr: {err[-600:]!r}"
    assert code in (0, 2), shown
    assert "Traceback" not in err and "Traceback" not in out, shown
    lines = err.strip().splitlines()
    if code == 2:
        assert len(lines) == 1 and lines[0].startswith("naion: error: "), shown
    else:
        assert "naion: error" not in err, shown
    store_after = store_fingerprint(home / "store.duckdb")
    if not (code == 0 and "store" in (c.get("writes") or [])):
        assert store_after == store_before, f"the store changed; {shown}"
    files_after = snapshot(tmp_path, home)
    changed = sorted(
        k
        for k in set(files_before) | set(files_after)
        if files_before.get(k) != files_after.get(k) and not _allowed(k, c, code)
    )
    assert not changed, f"files changed: {changed[:5]}; {shown}"
    assert seconds < LIMIT, f"took {seconds:.1f} s (retry back-offs included)"


def test_corpus_is_large_and_ids_unique() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) >= 1000 and len(ids) == len(set(ids))
    assert not set(XFAIL) - set(ids), "xfail.json names cases that do not exist"


def test_corpus_covers_every_command_and_option() -> None:
    seen = [[expand(a) for a in c["argv"]] for c in CASES]
    for command, params in command_options().items():
        words = command.split()
        mine = [a for a in seen if a[: len(words)] == words]
        assert mine, f"no case runs 'naion {command}'"
        for _name, opt, _flag, argument in params:
            if argument:
                continue
            assert any(opt in a for a in mine), f"no case gives 'naion {command}' {opt}"


def test_generated_files_match_the_generator() -> None:
    """The corpus files are the generator's output: edit gen.py, then regenerate."""
    for name, make in CLASSES.items():
        on_disk = (CORPUS / f"{name}.jsonl").read_text(encoding="utf-8")
        fresh = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in make())
        assert on_disk == fresh, f"corpus/{name}.jsonl is stale: run python -m tests.fuzz.gen"
