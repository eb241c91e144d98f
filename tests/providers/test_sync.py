"""`naion data sync` end to end: akshare parses recorded-shape bodies served by `responses`.

Incremental syncs, atomic writes and the failure outcomes (network down, HTTP 5xx, a vendor
schema change) are checked on the store itself.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path

import pytest
from responses import matchers

from naion.store import Store
from tests.helpers import run_cli

from .conftest import EM_KLINE, TX_FIRST_DATE, TX_KLINE, calls_to, load_json

SYNC = ["data", "sync", "300750.SZ", "--start", "2024-01-02", "--end", "2024-01-04", "--no-eps"]


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "sleep", lambda seconds: None)


def q(**params: str) -> list:
    return [matchers.query_param_matcher(params, strict_match=False)]


def serve_all(rsps) -> None:
    rsps.get(EM_KLINE, json=load_json("em_kline_300750.json"), match=q(secid="0.300750", fqt="0"))
    rsps.get(
        EM_KLINE, json=load_json("em_kline_300750_qfq.json"), match=q(secid="0.300750", fqt="1")
    )
    rsps.get(EM_KLINE, json=load_json("em_forex_usdcnyc.json"), match=q(secid="120.USDCNYC"))
    rsps.get(EM_KLINE, json=load_json("em_forex_usdcnyc.json"), match=q(secid="120.HKDCNYC"))
    rsps.get(
        "https://datacenter-web.eastmoney.com/api/data/v1/get",
        json=load_json("em_value_300750.json"),
    )
    # the trading calendar: Sina's body cannot be hand-made, so it fails over to CSI 300 dates
    rsps.get(EM_KLINE, json=load_json("em_index_000300.json"), match=q(secid="1.000300"))


def fingerprint(home: Path) -> str:
    with Store(home / "store.duckdb", read_only=True) as st:
        return st.fingerprint()


def test_sync_then_nothing_new_makes_no_price_request(
    rsps, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    serve_all(rsps)
    code, _, err = run_cli(SYNC, capsys)
    assert code == 0, err
    with Store(naion_home / "store.duckdb", read_only=True) as st:
        raw = st.bars(["300750.SZ"], "none")
        qfq = st.bars(["300750.SZ"], "qfq")
        kl = [k.split(",") for k in load_json("em_kline_300750.json")["data"]["klines"]]
        assert raw["close"].tolist() == [float(k[2]) for k in kl]
        assert raw["volume"].tolist() == [float(k[5]) * 100 for k in kl]  # lots → shares
        assert qfq["close"].iloc[0] == 156.87
        assert st.fx("USDCNY").tolist() == [7.077, 7.1002, 7.1006]
        assert st.covered("bars:none", "300750.SZ")[1].isoformat() == "2024-01-04"
        index = load_json("em_index_000300.json")["data"]["klines"]
        index_days = [k.split(",")[0] for k in index]
        assert [d.isoformat() for d in st.calendar("SSE")] == index_days
    before = len(rsps.calls)
    code, out, err = run_cli(SYNC, capsys)
    assert code == 0, err
    assert len(rsps.calls) == before  # nothing asked again
    assert "0 requests" in out  # the summary under the sync table


def test_network_down_fails_in_one_line_and_keeps_the_store(
    rsps, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    serve_all(rsps)
    assert run_cli(SYNC, capsys)[0] == 0
    before = fingerprint(naion_home)
    rsps.reset()  # every request now fails with ConnectionError, as with no network
    code, out, err = run_cli(
        ["data", "sync", "300750.SZ", "--start", "2023-12-01", "--end", "2024-01-04", "--no-eps"],
        capsys,
    )
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert "300750.SZ daily bars: every source failed" in lines[0]
    assert "stock_zh_a_hist: network unreachable" in lines[0]
    assert "stock_zh_a_hist_tx: network unreachable" in lines[0]
    assert fingerprint(naion_home) == before


def test_http_500_everywhere_then_a_good_run(
    rsps, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rsps.get(EM_KLINE, status=500, body="Internal Server Error")
    rsps.get(TX_FIRST_DATE, status=503, body="busy")
    rsps.get(TX_KLINE, status=503, body="busy")
    code, _, err = run_cli(SYNC, capsys)
    assert code == 2 and "HTTP 500" in err and "HTTP 503" in err
    assert calls_to(rsps, EM_KLINE) == 3  # retried with backoff, then the fallback
    assert (
        not (naion_home / "store.duckdb").exists()
        or Store(naion_home / "store.duckdb", read_only=True).table_counts()["bars"] == 0
    )


def test_vendor_schema_change_names_the_function(
    rsps, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    serve_all(rsps)
    assert run_cli(SYNC, capsys)[0] == 0
    before = fingerprint(naion_home)
    rsps.reset()
    body = copy.deepcopy(load_json("em_value_300750.json"))
    for row in body["result"]["data"]:
        row["PE_TTM_NEW"] = row.pop("PE_TTM")  # the vendor renamed a field
    rsps.get("https://datacenter-web.eastmoney.com/api/data/v1/get", json=body)
    kl = load_json("em_kline_300750.json")
    kl["data"]["klines"] = [k.replace("2024-01-04", "2024-01-05") for k in kl["data"]["klines"]]
    rsps.get(EM_KLINE, json=kl, match=q(secid="0.300750", fqt="0"))
    rsps.get(EM_KLINE, json=load_json("em_kline_300750_qfq.json"), match=q(fqt="1"))
    rsps.get(EM_KLINE, json=load_json("em_forex_usdcnyc.json"), match=q(secid="120.USDCNYC"))
    rsps.get(EM_KLINE, json=load_json("em_forex_usdcnyc.json"), match=q(secid="120.HKDCNYC"))
    code, _, err = run_cli(
        ["data", "sync", "300750.SZ", "--start", "2023-12-20", "--end", "2024-01-05", "--no-eps"],
        capsys,
    )
    assert code == 2, err
    assert "300750.SZ" in err and "stock_value_em" in err and "PE(TTM)" in err
    assert len(err.strip().splitlines()) == 1
    assert fingerprint(naion_home) == before


def test_keep_going_writes_what_succeeded(
    rsps, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    serve_all(rsps)
    rsps.get(EM_KLINE, json=load_json("em_data_null.json"), match=q(secid="0.002594"))
    code, out, err = run_cli(
        [
            "data",
            "sync",
            "300750.SZ",
            "002594.SZ",
            "--start",
            "2024-01-02",
            "--end",
            "2024-01-04",
            "--no-eps",
            "--no-valuation",
            "--keep-going",
        ],
        capsys,
    )
    assert code == 2
    assert "002594.SZ" in out and "failed" in out  # the table lists the failure
    assert err.count("\n") == 1 and err.startswith("naion: error: 2 sync requests failed")
    with Store(naion_home / "store.duckdb", read_only=True) as st:
        assert len(st.bars(["300750.SZ"], "none")) == 3
        assert st.bars(["002594.SZ"], "none").empty


def test_status_after_sync(rsps, naion_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    serve_all(rsps)
    assert run_cli(SYNC, capsys)[0] == 0
    code, out, _ = run_cli(["data", "status", "-u", "sodium-ion", "-f", "json"], capsys)
    assert code == 0
    rows = {(r["code"], r["series"]): r for r in json.loads(out)}
    assert rows[("300750.SZ", "none")]["rows"] == 3
    assert rows[("300750.SZ", "qfq")]["source"].startswith("akshare")
    assert rows[("688005.SH", "—")]["note"] == "not held"


def test_failed_first_sync_leaves_no_store(
    rsps, naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(SYNC, capsys)
    assert code == 2 and "every source failed" in err
    assert not (naion_home / "store.duckdb").exists()
