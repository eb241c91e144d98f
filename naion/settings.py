"""Where naion keeps its files: NAION_HOME, or the user's cache directory.

Resolution order: an explicit ``--home`` (which the CLI exports as ``NAION_HOME``), the
``NAION_HOME`` environment variable, then ``$XDG_CACHE_HOME/naion`` (``~/.cache/naion``).
Everything naion writes lives under that one folder::

    store.duckdb      the market data store
    universes/        user universe files (*.yaml), merged with the curated ones
    strategies/       user strategy files (*.yaml)
    presets/          user screen presets (*.yaml)
    models/           user thesis cost models (*.yaml), merged with the curated ones
    runs/             saved backtest runs
    logs/             the traceback of the last internal error
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def default_home() -> Path:
    """``$NAION_HOME`` if set and not blank, else ``$XDG_CACHE_HOME/naion`` (~/.cache/naion)."""
    env = os.environ.get("NAION_HOME", "")
    if env.strip():
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME", "")
    return Path(cache.strip() or Path.home() / ".cache") / "naion"


def check_home(home: str | Path) -> Path:
    """An absolute home folder from ``--home``: refused if it names a file (or holds a NUL).

    The folder itself is created by the first command that writes into it.
    """
    from naion.errors import InputError

    text = str(home)
    if "\0" in text:
        raise InputError("--home contains a NUL character", hint="name a folder")
    path = Path(text).expanduser().absolute()
    if path.exists() and not path.is_dir():
        raise InputError(
            f"--home {path} is not a folder", hint="name a folder (created if missing)"
        )
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise InputError(
                    f"--home {path}: {parent} is not a folder", hint="name a folder under a folder"
                )
            break
    return path


@dataclass(frozen=True)
class Paths:
    """Paths under one naion home folder."""

    home: Path

    @property
    def store(self) -> Path:
        return self.home / "store.duckdb"

    @property
    def universes(self) -> Path:
        return self.home / "universes"

    @property
    def strategies(self) -> Path:
        return self.home / "strategies"

    @property
    def presets(self) -> Path:
        return self.home / "presets"

    @property
    def models(self) -> Path:
        return self.home / "models"

    @property
    def runs(self) -> Path:
        return self.home / "runs"

    @property
    def logs(self) -> Path:
        return self.home / "logs"


def paths(home: Path | str | None = None) -> Paths:
    """The naion paths for ``home`` (default: :func:`default_home`)."""
    return Paths(Path(home).expanduser() if home else default_home())
