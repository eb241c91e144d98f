"""Hardening limits: the condition tokenizer, ``in (...)`` lists and hostile YAML.

Run: .venv/bin/python bench/hardening.py

Each row times the current code and, in the same run, its reference (the former algorithm,
kept here only as the yardstick), and prints the ratio. Machine load changes the seconds,
not much the ratios.
  tokenize   a 1,000,000-character condition (the length limit lifted for the bench):
             linear tokenizer vs the former slicing one
  in-list    `code in (9,000 codes)` over 5,000 rows: one set lookup vs one compare per value
  yaml bomb  a 10**8-value alias bomb refused vs the same file expanded by PyYAML + a walk
"""

from __future__ import annotations

import platform
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from screener import expr  # noqa: E402

_OLD = re.compile(
    r"""\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<str>'[^']*'|"[^"]*")
      |(?P<op><=|>=|==|!=|<>|<|>|=|\(|\)|,|\+|-|\*|/)|(?P<name>[A-Za-z_][A-Za-z0-9_]*))""",
    re.VERBOSE,
)


def old_tokenize(text: str) -> int:
    """The former tokenizer's loop (slices the rest of the text at every token)."""
    i, n = 0, 0
    while i < len(text):
        if text[i:].strip() == "":
            break
        m = _OLD.match(text, i)
        i, n = m.end(), n + 1
    return n


def clock(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    print(
        f"# {platform.node()} · {platform.processor() or platform.machine()} · python "
        f"{platform.python_version()}"
    )
    text = " and ".join(["pe_ttm < 100"] * 60_000)[:1_000_000]
    expr.MAX_LENGTH = len(text)  # the CLI refuses over 200,000 characters; time the loop
    new = clock(lambda: expr.tokenize(text))
    old = clock(lambda: old_tokenize(text), 1)
    print(f"tokenize 1M chars     {new:8.4f} s   reference {old:8.4f} s   {old / new:7.1f}x")

    rows = pd.DataFrame({"code": [f"{i:06d}.SZ" for i in range(0, 10_000, 2)]})
    codes = [f"{i:06d}.SZ" for i in range(9_000)]
    cond = expr.parse("code in (" + ", ".join(f"'{c}'" for c in codes) + ")", {"code"})
    new = clock(lambda: cond.mask(rows))
    values = rows["code"].to_numpy(dtype=object)

    def loop() -> None:
        hit = np.zeros(len(values), bool)
        for c in codes:
            hit |= values.astype(str) == np.full(len(values), c, dtype=object).astype(str)

    old = clock(loop, 1)
    print(f"in (9,000) x 5,000    {new:8.4f} s   reference {old:8.4f} s   {old / new:7.1f}x")

    import yaml

    from naion.errors import ConfigError
    from naion.yamlfiles import read_yaml

    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 8)]
    body = "\n".join(lines) + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bomb.yaml"
        path.write_text(body, encoding="utf-8")

        def refuse() -> None:
            try:
                read_yaml(path)
            except ConfigError:
                return
            raise AssertionError("the bomb was accepted")

        def expand() -> None:  # what validating the parsed file walks through
            stack, seen = [yaml.safe_load(body)], 0
            while stack:
                v = stack.pop()
                seen += 1
                if isinstance(v, dict):
                    stack.extend(v.values())
                elif isinstance(v, list):
                    stack.extend(v)

        new = clock(refuse)
        old = clock(expand, 1)
    print(f"yaml bomb 10**8       {new:8.4f} s   reference {old:8.4f} s   {old / new:7.1f}x")


if __name__ == "__main__":
    main()
