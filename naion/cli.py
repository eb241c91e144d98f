"""The ``naion`` command: mounts each package's sub-commands and owns the error path.

Every :class:`~naion.errors.NaionError` and every usage error becomes one line on stderr
and exit code 2, with no traceback. Heavy libraries (pandas, duckdb, akshare, vectorbt,
quantstats) are imported inside the commands that use them, so ``naion --help`` is fast.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer

from naion import __version__
from naion.errors import NaionError

app = typer.Typer(
    name="naion",
    help="Screen and backtest equities of the sodium-ion (Na-ion) battery supply chain.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"naion {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            help="Folder for everything naion keeps (default: $NAION_HOME or ~/.cache/naion).",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Screen and backtest equities of the sodium-ion (Na-ion) battery supply chain."""
    if home is not None:
        os.environ["NAION_HOME"] = str(home.expanduser().resolve())


def _mount() -> None:
    from naion.data_cli import app as data_app
    from universes.cli import app as universe_app

    app.add_typer(universe_app, name="universe", help="List, show and refresh universes.")
    app.add_typer(data_app, name="data", help="Fill and inspect the local data store.")
    from screener.cli import register as register_screen

    register_screen(app)
    from strategies.cli import register as register_strategies

    register_strategies(app)
    from reports.cli import register as register_reports

    register_reports(app)
    from screener.thesis.cli import register as register_thesis

    register_thesis(app, page="reports.thesis_page")  # the page renderer lives in reports


_mount()


def _fail(line: str, code: int = 2) -> int:
    sys.stderr.write(f"naion: error: {line}\n")
    sys.stderr.flush()
    return code


def _log_internal(exc: BaseException) -> Path | None:
    try:
        from naion.settings import paths

        logs = paths().logs
        logs.mkdir(parents=True, exist_ok=True)
        path = logs / "last-error.log"
        path.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
        return path
    except OSError:
        return None


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    from typer import _click as click
    from typer.exceptions import Abort, Exit

    command = typer.main.get_command(app)
    args = sys.argv[1:] if argv is None else argv
    try:
        rv = command.main(args=args, prog_name="naion", standalone_mode=False)
    except NaionError as exc:
        return _fail(exc.one_line())
    except click.exceptions.UsageError as exc:
        hint = ""
        if exc.ctx is not None:
            hint = f" (see '{exc.ctx.command_path} --help')"
        return _fail(" ".join(exc.format_message().split()).rstrip(".") + hint)
    except Abort:
        return _fail("interrupted", 130)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except Exit as exc:
        return int(exc.exit_code or 0)
    except click.exceptions.ClickException as exc:
        return _fail(exc.format_message(), exc.exit_code or 2)
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if os.environ.get("NAION_DEBUG"):
            raise
        where = _log_internal(exc)
        more = f"; traceback in {where}" if where else ""
        return _fail(f"internal error: {type(exc).__name__}: {exc}{more}", 1)
    return int(rv) if isinstance(rv, int) else 0


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
