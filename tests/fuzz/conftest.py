"""The fuzz corpus's session: the planted world (built once, warmed up) and no network."""

from __future__ import annotations

import errno
import os
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class World:
    home: Path  # NAION_HOME template: the planted store and two saved runs
    data: Path  # the CSV folder it was imported from


def _no_network(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENETUNREACH, "network disabled in the fuzz corpus")


class Clock:
    """Seconds that ``time.sleep`` was asked to wait: counted, not waited (see README)."""

    slept = 0.0

    @classmethod
    def sleep(cls, seconds: float) -> None:
        cls.slept += max(float(seconds), 0.0)


@pytest.fixture(scope="session", autouse=True)
def no_network() -> Iterator[None]:
    """Every request fails at once, as with the network down (never a real request); retry
    back-offs are counted towards a case's time instead of slept."""
    import time

    mp = pytest.MonkeyPatch()
    mp.setattr(socket.socket, "connect", _no_network)
    mp.setattr(socket.socket, "connect_ex", _no_network)
    mp.setattr(socket, "create_connection", _no_network)
    mp.setattr(socket, "getaddrinfo", _no_network)
    mp.setattr(time, "sleep", Clock.sleep)
    yield
    mp.undo()


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Plant the world once; warm up numba and quantstats so no case pays a compile."""
    import contextlib
    import io

    from naion.cli import main
    from tests.fuzz.plant import make_home

    root = tmp_path_factory.mktemp("fuzz-world")
    home, data = make_home(root)
    warm = root / "warm"
    shutil.copytree(home, warm)
    old = os.environ.get("NAION_HOME")
    os.environ["NAION_HOME"] = str(warm)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            presets = Path(__file__).resolve().parents[2] / "strategies" / "presets"
            for preset in sorted(presets.glob("*.yaml")):  # best effort: results unused
                main(["backtest", preset.stem, "--offline", "--no-save"])
            main(["sweep", "core-satellite", "--grid", "band=0,0.05"])
            os.environ["NAION_JIT"] = "1"  # the compiled kernels too (cached on disk once)
            main(["sweep", "core-satellite", "--grid", "band=0,0.05"])
            main(["backtest", "core-satellite", "--offline", "--no-save"])
            os.environ.pop("NAION_JIT")
            # vectorbt's own numba functions compile on first use (a fresh venv: > 10 s)
            main(["backtest", "core-satellite", "--offline", "--no-save", "--verify"])
            main(["report", "sample-a", "-o", str(root / "warm.html")])
            main(["screen", "--universe", "all-a"])
    finally:
        if old is None:
            os.environ.pop("NAION_HOME", None)
        else:
            os.environ["NAION_HOME"] = old
    yield World(home, data)
    shutil.rmtree(root, ignore_errors=True)
