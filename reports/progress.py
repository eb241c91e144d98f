"""A spinner on stderr that names the step a report is on (only when stderr is a terminal;
piped or captured output gets nothing, so scripts and tests see one "wrote FILE" line)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def steps(what: str, enabled: bool | None = None) -> Iterator[Callable[[str], None]]:
    """Yield ``step(name)``: shows "<what>: <name>" next to a spinner until the block ends."""
    show = sys.stderr.isatty() if enabled is None else enabled
    if not show:
        yield lambda _name: None
        return
    from rich.console import Console

    console = Console(stderr=True, highlight=False)
    with console.status(f"{what}: starting", spinner="dots") as status:
        yield lambda name: status.update(f"{what}: {name}")
