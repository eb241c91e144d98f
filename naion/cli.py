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
from typing import Annotated, Any

import typer

from naion import __version__
from naion.errors import NaionError


def _version(value: bool) -> None:
    if value:
        typer.echo(f"naion {__version__}")
        raise typer.Exit()


def root(
    home: Annotated[
        str | None,
        typer.Option(
            "--home",
            metavar="DIR",
            help="Folder for everything naion keeps (default: $NAION_HOME or ~/.cache/naion).",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Screen and backtest equities of the sodium-ion (Na-ion) battery supply chain."""
    if home is not None:
        from naion.settings import check_home

        # --home "" is an empty NAION_HOME: the default folder, not the current one
        os.environ["NAION_HOME"] = str(check_home(home)) if home.strip() else ""


def _mount_universe(app: typer.Typer) -> None:
    from universes.cli import app as universe_app

    app.add_typer(universe_app, name="universe", help="List, show and refresh universes.")


def _mount_data(app: typer.Typer) -> None:
    from naion.data_cli import app as data_app

    app.add_typer(data_app, name="data", help="Fill and inspect the local data store.")


def _mount_screen(app: typer.Typer) -> None:
    from screener.cli import register

    register(app)


def _mount_strategies(app: typer.Typer) -> None:
    from strategies.cli import register

    register(app)


def _mount_reports(app: typer.Typer) -> None:
    from reports.cli import register

    register(app)


def _mount_thesis(app: typer.Typer) -> None:
    from screener.thesis.cli import register

    register(app, page="reports.thesis_page")  # the page renderer lives in reports


# in the order `naion --help` lists them
MOUNTS = (
    _mount_universe, _mount_data, _mount_screen, _mount_strategies, _mount_reports, _mount_thesis
)  # fmt: skip
# top-level command → the mount that adds it: a run builds only the command it invokes (click
# builds every parameter of every command it is given); any other name, and help, mounts all
MOUNT_OF = {
    "universe": _mount_universe,
    "data": _mount_data,
    "screen": _mount_screen,
    "backtest": _mount_strategies,
    "sweep": _mount_strategies,
    "rebalance": _mount_strategies,
    "report": _mount_reports,
    "thesis": _mount_thesis,
}


def build_app(only: str | None = None) -> typer.Typer:
    """The ``naion`` Typer app with every command, or only top-level command ``only``."""
    app = typer.Typer(
        name="naion",
        help="Screen and backtest equities of the sodium-ion (Na-ion) battery supply chain.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(root)
    mount = MOUNT_OF.get(only or "")
    for m in (mount,) if mount is not None else MOUNTS:
        m(app)
    return app


def __getattr__(name: str) -> Any:
    if name == "app":  # the whole app, built when asked for (tools walking the command tree)
        return build_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def invoked(args: list[str]) -> str | None:
    """The top-level command ``args`` invoke, or None (help, version, nothing, a bad option)."""
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--home":
            i += 2
            continue
        if a.startswith("--home="):
            i += 1
            continue
        return None if a.startswith("-") else a
    return None


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


def _os_error_line(exc: OSError) -> str:
    what = exc.strerror or type(exc).__name__
    if exc.filename is not None:
        return f"cannot use {exc.filename}: {what}; check the path, its permissions and free space"
    return f"{what}; check the paths given, their permissions and free space"


# options that name a file a command writes: checked before the command does any work
OUTPUT_PARAMS = ("output", "html", "report", "write")


def _checked(callback: Any, options: dict[str, str]) -> Any:
    import functools

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        from naion.output import check_output

        for name, option in options.items():
            if kwargs.get(name) is not None:
                check_output(kwargs[name], option, probe=True)
        return callback(*args, **kwargs)

    return run


def _command(only: str | None = None) -> Any:
    """The click command tree (every command, or only top-level ``only``), every output
    option checked up front (one place for all)."""
    key = only if only in MOUNT_OF else None
    if key not in _COMMANDS:
        command = typer.main.get_command(build_app(key))
        stack = [command]
        while stack:
            cmd = stack.pop()
            stack.extend(getattr(cmd, "commands", {}).values())
            options = {
                p.name: p.opts[0]
                for p in cmd.params
                if p.name in OUTPUT_PARAMS and p.param_type_name == "option"
            }
            if options and cmd.callback is not None:
                cmd.callback = _checked(cmd.callback, options)
        _COMMANDS[key] = command
    return _COMMANDS[key]


_COMMANDS: dict[str | None, Any] = {}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    from typer import _click as click
    from typer.exceptions import Abort, Exit

    args = sys.argv[1:] if argv is None else argv
    command = _command(invoked(args))
    try:
        rv = command.main(args=args, prog_name="naion", standalone_mode=False)
    except NaionError as exc:
        return _fail(exc.one_line())
    except click.exceptions.NoArgsIsHelpError as exc:  # bare `naion`, `naion data`: help
        sys.stdout.write(exc.ctx.get_help() + "\n")
        sys.stdout.flush()
        return 0
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
    except OSError as exc:  # the environment: a missing, read-only, full or special path
        return _fail(_os_error_line(exc))
    except ValueError as exc:
        if "null byte" not in str(exc) and "null character" not in str(exc):
            return _internal(exc)
        return _fail("a path or value contains a NUL character; remove it")
    except Exception as exc:
        return _internal(exc)
    return int(rv) if isinstance(rv, int) else 0


def _internal(exc: Exception) -> int:
    """A bug: one line, exit 1, the traceback saved to NAION_HOME/logs."""
    if "duckdb" in sys.modules:  # a damaged store read outside a store context
        from naion.settings import paths
        from naion.store import corrupt_store_error

        bad = corrupt_store_error(exc, paths().store)
        if bad is not None:
            return _fail(bad.one_line())
    if os.environ.get("NAION_DEBUG"):
        raise exc
    where = _log_internal(exc)
    more = f"; traceback in {where}" if where else ""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())[:500]
    return _fail(f"internal error: {text}{more}", 1)


def entry() -> None:
    """The console script: exit without the interpreter's teardown (freeing every module of
    pandas, numpy and duckdb costs a fresh process about as much as a small backtest); the
    command's files are closed and its output flushed first."""
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, OSError):
        pass
    os._exit(code)


if __name__ == "__main__":
    entry()
