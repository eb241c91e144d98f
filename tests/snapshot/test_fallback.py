"""No network on a store that lacks what a run needs: seed from the bundled snapshot, say so
once, record it in the run's notes; a later sync asks only for the days after the snapshot."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest
import requests

from naion import snapshot
from naion.store import Store
from tests.helpers import network_down, run_cli

pytestmark = pytest.mark.skipif(not snapshot.available(), reason="no bundled snapshot")

ARGS = ["backtest", "core-satellite", "-f", "json"]


@pytest.fixture
def requests_seen(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every HTTP request fails as on a machine without network; returns the URLs tried."""
    return network_down(monkeypatch)


def test_no_network_seeds_from_the_snapshot_and_says_so_once(
    naion_home: Path, requests_seen: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    meta = snapshot.info()
    line = f"using the bundled snapshot as of {meta.as_of}; run 'naion data sync' when online"
    code, out, err = run_cli(ARGS, capsys)
    assert code == 0, err
    assert requests_seen, "the run tried the network first"
    assert [ln for ln in err.splitlines() if "bundled snapshot" in ln] == [f"note: {line}"]
    result = json.loads(out)
    run = json.loads((naion_home / "runs" / result["run_id"] / "run.json").read_text())
    assert line in run["notes"]
    # the store now holds the snapshot's rows for the run's names, marked as such
    tsla = snapshot.frames()["bars"].query("code == 'TSLA' and adjust == 'qfq'")
    with Store(naion_home / "store.duckdb", read_only=True) as st:
        held = st.bars(["TSLA"], "qfq", fields=("close",))
        assert held["close"].tolist() == tsla["close"].tolist()
        assert st.covered("bars:qfq", "TSLA") == (
            tsla["date"].min().date(),
            tsla["date"].max().date(),
        )
    # the run ends where the data held ends: never after the snapshot
    assert dt.date.fromisoformat(result["end"]) <= meta.as_of
    # a second run finds what it needs in the store: no request, no note
    before = len(requests_seen)
    code, out, err = run_cli(ARGS, capsys)
    assert code == 0, err
    assert len(requests_seen) == before
    assert "bundled snapshot" not in err


def test_a_vendor_failure_with_the_network_up_is_not_hidden(
    naion_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import akshare.utils.request

    from naion.providers import akshare_provider

    def send(self: object, request: requests.PreparedRequest, **kwargs: object) -> None:
        raise requests.ConnectionError("connection reset by peer")

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)
    monkeypatch.setattr(akshare_provider._Network, "down_since", None)
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    monkeypatch.setattr(akshare.utils.request.time, "sleep", lambda seconds: None)
    code, out, err = run_cli(ARGS, capsys)
    assert code == 2 and out == ""
    assert "using the bundled snapshot" not in err and len(err.strip().splitlines()) == 1
    assert err.rstrip().endswith("'naion data import --snapshot'")
    assert not (naion_home / "store.duckdb").exists()  # the failed first fill left nothing


def test_a_sync_after_the_snapshot_asks_only_for_later_days(tmp_path: Path) -> None:
    from naion import sync
    from naion.providers.base import SecurityRef

    last = snapshot.frames()["bars"].query("code == 'TSLA'").groupby("adjust")["date"].max()
    with Store(tmp_path / "s.duckdb") as store:
        snapshot.load(store)
        ref = SecurityRef("TSLA", "US", "NASDAQ", "USD")
        end = dt.date(2026, 6, 30)
        now = dt.datetime(2026, 7, 2, 12, tzinfo=dt.UTC)
        tasks, _ = sync.plan(
            store, [ref], dt.date(2018, 1, 2), end, now=now, valuation=False, eps=False,
            fx=False, calendar=False,
        )  # fmt: skip
    bars = {t.dataset: t for t in tasks if t.dataset.startswith("bars:")}
    assert set(bars) == {"bars:none", "bars:qfq"}
    assert bars["bars:none"].start == last["none"].date() + dt.timedelta(days=1)
    # a qfq tail overlaps one held day to catch a vendor rebase
    assert bars["bars:qfq"].overlap and bars["bars:qfq"].start <= last["qfq"].date()
    assert all(t.end == end for t in bars.values())


def test_data_import_snapshot_loads_it_on_purpose(
    naion_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    meta = snapshot.info()
    code, out, err = run_cli(["data", "import", "--snapshot", "-f", "json"], capsys)
    assert code == 0, err
    rows = {r["table"]: r for r in json.loads(out)}
    assert {t: r["rows"] for t, r in rows.items()} == {
        t: n for t, n in meta.rows.items() if t in rows
    }
    assert all(r["new"] == r["rows"] for r in rows.values())
    code, out, err = run_cli(["data", "import", "--snapshot", "-f", "json"], capsys)
    assert code == 0, err
    assert all(r["new"] == 0 and r["changed"] == 0 for r in json.loads(out))
    code, out, err = run_cli(["data", "import", str(naion_home), "--snapshot"], capsys)
    assert code == 2 and "not both" in err


def test_a_store_holding_every_name_only_not_recently_is_left_as_it_is(
    naion_home: Path, requests_seen: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Every name held (up to 2022): the snapshot cannot make a run to today whole, so a
    failed run leaves the store as it was and names the gap and the snapshot."""
    parts = snapshot.frames()
    naion_home.mkdir(parents=True, exist_ok=True)
    with Store(naion_home / "store.duckdb") as store:
        from naion.store import Batch

        b = Batch()
        b.add("securities", parts["securities"])
        b.add("bars", parts["bars"].query("date <= '2022-06-30'"))
        b.add("fx", parts["fx"].query("date <= '2022-06-30'"))
        store.write(b)
        before = len(store.bars(["TSLA", "300750.SZ"], "qfq"))
    today = dt.date.today().isoformat()
    code, out, err = run_cli(["backtest", "core-satellite", "--end", today], capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "network unreachable" in err and "'naion data import --snapshot'" in err
    assert requests_seen
    with Store(naion_home / "store.duckdb", read_only=True) as store:
        assert len(store.bars(["TSLA", "300750.SZ"], "qfq")) == before
        assert store.bars(["TSLA"], "qfq")["date"].max() <= dt.datetime(2022, 6, 30)
