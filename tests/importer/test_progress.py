"""Progress goes to stderr, only on a terminal; --format json on stdout stays parseable."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from naion import data_cli, output
from tests.helpers import run_cli
from tests.importer.planted import folder


def test_progress_on_a_terminal_leaves_json_stdout_intact(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    screen = io.StringIO()
    real_console = output.console

    def terminal_console(stderr: bool = False) -> Console:
        if stderr:
            return Console(file=screen, force_terminal=True, width=100)
        return real_console(stderr)

    monkeypatch.setattr(output, "console", terminal_console)
    steps: list[tuple[str, int, int]] = []
    real_progress = data_cli._import_progress

    def spy(err: Console):  # type: ignore[no-untyped-def]
        cm = real_progress(err)
        step = cm.__enter__()
        assert step is not None  # a terminal gets a progress bar

        class Wrapped:
            def __enter__(self):  # type: ignore[no-untyped-def]
                def record(label: str, done: int, total: int) -> None:
                    steps.append((label, done, total))
                    step(label, done, total)

                return record

            def __exit__(self, *exc):  # type: ignore[no-untyped-def]
                return cm.__exit__(*exc)

        return Wrapped()

    monkeypatch.setattr(data_cli, "_import_progress", spy)
    root = folder(tmp_path / "exports")
    code, out, _ = run_cli(["data", "import", str(root), "--format", "json"], capsys)
    assert code == 0
    assert {r["dataset"] for r in json.loads(out)} >= {"securities", "bars:none", "bars:qfq"}
    labels = {label for label, _, _ in steps}
    assert {"securities", "prices", "write"} <= labels
    assert ("prices", 1, 1) in steps  # the one price file, done
    assert "import" in screen.getvalue()  # drawn on the (fake) terminal, not on stdout


def test_no_progress_when_stderr_is_not_a_terminal() -> None:
    con = Console(file=io.StringIO(), force_terminal=False)
    with data_cli._import_progress(con) as step:
        assert step is None
