"""The screen report: the screener's body in the shared page, with a chart of the ranking."""

from __future__ import annotations

from pathlib import Path

from reports.html_parts import external_refs


def test_screen_report(built) -> None:
    text = built.screen.read_text(encoding="utf-8")
    assert "<title>naion screen — sodium-ion</title>" in text
    assert 'id="screen"' in text and "<h2>Results</h2>" in text
    assert "<h2>Ranked by pe_fy1 (lowest first)</h2>" in text
    assert (
        text.index("<h2>Results</h2>")
        < text.index("<h2>Ranked by")
        < text.index("<h2>Data freshness")
    )
    assert text.count("<svg") == 1
    assert "http://" not in text and "https://" not in text
    assert external_refs(text) == []
    assert "Unavailable values (—) fail every condition." in text


def test_unranked_screen_has_no_chart(naion_home, tmp_path: Path) -> None:
    from reports.screen import write_screen_report
    from screener.engine import Screen

    result = Screen(source="seed-2022").run(None)
    text = write_screen_report(result, tmp_path / "s.html", "USD").read_text(encoding="utf-8")
    assert "<svg" not in text
    assert "base USD" in text


def test_rank_values_follow_rank_order(naion_home) -> None:
    from reports.screen import rank_field, rank_values
    from screener.engine import Screen

    result = Screen(source="seed-2022", rank_by="peg", descending=False, top=5).run(None)
    assert rank_field(result) == "peg"
    values = rank_values(result, "peg")
    assert len(values) == 5
    assert values.tolist() == result.rows["peg"].tolist()
    assert values.index[0].startswith(str(result.rows["code"].iloc[0]))
