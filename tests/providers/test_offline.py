"""No network at all (name resolution fails): one line at once, no retry backoff."""

from __future__ import annotations

import pytest
import requests

from naion.errors import ProviderError
from naion.providers.base import RetryPolicy, SecurityRef
from tests.helpers import dns_failure

from .conftest import EM_KLINE, TX_FIRST_DATE


def test_offline_fails_once_without_sleeping(rsps, monkeypatch: pytest.MonkeyPatch) -> None:
    import akshare.utils.request

    from naion.providers.akshare_provider import AkshareProvider

    slept: list[float] = []
    monkeypatch.setattr(akshare.utils.request.time, "sleep", slept.append)
    rsps.add(rsps.GET, EM_KLINE, body=dns_failure(EM_KLINE))
    rsps.add(rsps.GET, TX_FIRST_DATE, body=dns_failure(TX_FIRST_DATE))
    provider = AkshareProvider(retry=RetryPolicy(sleep=slept.append), timeout=5.0)
    import datetime as dt

    sec = SecurityRef("300750.SZ", "A", "SZSE")
    with pytest.raises(ProviderError, match="network unreachable"):
        provider.bars(sec, "none", dt.date(2024, 1, 2), dt.date(2024, 1, 4))
    assert slept == []  # neither naion's backoff nor akshare's own retry loop waited
    # every later call fails at once too, without another request
    before = len(rsps.calls)
    with pytest.raises(ProviderError, match="network unreachable"):
        provider.bars(sec, "qfq", dt.date(2024, 1, 2), dt.date(2024, 1, 4))
    assert len(rsps.calls) == before


def test_a_plain_connection_error_is_still_retried(rsps) -> None:
    from naion.providers.akshare_provider import AkshareProvider

    slept: list[float] = []
    rsps.add(rsps.GET, EM_KLINE, body=requests.ConnectionError("connection reset"))
    rsps.add(rsps.GET, TX_FIRST_DATE, body=requests.ConnectionError("connection reset"))
    provider = AkshareProvider(retry=RetryPolicy(sleep=slept.append), timeout=5.0)
    import datetime as dt

    with pytest.raises(ProviderError):
        provider.bars(
            SecurityRef("300750.SZ", "A", "SZSE"), "none", dt.date(2024, 1, 2), dt.date(2024, 1, 4)
        )
    assert len(slept) >= 2  # the transient failure was retried with backoff
