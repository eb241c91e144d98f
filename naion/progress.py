"""A spinner on stderr naming the step a long piece of work is on.

``with spinner(): ... step("loading prices") ...``: nothing is printed unless stderr is a
terminal AND the work is still running after :data:`DELAY` seconds (a quick command, a pipe,
a test, a script: no output at all). Then a one-line spinner shows the latest step until the
block ends, and is erased. Scopes nest: an inner ``spinner()`` only names steps of the outer
one, so library functions open their own scope and the CLI needs none. :func:`step` outside
any scope does nothing.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

DELAY = 1.0  # seconds of work before the spinner appears

_scopes: list[_Scope] = []


class _Scope:
    def __init__(self, name: str) -> None:
        self.name = name
        self.status: Any = None
        self.lock = threading.Lock()
        self.done = threading.Event()

    def update(self, name: str) -> None:
        with self.lock:
            self.name = name
            if self.status is not None:
                self.status.update(name)

    def show_after(self, delay: float, console: Any) -> None:
        if delay > 0 and self.done.wait(delay):
            return
        with self.lock:
            if not self.done.is_set():
                self.status = console.status(self.name, spinner="dots")
                self.status.start()

    def close(self) -> None:
        self.done.set()
        with self.lock:
            if self.status is not None:
                self.status.stop()
                self.status = None


def step(name: str) -> None:
    """Name the step now running (shown by the enclosing :func:`spinner`, if any)."""
    if _scopes and threading.current_thread() is threading.main_thread():
        _scopes[-1].update(name)


@contextmanager
def spinner(
    name: str = "working", enabled: bool | None = None, delay: float = DELAY, console: Any = None
) -> Iterator[None]:
    """A spinner for the block (see the module docstring); ``enabled`` overrides the
    terminal check, ``console`` (a rich Console) the stderr one."""
    show = sys.stderr.isatty() if enabled is None else enabled
    if _scopes:  # nested: the outer scope shows the steps
        step(name)
        yield
        return
    scope = _Scope(name)
    _scopes.append(scope)
    step(name)
    timer = None
    if show:
        if console is None:
            from rich.console import Console

            console = Console(stderr=True, highlight=False)
        if delay > 0:
            timer = threading.Thread(target=scope.show_after, args=(delay, console), daemon=True)
            timer.start()
        else:  # no delay: shown at once
            scope.show_after(0, console)
    try:
        yield
    finally:
        _scopes.pop()
        scope.close()
        if timer is not None:
            timer.join()
