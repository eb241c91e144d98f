"""Named screens kept as data files: curated ones here, the user's in NAION_HOME/presets.

A preset file::

    name: garp
    title: Growth at a reasonable price
    where: peg < 1 and eps_cagr >= 0.15
    rank_by: peg          # optional
    descending: false     # optional; default: the field's natural direction
    top: 10               # optional
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from naion.errors import ConfigError, InputError

BUILTIN_DIR = Path(__file__).parent / "presets"
_KEYS = {"name", "title", "description", "where", "rank_by", "descending", "top"}


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    where: str
    description: str | None = None
    rank_by: str | None = None
    descending: bool | None = None
    top: int | None = None
    origin: str = "curated"


def _load(path: Path, origin: str) -> Preset:
    from naion.yamlfiles import read_yaml

    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with name, title and where")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise ConfigError(
            f"{path}: {unknown[0]}: unknown key", hint=f"keys: {', '.join(sorted(_KEYS))}"
        )
    for key in ("name", "title", "where"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ConfigError(f"{path}: {key}: required text is missing")
    top = data.get("top")
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise ConfigError(f"{path}: top: must be a positive whole number, not {top!r}")
    if not isinstance(data.get("description", ""), (str, type(None))):
        raise ConfigError(f"{path}: description: must be text")
    rank_by = data.get("rank_by")
    if rank_by is not None and (not isinstance(rank_by, str) or not rank_by.strip()):
        raise ConfigError(f"{path}: rank_by: must be one field name, not {rank_by!r}")
    desc = data.get("descending")
    if desc is not None and not isinstance(desc, bool):
        raise ConfigError(f"{path}: descending: must be true or false")
    return Preset(
        name=data["name"],
        title=data["title"],
        where=data["where"],
        description=data.get("description"),
        rank_by=rank_by.strip() if rank_by else None,
        descending=desc,
        top=top,
        origin=origin,
    )


def load_presets(user_dir: Path | None = None) -> dict[str, Preset]:
    from naion.yamlfiles import load_named

    return load_named(
        BUILTIN_DIR, user_dir, lambda p, user: _load(p, f"user:{p.name}" if user else "curated")
    )


def get_preset(name: str, user_dir: Path | None = None) -> Preset:
    presets = load_presets(user_dir)
    if name not in presets:
        raise InputError(f"unknown preset {name!r}", hint=f"presets: {', '.join(presets)}")
    return presets[name]
