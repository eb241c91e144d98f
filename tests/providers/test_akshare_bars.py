"""Daily bars through AkshareProvider, with akshare parsing recorded-shape HTTP bodies."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
import requests
from responses import matchers

from naion.errors import ProviderError
from naion.frames import BARS
from naion.providers.base import SecurityRef

from .conftest import (
    EM_HK_KLINE,
    EM_KLINE,
    EM_US_KLINE,
    SINA_US_STATIC,
    TX_FIRST_DATE,
    TX_KLINE,
    calls_to,
    load_json,
    load_text,
)

CATL = SecurityRef("300750.SZ", "A", "SZSE")
JAN2, JAN4 = dt.date(2024, 1, 2), dt.date(2024, 1, 4)


def klines(name: str) -> list[list[str]]:
    """The comma-separated kline strings of a fixture, split into fields."""
    return [k.split(",") for k in load_json(name)["data"]["klines"]]


def q(**params: str) -> list:
    return [matchers.query_param_matcher(params, strict_match=False)]


def add_tx(rsps, symbol: str, year: int = 2024, adjust: str = "") -> None:
    rsps.get(TX_FIRST_DATE, body=load_text(f"tx_weektrends_{symbol}.txt"), match=q(code=symbol))
    rsps.get(
        TX_KLINE,
        body=load_text(f"tx_kline_{symbol}_{year}.txt"),
        match=q(_var=f"kline_day{adjust}{year}"),
    )


def tx_rows(name: str) -> list[list]:
    text = load_text(name)
    body = json.loads(text[text.find("={") + 1 :])
    (stock,) = body["data"].values()
    return stock["day"]


def test_a_share_unadjusted_parses_em_body(rsps, provider):
    rsps.get(
        EM_KLINE,
        json=load_json("em_kline_300750.json"),
        match=q(secid="0.300750", fqt="0", klt="101", beg="20240102", end="20240104"),
    )
    bars = provider.bars(CATL, "none", JAN2, JAN4)

    rows = klines("em_kline_300750.json")
    assert list(bars.columns) == BARS.names
    assert bars["date"].dtype == "datetime64[us]"
    assert [d.date().isoformat() for d in bars["date"]] == [r[0] for r in rows]
    assert bars["open"].tolist() == [float(r[1]) for r in rows]
    assert bars["close"].tolist() == [float(r[2]) for r in rows]
    assert bars["high"].tolist() == [float(r[3]) for r in rows]
    assert bars["low"].tolist() == [float(r[4]) for r in rows]
    assert bars["volume"].tolist() == [int(r[5]) * 100 for r in rows]  # lots -> shares
    assert bars["amount"].tolist() == [float(r[6]) for r in rows]
    assert len(rsps.calls) == 1


def test_a_share_qfq_asks_for_fqt_1(rsps, provider):
    rsps.get(EM_KLINE, json=load_json("em_kline_300750_qfq.json"), match=q(fqt="1"))
    bars = provider.bars(CATL, "qfq", JAN2, JAN4)

    assert bars["close"].tolist() == [float(r[2]) for r in klines("em_kline_300750_qfq.json")]
    assert "fqt=1" in rsps.calls[0].request.url


def test_a_share_em_500_three_times_then_tencent(rsps, provider):
    rsps.get(EM_KLINE, status=500, body="<html><body>500 Internal Server Error</body></html>")
    add_tx(rsps, "sz300750")
    bars = provider.bars(CATL, "none", JAN2, JAN4)

    assert calls_to(rsps, EM_KLINE) == 3  # RetryPolicy.attempts
    assert calls_to(rsps, TX_KLINE) == 1  # one request per calendar year
    rows = tx_rows("tx_kline_sz300750_2024.txt")
    assert bars["close"].tolist() == [float(r[2]) for r in rows]
    # Tencent: volume in lots (akshare x100 for sz300), amount in 10k CNY (akshare x10,000)
    assert bars["volume"].tolist() == [float(r[5]) * 100 for r in rows]
    assert bars["amount"].tolist() == pytest.approx([float(r[8]) * 10_000 for r in rows])


def test_tencent_sz000_volume_is_converted_to_shares(rsps, provider):
    """akshare leaves sz000xxx volume in lots; the provider finishes the conversion."""
    rsps.get(EM_KLINE, status=502, body="Bad Gateway")
    add_tx(rsps, "sz000001")
    bars = provider.bars(SecurityRef("000001.SZ", "A"), "none", JAN2, JAN4)

    rows = tx_rows("tx_kline_sz000001_2024.txt")
    assert bars["close"].tolist() == [float(r[2]) for r in rows]
    assert bars["volume"].tolist() == [float(r[5]) * 100 for r in rows]


def test_timeout_everywhere_is_one_provider_error(rsps, provider):
    timeout = requests.exceptions.ConnectTimeout("connect timed out")
    rsps.get(EM_KLINE, body=timeout)
    rsps.get(TX_FIRST_DATE, body=timeout)
    rsps.get(TX_KLINE, body=timeout)

    with pytest.raises(ProviderError) as err:
        provider.bars(CATL, "none", JAN2, JAN4)

    line = err.value.one_line()
    assert "\n" not in line
    assert "300750.SZ" in line
    assert "akshare stock_zh_a_hist: timed out" in line
    assert "akshare stock_zh_a_hist_tx: timed out" in line
    assert calls_to(rsps, EM_KLINE) == 3
    assert calls_to(rsps, TX_FIRST_DATE) == 3


def test_kline_with_a_missing_field_names_the_function(rsps, provider):
    """akshare names kline fields by position: a field fewer is a length mismatch."""
    rsps.get(EM_KLINE, json=load_json("em_kline_300750_10fields.json"))
    rsps.get(TX_FIRST_DATE, body=requests.exceptions.ConnectTimeout("connect timed out"))

    with pytest.raises(ProviderError) as err:
        provider.bars(CATL, "none", JAN2, JAN4)

    message = err.value.message
    assert message.startswith("300750.SZ daily bars: every source failed")
    assert "akshare stock_zh_a_hist: ValueError: Length mismatch" in message
    assert calls_to(rsps, EM_KLINE) == 1  # a parse failure is not retried


def test_a_bar_that_breaks_the_schema_names_column_and_row(rsps, provider):
    body = load_json("em_kline_300750.json")
    fields = body["data"]["klines"][1].split(",")
    fields[2] = "0.00"  # a close of zero
    body["data"]["klines"][1] = ",".join(fields)
    rsps.get(EM_KLINE, json=body)
    rsps.get(TX_FIRST_DATE, body=requests.exceptions.ConnectTimeout("connect timed out"))

    with pytest.raises(ProviderError) as err:
        provider.bars(CATL, "none", JAN2, JAN4)

    assert (
        "akshare stock_zh_a_hist: does not fit the daily bars schema: "
        "column close: 0.0 is not positive (row 1)"
    ) in err.value.message


def test_broken_primary_falls_back_to_tencent(rsps, provider, caplog):
    rsps.get(EM_KLINE, json=load_json("em_kline_300750_10fields.json"))
    add_tx(rsps, "sz300750")
    with caplog.at_level("WARNING", logger="naion.providers.akshare_provider"):
        bars = provider.bars(CATL, "none", JAN2, JAN4)

    assert len(bars) == 3
    assert "Length mismatch" in caplog.text  # the drift is not silent


def test_unknown_symbol_is_a_provider_error(rsps, provider):
    rsps.get(EM_KLINE, json=load_json("em_data_null.json"), match=q(secid="0.301999"))
    rsps.get(TX_FIRST_DATE, body=load_text("tx_weektrends_unknown.txt"))
    rsps.get(TX_KLINE, body=load_text("tx_kline_unknown.txt"), match=q(_var="kline_dayqfq"))

    with pytest.raises(ProviderError) as err:
        provider.bars(SecurityRef("301999.SZ", "A"), "none", JAN2, JAN4)

    message = err.value.message
    assert "301999.SZ" in message
    assert "akshare stock_zh_a_hist: the vendor answered data: null (unknown symbol?)" in message
    assert "akshare stock_zh_a_hist_tx:" in message


def test_empty_klines_give_an_empty_frame_after_trying_the_fallback(rsps, provider):
    rsps.get(EM_KLINE, json=load_json("em_kline_empty.json"))
    add_tx(rsps, "sz300750")  # Tencent holds January only
    bars = provider.bars(CATL, "none", dt.date(2024, 2, 10), dt.date(2024, 2, 17))

    assert bars.empty
    assert list(bars.columns) == BARS.names
    assert bars["date"].dtype == "datetime64[us]"
    assert calls_to(rsps, TX_KLINE) == 1


def test_transient_503_is_retried(rsps, provider):
    rsps.get(EM_KLINE, status=503, body="Service Unavailable")
    rsps.get(EM_KLINE, json=load_json("em_kline_300750.json"))
    bars = provider.bars(CATL, "none", JAN2, JAN4)

    assert len(rsps.calls) == 2
    assert len(bars) == 3


def test_date_range_is_clipped(rsps, provider):
    rsps.get(EM_KLINE, json=load_json("em_kline_300750.json"))
    bars = provider.bars(CATL, "none", dt.date(2024, 1, 3), dt.date(2024, 1, 3))
    assert bars["date"].tolist() == [pd.Timestamp("2024-01-03")]


@pytest.mark.parametrize("adjust", ["hfq", "", "QFQ"])
def test_unsupported_adjust(provider, adjust):
    with pytest.raises(ProviderError, match="not supported"):
        provider.bars(CATL, adjust, JAN2, JAN4)


def test_hk_bars(rsps, provider):
    rsps.get(
        EM_HK_KLINE, json=load_json("em_kline_01211.json"), match=q(secid="116.01211", fqt="0")
    )
    bars = provider.bars(SecurityRef("1211.HK", "HK", "HKEX", "HKD"), "none", JAN2, JAN4)

    rows = [r for r in klines("em_kline_01211.json") if r[0] >= "2024-01-02"]  # clipped
    assert bars["close"].tolist() == [float(r[2]) for r in rows]
    assert bars["volume"].tolist() == [float(r[5]) for r in rows]  # HK volume is in shares
    assert bars["amount"].tolist() == [float(r[6]) for r in rows]


@pytest.mark.parametrize(
    ("ticker", "exchange", "vendor_codes", "secid"),
    [
        ("TSLA", "NASDAQ", {}, "105.TSLA"),
        ("NIO", "NYSE", {}, "106.NIO"),
        ("SPY", "NYSE Arca", {}, "107.SPY"),
        ("BRK.B", "NYSE", {}, "106.BRK_B"),
        ("SPY", "NYSE Arca", {"em": "106.SPY"}, "106.SPY"),
    ],
)
def test_us_bars_use_the_eastmoney_market_prefix(
    rsps, provider, ticker, exchange, vendor_codes, secid
):
    rsps.get(EM_US_KLINE, json=load_json("em_kline_tsla.json"), match=q(secid=secid, fqt="0"))
    sec = SecurityRef(ticker, "US", exchange, "USD", vendor_codes)
    bars = provider.bars(sec, "none", JAN2, JAN4)

    rows = klines("em_kline_tsla.json")
    assert bars["close"].tolist() == [float(r[2]) for r in rows]
    assert bars["volume"].tolist() == [float(r[5]) for r in rows]
    assert len(rsps.calls) == 1


def test_us_unknown_exchange_tries_each_prefix(rsps, provider):
    rsps.get(EM_US_KLINE, json=load_json("em_data_null.json"), match=q(secid="105.TSLA"))
    rsps.get(EM_US_KLINE, json=load_json("em_kline_tsla.json"), match=q(secid="106.TSLA"))
    bars = provider.bars(SecurityRef("TSLA", "US", None, "USD"), "qfq", JAN2, JAN4)

    assert len(bars) == 3
    assert [c.request.params["secid"] for c in rsps.calls] == ["105.TSLA", "106.TSLA"]
    assert all(c.request.params["fqt"] == "1" for c in rsps.calls)


def test_us_all_sources_fail(rsps, provider):
    rsps.get(EM_US_KLINE, json=load_json("em_data_null.json"))
    rsps.get(SINA_US_STATIC.format("TSLA"), status=404, body="Not Found")
    with pytest.raises(ProviderError) as err:
        provider.bars(SecurityRef("TSLA", "US", "NASDAQ", "USD"), "none", JAN2, JAN4)
    message = err.value.message
    assert "TSLA daily bars" in message
    assert "akshare stock_us_hist: the vendor answered data: null" in message
    assert "akshare stock_us_daily: HTTP 404" in message


def test_csi300_via_stock_zh_index_daily_em(rsps, provider):
    rsps.get(
        EM_KLINE,
        json=load_json("em_index_000300.json"),
        match=q(secid="1.000300", fqt="0", beg="20240102", end="20240104"),
    )
    bars = provider.bars(SecurityRef("000300.SH", "INDEX"), "none", JAN2, JAN4)

    rows = klines("em_index_000300.json")
    assert bars["close"].tolist() == [float(r[2]) for r in rows]
    assert bars["volume"].tolist() == [float(r[5]) * 100 for r in rows]
    assert bars["amount"].tolist() == [float(r[6]) for r in rows]


def test_index_adjust_must_be_none(provider):
    with pytest.raises(ProviderError, match="does not apply to an index"):
        provider.bars(SecurityRef("000300.SH", "INDEX"), "qfq", JAN2, JAN4)


def test_spx_falls_back_to_em_global_index(rsps, provider):
    # the Sina body is V8-decoded and cannot be hand-made: only its failure is exercised here
    rsps.get(SINA_US_STATIC.format(".INX"), status=503, body="Service Unavailable")
    rsps.get(EM_KLINE, json=load_json("em_global_spx.json"), match=q(secid="100.SPX"))
    bars = provider.bars(SecurityRef("SPX", "INDEX"), "none", JAN2, JAN4)

    rows = [r for r in klines("em_global_spx.json") if r[0] <= "2024-01-04"]
    assert bars["close"].tolist() == [float(r[2]) for r in rows]
    assert bars["open"].tolist() == [float(r[1]) for r in rows]
    assert bars["volume"].isna().all()
    assert calls_to(rsps, SINA_US_STATIC.format(".INX")) == 3
