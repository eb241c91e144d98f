"""YAML data files: parsing with one-line errors, and curated + user folders by name.

Universes, screen presets and strategies all ship as YAML in the package and may be added or
replaced by the user's files under NAION_HOME; this module is what they share.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from naion.errors import ConfigError


class Named(Protocol):
    name: str


N = TypeVar("N", bound=Named)


def read_yaml(path: Path) -> Any:
    """Parse a YAML file; syntax errors become one-line :class:`ConfigError`."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        ctx = getattr(exc, "context_mark", None)
        if ctx is not None and mark is not None and ctx.line != mark.line:
            problem += f"; {getattr(exc, 'context', None) or 'it'} began on line {ctx.line + 1}"
        raise ConfigError(f"{path}:{where}: malformed YAML ({problem})") from None


def validation_message(exc: Exception) -> str:
    """The first pydantic error as ``key.path: problem``."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return str(exc)
    first = errors()[0]
    parts: list[str] = []
    for p in first.get("loc", ()):
        if isinstance(p, int):
            parts.append(f"[{p}]")
        else:
            parts.append(("." if parts else "") + str(p))
    loc = "".join(parts)
    msg = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    if first.get("type") == "extra_forbidden":
        msg = "unknown key"
    elif first.get("type") == "missing":
        msg = "required key is missing"
    return f"{loc}: {msg}" if loc else msg


def load_named(
    builtin: Path, user_dir: Path | None, load: Callable[[Path, bool], N]
) -> dict[str, N]:
    """Load every ``*.yaml`` of ``builtin``, then the user's; a user file with the same
    ``name`` replaces the curated one. ``load(path, is_user)`` parses one file."""
    out: dict[str, N] = {}
    for path in sorted(builtin.glob("*.yaml")):
        item = load(path, False)
        out[item.name] = item
    if user_dir is not None and user_dir.is_dir():
        for path in sorted(user_dir.glob("*.y*ml")):
            item = load(path, True)
            out[item.name] = item
    return out
