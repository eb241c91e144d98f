"""The one error family every naion layer raises for problems a user can fix.

The CLI turns any :class:`NaionError` into one line on stderr and exit code 2, with no
traceback. The message names what was wrong; ``hint`` says how to fix it.
"""

from __future__ import annotations


class NaionError(Exception):
    """A problem with the user's input, data or environment, reported as one line."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        text = self.message.rstrip(". ")
        if self.hint:
            text += f"; {self.hint.rstrip('.')}"
        return " ".join(text.split())


class InputError(NaionError):
    """Bad command-line input: unknown ticker, segment, field, strategy, bad date or option."""


class ConfigError(NaionError):
    """A malformed data file the user wrote: universe, preset or strategy YAML."""


class DataError(NaionError):
    """A malformed or inconsistent data file or frame (import CSV, vendor frame)."""


class NotInStoreError(NaionError):
    """The local store does not hold what a command needs."""


class ProviderError(NaionError):
    """The live data source failed: network down, vendor error, schema change."""


class StoreError(NaionError):
    """The DuckDB store cannot be opened or written (locked, corrupt, read-only)."""
