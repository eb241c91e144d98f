"""Generate the fuzz corpus: ``python -m tests.fuzz.gen`` rewrites ``tests/fuzz/corpus/*.jsonl``.

One JSON object per line, one file per class (see README.md for the case format). The
generator is deterministic: running it twice gives the same files, so a diff shows exactly
which cases a change added. The option cases come from the live command tree, so a new
command or option gets its cases on the next run (and ``test_corpus_covers_every_option``
fails until it has).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).with_name("corpus")


def rep(unit: str, n: int, sep: str = "") -> dict[str, Any]:
    """A long value kept short in the corpus: ``sep.join([unit] * n)`` (see expand)."""
    return {"rep": unit, "n": n, "sep": sep}


def cat(*parts: str | dict[str, Any]) -> dict[str, Any]:
    """Parts (text or rep) joined (see expand)."""
    return {"cat": list(parts)}


def expand(value: Any) -> str:
    """A corpus value as text: a string, ``{"rep": ...}`` or ``{"cat": [...]}``."""
    if isinstance(value, str):
        return value
    if "rep" in value:
        return str(value.get("sep", "")).join([value["rep"]] * int(value["n"]))
    return "".join(expand(v) for v in value["cat"])


# -- hostile values by kind -------------------------------------------------------------------
TEXT = [
    "",
    " ",
    rep("x", 5000),
    "钠离子",
    "[bold]x[/bold]",
    "notes[v2]",
    "../../etc/passwd",
    "-1",
    "nan",
    "'; DROP TABLE bars; --",
    "\t\n",
    "a,b,,c",
    "%s%n{0}",
    "=cmd|' /C calc'!A0",
    "\u202e\u200b",
]
FLOAT = ["0", "-1", "nan", "inf", "-inf", "1e309", "1e-320", "abc", "", "99999999999", "0x10"]
INT = ["0", "-1", "99999999999999999999", "1.5", "abc", "", "1e3", "-0"]
DATE = [
    "",
    "0001-01-01",
    "9999-12-31",
    "2024-02-30",
    "2024-13-01",
    "20240101",
    "today",
    "yesterday",
    "2024-01-01T00:00",
    "1899-12-31",
    "2023-06-30",
    "2023-12-29",
    "2030-01-01",
]
FORMAT = ["", "CSV", "xml", "json", "csv", "table", "j", "JSON "]
PATH = [
    "",
    "{home}/store.duckdb",
    "{home}/store.duckdb.wal",
    "{home}/runs/x.out",
    "{home}/runs",
    "{home}/logs/x",
    "{work}",
    "{work}/a/b/c/out.txt",
    "{work}/out[v2].txt",
    cat("{work}/", rep("x", 300)),
    "/dev/full",
    "/proc/self/naion-out",
    "/",
    "{work}/out.csv",
    "{home}/universes/out.yaml",
]

# what each option takes: (kind, values); an option not named here is fuzzed as text
KIND = {
    "output": "path",
    "html": "path",
    "report": "path",
    "write": "path",
    "fmt": "format",
    "start": "date",
    "end": "date",
    "as_of": "date",
    "capital": "float",
    "fees": "float",
    "band": "float",
    "top": "int",
}
VALUES = {"text": TEXT, "float": FLOAT, "int": INT, "date": DATE, "format": FORMAT, "path": PATH}

# a valid context per command: the option under test is added to these
BASES: dict[str, list[list[str]]] = {
    "screen": [["screen"], ["screen", "--source", "seed-2022"]],
    "backtest": [["backtest", "core-satellite", "--offline", "--no-save"]],
    "sweep": [["sweep", "core-satellite", "--grid", "band=0,0.05"]],
    "report": [["report", "sample-a", "--metrics"]],
    "universe list": [["universe", "list"]],
    "universe show": [["universe", "show", "sodium-ion"]],
    "universe refresh": [["universe", "refresh", "sodium-ion"]],
    "data import": [["data", "import", "{data}"]],
    "data status": [["data", "status"]],
    "data sync": [["data", "sync", "sodium-ion"]],
}
# exit 0 of these may change the store / the runs folder (never on exit 2)
WRITES = {
    "data import": ["store"],
    "data sync": ["store"],
    "universe refresh": ["store"],
    "backtest": ["runs"],
}


def case(cid: str, argv: list[str], **extra: Any) -> dict[str, Any]:
    return {"id": cid, "argv": argv, **{k: v for k, v in extra.items() if v}}


def _command_tree() -> Iterator[tuple[str, Any]]:
    import typer

    from naion.cli import app

    root = typer.main.get_command(app)

    def walk(cmd: Any, path: list[str]) -> Iterator[tuple[str, Any]]:
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                yield from walk(sub, [*path, name])
        else:
            yield " ".join(path), cmd

    yield from walk(root, [])


def command_options() -> dict[str, list[tuple[str, str, bool, bool]]]:
    """command → [(param name, first option string, is flag, is argument)] of the live CLI."""
    out: dict[str, list[tuple[str, str, bool, bool]]] = {}
    for name, cmd in _command_tree():
        out[name] = [
            (p.name, p.opts[0], bool(getattr(p, "is_flag", False)), p.param_type_name == "argument")
            for p in cmd.params
        ]
    return out


def _outputs(value: Any) -> list[str]:
    """The work-relative names a path value may legitimately create or change."""
    value = expand(value)
    if value.startswith("{work}/"):
        rel = value.removeprefix("{work}/")
        return [rel.split("/")[0]]
    if value == "{home}/universes/out.yaml":
        return ["{home}/universes"]
    return []


def option_cases() -> Iterator[dict[str, Any]]:
    for command, params in command_options().items():
        bases = BASES.get(command, [command.split()])
        writes = WRITES.get(command, [])
        for name, opt, flag, argument in params:
            if argument:
                continue  # arguments have their own classes below
            if flag:
                for i, base in enumerate(bases):
                    yield case(f"options/{command}/{opt}/flag/{i}", [*base, opt], writes=writes)
                continue
            kind = KIND.get(name, "text")
            for i, base in enumerate(bases):
                for j, value in enumerate(VALUES[kind]):
                    outs = _outputs(value) if kind == "path" else []
                    # a value containing a home path creates folders: allow the named one only
                    yield case(
                        f"options/{command}/{opt}/{kind}{j}/{i}",
                        [*base, opt, value],
                        writes=writes,
                        outputs=outs,
                    )
            # the option twice, and with "=" syntax
            value = VALUES[kind][-1]
            yield case(
                f"options/{command}/{opt}/twice",
                [*bases[0], opt, value, opt, value],
                writes=writes,
                outputs=_outputs(value) if kind == "path" else [],
            )
        yield case(f"options/{command}/--help", [*command.split(), "--help"])
        yield case(f"options/{command}/-h", [*command.split(), "-h"])
        yield case(f"options/{command}/unknown-option", [*bases[0], "--no-such-option"])
        yield case(f"options/{command}/stray-argument", [*bases[0], "stray", "more"])
    for j, value in enumerate(["", "{work}", "{work}/new/home", "/proc", "/", "{work}/afile"]):
        for k, argv in enumerate([["universe", "list"], ["data", "status"], ["report", "--list"]]):
            yield case(f"options/--home/{j}/{k}", ["--home", value, *argv], files=_AFILE)
    yield case("options/--version", ["--version"])
    for argv in ([], ["data"], ["universe"], ["nope"], ["--help"], ["-h"]):
        yield case(f"options/bare/{' '.join(argv) or 'naion'}", argv)


_AFILE = {"work/afile": {"text": "not a folder"}}

# -- arguments ---------------------------------------------------------------------------------
STRATEGY_ARGS = [
    "",
    "nope",
    "core-satellite",
    "../../etc/passwd",
    "/etc/passwd",
    "{work}",
    rep("x", 5000),
    "[bold]x",
    "钠",
    "{work}/missing.yaml",
    "/dev/null",
    "/proc/self/status",
]


def argument_cases() -> Iterator[dict[str, Any]]:
    for j, value in enumerate(STRATEGY_ARGS):
        yield case(f"arguments/backtest/{j}", ["backtest", value, "--offline", "--no-save"])
        yield case(f"arguments/sweep/{j}", ["sweep", value, "--grid", "band=0,0.05"])
    for j, value in enumerate([*TEXT, "benchmarks", "lithium-incumbents", "SODIUM-ION"]):
        yield case(f"arguments/universe-show/{j}", ["universe", "show", value])
        yield case(
            f"arguments/universe-refresh/{j}", ["universe", "refresh", value], writes=["store"]
        )
    for j, value in enumerate([*TEXT, "300750.SZ", "sz300750", "TSLA", "835185"]):
        yield case(f"arguments/data-sync/{j}", ["data", "sync", value], writes=["store"])
    for j, value in enumerate(
        [
            "",
            "/nonexistent",
            "{work}",
            "{home}",
            "{home}/store.duckdb",
            "/proc/self",
            "/dev/null",
            "{work}/afile",
            rep("x", 5000),
            "/",
        ]
    ):
        yield case(
            f"arguments/data-import/{j}", ["data", "import", value], writes=["store"], files=_AFILE
        )


# -- --where conditions ------------------------------------------------------------------------
CONDITIONS = [
    "",
    " ",
    "pe_ttm",
    "pe_ttm <",
    "< 1",
    "pe_ttm < 1e999",
    "pe_ttm < -1e999",
    "pe_ttm < 1 and",
    "pe_ttm <> 1",
    "pe_ttm == 'x'",
    "segment < 1",
    "segment in ()",
    "segment in ('cells',)",
    "segment in ('cells', 1)",
    "code in ('300750.SZ')",
    "pe_ttm / 0 > 1",
    "0 / 0 > 1",
    "pe_ttm + segment > 1",
    "pe_ttm between 1",
    "pe_ttm between 1 and",
    "pe_ttm is",
    "pe_ttm is not",
    "pe_ttm is null or",
    "not",
    "not not not pe_ttm < 1",
    "((pe_ttm < 1)",
    "(pe_ttm < 1))",
    "pe_ttm < 1 or (",
    "'unterminated",
    '"unterminated',
    "pe_ttm < 1 ; drop table bars",
    "__import__('os').system('true')",
    "pe_ttm < 1 # comment",
    "pe_ttm < ١",
    "pé < 1",
    "钠 < 1",
    "[bold]pe_ttm[/bold] < 1",
    "pe_ttm < 1\x00",
    "PE_TTM < 1",
    "pe_ttm < 1 AND PB > 0 OR NOT peg IS NULL",
    "1 < 2",
    "1",
    "peg",
    "-pe_ttm < -1",
    "- - - - pe_ttm < 1",
    cat(rep("(", 140), "pe_ttm < 1", rep(")", 140)),
    cat(rep("(", 60), "pe_ttm < 1", rep(")", 60)),
    cat(rep("not ", 1000), "pe_ttm < 1"),
    rep("pe_ttm < 100", 3000, " and "),
    rep("pe_ttm < 100", 3000, " or "),
    cat(rep("pe_ttm", 3000, " + "), " > 1"),
    cat(rep("pe_ttm < 1 and ", 30_000), "pe_ttm < 1"),
    cat("code in (", rep("'600000.SH'", 9000, ", "), ")"),
    cat("pe_ttm in (", rep("12.5", 5000, ", "), ")"),
    cat("pe_ttm < ", rep("9", 400)),
    cat("pe_ttm < 0.", rep("0", 400), "1"),
    "pe_ttm < 1e-400",
    "pe_ttm <= .5e+3",
    "pe_ttm < 1.2.3",
    "pe_ttm < 0x10",
    "ret_3m between -1 and 1 and adv_20d > 0",
    "market_cap_base / 1e9 > 1",
    "listed_days > 0 and drawdown_1y < 0",
]


def condition_cases() -> Iterator[dict[str, Any]]:
    for j, cond in enumerate(CONDITIONS):
        for source in ("store", "seed-2022"):
            yield case(f"conditions/{source}/{j}", ["screen", "--source", source, "--where", cond])
        yield case(
            f"conditions/all-a/{j}", ["screen", "--universe", "all-a", "--where", cond, "-f", "csv"]
        )
    for j, cond in enumerate(CONDITIONS[:45]):
        yield case(f"conditions/rank/{j}", ["screen", "--rank-by", cond or " "])


# -- sweep grids -------------------------------------------------------------------------------
GRIDS = [
    "",
    "=",
    "band",
    "band=",
    "band=,",
    "band=0:1",
    "band=0:1:0",
    "band=0:1:-0.1",
    "band=1:0:0.1",
    "band=0:1e9:1e-9",
    "band=0:0.1:0.0001",
    "band=nan,inf",
    "band=-1",
    "band=abc",
    "nope=1,2",
    "rebalance=M,Q,X",
    "rebalance=",
    "core_weight=0,1,2",
    "core_weight=-1",
    "band=0,0.05=1",
    cat("band=", rep("0.01", 5000, ",")),
    "[bold]=1",
    "钠=1",
    "band=0:0.1:0.05:1",
]


def grid_cases() -> Iterator[dict[str, Any]]:
    for j, grid in enumerate(GRIDS):
        yield case(f"grids/{j}", ["sweep", "core-satellite", "--grid", grid])
    yield case("grids/repeated", ["sweep", "core-satellite", "-g", "band=0", "-g", "band=0.1"])
    yield case("grids/none", ["sweep", "core-satellite"])


# -- run ids -----------------------------------------------------------------------------------
RUN_IDS = [
    "",
    ".",
    "..",
    "../runs/sample-a",
    "../../elsewhere/run",
    "{home}/runs/sample-a",
    "{work}/copied-run",
    "sample-a/",
    "./sample-a",
    ".hidden",
    "sample-a.partial",
    rep("x", 5000),
    "SAMPLE-A",
    "sample-a\n",
    "sample-*",
    "[bold]sample-a",
    "/etc",
]


def run_id_cases() -> Iterator[dict[str, Any]]:
    copied = {"work/copied-run/run.json": {"text": "{}"}}
    for j, rid in enumerate(RUN_IDS):
        yield case(f"run-ids/metrics/{j}", ["report", rid, "--metrics", "-f", "json"], files=copied)
        yield case(f"run-ids/compare/{j}", ["report", "sample-a", "--compare", rid, "--metrics"])
    yield case("run-ids/compare-self", ["report", "sample-a", "-c", "sample-a", "--metrics"])


# -- YAML files of every kind ------------------------------------------------------------------
def _bomb() -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


YAML_BODIES: dict[str, Any] = {
    "empty": "",
    "null": "~\n",
    "list": "- 1\n- 2\n",
    "scalar": "just text\n",
    "unclosed": "name: x\ntitle: [unclosed\n",
    "tabs": "name:\tx\n\ttitle: y\n",
    "duplicate keys": "name: a\nname: b\n",
    "alias bomb": _bomb(),
    "alias flood": cat("a: &a 1\nb: [", rep("*a", 150_000, ", "), "]\n"),
    "deep": cat(rep("[", 3000), rep("]", 3000)),
    "self alias": "a: &a [1, *a]\n",
    "invalid date": "name: x\nsince: 2023-02-30\n",
    "year 1": "name: x\nstart: 0001-01-01\n",
    "huge int": cat("name: x\ncapital: ", rep("9", 5000), "\n"),
    "binary": b"\x00\x01\x02\xff\xfe",
    "latin-1": "name: caf\u00e9\n".encode("latin-1"),
    "bom": b"\xef\xbb\xbfname: x\n",
    "python tag": "name: !!python/object/apply:os.system ['true']\n",
    "too large": cat("# ", rep("x", 1 << 20), "\n"),
    "nan name": "name: .nan\n",
    "int name": "name: 5\ntitle: x\n",
    "brackets": "name: '[bold]x'\ntitle: 'notes[v2]'\n",
}


def _yaml_file(body: Any) -> dict[str, Any]:
    if isinstance(body, bytes):
        return {"b64": base64.b64encode(body).decode()}
    return {"text": body}


TEMPLATES = {
    "universes": (
        "name: {name}\ntitle: {title}\nsegments: {{cells: {{}}}}\nmembers:\n"
        "  - {{code: {code}, segment: cells}}\n"
    ),
    "strategies": (
        "name: {name}\ntitle: {title}\ntype: segment-equal\nuniverse: sodium-ion\n"
        "base_currency: CNY\nrebalance: {{calendar: M}}\ncapital: {capital}\n"
    ),
    "presets": "name: {name}\ntitle: {title}\nwhere: {where}\n",
}
FIELD_VALUES = {
    "name": ["mine", "''", "'x/../y'", "n" * 300, "'[b]'", "sodium-ion"],
    "title": ["T", "''", "'[bold]T[/bold]'", "'=cmd()'"],
    "code": ["300750.SZ", "'9999999.XX'", "''", "'../x'", "300750"],
    "capital": ["1000000", "-1", "0", ".nan", ".inf", "'lots'"],
    "where": ["'pe_ttm < 1'", "'((('", "''", "'" + "(" * 200 + "pe_ttm < 1'", "'not '"],
}
KIND_COMMANDS = {
    "universes": [["universe", "list"], ["universe", "show", "mine"], ["data", "status"]],
    "strategies": [["backtest", "--list"], ["backtest", "mine", "--offline", "--no-save"]],
    "presets": [["screen", "--presets"], ["screen", "--preset", "mine", "--source", "seed-2022"]],
}


def yaml_cases() -> Iterator[dict[str, Any]]:
    for kind, commands in KIND_COMMANDS.items():
        for label, body in YAML_BODIES.items():
            for k, argv in enumerate(commands):
                yield case(
                    f"yaml/{kind}/{label}/{k}",
                    argv,
                    files={f"home/{kind}/bad.yaml": _yaml_file(body)},
                )
        template = TEMPLATES[kind]
        defaults = {f: vals[0] for f, vals in FIELD_VALUES.items()}
        for field, vals in FIELD_VALUES.items():
            if "{" + field + "}" not in template:
                continue
            for j, v in enumerate(vals[1:], 1):
                body = template.format(**{**defaults, field: v})
                for k, argv in enumerate(commands):
                    yield case(
                        f"yaml/{kind}/field-{field}{j}/{k}",
                        argv,
                        files={f"home/{kind}/mine.yaml": {"text": body}},
                    )
        yield case(
            f"yaml/{kind}/a-folder",
            commands[0],
            files={f"home/{kind}/dir.yaml/inner.txt": {"text": "x"}},
        )


# -- import files of every kind ----------------------------------------------------------------
SECURITIES = (
    "code,name,market,exchange,currency\n300750.SZ,宁德时代,A,SZSE,CNY\n"
    "1211.HK,比亚迪股份,HK,HKEX,HKD\n000300.SH,沪深300,INDEX,SSE,CNY\n"
)
GOOD = {
    "securities.csv": SECURITIES,
    "prices/300750.SZ.csv": "date,open,high,low,close,volume,amount\n"
    "2023-01-03,1,1,1,1,100,100\n2023-01-04,1,1,1,1.1,100,110\n",
    "prices_qfq/300750.SZ.csv": "date,open,high,low,close,volume\n2023-01-03,1,1,1,1,100\n",
    "indexes/000300.SH.csv": "date,open,high,low,close,volume,amount,adj_close\n"
    "2023-01-03,1,1,1,3900,1,1,4000\n",
    "fx/USDCNY.csv": "date,rate\n2023-01-03,6.9\n",
    "valuation/300750.SZ.csv": "date,pe_ttm,pb,ps_ttm,total_mv\n2023-01-03,20,3,2,1e12\n",
    "eps/2023-01-03.csv": "code,fiscal_year,kind,eps\n300750.SZ,2023,estimate,10\n",
    "market/panel_2023-01-03.csv": "code,open,high,low,close,volume,amount\n"
    "600000.SH,10,10,10,10,1,1\n",
}
CORRUPT: dict[str, Any] = {
    "empty": "",
    "header only": lambda t: t.splitlines()[0] + "\n",
    "binary": b"\x00\xff\x00\xfegarbage\x01",
    "latin-1": lambda t: t.replace("宁德时代", "caf\u00e9").encode("latin-1", "replace"),
    "bom": lambda t: b"\xef\xbb\xbf" + t.encode(),
    "semicolons": lambda t: t.replace(",", ";"),
    "missing column": lambda t: "\n".join(",".join(r.split(",")[:-1]) for r in t.splitlines()),
    "extra column": lambda t: "\n".join(r + ",x" for r in t.splitlines()),
    "bad date": lambda t: t.replace("2023-01-03", "2023-02-30"),
    "year 1": lambda t: t.replace("2023-01-03", "0001-01-01"),
    "text number": lambda t: t.replace(",1,", ",abc,").replace("6.9", "abc"),
    "nan inf": lambda t: t.replace(",1,", ",nan,").replace("6.9", "inf"),
    "negative": lambda t: t.replace(",1,", ",-1,").replace("6.9", "-6.9"),
    "huge": lambda t: t.replace(",1,", ",1e308,").replace("6.9", "1e309"),
    "duplicate rows": lambda t: t + "\n".join(t.splitlines()[1:]) + "\n",
    "long cell": lambda t: t.replace("2023-01-03", "x" * 5_000, 1),
    "quote": lambda t: t.replace(",", ',"', 1),
    "formula": lambda t: t.replace("宁德时代", "=HYPERLINK(1)"),
}


def import_cases() -> Iterator[dict[str, Any]]:
    for target in GOOD:
        for label, how in CORRUPT.items():
            files = {f"data/{k}": {"text": v} for k, v in GOOD.items()}
            text = GOOD[target]
            body = how(text) if callable(how) else how
            files[f"data/{target}"] = _yaml_file(body)
            yield case(
                f"import/{target}/{label}",
                ["data", "import", "{data}", "-f", "json"],
                files=files,
                data="empty",
                writes=["store"],
            )
    files = {f"data/{k}": {"text": v} for k, v in GOOD.items()}
    yield case(
        "import/good", ["data", "import", "{data}"], files=files, data="empty", writes=["store"]
    )
    yield case(
        "import/gz garbage",
        ["data", "import", "{data}"],
        files={**files, "data/market/x.csv.gz": {"b64": base64.b64encode(b"not gzip").decode()}},
        data="empty",
        writes=["store"],
    )
    yield case(
        "import/unknown code file",
        ["data", "import", "{data}"],
        files={**files, "data/prices/NOPE.XX.csv": {"text": GOOD["prices/300750.SZ.csv"]}},
        data="empty",
        writes=["store"],
    )
    yield case(
        "import/planted again", ["data", "import", "{data}"], data="planted", writes=["store"]
    )


# -- saved-run files ---------------------------------------------------------------------------
RUN_DAMAGE: dict[str, dict[str, Any]] = {
    "run.json": {
        "empty": b"",
        "binary": b"\x00\xff\xfe\x80",
        "invalid": b"{not json",
        "a list": b"[1, 2]",
        "no keys": b"{}",
        "deep": cat(rep("[", 100_000), rep("]", 100_000)),
        "bad start": b'{"strategy":"s","start":"2020-13-01","end":"2021-01-01",'
        b'"base_currency":"CNY"}',
        "metric text": b'{"strategy":"s","start":"2020-01-01","end":"2021-01-01",'
        b'"base_currency":"CNY","metrics":{"capital":"lots"}}',
        "nan metric": b'{"strategy":"s","start":"2020-01-01","end":"2021-01-01",'
        b'"base_currency":"CNY","metrics":{"sharpe":NaN}}',
        "bracket title": b'{"strategy":"[bold]s","title":"notes[v2]","start":"2020-01-01",'
        b'"end":"2021-01-01","base_currency":"CNY"}',
    },
    "equity.csv": {
        "empty": b"",
        "garbage": b"\x00\x01garbage\nmore",
        "no rows": b"date,equity\n",
        "text": b"date,equity\n2020-01-02,abc\n",
        "bad date": b"date,equity\n2020-02-30,1\n",
        "negative": b"date,equity\n2020-01-02,-5\n",
        "unsorted": b"date,equity\n2020-01-03,1\n2020-01-02,1\n",
        "one row": b"date,equity\n2020-01-02,1000000\n",
        "inf": b"date,equity\n2020-01-02,inf\n2020-01-03,1\n",
        "no equity column": b"date,x\n2020-01-02,1\n",
    },
    "weights.csv": {
        "empty": b"",
        "text": b"date,A,cash\n2020-01-02,x,1\n",
        "no date": b"A,cash\n1,0\n",
        "no rows": b"date,cash\n",
        "binary": b"\xff\xfe\x00",
    },
    "targets.csv": {"empty": b"", "text": b"date,A\n2020-01-02,x\n", "no date": b"A\n1\n"},
    "trades.csv": {
        "empty": b"",
        "garbage": b"a,b\n1,2\n",
        "bad date": b"date,code,value,commission,stamp_duty\n2020-02-30,A,1,0,0\n",
        "text value": b"date,code,value,commission,stamp_duty\n2020-01-02,A,x,0,0\n",
    },
    "assets.csv": {"empty": b"", "no code": b"x,y\n1,2\n", "missing": None},
}


def run_file_cases() -> Iterator[dict[str, Any]]:
    commands = [
        ["report", "sample-a", "--metrics", "-f", "json"],
        ["report", "--list", "-f", "csv"],
        ["report", "sample-b", "--compare", "sample-a", "--metrics"],
    ]
    for name, damages in RUN_DAMAGE.items():
        for label, body in damages.items():
            change = {f"home/runs/sample-a/{name}": None if body is None else _yaml_file(body)}
            for k, argv in enumerate(commands):
                yield case(f"runs/{name}/{label}/{k}", argv, files=change)
    for j, argv in enumerate(
        [
            ["report", "sample-a", "-o", "{work}/t.html"],
            ["report", "sample-a", "-c", "sample-b", "-o", "{work}/c.html"],
            ["report", "sample-a", "-o", "{home}/runs/sample-a/run.json"],
            ["report", "sample-a", "-o", "/dev/full"],
        ]
    ):
        yield case(f"runs/html/{j}", argv, outputs=["t.html", "c.html"])
    yield case(
        "runs/stray folders",
        ["report", "--list"],
        files={
            "home/runs/.x.partial/run.json": {"text": "{}"},
            "home/runs/empty-folder/keep": {"text": ""},
            "home/runs/a-file": {"text": "x"},
        },
    )


# -- damaged stores ----------------------------------------------------------------------------
STORE_COMMANDS = [
    ["data", "status"],
    ["data", "status", "-f", "json"],
    ["screen"],
    ["screen", "--universe", "all-a"],
    ["backtest", "core-satellite", "--offline", "--no-save"],
    ["backtest", "core-satellite", "--no-save"],
    ["sweep", "core-satellite", "--grid", "band=0,0.05"],
    ["data", "import", "{data}"],
    ["data", "sync", "300750.SZ"],
    ["universe", "refresh", "sodium-ion"],
]


def store_cases() -> Iterator[dict[str, Any]]:
    for how in ("garbage", "empty", "half", "header only", "a folder"):
        for k, argv in enumerate(STORE_COMMANDS):
            yield case(
                f"store/{how}/{k}",
                argv,
                damage_store=how,
                data="empty",
                writes=WRITES.get(" ".join(argv[:2]), []),
            )
    for k, argv in enumerate(STORE_COMMANDS):
        yield case(f"store/none/{k}", argv, store="none", data="empty", writes=["store"])


# -- attack findings (helper `attack`; kept in one function so merges are easy) ----------------
ATTACK_CONDITIONS = [
    "code = 300750",  # text against a number: never equal, silently
    "code != 300750",
    "code in (300750, 2594)",
    "industry = 5",
    "pe_ttm < 1e400",  # a literal that is inf
    "pe_ttm > -1e999",
    "pe_ttm in (1, 1e309)",
    "pe_ttm * 1e308 * 1e308 > 1",  # overflow: unavailable, no numpy warning
    "pe_ttm between 15 and 0",
    "pe_ttm is null",  # all-a as of a past date: no later listings
]
ATTACK_UNIVERSE = (
    "name: mine\ntitle: Mine\nsegments: {{cells: {{}}}}\nmembers:\n"
    "  - {{code: 300750.SZ, segment: cells{extra}}}\n"
)
ATTACK_MEMBER_FIELDS = [
    ", since: 0",  # pydantic read numbers as Unix timestamps
    ", since: 20230101",
    ", until: 1672531200",
    ", listed: 1.5",
    ", delisted: 2023-06-30, successor: {code: 002594.SZ, ratio: .inf, date: 2023-07-03}",
    ", delisted: 2023-06-30, cash_out: {price: .nan, date: 2023-07-03}",
]
ATTACK_SCREEN_STRATEGY = (
    "name: evil\ntitle: E\ntype: screen-driven\nuniverse: mine\nbase_currency: CNY\n"
    'rebalance: {{calendar: M}}\nscreen: {{where: "{where}"}}\n'
)
ATTACK_LATE_UNIVERSE = (
    "name: mine\ntitle: Mine\nsegments: {cells: {}}\nmembers:\n"
    "  - {code: 300750.SZ, segment: cells, since: 2023-09-01}\n"
)


def attack_cases() -> Iterator[dict[str, Any]]:
    """Bad input classes found by the attack pass (see /work/attack-findings.md)."""
    for j, where in enumerate(ATTACK_CONDITIONS):
        for k, base in enumerate(
            [
                ["screen"],
                ["screen", "--universe", "all-a", "--as-of", "2023-03-31"],
                ["screen", "--source", "seed-2022"],
            ]
        ):
            yield case(f"attack/condition/{j}/{k}", [*base, "--where", where, "-f", "csv"])
    for j, extra in enumerate(ATTACK_MEMBER_FIELDS):
        body = ATTACK_UNIVERSE.format(extra=extra)
        for k, argv in enumerate([["universe", "show", "mine"], ["screen", "-u", "mine"]]):
            yield case(
                f"attack/universe-field/{j}/{k}",
                argv,
                files={"home/universes/mine.yaml": {"text": body}},
            )
    # a screen-driven strategy whose universe has no member on the early rebalance days
    for j, where in enumerate(["code = '300750.SZ'", "code = 300750", "industry in ('x')"]):
        yield case(
            f"attack/screen-driven-empty-days/{j}",
            ["backtest", "evil", "--offline", "--no-save", "--start", "2023-01-03"],
            files={
                "home/universes/mine.yaml": {"text": ATTACK_LATE_UNIVERSE},
                "home/strategies/evil.yaml": {"text": ATTACK_SCREEN_STRATEGY.format(where=where)},
            },
        )
    good = {f"data/{k}": {"text": v} for k, v in GOOD.items()}
    eps = "code,fiscal_year,kind,eps\n300750.SZ,{year},actual,10\n"
    for year in (2023, 2024, 2022):  # an actual of the snapshot's year or later is refused
        yield case(
            f"attack/import/eps-actual/{year}",
            ["data", "import", "{data}"],
            files={**good, "data/eps/2023-01-03.csv": {"text": eps.format(year=year)}},
            data="empty",
            writes=["store"],
        )
    rows = {0: "2023-01-05,1,1,1,1,1", 1: "2023-01-05,1", 2: "2023-01-05,1,x"}
    for j, header in enumerate(["date,opn,high,low,close,volume", "date,clsoe", "Date,CLOSE,x"]):
        yield case(
            f"attack/import/price-header/{j}",
            ["data", "import", "{data}"],
            files={**good, "data/prices/300750.SZ.csv": {"text": f"{header}\n{rows[j]}\n"}},
            data="empty",
            writes=["store"],
        )
    panel = "code,name,industry,pe_ttm,pb,ps_ttm,total_mv\n300750.SZ,宁德时代,电池,20,3,2,1e12\n"
    yield case(
        "attack/import/valuation-blank-cells",
        ["data", "import", "{data}"],
        files={
            **good,
            "data/valuation/300750.SZ.csv": {
                "text": "date,pe_ttm,pb,ps_ttm,total_mv\n2023-01-03,,,,1e12\n"
            },
            "data/valuation_market/valuation_2023-01-03.csv": {"text": panel},
        },
        data="empty",
        writes=["store"],
    )


CLASSES = {
    "options": option_cases,
    "arguments": argument_cases,
    "conditions": condition_cases,
    "grids": grid_cases,
    "run-ids": run_id_cases,
    "yaml": yaml_cases,
    "import": import_cases,
    "runs": run_file_cases,
    "store": store_cases,
    "attack": attack_cases,
}


def main() -> None:
    CORPUS.mkdir(exist_ok=True)
    total = 0
    for name, make in CLASSES.items():
        cases = list(make())
        ids = [c["id"] for c in cases]
        assert len(ids) == len(set(ids)), f"duplicate case ids in {name}"
        with open(CORPUS / f"{name}.jsonl", "w", encoding="utf-8") as fh:
            for c in cases:
                fh.write(json.dumps(c, ensure_ascii=False) + "\n")
        total += len(cases)
        print(f"{name}: {len(cases)} cases")
    print(f"total: {total}")


if __name__ == "__main__":
    main()
