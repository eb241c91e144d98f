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


def dns_failure(url: str = "http://x") -> object:
    """What requests raises on a machine without network (urllib3 2.x shape): a connection
    error whose cause is a name-resolution failure."""
    import socket

    import requests
    from urllib3.exceptions import MaxRetryError, NameResolutionError

    try:
        try:
            raise socket.gaierror(-2, "Name or service not known")
        except socket.gaierror as cause:
            raise NameResolutionError("push2his.eastmoney.com", None, cause) from cause
    except NameResolutionError as inner:
        try:
            raise MaxRetryError(None, url, inner) from inner
        except MaxRetryError as outer:
            return requests.ConnectionError(outer)


def network_down(monkeypatch: object) -> list[str]:
    """Make every HTTP request fail as on a machine without network, with no retry sleeps
    and the provider's offline breaker reset; returns the URLs tried (filled as they are)."""
    import time

    import akshare.utils.request
    import requests

    from naion.providers import akshare_provider

    seen: list[str] = []

    def send(self: object, request: requests.PreparedRequest, **kwargs: object) -> None:
        seen.append(str(request.url))
        raise dns_failure()  # type: ignore[misc]

    mp = monkeypatch
    mp.setattr(requests.adapters.HTTPAdapter, "send", send)  # type: ignore[attr-defined]
    mp.setattr(akshare_provider._Network, "down_since", None)  # type: ignore[attr-defined]
    mp.setattr(time, "sleep", lambda seconds: None)  # type: ignore[attr-defined]
    mp.setattr(akshare.utils.request.time, "sleep", lambda seconds: None)  # type: ignore[attr-defined]
    return seen


def damage_store(store: Path, how: str) -> None:
    """Damage a store file the way a crash, a bad copy or a user might."""
    data = store.read_bytes()
    if how == "garbage":
        store.write_bytes(b"this is not a database" * 100)
    elif how == "empty":
        store.write_bytes(b"")
    elif how == "half":
        store.write_bytes(data[: len(data) // 2])
    elif how == "header only":
        store.write_bytes(data[:5000])
    elif how == "a folder":
        store.unlink()
        store.mkdir()
        (store / "x").write_text("x", encoding="utf-8")
    else:
        raise ValueError(how)
