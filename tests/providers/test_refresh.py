"""`naion universe refresh`: the live concept board through akshare, classified and diffed."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from responses import matchers

from naion.store import Store
from tests.helpers import run_cli

from .conftest import EM_BOARD_CONS, EM_BOARD_NAMES, EM_STOCK_INFO, load_json

NEW = {  # code → (market id, name, Eastmoney industry)
    "603659": (1, "璞泰来", "电池"),
    "000001": (0, "平安银行", "银行"),
    "002192": (0, "融捷股份", "能源金属"),
    "601127": (1, "赛力斯", "汽车整车"),
}


def serve(rsps) -> None:
    rsps.get(
        EM_BOARD_NAMES,
        json=load_json("em_board_names.json"),
        match=[matchers.query_param_matcher({"fs": "m:90 t:3 f:!50"}, strict_match=False)],
    )
    cons = copy.deepcopy(load_json("em_board_cons_bk9999.json"))
    template = cons["data"]["diff"][0]
    for code, (mkt, name, _) in NEW.items():
        row = dict(template)
        row.update({"f12": code, "f13": mkt, "f14": name})
        cons["data"]["diff"].append(row)
    cons["data"]["total"] = len(cons["data"]["diff"])
    rsps.get(EM_BOARD_CONS, json=cons)
    info = load_json("em_info_300750.json")
    for code, (mkt, name, industry) in NEW.items():
        body = copy.deepcopy(info)
        body["data"].update({"f57": code, "f58": name, "f127": industry})
        rsps.get(
            EM_STOCK_INFO,
            json=body,
            match=[matchers.query_param_matcher({"secid": f"{mkt}.{code}"}, strict_match=False)],
        )


def test_refresh_classifies_newcomers_and_writes_a_universe(
    rsps, naion_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    serve(rsps)
    out_file = tmp_path / "sodium-live.yaml"
    code, out, err = run_cli(
        ["universe", "refresh", "sodium-ion", "--write", str(out_file), "-f", "json"], capsys
    )
    assert code == 0, err
    rows = {r["code"]: r for r in json.loads(out)}
    assert rows["603659.SH"]["segment"] == "cells" and rows["603659.SH"]["change"] == "+ new"
    assert rows["002192.SZ"]["segment"] == "upstream"
    assert rows["601127.SH"]["segment"] == "integrators"
    assert rows["000001.SZ"]["segment"] == "unclassified"
    assert "银行" in rows["000001.SZ"]["why"]
    assert rows["002866.SZ"]["change"] == "= kept"
    assert rows["1211.HK"]["change"] == "- not on board"
    # the snapshot of the board is kept in the store
    with Store(naion_home / "store.duckdb", read_only=True) as st:
        members = st.members("钠离子电池")
        assert set(members["code"]) >= {"603659.SH", "002866.SZ"}
    # the written file is a usable user universe: curated members + classified newcomers
    (naion_home / "universes").mkdir(parents=True)
    out_file.rename(naion_home / "universes" / out_file.name)
    code, out, err = run_cli(["universe", "show", "sodium-live", "-f", "json"], capsys)
    assert code == 0, err
    codes = {r["code"]: r["segment"] for r in json.loads(out)}
    assert len(codes) == 20 + 3
    assert codes["601127.SH"] == "integrators" and "000001.SZ" not in codes


def test_refresh_offline_is_one_line(rsps, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["universe", "refresh", "sodium-ion"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "钠离子电池" in err and "network unreachable" in err
