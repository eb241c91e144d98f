"""Issue 11: HTML injection. Markup fed through every name, title and run field (and every
screen field) reaches each report as text: the parser finds no element or attribute naion
does not emit, the payload reads back as text, and Chromium's DOM holds no injected element
(and the payload's script never ran)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from naion.html import SORT_JS
from tests.reports.browser import dump_dom
from tests.reports.htmlcheck import parse, problems

PAYLOAD = (
    "<img src=x onerror=\"document.documentElement.setAttribute('data-pwned','img')\">"
    "\"><svg onload=\"document.documentElement.setAttribute('data-pwned','svg')\">"
    "</title></style></script><script>document.documentElement.setAttribute('data-pwned',"
    "'script')</script>' onmouseover='alert(1)' $x^2$ & ]]> <!-- -->"
)


def tagged(field: str) -> str:
    return f"{field}:{PAYLOAD}"


def inject_run(run, key: str):
    """A copy of a saved run with the payload in every string a report shows."""
    code = run.assets["code"].iloc[0]
    bad_code = tagged(f"{key}-code")
    info = dict(run.info)
    for field in ("title", "strategy", "benchmark", "start", "end", "data_as_of",
                  "base_currency", "naion", "created"):  # fmt: skip
        info[field] = tagged(f"{key}-{field}")
    info["notes"] = [tagged(f"{key}-note-1"), tagged(f"{key}-note-2")]
    info["conventions"] = [tagged(f"{key}-convention")]
    spec = dict(info.get("spec") or {})
    spec["sleeves"] = {
        tagged(f"{key}-sleeve"): {"weight": 1.0, "members": {bad_code: 1}},
    }
    info["spec"] = spec
    assets = run.assets.copy()
    assets["code"] = assets["code"].replace(code, bad_code)
    for col in ("name", "name_en", "segment", "market", "currency", "adjustment"):
        assets[col] = [tagged(f"{key}-{col}-{i}") for i in range(len(assets))]
    weights = run.weights.rename(columns={code: bad_code})
    return dataclasses.replace(
        run,
        run_id=tagged(f"{key}-run"),
        info=info,
        assets=assets,
        weights=weights,
        metrics={},  # recomputed from the equity curve
    )


def screen_result():
    from screener.engine import Screen

    base = Screen(source="seed-2022", rank_by="pe_fy1", descending=False).run(None)
    rows = base.rows.copy()
    rows["name"] = [tagged(f"screen-name-{i}") for i in range(len(rows))]
    rows["code"] = [tagged(f"screen-code-{i}") for i in range(len(rows))]
    rows[tagged("screen-column")] = tagged("screen-cell")
    return dataclasses.replace(
        base,
        rows=rows,
        universe=tagged("screen-universe"),
        source=tagged("screen-source"),
        condition=tagged("screen-condition"),
        rank=f"pe_fy1 {tagged('screen-rank')}",
        notes=[tagged("screen-note")],
        columns=[*base.columns, tagged("screen-column")],
    )


@pytest.fixture
def pages(runs, tmp_path: Path, no_network) -> dict[str, tuple[Path, list[str]]]:
    """Each report with the payload in it, and the fields whose text it must show."""
    from reports.compare import write_comparison
    from reports.screen import write_screen_report
    from reports.tearsheet import write_tearsheet
    from screener.html import screen_page

    a, c = inject_run(runs["a"], "a"), inject_run(runs["c"], "c")
    result = screen_result()
    plain_screen = tmp_path / "screen-plain.html"
    plain_screen.write_text(screen_page(result), encoding="utf-8")
    run_fields = ["title", "benchmark", "note-1", "note-2", "convention", "name-0", "segment-0",
                  "run", "code", "sleeve", "start"]  # fmt: skip
    screen_fields = ["universe", "source", "condition", "note", "name-0", "code-0", "column",
                     "cell"]  # fmt: skip
    return {
        "tear sheet": (
            write_tearsheet(a, tmp_path / "tearsheet.html"),
            [f"a-{f}" for f in run_fields],
        ),
        "comparison": (
            write_comparison([a, runs["b"], c], tmp_path / "compare.html"),
            [f"{k}-{f}" for k in "ac" for f in run_fields],
        ),
        "screen report": (
            write_screen_report(result, tmp_path / "screen.html", tagged("screen-base")),
            [f"screen-{f}" for f in screen_fields],
        ),
        "screen page": (plain_screen, [f"screen-{f}" for f in screen_fields]),
    }


def test_parser_finds_only_what_naion_emits_and_the_payload_as_text(pages) -> None:
    for name, (page, fields) in pages.items():
        text = page.read_text(encoding="utf-8")
        assert problems(text, (SORT_JS,)) == [], name
        parsed = parse(text)
        assert len(parsed.scripts) == 1, name
        assert not any("data-pwned" in s for s in parsed.styles), name
        shown = "".join(parsed.text)
        for field in fields:
            assert tagged(field) in shown, (name, field)


def test_chromium_dom_has_no_injected_element(pages, chromium: Path, tmp_path: Path) -> None:
    for name, (page, _fields) in pages.items():
        dom = dump_dom(chromium, page, tmp_path)
        assert "<body" in dom and len(dom) > 1000, name
        assert 'data-pwned="' not in dom, name  # no payload script or handler ran
        assert problems(dom, (SORT_JS,)) == [], name
        assert "<img" not in dom, name
