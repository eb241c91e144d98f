"""Shared fixtures for the akshare provider tests.

Every test runs inside a ``responses`` mock: a URL that was not registered raises
``requests.ConnectionError``, so no test can reach the real network. akshare's own sleeps and
naion's retry backoff are no-ops, so retry paths cost nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("TQDM_DISABLE", "1")

import pytest
import responses

from naion.providers.akshare_provider import AkshareProvider
from naion.providers.base import RetryPolicy

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "akshare"

EM_KLINE = "https://push2his.eastmoney.com/api/qt/stock/kline/get"
EM_HK_KLINE = "https://33.push2his.eastmoney.com/api/qt/stock/kline/get"
EM_US_KLINE = "https://63.push2his.eastmoney.com/api/qt/stock/kline/get"
EM_DATACENTER = "https://datacenter-web.eastmoney.com/api/data/v1/get"
EM_BOARD_NAMES = "https://79.push2.eastmoney.com/api/qt/clist/get"
EM_BOARD_CONS = "https://29.push2.eastmoney.com/api/qt/clist/get"
EM_STOCK_INFO = "https://push2.eastmoney.com/api/qt/stock/get"
TX_FIRST_DATE = "https://web.ifzq.gtimg.cn/other/klineweb/klineWeb/weekTrends"
TX_KLINE = "https://proxy.finance.qq.com/ifzqgtimg/appstock/app/newfqkline/get"
SINA_BOC = "http://biz.finance.sina.com.cn/forex/forex.php"
SINA_US_STATIC = "https://finance.sina.com.cn/staticdata/us/{}"
SINA_CALENDAR = "https://finance.sina.com.cn/realstock/company/klc_td_sh.txt"
THS_WORTH = "https://basic.10jqka.com.cn/new/{}/worth.html"


def load_json(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def load_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def _no_sleep_no_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    import akshare.request
    import akshare.utils.func
    import akshare.utils.request
    from akshare.currency import currency_china_bank_sina
    from akshare.stock import stock_board_concept_em

    from naion.providers import akshare_provider

    for module in (akshare.utils.func, akshare.utils.request, akshare.request):
        monkeypatch.setattr(module.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(akshare_provider._Network, "down_since", None)
    name_cache = getattr(stock_board_concept_em, "__stock_board_concept_name_em")
    name_cache.cache_clear()
    currency_china_bank_sina._currency_boc_sina_map.cache_clear()
    yield
    name_cache.cache_clear()
    currency_china_bank_sina._currency_boc_sina_map.cache_clear()


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def provider() -> AkshareProvider:
    return AkshareProvider(retry=RetryPolicy(sleep=lambda seconds: None), timeout=5.0)


def calls_to(mock: responses.RequestsMock, url: str) -> int:
    """How many requests went to ``url`` (query string ignored)."""
    return sum(1 for call in mock.calls if call.request.url.split("?")[0] == url)
