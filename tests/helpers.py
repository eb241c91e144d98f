"""Small helpers shared by tests."""

from __future__ import annotations

from pathlib import Path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.lstrip("\n"), encoding="utf-8")
    return path


def run_cli(args: list[str], capsys: object) -> tuple[int, str, str]:
    """Run `naion ARGS` in-process; returns (exit code, stdout, stderr)."""
    from naion.cli import main

    code = main(args)
    out, err = capsys.readouterr()  # type: ignore[attr-defined]
    return code, out, err
