"""A small, safe condition language for ``--where`` (parsed here, never ``eval``-ed).

Grammar (keywords are case-insensitive)::

    condition  := or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | comparison
    comparison := sum [op sum | "between" sum "and" sum | ["not"] "in" "(" value, ... ")"
                       | "is" ["not"] "null"]        op: < <= > >= = == != <>
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/") unary)*
    unary      := "-" unary | number | 'text' | "text" | field | "(" condition ")"

Numbers accept exponents (``1e9``). Examples::

    pe_fy1 between 15 and 22 and peg < 1
    segment in ('cells', 'cathode') and not (ret_3m < -0.2)
    adv_20d > 1e9 or market_cap_base / 1e9 > 50

Logic is three-valued, as in SQL: a comparison with an unavailable value is *unknown*,
``not unknown`` is unknown, and only rows whose condition is known and true pass. A name
without a PE therefore never passes ``pe_ttm < 15`` nor ``not (pe_ttm < 15)``.

Limits (one-line errors, never a hang or a crash): a condition is at most 200,000
characters (room for ``code in (...)`` with every A-share) and nests at most 64 levels
(parentheses, ``not``, unary minus, arithmetic chains). Tokenizing is linear; long
``and`` / ``or`` chains are balanced, so ``a or b or ...`` with thousands of terms is fine.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from naion.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

MAX_LENGTH = 200_000  # characters
MAX_DEPTH = 64  # nesting levels

_TOKEN = re.compile(
    r"""(?P<ws>\s+)
      | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
      | (?P<str>'[^']*'|"[^"]*")
      | (?P<op><=|>=|==|!=|<>|<|>|=|\(|\)|,|\+|-|\*|/)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    """,
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "between", "in", "is", "null"}


@dataclass(frozen=True)
class Tok:
    kind: str  # num, str, op, name, kw, end
    text: str
    pos: int  # 1-based character position


def tokenize(text: str) -> list[Tok]:
    """The tokens of ``text``, in one left-to-right pass (linear in its length)."""
    if len(text) > MAX_LENGTH:
        raise InputError(
            f"condition too long ({len(text):,} characters; at most {MAX_LENGTH:,})",
            hint="shorten it, or screen a universe that holds the names instead of listing them",
        )
    toks: list[Tok] = []
    pos, n = 0, len(text)
    while pos < n:
        m = _TOKEN.match(text, pos)
        if m is None:
            raise _error(text, pos + 1, f"unexpected character {text[pos]!r}")
        kind = m.lastgroup or "op"
        if kind != "ws":
            value = m.group(kind)
            if kind == "name" and value.lower() in _KEYWORDS:
                toks.append(Tok("kw", value.lower(), pos + 1))
            else:
                toks.append(Tok(kind, value, pos + 1))
        pos = m.end()
    toks.append(Tok("end", "", n + 1))
    return toks


def _shown(text: str, pos: int) -> str:
    """The condition as quoted in an error: whole if short, else the part around ``pos``."""
    if len(text) <= 120:
        return repr(text)
    lo = max(pos - 40, 0)
    return repr(text[lo : lo + 80]) + f" (characters {lo + 1}-{min(lo + 80, len(text))})"


def _error(text: str, pos: int, what: str) -> InputError:
    return InputError(f"bad condition {_shown(text, pos)}: {what} at position {pos}")


# -- AST ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Text:
    value: str


@dataclass(frozen=True)
class Ref:
    name: str
    pos: int


@dataclass(frozen=True)
class Arith:
    op: str
    left: Any
    right: Any


@dataclass(frozen=True)
class Neg:
    arg: Any


@dataclass(frozen=True)
class Compare:
    op: str
    left: Any
    right: Any


@dataclass(frozen=True)
class Between:
    arg: Any
    low: Any
    high: Any


@dataclass(frozen=True)
class In:
    arg: Any
    values: tuple[Any, ...]
    negate: bool


@dataclass(frozen=True)
class IsNull:
    arg: Any
    negate: bool


@dataclass(frozen=True)
class Logic:
    op: str  # and / or
    left: Any
    right: Any


@dataclass(frozen=True)
class Not:
    arg: Any


class _Parser:
    def __init__(self, text: str, fields: set[str]) -> None:
        self.text = text
        self.fields = fields
        self.toks = tokenize(text)
        self.i = 0
        self.depth = 0

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"nested deeper than {MAX_DEPTH} levels; simplify the condition")

    @property
    def tok(self) -> Tok:
        return self.toks[self.i]

    def fail(self, what: str) -> InputError:
        t = self.tok
        got = "the end" if t.kind == "end" else repr(t.text)
        return _error(self.text, t.pos, f"{what}, got {got}")

    def take(self, kind: str, text: str | None = None) -> Tok | None:
        t = self.tok
        if t.kind == kind and (text is None or t.text == text):
            self.i += 1
            return t
        return None

    def expect(self, kind: str, text: str, what: str) -> None:
        if not self.take(kind, text):
            raise self.fail(f"expected {what}")

    def parse(self) -> Any:
        if self.tok.kind == "end":
            raise _error(self.text, 1, "empty condition")
        node = self.or_()
        if self.tok.kind != "end":
            raise self.fail("expected 'and', 'or' or the end")
        return node

    def or_(self) -> Any:
        terms = [self.and_()]
        while self.take("kw", "or"):
            terms.append(self.and_())
        return _balanced("or", terms)

    def and_(self) -> Any:
        terms = [self.not_()]
        while self.take("kw", "and"):
            terms.append(self.not_())
        return _balanced("and", terms)

    def not_(self) -> Any:
        if self.take("kw", "not"):
            self.deeper()
            node = Not(self.not_())
            self.depth -= 1
            return node
        return self.comparison()

    def comparison(self) -> Any:
        left = self.sum_()
        t = self.tok
        if t.kind == "op" and t.text in ("<", "<=", ">", ">=", "=", "==", "!=", "<>"):
            self.i += 1
            op = {"=": "==", "<>": "!="}.get(t.text, t.text)
            return Compare(op, left, self.sum_())
        if self.take("kw", "between"):
            at = self.tok.pos
            low = self.sum_()
            self.expect("kw", "and", "'and' after the lower bound of 'between'")
            high = self.sum_()
            lo, hi = _constant(low), _constant(high)
            if lo is not None and hi is not None and lo > hi:
                # SQL's between is then false for every row: an empty screen without a word
                raise _error(
                    self.text,
                    at,
                    f"the lower bound {lo:g} is above the upper bound {hi:g}"
                    f" (write between {hi:g} and {lo:g})",
                )
            return Between(left, low, high)
        negate = False
        if t.kind == "kw" and t.text == "not" and self.toks[self.i + 1].text == "in":
            self.i += 1
            negate = True
        if self.take("kw", "in"):
            self.expect("op", "(", "'(' after 'in'")
            values = [self.sum_()]
            while self.take("op", ","):
                values.append(self.sum_())
            self.expect("op", ")", "',' or ')' in the 'in' list")
            return In(left, tuple(values), negate)
        if self.take("kw", "is"):
            neg = bool(self.take("kw", "not"))
            self.expect("kw", "null", "'null' after 'is'")
            return IsNull(left, neg)
        if isinstance(left, (Logic, Not, Compare, Between, In, IsNull)):
            return left
        raise self.fail("expected a comparison (<, <=, >, >=, =, !=, between, in, is null)")

    def sum_(self) -> Any:
        node = self.product()
        while self.tok.kind == "op" and self.tok.text in "+-":
            op = self.tok.text
            self.i += 1
            node = Arith(op, node, self.product())
        return node

    def product(self) -> Any:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.text in "*/":
            op = self.tok.text
            self.i += 1
            node = Arith(op, node, self.unary())
        return node

    def unary(self) -> Any:
        t = self.tok
        if self.take("op", "-"):
            self.deeper()
            node = Neg(self.unary())
            self.depth -= 1
            return node
        if self.take("num"):
            value = float(t.text)
            if not math.isfinite(value):
                raise _error(self.text, t.pos, f"number {t.text} is out of range")
            return Num(value)
        if self.take("str"):
            return Text(t.text[1:-1])
        if self.take("name"):
            if t.text not in self.fields:
                raise InputError(
                    f"bad condition {self.text!r}: unknown field {t.text!r} at position {t.pos}",
                    hint=f"fields: {', '.join(sorted(self.fields))}",
                )
            return Ref(t.text, t.pos)
        if self.take("op", "("):
            self.deeper()
            node = self.or_()
            self.expect("op", ")", "')'")
            self.depth -= 1
            return node
        raise self.fail("expected a field, a number or '('")


def _constant(node: Any) -> float | None:
    """The value of a number literal (or its negation), else None."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Neg):
        inner = _constant(node.arg)
        return None if inner is None else -inner
    return None


def _balanced(op: str, terms: list[Any]) -> Any:
    """``t0 op t1 op ...`` as a balanced tree (and / or are associative): depth log2(n)."""
    while len(terms) > 1:
        paired = [Logic(op, terms[i], terms[i + 1]) for i in range(0, len(terms) - 1, 2)]
        if len(terms) % 2:
            paired.append(terms[-1])
        terms = paired
    return terms[0]


def _children(node: Any) -> list[Any]:
    out: list[Any] = []
    for v in getattr(node, "__dict__", {}).values():
        if isinstance(v, tuple):
            out.extend(x for x in v if hasattr(x, "__dict__"))
        elif hasattr(v, "__dict__"):
            out.append(v)
    return out


def tree_depth(node: Any) -> int:
    """Depth of a condition tree, counted without recursion."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        n, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((c, d + 1) for c in _children(n))
    return deepest


@dataclass(frozen=True)
class Condition:
    """A parsed ``--where`` condition."""

    text: str
    tree: Any

    def fields(self) -> list[str]:
        out: list[str] = []
        stack = [self.tree]
        while stack:
            n = stack.pop()
            if isinstance(n, Ref):
                if n.name not in out:
                    out.append(n.name)
                continue
            stack.extend(reversed(_children(n)))
        return out

    def mask(self, frame: pd.DataFrame) -> pd.Series:
        """Rows whose condition is known and true."""
        import pandas as pd

        value, known = _truth(self.tree, frame)
        return pd.Series(value & known, index=frame.index)


def parse(text: str, fields: set[str] | list[str]) -> Condition:
    """Parse ``text``; unknown fields, syntax errors and the limits are one-line InputErrors."""
    tree = _Parser(text, set(fields)).parse()
    if tree_depth(tree) > MAX_DEPTH:
        raise InputError(
            f"bad condition {_shown(text, 1)}: nested deeper than {MAX_DEPTH} levels"
            " (a long arithmetic chain?)",
            hint="simplify the condition",
        )
    return Condition(text, tree)


def combine(*conditions: Condition | None) -> Condition | None:
    """``a and b and ...`` of the given conditions (None entries are skipped)."""
    parts = [c for c in conditions if c is not None]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    tree = parts[0].tree
    for c in parts[1:]:
        tree = Logic("and", tree, c.tree)
    return Condition(" and ".join(f"({c.text})" for c in parts), tree)


# -- evaluation -----------------------------------------------------------------------
def _value(node: Any, frame: pd.DataFrame) -> np.ndarray:
    import numpy as np

    n = len(frame)
    if isinstance(node, Num):
        return np.full(n, node.value)
    if isinstance(node, Text):
        return np.full(n, node.value, dtype=object)
    if isinstance(node, Ref):
        col = frame[node.name]
        if col.dtype.kind in "iufb":
            return col.to_numpy(dtype="float64", na_value=np.nan)
        return col.astype(object).where(col.notna(), None).to_numpy()
    if isinstance(node, Neg):
        return -_number(node.arg, frame)
    if isinstance(node, Arith):
        a, b = _number(node.left, frame), _number(node.right, frame)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = {"+": a + b, "-": a - b, "*": a * b, "/": a / b}[node.op]
        out[~np.isfinite(out)] = np.nan
        return out
    raise InputError("a condition cannot be used as a value; compare it with a number")


def _number(node: Any, frame: pd.DataFrame) -> np.ndarray:

    v = _value(node, frame)
    if v.dtype == object:
        raise InputError("arithmetic needs numbers, not text fields")
    return v.astype("float64")


def _known(v: np.ndarray) -> np.ndarray:
    import numpy as np
    import pandas as pd

    if v.dtype == object:
        return np.array(
            [x is not None and not (isinstance(x, float) and np.isnan(x)) for x in v], dtype=bool
        )
    return ~pd.isna(v)


def _compare(op: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    import numpy as np

    if (a.dtype == object) != (b.dtype == object):
        if op not in ("==", "!="):
            raise InputError("cannot order text against a number; compare text with = or in (...)")
        text = a if a.dtype == object else b
        if any(isinstance(x, str) for x in text):
            # code = 300750 would compare '300750.SZ' with '300750.0': never equal, silently
            raise InputError(
                "cannot compare a text field with a number",
                hint="quote the text, e.g. code = '300750.SZ' or industry in ('银行')",
            )
    known = _known(a) & _known(b)
    out = np.zeros(len(a), dtype=bool)
    if known.any():
        x, y = a[known], b[known]
        if a.dtype == object or b.dtype == object:
            x, y = x.astype(str), y.astype(str)
        out[known] = {
            "<": lambda: x < y,
            "<=": lambda: x <= y,
            ">": lambda: x > y,
            ">=": lambda: x >= y,
            "==": lambda: x == y,
            "!=": lambda: x != y,
        }[op]()
    return out


def _in_constants(a: np.ndarray, known: np.ndarray, values: tuple[Any, ...]) -> np.ndarray | None:
    """``a in (constants)`` as one set lookup (numbers with numbers, text with text), else
    None. The same answer as comparing with each value, in O(rows + values)."""
    import numpy as np

    if a.dtype != object and all(isinstance(v, Num) for v in values):
        return known & np.isin(a, np.array([v.value for v in values], dtype="float64"))
    if a.dtype == object and all(isinstance(v, Text) for v in values):
        wanted = {v.value for v in values}
        return np.array([k and str(x) in wanted for x, k in zip(a, known, strict=True)], bool)
    return None


def _truth(node: Any, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(value, known) boolean arrays of a condition node."""
    import numpy as np

    if isinstance(node, Compare):
        a, b = _value(node.left, frame), _value(node.right, frame)
        return _compare(node.op, a, b), _known(a) & _known(b)
    if isinstance(node, Between):
        a = _value(node.arg, frame)
        lo, hi = _value(node.low, frame), _value(node.high, frame)
        known = _known(a) & _known(lo) & _known(hi)
        return _compare(">=", a, lo) & _compare("<=", a, hi), known
    if isinstance(node, In):
        a = _value(node.arg, frame)
        known = _known(a)
        hit = _in_constants(a, known, node.values)
        if hit is None:
            hit = np.zeros(len(frame), dtype=bool)
            for v in node.values:
                hit |= _compare("==", a, _value(v, frame))
        return (~hit if node.negate else hit), known
    if isinstance(node, IsNull):
        missing = ~_known(_value(node.arg, frame))
        return (~missing if node.negate else missing), np.ones(len(frame), dtype=bool)
    if isinstance(node, Not):
        v, k = _truth(node.arg, frame)
        return ~v, k
    if isinstance(node, Logic):
        av, ak = _truth(node.left, frame)
        bv, bk = _truth(node.right, frame)
        if node.op == "and":
            known = (ak & bk) | (ak & ~av) | (bk & ~bv)
            return av & bv & ak & bk, known
        known = (ak & bk) | (ak & av) | (bk & bv)
        return (av & ak) | (bv & bk), known
    raise InputError("the condition must compare something, e.g. 'pe_fy1 < 22'")
