"""The options every command that prints a table shares: one definition, reused.

``--format`` (table, csv or json), ``--output FILE`` (write there instead of the terminal,
atomically; naion's own files are refused) and ``--wide`` (every column of the table,
however wide). Commands hand them to :func:`naion.output.emit`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

FormatOpt = Annotated[
    str, typer.Option("--format", "-f", metavar="FORMAT", help="table, csv or json.")
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", metavar="FILE", help="Write the table (CSV, JSON) to FILE instead."
    ),
]
WideOpt = Annotated[
    bool,
    typer.Option("--wide", help="Show every column of the table, however wide the lines get."),
]
