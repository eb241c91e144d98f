"""``naion report``: tear sheets, comparisons, saved-run lists and metric exports.

    naion report RUN_ID --output FILE                      tear sheet of one run
    naion report RUN_ID --compare OTHER ... --output FILE  comparison of the runs
    naion report --list [--format table|csv|json]          the saved runs
    naion report RUN_ID --metrics [--format csv|json] [--output FILE]

Heavy libraries (pandas) load inside the command only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from naion.options import FormatOpt, OutputOpt, WideOpt
from strategies.metrics import PERCENT_KINDS


def report_cmd(
    run_id: Annotated[
        str | None,
        typer.Argument(help="A saved run (see --list).", metavar="RUN_ID", show_default=False),
    ] = None,
    compare: Annotated[
        list[str] | None,
        typer.Option(
            "--compare",
            "-c",
            metavar="RUN_ID",
            help="Compare RUN_ID with this run (repeatable).",
        ),
    ] = None,
    output: OutputOpt = None,
    list_: Annotated[bool, typer.Option("--list", help="List the saved runs and exit.")] = False,
    metrics: Annotated[
        bool, typer.Option("--metrics", help="Export the metrics (table, CSV or JSON).")
    ] = False,
    fmt: FormatOpt = "table",
    wide: WideOpt = False,
) -> None:
    """Render a saved run's tear sheet, compare runs, list runs or export their metrics.

    --output FILE is the HTML page of a report, or the table of --list / --metrics
    (--format table, csv or json)."""
    from naion.errors import InputError
    from naion.output import check_format

    fmt = check_format(fmt)
    if list_:
        _list(fmt, output, wide)
        return
    if not run_id:
        raise InputError("name a saved run", hint="see 'naion report --list'")
    from strategies.runs import load_run

    ids = [run_id, *(compare or [])]
    if metrics:
        _metrics([load_run(i) for i in ids], fmt, output, wide)
        return
    if output is None:
        raise InputError("--output FILE is required to write a report", hint="e.g. -o report.html")
    if output.exists() and output.is_dir():
        raise InputError(f"--output {output} is a folder", hint="name an HTML file")
    from naion.output import console, save_text
    from reports.progress import steps

    kind = "tear sheet" if len(ids) == 1 else "comparison"
    with steps(f"naion report ({kind})") as step:
        runs = []
        for i in ids:
            step(f"loading run {i}")
            runs.append(load_run(i))
        if len(runs) == 1:
            from reports.tearsheet import tearsheet_html

            text = tearsheet_html(runs[0], step)
        else:
            from reports.compare import check_runs, comparison_html

            check_runs(runs)
            step("building the page")
            text = comparison_html(runs)
        step(f"writing {output}")
        save_text(output, text)
    console(stderr=True).print(f"wrote {output}")


def _list(fmt: str, output: Path | None, wide: bool = False) -> None:
    import pandas as pd

    from naion.output import emit
    from strategies.cli import METRIC_HEADERS, METRIC_LEGEND
    from strategies.runs import list_runs

    cols = [
        "run_id",
        "strategy",
        "start",
        "end",
        "base",
        "total_return",
        "cagr",
        "sharpe",
        "max_drawdown",
        "created",
    ]
    rows = list_runs()
    frame = pd.DataFrame(rows, columns=cols)
    for c in ("total_return", "cagr", "sharpe", "max_drawdown"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("float64")
    caption = None if rows else "no saved runs yet: 'naion backtest STRATEGY' saves one"
    emit(
        frame,
        fmt,
        output,
        title="Saved runs",
        caption=caption,
        kinds=PERCENT_KINDS,
        headers=METRIC_HEADERS,
        legend=METRIC_LEGEND,
        drop=("created", "strategy", "cagr", "start", "base", "max_drawdown"),
        wide=wide,
    )


def _metrics(runs: list, fmt: str, output: Path | None, wide: bool = False) -> None:
    from naion.output import emit
    from reports.stats import metrics_table
    from strategies.cli import METRIC_COLUMNS, METRIC_HEADERS, METRIC_LEGEND, with_costs

    frame = with_costs(metrics_table(runs))
    if fmt == "table" and output is None:  # the terminal: the columns that fit
        frame = frame[["series", "kind", "base", *METRIC_COLUMNS]]
    title = "Metrics of " + ", ".join(r.run_id for r in runs)
    emit(
        frame,
        fmt,
        output,
        title=title,
        caption="each row in its run's base currency, over its own period; risk-free rate 0",
        kinds=PERCENT_KINDS,
        headers=METRIC_HEADERS,
        legend={**METRIC_LEGEND, "costs": "commission + taxes, in the run's base currency"},
        drop=("kind", "sortino", "commission", "taxes", "volatility", "cagr", "turnover"),
        wide=wide,
    )


def register(app: typer.Typer) -> None:
    """Mount ``naion report`` on the top-level app."""
    app.command("report")(report_cmd)
