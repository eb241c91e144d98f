"""Lithium carbonate through AkshareProvider.commodity and `naion data sync`, at the HTTP level.

akshare 1.19.5 parses recorded-shape bodies served by `responses` (any URL not registered
raises ConnectionError, so nothing reaches the network):

* ``futures_main_sina(symbol="LC0")``: Sina's JSONP ``InnerFuturesNewService.getDailyKLine``,
  records ``d,o,h,l,c,v,p,s`` (date, OHLC, volume, open interest, settle), prices as text;
* ``futures_hist_em(symbol="碳酸锂主连")``: Eastmoney's futures symbol table
  (``futsse-static.eastmoney.com/redis?msgid=gnweb`` -> ``225`` -> ``225_1``) then the kline;
* ``futures_spot_sys(symbol="碳酸锂")``: 100ppi's commodity list, then the commodity page whose
  second table has one column per date (现货价格, 最近合约, 主力合约 rows);
* ``spot_price_qh(symbol="碳酸锂")``: 99qh's page (``__NEXT_DATA__`` product ids), a token
  header, then the spot trend JSON (date, fp, sp).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import responses
from responses import matchers

from naion.errors import ProviderError
from naion.providers.akshare_provider import AkshareProvider
from naion.providers.base import COMMODITY, RetryPolicy
from naion.store import Store
from naion.sync import commodity_targets, plan
from tests.helpers import run_cli
from tests.thesis.helpers import plant_series

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "akshare"
SINA = re.compile(r"https://stock2\.finance\.sina\.com\.cn/futures/api/jsonp\.php/.*")
EM_REDIS = "https://futsse-static.eastmoney.com/redis"
EM_KLINE = "https://push2his.eastmoney.com/api/qt/stock/kline/get"
PPI_INDEX = "https://www.100ppi.com/sf/792.html"
PPI_LC = "https://www.100ppi.com/sf/1272.html"
QH_PAGE = "https://www.99qh.com/data/spotTrend"
QH_TOKEN = "https://centerapi.fx168api.com/app/common/v.js"
QH_TREND = "https://centerapi.fx168api.com/app/qh/api/spot/trend"
OCT24, OCT30 = dt.date(2025, 10, 24), dt.date(2025, 10, 30)


def text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def body(name: str) -> object:
    return json.loads(text(name))


def q(**params: str) -> list:
    return [matchers.query_param_matcher(params, strict_match=False)]


def sina_records() -> list[dict]:
    raw = text("sina_futures_lc0.txt")
    return json.loads(raw[raw.find("([") + 1 : raw.rfind("])") + 1])


@pytest.fixture(autouse=True)
def _no_sleep_no_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    import akshare.futures.futures_hist_em as em

    caches = [
        getattr(em, "__fetch_exchange_symbol_raw_em"),
        getattr(em, "__get_exchange_symbol_map"),
    ]
    for c in caches:
        c.cache_clear()
    yield
    for c in caches:
        c.cache_clear()


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def provider() -> AkshareProvider:
    return AkshareProvider(retry=RetryPolicy(sleep=lambda seconds: None), timeout=5.0)


def serve_em(rsps: responses.RequestsMock) -> None:
    rsps.get(EM_REDIS, json=body("em_fut_gnweb.json"), match=q(msgid="gnweb"))
    rsps.get(EM_REDIS, json=body("em_fut_225.json"), match=q(msgid="225"))
    rsps.get(EM_REDIS, json=body("em_fut_225_1.json"), match=q(msgid="225_1"))
    rsps.get(EM_KLINE, json=body("em_fut_kline_lcm.json"), match=q(secid="225.lcm", klt="101"))


def serve_qh(rsps: responses.RequestsMock) -> None:
    rsps.get(QH_PAGE, body=text("qh99_spot_trend_page.html"))
    rsps.get(QH_TOKEN, body="var v=1;", headers={"_pcc": "token-1"})
    rsps.get(
        QH_TREND,
        json=body("qh99_spot_trend_lc.json"),
        match=[*q(productId="1108"), matchers.header_matcher({"_pcc": "token-1"})],
    )


def calls(rsps: responses.RequestsMock, pattern: str) -> int:
    return sum(1 for c in rsps.calls if re.match(pattern, c.request.url))


# ---------------------------------------------------------------- futures


def test_futures_main_contract_from_sina(rsps, provider) -> None:
    rsps.get(SINA, body=text("sina_futures_lc0.txt"))
    got = provider.commodity("li2co3_gfex_main", OCT24, OCT30)
    want = [r for r in sina_records() if r["d"] >= "2025-10-24"]
    assert list(got.columns) == COMMODITY.names
    assert [d.date().isoformat() for d in got["date"]] == [r["d"] for r in want]
    assert got["close"].tolist() == [float(r["c"]) for r in want]
    assert got["open"].tolist() == [float(r["o"]) for r in want]
    assert got["volume"].tolist() == [float(r["v"]) for r in want]  # lots
    assert set(got["vendor"]) == {"futures_main_sina"} and got["contract"].isna().all()
    assert "symbol=LC0" in rsps.calls[0].request.url


def test_futures_fall_back_to_eastmoney_after_sina_keeps_failing(rsps, provider) -> None:
    rsps.get(SINA, status=502, body="bad gateway")
    serve_em(rsps)
    got = provider.commodity("li2co3_gfex_main", OCT24, OCT30)
    assert calls(rsps, SINA.pattern) == 3  # the 502 is retried, then Eastmoney answers
    kl = [k.split(",") for k in body("em_fut_kline_lcm.json")["data"]["klines"]]
    want = [k for k in kl if k[0] >= "2025-10-24"]
    assert got["close"].tolist() == [float(k[2]) for k in want]  # f53 = close
    assert got["high"].tolist() == [float(k[3]) for k in want]
    assert set(got["vendor"]) == {"futures_hist_em"}


def test_a_sina_body_of_another_shape_falls_back_without_retry(rsps, provider) -> None:
    rsps.get(SINA, body="var _LC0=(null);")
    serve_em(rsps)
    got = provider.commodity("li2co3_gfex_main", OCT24, OCT30)
    assert calls(rsps, SINA.pattern) == 1 and len(got) == 5


def test_every_futures_source_failing_is_one_provider_error(rsps, provider) -> None:
    rsps.get(SINA, body=requests.exceptions.ConnectionError("down"))
    rsps.get(EM_REDIS, body=requests.exceptions.ConnectionError("down"))
    with pytest.raises(ProviderError) as info:
        provider.commodity("li2co3_gfex_main", OCT24, OCT30)
    line = info.value.one_line()
    assert "li2co3_gfex_main daily prices: every source failed" in line
    assert "futures_main_sina: network unreachable" in line
    assert "futures_hist_em: network unreachable" in line and "\n" not in line


def test_no_row_in_the_window_is_an_empty_frame(rsps, provider) -> None:
    rsps.get(SINA, body=text("sina_futures_lc0.txt"))
    serve_em(rsps)
    got = provider.commodity("li2co3_gfex_main", dt.date(2025, 11, 3), dt.date(2025, 11, 7))
    assert got.empty and list(got.columns) == COMMODITY.names


def test_an_unknown_series_is_refused(provider) -> None:
    with pytest.raises(ProviderError, match="'copper' is not supported"):
        provider.commodity("copper", OCT24, OCT30)


# ---------------------------------------------------------------- spot


def test_spot_from_100ppi_futures_spot_table(rsps, provider) -> None:
    rsps.get(PPI_INDEX, body=text("ppi_sf_index.html"))
    rsps.get(PPI_LC, body=text("ppi_sf_lc.html"))
    got = provider.commodity("li2co3_spot_basis", OCT24, OCT30)
    assert [d.date().isoformat() for d in got["date"]] == [
        "2025-10-24",
        "2025-10-27",
        "2025-10-28",
        "2025-10-29",
        "2025-10-30",
    ]
    assert got["close"].tolist() == [78350.0, 79100.0, 80050.0, 80300.0, 81150.0]  # 现货价格
    assert set(got["vendor"]) == {"futures_spot_sys"} and got["open"].isna().all()


def test_spot_dates_without_a_year_fall_back_to_99qh(rsps, provider) -> None:
    rsps.get(PPI_INDEX, body=text("ppi_sf_index.html"))
    rsps.get(PPI_LC, body=text("ppi_sf_lc_short_dates.html"))
    serve_qh(rsps)
    got = provider.commodity("li2co3_spot_basis", OCT24, OCT30)
    trend = {r["date"]: r["sp"] for r in body("qh99_spot_trend_lc.json")["data"]["list"]}
    assert [d.date().isoformat() for d in got["date"]] == sorted(
        d for d in trend if d >= "2025-10-24"
    )
    assert got["close"].tolist() == [float(trend[d.date().isoformat()]) for d in got["date"]]
    assert set(got["vendor"]) == {"spot_price_qh"}


def test_spot_missing_from_100ppi_list_falls_back_to_99qh(rsps, provider) -> None:
    rsps.get(PPI_INDEX, body=text("ppi_sf_index.html").replace("碳酸锂", "碳酸钠"))
    serve_qh(rsps)
    got = provider.commodity("li2co3_spot_basis", OCT24, OCT30)
    assert len(got) == 5 and set(got["vendor"]) == {"spot_price_qh"}


# ---------------------------------------------------------------- sync


def test_plan_spans_the_missing_dates_in_one_request_per_series(naion_home: Path) -> None:
    plant_series(naion_home, "li2co3_gfex_main", {"2023-07-21": 215_100.0, "2025-10-23": 79_940.0})
    now = dt.datetime(2025, 10, 31, 12, tzinfo=dt.UTC)
    with Store(naion_home / "store.duckdb", read_only=True) as st:
        tasks, held = plan(
            st,
            [],
            dt.date(2025, 1, 1),
            OCT30,
            now=now,
            fx=False,
            commodities=["li2co3_gfex_main", "li2co3_spot_basis"],
        )
    assert [(t.dataset, t.key, t.start, t.end) for t in tasks] == [
        ("commodity", "li2co3_gfex_main", dt.date(2025, 10, 24), OCT30),  # after the rows held
        ("commodity", "li2co3_spot_basis", dt.date(2025, 1, 1), OCT30),
    ]
    assert held == []
    assert commodity_targets(["li2co3_gfex_main", "sodium-ion", "300750.SZ"]) == (
        ["li2co3_gfex_main"],
        ["sodium-ion", "300750.SZ"],
    )


def test_sync_writes_commodities_once_and_keeps_rows_held(
    rsps, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # an imported row the vendor disagrees with: a sync adds dates, it never rewrites them
    plant_series(naion_home, "li2co3_gfex_main", {"2025-10-24": 79_000.0}, name="imported")
    rsps.get(SINA, body=text("sina_futures_lc0.txt"))
    rsps.get(PPI_INDEX, body=text("ppi_sf_index.html"))
    rsps.get(PPI_LC, body=text("ppi_sf_lc.html"))
    args = ["data", "sync", "li2co3_gfex_main", "li2co3_spot_basis", "--start", "2025-10-20"]
    code, _, err = run_cli([*args, "--end", "2025-10-30"], capsys)
    assert code == 0, err
    with Store(naion_home / "store.duckdb", read_only=True) as st:
        fut = st.commodity("li2co3_gfex_main")
        spot = st.commodity("li2co3_spot_basis")
        meta = st.commodity_series().set_index("series")
        cov = st.covered("commodity", "li2co3_spot_basis")
    closes = dict(zip(fut["date"].astype(str).str[:10], fut["close"], strict=True))
    assert closes["2025-10-24"] == 79_000.0  # kept
    assert closes["2025-10-30"] == 83_400.0 and closes["2025-10-23"] == 79_940.0  # added
    assert set(fut["source"]) == {"test", "akshare:futures_main_sina"}
    assert len(spot) == 6 and set(spot["source"]) == {"akshare:futures_spot_sys"}
    assert meta.loc["li2co3_gfex_main", "name"] == "imported"  # metadata held is kept too
    assert meta.loc["li2co3_spot_basis", "unit"] == "CNY/t"
    assert cov == (dt.date(2025, 10, 20), OCT30)
    before = len(rsps.calls)
    code, out, err = run_cli([*args, "--end", "2025-10-30"], capsys)
    assert code == 0 and len(rsps.calls) == before  # nothing new: no request at all
    assert "2 series already up to date" in out  # the sync table's summary


def test_a_failed_commodity_sync_writes_nothing(
    rsps, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rsps.get(SINA, body=text("sina_futures_lc0.txt"))
    rsps.get(PPI_INDEX, status=503)
    rsps.get(QH_PAGE, status=503)
    args = ["data", "sync", "li2co3_gfex_main", "li2co3_spot_basis", "--start", "2025-10-20"]
    code, _, err = run_cli([*args, "--end", "2025-10-30"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "li2co3_spot_basis daily prices: every source failed" in err
    assert not (naion_home / "store.duckdb").exists()  # the failed first sync left no store
