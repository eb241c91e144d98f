"""FX, valuation, consensus EPS, boards, industry and calendar through AkshareProvider."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pandas as pd
import pytest
import requests
from responses import matchers

from naion.errors import ProviderError
from naion.frames import CALENDAR, EPS, FX, MEMBERS, VALUATION
from naion.providers.base import SecurityRef

from .conftest import (
    EM_BOARD_CONS,
    EM_BOARD_NAMES,
    EM_DATACENTER,
    EM_KLINE,
    EM_STOCK_INFO,
    SINA_BOC,
    SINA_CALENDAR,
    THS_WORTH,
    calls_to,
    load_json,
    load_text,
)

JAN2, JAN4 = dt.date(2024, 1, 2), dt.date(2024, 1, 4)
CATL = SecurityRef("300750.SZ", "A", "SZSE")


def q(**params: str) -> list:
    return [matchers.query_param_matcher(params, strict_match=False)]


def gbk(name: str) -> bytes:
    return load_text(name).encode("gbk")


# ---------------------------------------------------------------- fx


def test_fx_usdcny_from_forex_hist_em(rsps, provider):
    body = load_json("em_forex_usdcnyc.json")
    rsps.get(EM_KLINE, json=body, match=q(secid="120.USDCNYC", klt="101"))
    fx = provider.fx("USDCNY", JAN2, JAN4)

    rows = [k.split(",") for k in body["data"]["klines"] if k >= "2024-01-02"]  # clipped
    assert list(fx.columns) == FX.names
    assert fx["rate"].tolist() == [float(r[2]) for r in rows]  # 最新价 = close
    assert [d.date().isoformat() for d in fx["date"]] == [r[0] for r in rows]


def test_fx_hkdcny_falls_back_to_boc_central_parity(rsps, provider):
    rsps.get(EM_KLINE, body=requests.exceptions.ConnectTimeout("connect timed out"))
    rsps.get(
        SINA_BOC,
        body=gbk("sina_boc_money_codes.html"),
        content_type="text/html; charset=gbk",
        match=[
            matchers.query_param_matcher(
                {
                    "startdate": "2024-01-02",
                    "enddate": "2024-01-04",
                    "money_code": "EUR",
                    "type": "0",
                }
            )
        ],
    )
    rsps.get(
        SINA_BOC,
        body=gbk("sina_boc_hkd.html"),
        content_type="text/html; charset=gbk",
        match=q(money_code="HKD", call_type="ajax", page="1"),
    )
    fx = provider.fx("HKDCNY", JAN2, JAN4)

    table = pd.read_html(StringIO(load_text("sina_boc_hkd.html")))[0]
    expected = table.sort_values("日期")["央行中间价"] / 100  # quoted per 100 HKD
    assert fx["rate"].tolist() == pytest.approx(expected.tolist())
    assert fx["date"].tolist() == [pd.Timestamp(d) for d in sorted(table["日期"])]
    assert calls_to(rsps, EM_KLINE) == 3


def test_fx_usdhkd_boc_fallback_crosses_usd_and_hkd(rsps, provider):
    rsps.get(EM_KLINE, status=500, body="Internal Server Error", match=q(secid="119.USDHKD"))
    rsps.get(
        SINA_BOC,
        body=gbk("sina_boc_money_codes.html"),
        content_type="text/html; charset=gbk",
        match=q(money_code="EUR"),
    )
    for code, name in (("USD", "sina_boc_usd.html"), ("HKD", "sina_boc_hkd.html")):
        rsps.get(
            SINA_BOC,
            body=gbk(name),
            content_type="text/html; charset=gbk",
            match=q(money_code=code, call_type="ajax"),
        )
    fx = provider.fx("USDHKD", JAN2, JAN4)

    usd = pd.read_html(StringIO(load_text("sina_boc_usd.html")))[0].set_index("日期")
    hkd = pd.read_html(StringIO(load_text("sina_boc_hkd.html")))[0].set_index("日期")
    days = sorted(usd.index)
    expected = [usd.at[d, "央行中间价"] / hkd.at[d, "央行中间价"] for d in days]
    assert fx["rate"].tolist() == pytest.approx(expected)
    assert fx["date"].tolist() == [pd.Timestamp(d) for d in days]


def test_fx_unsupported_pair(provider):
    with pytest.raises(ProviderError, match="'EURCNY' is not supported"):
        provider.fx("EURCNY", JAN2, JAN4)


# ---------------------------------------------------------------- valuation


def test_valuation_from_stock_value_em(rsps, provider):
    body = load_json("em_value_300750.json")
    rsps.get(
        EM_DATACENTER,
        json=body,
        match=q(reportName="RPT_VALUEANALYSIS_DET", filter='(SECURITY_CODE="300750")'),
    )
    val = provider.valuation(CATL, dt.date(2024, 1, 3), JAN4)

    rows = sorted(
        (r for r in body["result"]["data"] if r["TRADE_DATE"] >= "2024-01-03"),
        key=lambda r: r["TRADE_DATE"],
    )
    assert set(val.columns) == set(VALUATION.names)
    assert [d.date().isoformat() for d in val["date"]] == [r["TRADE_DATE"][:10] for r in rows]
    assert val["pe_ttm"].tolist() == [r["PE_TTM"] for r in rows]
    assert val["pe_static"].tolist() == [r["PE_LAR"] for r in rows]
    assert val["pb"].tolist() == [r["PB_MRQ"] for r in rows]
    assert val["ps_ttm"].tolist() == [r["PS_TTM"] for r in rows]
    assert val["peg"].tolist() == [r["PEG_CAR"] for r in rows]
    assert val["total_mv"].tolist() == [r["TOTAL_MARKET_CAP"] for r in rows]
    assert val["total_share"].tolist() == [r["TOTAL_SHARES"] for r in rows]


def test_valuation_with_a_renamed_field_names_code_function_and_column(rsps, provider):
    body = load_json("em_value_300750.json")
    for row in body["result"]["data"]:
        row["PE_TTM_NEW"] = row.pop("PE_TTM")  # an upstream rename
    rsps.get(EM_DATACENTER, json=body)

    with pytest.raises(ProviderError) as err:
        provider.valuation(CATL, JAN2, JAN4)

    message = err.value.message
    assert "300750.SZ" in message
    assert "akshare stock_value_em" in message
    assert "PE(TTM)" in message


def test_valuation_unknown_code(rsps, provider):
    rsps.get(
        EM_DATACENTER,
        json={
            "version": None,
            "result": None,
            "success": False,
            "message": "返回数据为空",
            "code": 9201,
        },
    )
    with pytest.raises(ProviderError, match=r"301999\.SZ valuation.*unknown symbol"):
        provider.valuation(SecurityRef("301999.SZ", "A"), JAN2, JAN4)


def test_valuation_is_for_a_shares_only(provider):
    with pytest.raises(ProviderError, match="A-shares only"):
        provider.valuation(SecurityRef("1211.HK", "HK", "HKEX", "HKD"), JAN2, JAN4)


# ---------------------------------------------------------------- consensus EPS


def test_consensus_eps_bulk_em_with_ths_fallback(rsps, provider):
    body = load_json("em_profit_forecast.json")
    rsps.get(EM_DATACENTER, json=body, match=q(reportName="RPT_WEB_RESPREDICT"))
    rsps.get(
        THS_WORTH.format("002866"),
        body=gbk("ths_worth_002866.html"),
        content_type="text/html; charset=gbk",
    )
    secs = [
        CATL,
        SecurityRef("002407.SZ", "A"),
        SecurityRef("002866.SZ", "A"),  # not covered by the EM table -> THS
        SecurityRef("1211.HK", "HK", "HKEX", "HKD"),  # no source: no rows
    ]
    eps = provider.consensus_eps(secs)

    assert list(eps.columns) == EPS.names
    assert set(eps["kind"]) == {"estimate"}
    expected = []
    for row in body["result"]["data"]:
        if row["SECURITY_CODE"] in ("300750", "002407"):
            for n in range(1, 5):
                if row[f"EPS{n}"] is not None:
                    expected.append(
                        (
                            f"{row['SECURITY_CODE']}.SZ",
                            row[f"YEAR{n}"],
                            row[f"EPS{n}"],
                            row["RATING_ORG_NUM"],
                        )
                    )
    ths = pd.read_html(StringIO(load_text("ths_worth_002866.html")))[0]
    expected += [
        ("002866.SZ", int(r["年度"]), float(r["均值"]), int(r["预测机构数"]))
        for _, r in ths.iterrows()
    ]
    got = [(r.code, int(r.fiscal_year), float(r.eps), int(r.analysts)) for r in eps.itertuples()]
    assert got == sorted(expected)
    # the bulk table is fetched once (page count + one page), not per code
    assert calls_to(rsps, EM_DATACENTER) == 2


def test_consensus_eps_for_nothing_is_an_empty_frame(rsps, provider):
    eps = provider.consensus_eps([SecurityRef("TSLA", "US", "NASDAQ", "USD")])
    assert eps.empty
    assert list(eps.columns) == EPS.names
    assert len(rsps.calls) == 0


def test_consensus_eps_without_any_source_is_an_error(rsps, provider):
    rsps.get(EM_DATACENTER, body=requests.exceptions.ConnectTimeout("connect timed out"))
    rsps.get(THS_WORTH.format("300750"), status=403, body="Forbidden")
    with pytest.raises(ProviderError) as err:
        provider.consensus_eps([CATL])
    message = err.value.message
    assert "300750.SZ consensus EPS" in message
    assert "akshare stock_profit_forecast_em: timed out" in message
    assert "akshare stock_profit_forecast_ths: HTTP 403" in message


# ---------------------------------------------------------------- boards, industry


def add_boards(rsps) -> None:
    rsps.get(EM_BOARD_NAMES, json=load_json("em_board_names.json"), match=q(fs="m:90 t:3 f:!50"))
    rsps.get(
        EM_BOARD_CONS, json=load_json("em_board_cons_bk9999.json"), match=q(fs="b:BK9999 f:!50")
    )


def test_board_members_by_name(rsps, provider):
    add_boards(rsps)
    members = provider.board_members("钠离子电池")

    diff = load_json("em_board_cons_bk9999.json")["data"]["diff"]
    suffix = {0: "SZ", 1: "SH"}  # f13: the Eastmoney market of each row
    assert list(members.columns) == MEMBERS.names
    assert sorted(members["code"]) == sorted(f"{d['f12']}.{suffix[d['f13']]}" for d in diff)
    assert dict(zip(members["code"], members["name"], strict=True)) == {
        f"{d['f12']}.{suffix[d['f13']]}": d["f14"] for d in diff
    }


def test_unknown_board(rsps, provider):
    add_boards(rsps)
    with pytest.raises(ProviderError, match="no Eastmoney concept board named '锂矿'"):
        provider.board_members("锂矿")


def test_industry_from_stock_individual_info_em(rsps, provider):
    body = load_json("em_info_300750.json")
    rsps.get(EM_STOCK_INFO, json=body, match=q(secid="0.300750"))
    assert provider.industry("300750.SZ") == body["data"]["f127"]


def test_industry_unknown_code(rsps, provider):
    rsps.get(EM_STOCK_INFO, json={"rc": 0, "rt": 4, "svr": 1, "lt": 1, "full": 1, "data": None})
    with pytest.raises(ProviderError, match=r"301999\.SZ industry.*unknown symbol"):
        provider.industry("301999.SZ")


def test_industry_of_a_non_a_share_is_none(rsps, provider):
    assert provider.industry("1211.HK") is None
    assert len(rsps.calls) == 0


# ---------------------------------------------------------------- calendar


def test_calendar_falls_back_to_csi300_dates(rsps, provider):
    # the Sina calendar body is V8-decoded and cannot be hand-made: only its failure is covered
    rsps.get(SINA_CALENDAR, status=503, body="Service Unavailable")
    body = load_json("em_index_000300.json")
    rsps.get(EM_KLINE, json=body, match=q(secid="1.000300", beg="19900101", end="20500101"))
    cal = provider.trading_calendar()

    assert list(cal.columns) == CALENDAR.names
    assert [d.date().isoformat() for d in cal["date"]] == [
        k.split(",")[0] for k in body["data"]["klines"]
    ]
    assert calls_to(rsps, SINA_CALENDAR) == 3


# ---------------------------------------------------------------- module hygiene


def test_import_is_lazy():
    code = (
        "import sys, json; import naion.providers.akshare_provider as m; "
        "print(json.dumps([n for n in ('akshare', 'pandas', 'requests') if n in sys.modules]))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    ).stdout
    assert json.loads(out) == []
