"""YAML data files: parsing with one-line errors, and curated + user folders by name.

Universes, screen presets and strategies all ship as YAML in the package and may be added or
replaced by the user's files under NAION_HOME; this module is what they share.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Protocol, TypeVar

from naion.dates import FIRST_YEAR, LAST_YEAR
from naion.errors import ConfigError


class Named(Protocol):
    name: str


N = TypeVar("N", bound=Named)


# Limits that keep a hostile or broken file from hanging naion or eating its memory: a
# universe, preset or strategy file is a few KB; an alias bomb or a 10,000-deep nesting is
# refused in milliseconds instead of minutes.
MAX_BYTES = 1 << 20  # 1 MiB
MAX_DEPTH = 50  # nesting of lists and maps, aliases expanded
MAX_VALUES = 50_000  # values after expanding every alias


class _Refused(Exception):
    def __init__(self, what: str, line: int | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.line = line


@cache
def _loader(libyaml: bool = False) -> type:
    """A SafeLoader with a nesting limit, an alias-expansion limit and checked dates
    (``libyaml``: the same on libyaml's parser, for :func:`_tame` text only)."""
    import datetime as dt

    import yaml
    from yaml.constructor import ConstructorError
    from yaml.nodes import MappingNode, SequenceNode

    class Loader(yaml.CSafeLoader if libyaml else yaml.SafeLoader):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self._depth = 0
            self._nodes = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            self._depth += 1
            self._nodes += 1  # aliases included: stop a flood early, before parsing it all
            try:
                if self._depth > MAX_DEPTH:
                    mark = self.peek_event().start_mark
                    raise _Refused(f"nested deeper than {MAX_DEPTH} levels", mark.line + 1)
                if self._nodes > MAX_VALUES:
                    mark = self.peek_event().start_mark
                    raise _Refused(f"more than {MAX_VALUES:,} values", mark.line + 1)
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

        def get_single_data(self) -> Any:
            node = self.get_single_node()
            if node is None:
                return None
            _check_expansion(node, SequenceNode, MappingNode)
            return self.construct_document(node)

        def construct_checked_timestamp(self, node: Any) -> Any:
            try:
                value = yaml.SafeLoader.construct_yaml_timestamp(self, node)
            except ValueError as exc:
                raise ConstructorError(
                    None, None, f"invalid date {node.value!r} ({exc})", node.start_mark
                ) from None
            if isinstance(value, (dt.date, dt.datetime)) and not (
                FIRST_YEAR <= value.year <= LAST_YEAR
            ):
                raise ConstructorError(
                    None,
                    None,
                    f"date {node.value!r} is outside {FIRST_YEAR}-{LAST_YEAR}",
                    node.start_mark,
                )
            return value

        def construct_checked_int(self, node: Any) -> Any:
            try:
                return yaml.SafeLoader.construct_yaml_int(self, node)
            except ValueError:
                raise ConstructorError(
                    None, None, f"integer {node.value[:20]!r}... is too long", node.start_mark
                ) from None

    Loader.add_constructor("tag:yaml.org,2002:timestamp", Loader.construct_checked_timestamp)
    Loader.add_constructor("tag:yaml.org,2002:int", Loader.construct_checked_int)
    return Loader


def _tame(text: str) -> bool:
    """Small and shallow: text libyaml's parser may take (20x faster than the pure-Python one).
    Its composer recurses in C, so deep nesting would overflow the stack instead of raising:
    anything larger or deeper goes to the pure-Python loader, whose limits stop it early."""
    if len(text) > 1 << 16 or text.count("[") + text.count("{") > 64:
        return False
    return all(len(line) - len(line.lstrip(" ")) <= 64 for line in text.splitlines())


def _parse(text: str) -> Any:
    import yaml

    if getattr(yaml, "__with_libyaml__", False) and _tame(text):
        try:
            return yaml.load(text, Loader=_loader(libyaml=True))
        except Exception:  # any problem: the pure-Python loader names it, as it always has
            pass
    return yaml.load(text, Loader=_loader())  # a SafeLoader subclass


def _check_expansion(root: Any, seq: type, mapping: type) -> None:
    """Refuse a node graph whose alias-expanded size or depth passes the limits (or cycles).

    Iterative, memoised per node: a billion-laughs file is measured without expanding it.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    active: set[int] = set()

    def children(node: Any) -> list[Any]:
        if isinstance(node, seq):
            return list(node.value)
        if isinstance(node, mapping):
            return [x for pair in node.value for x in pair]
        return []

    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            kids = children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            active.discard(key)
            if size[key] > MAX_VALUES:
                raise _Refused(
                    f"its aliases expand to more than {MAX_VALUES:,} values",
                    node.start_mark.line + 1,
                )
            if depth[key] > MAX_DEPTH:
                raise _Refused(
                    f"its aliases nest deeper than {MAX_DEPTH} levels", node.start_mark.line + 1
                )
            continue
        if key in size:
            continue
        if key in active:
            raise _Refused("an alias refers to itself", node.start_mark.line + 1)
        active.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in children(node) if id(k) not in size)


def read_yaml(path: Path) -> Any:
    """Parse a YAML file; every problem with it is a one-line :class:`ConfigError`.

    Refused: files over 1 MiB, non-UTF-8 text, nesting deeper than 50, aliases expanding
    to more than 50,000 values, integers over 4,300 digits, invalid dates and dates outside
    1900-2199.
    """
    import yaml

    try:
        if not path.is_file():
            what = "is a folder" if path.is_dir() else "is not a regular file"
            raise ConfigError(f"cannot read {path}: it {what}")
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise ConfigError(
            f"{path}: file too large for a YAML data file (over {MAX_BYTES // 1024} KiB)",
            hint="keep universe, preset and strategy files small",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            hint="save the file as UTF-8",
        ) from None
    try:
        return _parse(text)
    except _Refused as exc:
        where = f" line {exc.line}:" if exc.line else ""
        raise ConfigError(f"{path}:{where} refused: {exc.what}") from None
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
